//! The secure defaults, as the exact objects Parkway sends with server-side apply.
//! Pure: the preview, the stored steps and the drift check all come from here, so what
//! a person approves is what the cluster receives.

use parkway_types::views::onboarding::{ObjectManifest, OptionDecision, Quotas, TierRuleSpec};
use serde_json::{Value, json};

/// The label every object of a tenant carries; also how Parkway recognises what it may
/// delete.
pub const TENANT_LABEL: &str = "parkway.io/tenant";

/// The Pod Security Admission version the labels pin, so a cluster upgrade does not
/// change what `restricted` means for existing tenants without a decision.
pub const PSA_VERSION: &str = "v1.33";

/// The ClusterRole a tier's team is bound to; installed by the platform (see the
/// README), never created by Parkway.
pub fn tier_cluster_role_name(tier: &str) -> String {
    format!("parkway-tenant-{tier}")
}

/// What the manifests are made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSpec<'a> {
    pub name: &'a str,
    /// The team's catalog name (`payments`), not its full reference.
    pub team: &'a str,
    /// The business unit's catalog name, if the team has one.
    pub business_unit: Option<&'a str>,
    pub tier: &'a str,
    pub quotas: &'a Quotas,
    pub options: &'a [OptionDecision],
    pub rule: &'a TierRuleSpec,
    /// The identity provider group of the team (`team-payments`).
    pub group: String,
}

/// One object to apply.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub kind: &'static str,
    pub api_version: &'static str,
    pub name: String,
    pub namespace: Option<String>,
    pub body: Value,
}

impl Manifest {
    pub fn view(&self) -> ObjectManifest {
        ObjectManifest {
            kind: self.kind.to_owned(),
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            yaml: to_yaml(&self.body),
        }
    }
}

/// YAML as a person reads it (keys sorted: `apiVersion`, `kind`, `metadata`, `spec`).
pub fn to_yaml(value: &Value) -> String {
    serde_yaml::to_string(value).unwrap_or_else(|e| format!("# not representable as YAML: {e}\n"))
}

/// The manifests of one tenant in one cluster, in the order they are applied (the
/// Namespace first).
pub fn manifests(t: &TenantSpec<'_>) -> Vec<Manifest> {
    let ns = t.name.to_owned();
    let mut labels = json!({
        TENANT_LABEL: t.name,
        "parkway.io/team": t.team,
        "parkway.io/tier": t.tier,
        "app.kubernetes.io/managed-by": "parkway",
    });
    if let Some(unit) = t.business_unit {
        labels["parkway.io/business-unit"] = json!(unit);
    }
    let common = labels.clone();
    let mut ns_labels = labels;
    for mode in ["enforce", "audit", "warn"] {
        ns_labels[format!("pod-security.kubernetes.io/{mode}")] = json!("restricted");
        ns_labels[format!("pod-security.kubernetes.io/{mode}-version")] = json!(PSA_VERSION);
    }
    let mut namespace_meta = json!({ "name": ns, "labels": ns_labels });
    if !t.options.is_empty() {
        let ids: Vec<String> = t.options.iter().map(|o| o.guardrail.to_string()).collect();
        namespace_meta["annotations"] = json!({ "parkway.io/options": ids.join(",") });
    }
    let meta = |name: &str| json!({ "name": name, "namespace": ns, "labels": common });
    let mut out = vec![
        Manifest {
            kind: "Namespace",
            api_version: "v1",
            name: ns.clone(),
            namespace: None,
            body: json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": namespace_meta }),
        },
        object(
            "ServiceAccount",
            "v1",
            "deploy",
            &ns,
            json!({
                "apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta("deploy"),
                "automountServiceAccountToken": false,
            }),
        ),
        object(
            "ResourceQuota",
            "v1",
            "tenant-quota",
            &ns,
            json!({
                "apiVersion": "v1", "kind": "ResourceQuota", "metadata": meta("tenant-quota"),
                "spec": { "hard": {
                    "requests.cpu": t.quotas.cpu, "limits.cpu": t.quotas.cpu,
                    "requests.memory": t.quotas.memory, "limits.memory": t.quotas.memory,
                    "pods": t.quotas.pods.to_string(), "requests.storage": t.quotas.storage,
                }},
            }),
        ),
        object(
            "LimitRange",
            "v1",
            "tenant-defaults",
            &ns,
            json!({
                "apiVersion": "v1", "kind": "LimitRange", "metadata": meta("tenant-defaults"),
                "spec": { "limits": [{
                    "type": "Container",
                    "defaultRequest": { "cpu": t.rule.default_request_cpu, "memory": t.rule.default_request_memory },
                    "default": { "cpu": t.rule.default_limit_cpu, "memory": t.rule.default_limit_memory },
                }]},
            }),
        ),
        network_policy(
            "default-deny",
            &ns,
            &meta,
            json!({
                "podSelector": {}, "policyTypes": ["Ingress", "Egress"],
            }),
        ),
        network_policy(
            "allow-same-namespace",
            &ns,
            &meta,
            json!({
                "podSelector": {}, "policyTypes": ["Ingress", "Egress"],
                "ingress": [{ "from": [{ "podSelector": {} }] }],
                "egress": [{ "to": [{ "podSelector": {} }] }],
            }),
        ),
        network_policy(
            "allow-dns",
            &ns,
            &meta,
            json!({
                "podSelector": {}, "policyTypes": ["Egress"],
                "egress": [{
                    "to": [{
                        "namespaceSelector": { "matchLabels": { "kubernetes.io/metadata.name": "kube-system" } },
                        "podSelector": { "matchLabels": { "k8s-app": "kube-dns" } },
                    }],
                    "ports": [{ "protocol": "UDP", "port": 53 }, { "protocol": "TCP", "port": 53 }],
                }],
            }),
        ),
    ];
    for option in t.options {
        match OptionEffect::of(&option.label) {
            Some(OptionEffect::PublicIngress) => out.push(network_policy(
                "allow-public-ingress",
                &ns,
                &meta,
                json!({
                    "podSelector": {}, "policyTypes": ["Ingress"],
                    "ingress": [{ "from": [{
                        "namespaceSelector": { "matchLabels": { "parkway.io/ingress-controller": "true" } },
                    }]}],
                }),
            )),
            Some(OptionEffect::InternetEgress) => out.push(network_policy(
                "allow-internet-egress",
                &ns,
                &meta,
                json!({
                    "podSelector": {}, "policyTypes": ["Egress"],
                    "egress": [{ "to": [{ "ipBlock": {
                        "cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
                    }}]}],
                }),
            )),
            None => {}
        }
    }
    let role = tier_cluster_role_name(t.tier);
    out.push(object("RoleBinding", "rbac.authorization.k8s.io/v1", "team-access", &ns, json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": meta("team-access"),
        "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role },
        "subjects": [
            { "apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": t.group },
            { "kind": "ServiceAccount", "name": "deploy", "namespace": ns },
        ],
    })));
    out
}

