//! The resource kinds the demo endpoint serves, with what discovery says about them.

/// One served resource. The table is static: the demo endpoint does not accept new
/// CustomResourceDefinitions at run time; the custom kinds Parkway reads are built in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Kind {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub namespaced: bool,
    /// Whether writes through the main resource ignore `status` (as for kinds with a
    /// status subresource); the demo's own seeding still sets it.
    pub has_status: bool,
}

impl Kind {
    /// `v1` for the core group, `group/version` otherwise.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_owned()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// How error messages name the resource: `pods`, `deployments.apps`.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_owned()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    pub fn singular(&self) -> String {
        self.kind.to_ascii_lowercase()
    }
}

const fn kind(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    has_status: bool,
) -> Kind {
    Kind {
        group,
        version,
        kind,
        plural,
        namespaced,
        has_status,
    }
}

/// Every served kind. Indexes into this table identify a kind inside the store.
pub const KINDS: &[Kind] = &[
    kind("", "v1", "Namespace", "namespaces", false, true),
    kind("", "v1", "Pod", "pods", true, true),
    kind("", "v1", "Event", "events", true, false),
    kind("", "v1", "ConfigMap", "configmaps", true, false),
    kind("", "v1", "ServiceAccount", "serviceaccounts", true, false),
    kind("", "v1", "ResourceQuota", "resourcequotas", true, true),
    kind("", "v1", "LimitRange", "limitranges", true, false),
    kind("", "v1", "Service", "services", true, true),
    kind("apps", "v1", "Deployment", "deployments", true, true),
    kind("apps", "v1", "StatefulSet", "statefulsets", true, true),
    kind("apps", "v1", "DaemonSet", "daemonsets", true, true),
    kind("apps", "v1", "ReplicaSet", "replicasets", true, true),
    kind("rbac.authorization.k8s.io", "v1", "Role", "roles", true, false),
    kind(
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        true,
        false,
    ),
    kind(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        false,
        false,
    ),
    kind(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
        false,
    ),
    kind(
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        true,
        false,
    ),
    kind(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
        true,
    ),
    kind(
        "wgpolicyk8s.io",
        "v1alpha2",
        "PolicyReport",
        "policyreports",
        true,
        false,
    ),
    kind(
        "wgpolicyk8s.io",
        "v1alpha2",
        "ClusterPolicyReport",
        "clusterpolicyreports",
        false,
        false,
    ),
    kind(
        "kyverno.io",
        "v1",
        "ClusterPolicy",
        "clusterpolicies",
        false,
        true,
    ),
    kind("kyverno.io", "v1", "Policy", "policies", true, true),
    kind(
        "templates.gatekeeper.sh",
        "v1",
        "ConstraintTemplate",
        "constrainttemplates",
        false,
        true,
    ),
    kind(
        "constraints.gatekeeper.sh",
        "v1beta1",
        "K8sRequiredLabels",
        "k8srequiredlabels",
        false,
        true,
    ),
    // What Parkway's own manifests (deploy/) are made of besides the kinds above, so
    // they can be applied here as to a real cluster.
    kind("", "v1", "Secret", "secrets", true, false),
    kind("batch", "v1", "Job", "jobs", true, true),
    kind(
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
        true,
    ),
    kind(
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
        true,
    ),
];

/// The index of the kind served at `group/version` under `plural`.
pub fn find(group: &str, version: &str, plural: &str) -> Option<usize> {
    KINDS
        .iter()
        .position(|k| k.group == group && k.version == version && k.plural == plural)
}

/// The index of a kind by its `kind` name and API version, for seeding and apply bodies.
pub fn by_kind(api_version: &str, kind: &str) -> Option<usize> {
    KINDS
        .iter()
        .position(|k| k.kind == kind && k.api_version() == api_version)
}

/// Group names in the order discovery lists them (core excluded).
pub fn groups() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for k in KINDS.iter().filter(|k| !k.group.is_empty()) {
        if !out.contains(&(k.group, k.version)) {
            out.push((k.group, k.version));
        }
    }
    out
}

pub const NAMESPACE: usize = 0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_agree_with_the_table() {
        assert_eq!(KINDS[NAMESPACE].kind, "Namespace");
        let deploy = find("apps", "v1", "deployments").map(|i| KINDS[i]);
        assert_eq!(deploy.map(|k| k.qualified()), Some("deployments.apps".to_owned()));
        assert_eq!(by_kind("v1", "Pod").map(|i| KINDS[i].plural), Some("pods"));
        assert!(find("apps", "v2", "deployments").is_none());
        assert!(groups().contains(&("constraints.gatekeeper.sh", "v1beta1")));
    }
}
