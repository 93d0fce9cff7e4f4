//! The ClusterRole the README tells operators to grant is exactly
//! `cluster::access::CLUSTER_ROLE` (which the cache's own test ties to the watches it
//! starts): the same rules in the same order, nothing more, each with its reason as the
//! comment above it.

use parkway_core::cluster::access::{CLUSTER_ROLE, READ};
use serde::Deserialize;

fn readme() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The fenced YAML block of the README holding the ClusterRole.
fn cluster_role_block(readme: &str) -> String {
    let mut blocks = readme.split("```yaml\n").skip(1).map(|rest| {
        rest.split_once("\n```")
            .map_or(rest, |(block, _)| block)
            .to_owned()
    });
    let found = blocks
        .find(|block| block.contains("kind: ClusterRole\n"))
        .expect("the README documents a ClusterRole in a ```yaml block");
    assert!(
        !blocks.any(|block| block.contains("kind: ClusterRole\n")),
        "exactly one ClusterRole is documented"
    );
    found
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct DocumentedRule {
    api_groups: Vec<String>,
    resources: Vec<String>,
    verbs: Vec<String>,
    #[serde(default)]
    resource_names: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Document {
    kind: String,
    #[serde(default)]
    rules: Vec<DocumentedRule>,
}

fn documented_rules(block: &str) -> Vec<DocumentedRule> {
    let role = serde_yaml::Deserializer::from_str(block)
        .filter_map(|doc| {
            let value = serde_yaml::Value::deserialize(doc).expect("valid YAML");
            (value.get("kind").and_then(|k| k.as_str()) == Some("ClusterRole")).then_some(value)
        })
        .next()
        .expect("a ClusterRole document");
    // `deny_unknown_fields` refuses `nonResourceURLs` and the like.
    let role: Document = serde_yaml::from_value(role).expect("rules are apiGroups, resources and verbs only");
    assert_eq!(role.kind, "ClusterRole");
    role.rules
}

/// The comment line right above each `- apiGroups:` line of the ClusterRole's rules.
fn reasons(block: &str) -> Vec<Option<String>> {
    let role = block
        .split("\n---\n")
        .find(|doc| doc.contains("kind: ClusterRole\n"))
        .expect("a ClusterRole document");
    let lines: Vec<&str> = role.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter(|(_, line)| line.trim_start().starts_with("- apiGroups:"))
        .map(|(i, _)| {
            i.checked_sub(1)
                .and_then(|above| lines[above].trim().strip_prefix("# "))
                .map(str::to_owned)
        })
        .collect()
}

#[test]
fn the_readme_cluster_role_is_the_one_in_code() {
    let block = cluster_role_block(&readme());
    let documented = documented_rules(&block);
    let reasons = reasons(&block);
    assert_eq!(
        documented.len(),
        CLUSTER_ROLE.len(),
        "README rules: {documented:?}"
    );
    assert_eq!(reasons.len(), CLUSTER_ROLE.len());
    for ((doc, reason), rule) in documented.iter().zip(&reasons).zip(CLUSTER_ROLE) {
        assert_eq!(doc.api_groups, [rule.api_group], "{doc:?} vs {rule:?}");
        assert_eq!(doc.resources, rule.resources, "{doc:?} vs {rule:?}");
        assert_eq!(doc.verbs, rule.verbs, "{doc:?} vs {rule:?}");
        assert_eq!(doc.resource_names, rule.resource_names, "{doc:?} vs {rule:?}");
        assert_eq!(
            reason.as_deref(),
            Some(rule.reason),
            "the README says why, as the code does: {rule:?}"
        );
    }
}

#[test]
fn writes_are_only_onboardings() {
    // What a tenant is made of; nothing else is ever written.
    let tenant_kinds = [
        "namespaces",
        "serviceaccounts",
        "resourcequotas",
        "limitranges",
        "networkpolicies",
        "rolebindings",
        "clusterroles",
    ];
    for rule in documented_rules(&cluster_role_block(&readme())) {
        if rule.verbs == READ {
            continue;
        }
        for resource in &rule.resources {
            assert!(
                tenant_kinds.contains(&resource.as_str()),
                "{rule:?} writes {resource}"
            );
        }
        for verb in &rule.verbs {
            assert!(
                ["create", "patch", "delete", "bind"].contains(&verb.as_str()),
                "{rule:?}"
            );
        }
        if rule.verbs.iter().any(|v| v == "bind") {
            assert_eq!(rule.resources, ["clusterroles"]);
            assert!(
                !rule.resource_names.is_empty(),
                "bind only on named ClusterRoles: {rule:?}"
            );
        }
        if rule.verbs.iter().any(|v| v == "delete") {
            assert_eq!(rule.resources, ["namespaces"], "only namespaces are deleted");
        }
        assert!(
            !rule.verbs.iter().any(|v| v == "escalate" || v == "update"),
            "{rule:?}"
        );
    }
}