/// What a requested option adds beyond recording it on the namespace: recognised from
/// the guardrail's requestable label (`…ingress…`, `…egress…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionEffect {
    PublicIngress,
    InternetEgress,
}

impl OptionEffect {
    pub fn of(label: &str) -> Option<Self> {
        let label = label.to_ascii_lowercase();
        if label.contains("egress") {
            Some(OptionEffect::InternetEgress)
        } else if label.contains("ingress") {
            Some(OptionEffect::PublicIngress)
        } else {
            None
        }
    }
}

fn object(kind: &'static str, api_version: &'static str, name: &str, ns: &str, body: Value) -> Manifest {
    Manifest {
        kind,
        api_version,
        name: name.to_owned(),
        namespace: Some(ns.to_owned()),
        body,
    }
}

fn network_policy(name: &str, ns: &str, meta: &impl Fn(&str) -> Value, spec: Value) -> Manifest {
    object(
        "NetworkPolicy",
        "networking.k8s.io/v1",
        name,
        ns,
        json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta(name), "spec": spec,
        }),
    )
}

/// The least-privilege ClusterRole of a tier: run and configure workloads, write but
/// never read Secrets, and `pods/exec` only where the tier rule allows it.
pub fn tier_cluster_role(tier: &str, pod_exec: bool) -> Value {
    let edit = ["create", "delete", "get", "list", "patch", "update", "watch"];
    let read = ["get", "list", "watch"];
    let mut rules = vec![
        json!({ "apiGroups": [""], "resources": ["configmaps", "persistentvolumeclaims", "pods", "services", "serviceaccounts"], "verbs": edit }),
        json!({ "apiGroups": [""], "resources": ["secrets"], "verbs": ["create", "delete", "patch", "update"] }),
        json!({ "apiGroups": [""], "resources": ["events", "pods/log", "resourcequotas", "limitranges"], "verbs": read }),
        json!({ "apiGroups": ["apps"], "resources": ["deployments", "statefulsets", "replicasets"], "verbs": edit }),
        json!({ "apiGroups": ["batch"], "resources": ["jobs", "cronjobs"], "verbs": edit }),
        json!({ "apiGroups": ["networking.k8s.io"], "resources": ["ingresses"], "verbs": edit }),
        json!({ "apiGroups": ["networking.k8s.io"], "resources": ["networkpolicies"], "verbs": read }),
        json!({ "apiGroups": ["autoscaling"], "resources": ["horizontalpodautoscalers"], "verbs": edit }),
    ];
    if pod_exec {
        rules.push(
            json!({ "apiGroups": [""], "resources": ["pods/exec", "pods/portforward"], "verbs": ["create"] }),
        );
    }
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": { "name": tier_cluster_role_name(tier), "labels": { "app.kubernetes.io/managed-by": "parkway" } },
        "rules": rules,
    })
}

