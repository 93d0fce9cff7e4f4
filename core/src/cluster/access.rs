//! What Parkway may do in a cluster: the rules of the ClusterRole the README tells
//! operators to grant, one source of truth for the documentation and the code.
//!
//! Reads are `get`/`list`/`watch` on exactly what the caches watch ([`super::cache`]
//! checks its watches against these rules, and a test checks the README's ClusterRole
//! against them). The only writes are tenant onboarding's: `create`/`patch` (what
//! server-side apply sends) on the kinds a tenant is made of, `bind` on the tier
//! ClusterRoles only, and `delete` on namespaces, each with its reason.

/// One rule of the ClusterRole: verbs on resources of one API group, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// `""` is the core group.
    pub api_group: &'static str,
    /// Plural resource names; `"*"` for a group whose kinds are only known by
    /// discovery (Gatekeeper makes a resource per constraint kind).
    pub resources: &'static [&'static str],
    pub verbs: &'static [&'static str],
    /// When not empty, the rule is limited to these object names.
    pub resource_names: &'static [&'static str],
    /// Shown as the comment above the rule in the README.
    pub reason: &'static str,
}

/// The read verbs: `list` and `watch` feed the reflectors; `get` is the same read,
/// one object at a time.
pub const READ: &[&str] = &["get", "list", "watch"];

/// What server-side apply of a tenant's objects sends: `patch` (apply), and `create`
/// is what the API server checks when the object does not exist yet.
pub const APPLY: &[&str] = &["create", "patch"];

/// The tier ClusterRoles tenants' teams are bound to (one per seeded risk tier).
pub const TIER_CLUSTER_ROLES: &[&str] = &[
    "parkway-tenant-public",
    "parkway-tenant-internal",
    "parkway-tenant-confidential",
    "parkway-tenant-restricted",
];

/// The ClusterRole Parkway needs, in the order the README lists it.
pub const CLUSTER_ROLE: &[Rule] = &[
    Rule {
        api_group: "",
        resources: &["namespaces"],
        verbs: READ,
        resource_names: &[],
        reason: "namespace labels: the owner team (parkway.io/team) decides whose Runtime tab shows a workload; also the business unit",
    },
    Rule {
        api_group: "",
        resources: &["pods"],
        verbs: READ,
        resource_names: &[],
        reason: "a workload's pods: readiness, restarts, why a container waits, nodes",
    },
    Rule {
        api_group: "",
        resources: &["events"],
        verbs: READ,
        resource_names: &[],
        reason: "recent warning events of workloads and their pods",
    },
    Rule {
        api_group: "apps",
        resources: &["deployments", "statefulsets", "daemonsets"],
        verbs: READ,
        resource_names: &[],
        reason: "the workloads: wanted and ready replicas, images, kubernetes-id and app name",
    },
    Rule {
        api_group: "wgpolicyk8s.io",
        resources: &["policyreports", "clusterpolicyreports"],
        verbs: READ,
        resource_names: &[],
        reason: "policy findings per workload (Kyverno writes these reports)",
    },
    Rule {
        api_group: "kyverno.io",
        resources: &["clusterpolicies", "policies"],
        verbs: READ,
        resource_names: &[],
        reason: "whether a Kyverno policy blocks at admission (Enforce) or only audits",
    },
    Rule {
        api_group: "constraints.gatekeeper.sh",
        resources: &["*"],
        verbs: READ,
        resource_names: &[],
        reason: "Gatekeeper constraints and their audit violations (one resource per constraint kind, found by discovery)",
    },
    Rule {
        api_group: "",
        resources: &["serviceaccounts", "resourcequotas", "limitranges"],
        verbs: READ,
        resource_names: &[],
        reason: "drift: tenants' deploy ServiceAccount, quota and container defaults as they are live (watched by the parkway.io/tenant label only)",
    },
    Rule {
        api_group: "networking.k8s.io",
        resources: &["networkpolicies"],
        verbs: READ,
        resource_names: &[],
        reason: "drift: tenants' network policies as they are live (watched by the parkway.io/tenant label only)",
    },
    Rule {
        api_group: "rbac.authorization.k8s.io",
        resources: &["rolebindings"],
        verbs: READ,
        resource_names: &[],
        reason: "drift: tenants' team RoleBinding as it is live (watched by the parkway.io/tenant label only)",
    },
    Rule {
        api_group: "",
        resources: &["namespaces", "serviceaccounts", "resourcequotas", "limitranges"],
        verbs: APPLY,
        resource_names: &[],
        reason: "onboarding: server-side apply of a tenant's Namespace, deploy ServiceAccount, ResourceQuota and LimitRange",
    },
    Rule {
        api_group: "networking.k8s.io",
        resources: &["networkpolicies"],
        verbs: APPLY,
        resource_names: &[],
        reason: "onboarding: server-side apply of a tenant's default-deny, same-namespace, DNS and option policies",
    },
    Rule {
        api_group: "rbac.authorization.k8s.io",
        resources: &["rolebindings"],
        verbs: APPLY,
        resource_names: &[],
        reason: "onboarding: server-side apply of the RoleBinding of a tenant's team to its tier's ClusterRole",
    },
    Rule {
        api_group: "rbac.authorization.k8s.io",
        resources: &["clusterroles"],
        verbs: &["bind"],
        resource_names: TIER_CLUSTER_ROLES,
        reason: "onboarding: bind (only) the tier ClusterRoles in tenants' RoleBindings, without holding their permissions",
    },
    Rule {
        api_group: "",
        resources: &["namespaces"],
        verbs: &["delete"],
        resource_names: &[],
        reason: "decommission: delete a tenant's namespaces; Parkway checks the parkway.io/tenant label before each delete (RBAC cannot select by label)",
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
    fn the_role_reads_and_writes_only_tenants() {
        for rule in CLUSTER_ROLE {
            assert!(
                rule.verbs == READ
                    || rule.reason.starts_with("onboarding:")
                    || rule.reason.starts_with("decommission:"),
                "{rule:?}: a write verb comes with the capability that writes"
            );
            assert!(!rule.reason.is_empty(), "{rule:?} says why");
        }
        assert!(grants("", "namespaces", "patch"));
        assert!(grants("rbac.authorization.k8s.io", "clusterroles", "bind"));
        assert!(!grants("rbac.authorization.k8s.io", "clusterroles", "create"));
        assert!(!grants("", "secrets", "patch"));
        assert!(grants("apps", "deployments", "watch"));
        assert!(grants("constraints.gatekeeper.sh", "k8srequiredlabels", "list"));
        assert!(!grants("apps", "deployments", "patch"));
        assert!(!grants("", "secrets", "get"));
    }
}
