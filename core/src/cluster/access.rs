//! What Parkway may do in a cluster: the rules of the ClusterRole the README tells
//! operators to grant, one source of truth for the documentation and the code.
//!
//! Parkway only reads clusters today, so every rule is `get`/`list`/`watch` on exactly
//! what the caches watch ([`super::cache`] checks its watches against these rules, and
//! a test checks the README's ClusterRole against them). A capability that writes to
//! clusters (tenant onboarding, later) adds its write verbs here, each with the reason
//! it needs them, in the change that makes the first such write.

/// One rule of the ClusterRole: verbs on resources of one API group, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// `""` is the core group.
    pub api_group: &'static str,
    /// Plural resource names; `"*"` for a group whose kinds are only known by
    /// discovery (Gatekeeper makes a resource per constraint kind).
    pub resources: &'static [&'static str],
    pub verbs: &'static [&'static str],
    /// Shown as the comment above the rule in the README.
    pub reason: &'static str,
}

/// The read verbs: `list` and `watch` feed the reflectors; `get` is the same read,
/// one object at a time.
pub const READ: &[&str] = &["get", "list", "watch"];

/// The ClusterRole Parkway needs, in the order the README lists it.
pub const CLUSTER_ROLE: &[Rule] = &[
    Rule {
        api_group: "",
        resources: &["namespaces"],
        verbs: READ,
        reason: "namespace labels: the owner team (parkway.io/team) decides whose Runtime tab shows a workload; also the business unit",
    },
    Rule {
        api_group: "",
        resources: &["pods"],
        verbs: READ,
        reason: "a workload's pods: readiness, restarts, why a container waits, nodes",
    },
    Rule {
        api_group: "",
        resources: &["events"],
        verbs: READ,
        reason: "recent warning events of workloads and their pods",
    },
    Rule {
        api_group: "apps",
        resources: &["deployments", "statefulsets", "daemonsets"],
        verbs: READ,
        reason: "the workloads: wanted and ready replicas, images, kubernetes-id and app name",
    },
    Rule {
        api_group: "wgpolicyk8s.io",
        resources: &["policyreports", "clusterpolicyreports"],
        verbs: READ,
        reason: "policy findings per workload (Kyverno writes these reports)",
    },
    Rule {
        api_group: "kyverno.io",
        resources: &["clusterpolicies", "policies"],
        verbs: READ,
        reason: "whether a Kyverno policy blocks at admission (Enforce) or only audits",
    },
    Rule {
        api_group: "constraints.gatekeeper.sh",
        resources: &["*"],
        verbs: READ,
        reason: "Gatekeeper constraints and their audit violations (one resource per constraint kind, found by discovery)",
    },
];

/// Whether [`CLUSTER_ROLE`] lets Parkway `verb` the `resource` of `api_group`.
pub fn grants(api_group: &str, resource: &str, verb: &str) -> bool {
    CLUSTER_ROLE.iter().any(|rule| {
        rule.api_group == api_group
            && rule.verbs.contains(&verb)
            && rule.resources.iter().any(|r| *r == "*" || *r == resource)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_only_reads() {
        for rule in CLUSTER_ROLE {
            assert_eq!(
                rule.verbs, READ,
                "{rule:?}: a write verb comes with the capability that writes"
            );
            assert!(!rule.reason.is_empty(), "{rule:?} says why");
        }
        assert!(grants("apps", "deployments", "watch"));
        assert!(grants("constraints.gatekeeper.sh", "k8srequiredlabels", "list"));
        assert!(!grants("apps", "deployments", "patch"));
        assert!(!grants("", "secrets", "get"));
    }
}