#[cfg(test)]
mod tests {
    use parkway_types::{
        guardrails::{Decision, GuardrailId},
        onboarding::Approver,
    };

    use super::*;

    fn spec_with(options: &[OptionDecision]) -> Vec<Manifest> {
        let quotas = Quotas {
            cpu: "4".into(),
            memory: "8Gi".into(),
            pods: 50,
            storage: "20Gi".into(),
        };
        let rule = TierRuleSpec {
            max_cpu: "8".into(),
            max_memory: "16Gi".into(),
            max_pods: 50,
            max_storage: "100Gi".into(),
            approver: Approver::Auto,
            default_request_cpu: "100m".into(),
            default_request_memory: "128Mi".into(),
            default_limit_cpu: "1".into(),
            default_limit_memory: "1Gi".into(),
            pod_exec: false,
        };
        manifests(&TenantSpec {
            name: "shop",
            team: "payments",
            business_unit: Some("commerce"),
            tier: "internal",
            quotas: &quotas,
            options,
            rule: &rule,
            group: "team-payments".into(),
        })
    }

    #[test]
    fn the_namespace_comes_first_with_labels_and_pinned_psa() {
        let all = spec_with(&[]);
        assert_eq!(all[0].kind, "Namespace");
        let labels = &all[0].body["metadata"]["labels"];
        for (k, v) in [
            ("parkway.io/tenant", "shop"),
            ("parkway.io/team", "payments"),
            ("parkway.io/business-unit", "commerce"),
            ("parkway.io/tier", "internal"),
            ("pod-security.kubernetes.io/enforce", "restricted"),
            ("pod-security.kubernetes.io/audit", "restricted"),
            ("pod-security.kubernetes.io/warn", "restricted"),
            ("pod-security.kubernetes.io/enforce-version", PSA_VERSION),
        ] {
            assert_eq!(labels[k], k8s_str(v), "{k}");
        }
        let kinds: Vec<(&str, &str)> = all.iter().map(|m| (m.kind, m.name.as_str())).collect();
        assert_eq!(
            kinds,
            [
                ("Namespace", "shop"),
                ("ServiceAccount", "deploy"),
                ("ResourceQuota", "tenant-quota"),
                ("LimitRange", "tenant-defaults"),
                ("NetworkPolicy", "default-deny"),
                ("NetworkPolicy", "allow-same-namespace"),
                ("NetworkPolicy", "allow-dns"),
                ("RoleBinding", "team-access"),
            ]
        );
        assert!(
            all.iter()
                .all(|m| m.body["metadata"]["labels"][TENANT_LABEL] == "shop")
        );
    }

    fn k8s_str(v: &str) -> Value {
        Value::String(v.to_owned())
    }

    #[test]
    fn dns_egress_is_pinned_to_kube_dns_on_udp_and_tcp() {
        let all = spec_with(&[]);
        let dns = all.iter().find(|m| m.name == "allow-dns").expect("dns policy");
        let rule = &dns.body["spec"]["egress"][0];
        assert_eq!(
            rule["to"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
            "kube-system"
        );
        assert_eq!(rule["to"][0]["podSelector"]["matchLabels"]["k8s-app"], "kube-dns");
        assert_eq!(
            rule["ports"],
            json!([{ "protocol": "UDP", "port": 53 }, { "protocol": "TCP", "port": 53 }])
        );
    }

    #[test]
    fn options_add_their_own_policy() {
        let option = |n, label: &str| OptionDecision {
            guardrail: GuardrailId(n),
            label: label.into(),
            title: label.into(),
            decision: Decision::Allowed,
        };
        let all = spec_with(&[option(4, "Public ingress"), option(5, "Egress to the internet")]);
        assert!(all.iter().any(|m| m.name == "allow-public-ingress"));
        assert!(all.iter().any(|m| m.name == "allow-internet-egress"));
        assert_eq!(
            all[0].body["metadata"]["annotations"]["parkway.io/options"],
            "GR-004,GR-005"
        );
    }

    #[test]
    fn cluster_roles_never_read_secrets_and_exec_only_when_allowed() {
        for exec in [false, true] {
            let role = tier_cluster_role("internal", exec);
            let rules = role["rules"].as_array().cloned().unwrap_or_default();
            let grants = |resource: &str, verb: &str| {
                rules.iter().any(|r| {
                    r["resources"]
                        .as_array()
                        .is_some_and(|rs| rs.iter().any(|x| x == resource))
                        && r["verbs"]
                            .as_array()
                            .is_some_and(|vs| vs.iter().any(|x| x == verb))
                })
            };
            assert!(!grants("secrets", "get") && !grants("secrets", "list") && !grants("secrets", "watch"));
            assert_eq!(grants("pods/exec", "create"), exec);
        }
    }
}
