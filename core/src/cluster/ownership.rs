//! Whose workloads an entity's Runtime tab and its team's roll-ups show.
//!
//! A workload names the entity it runs (`backstage.io/kubernetes-id`, else
//! `app.kubernetes.io/name`), but anyone who may deploy anywhere can write those, so
//! the name alone would let one team's workload appear on (or hide behind) another
//! team's page. The rule: a workload counts for an entity only when it carries one of
//! the entity's ids **and** its namespace carries the owner team's label
//! `parkway.io/team=<team>`. The namespace label is the platform's to set, not the
//! deployer's; the workload's own `parkway.io/team` label does not count.
//!
//! Tenant namespaces (tenant onboarding, not built yet) are labelled
//! `parkway.io/tenant=<tenant>` together with `parkway.io/team=<team>`; the team label
//! is what makes them the team's, so they follow the same rule with nothing added.

use crate::types::{EntityKind, EntityRef};

use super::model::WorkloadSummary;

/// The namespace label naming the team a namespace (and what runs in it) belongs to.
pub const TEAM_LABEL: &str = "parkway.io/team";

/// The label tenant onboarding will put on a tenant's namespaces, beside [`TEAM_LABEL`].
pub const TENANT_LABEL: &str = "parkway.io/tenant";

/// The team owning an entity, as namespaces name it: the owner group's name
/// (`group:default/team-a` → `team-a`). `None` for an entity owned by a user or by
/// nobody: no namespace is theirs, so nothing runs for it.
pub fn owner_team(owner: Option<&str>) -> Option<String> {
    let owner = EntityRef::parse_key(owner?).ok()?;
    (owner.kind == EntityKind::Group).then_some(owner.name)
}

/// Whether `workload` runs the entity known by `ids` that `team` owns.
pub fn belongs(workload: &WorkloadSummary, ids: &[String], team: &str) -> bool {
    let named = workload.kubernetes_id.as_ref().is_some_and(|id| ids.contains(id))
        || workload.app_name.as_ref().is_some_and(|n| ids.contains(n));
    named && workload.namespace_team.as_deref() == Some(team)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::WorkloadKind;

    fn workload(namespace_team: Option<&str>, team: Option<&str>) -> WorkloadSummary {
        WorkloadSummary {
            namespace: "ns".into(),
            kind: WorkloadKind::Deployment,
            name: "api".into(),
            team: team.map(str::to_owned),
            namespace_team: namespace_team.map(str::to_owned),
            business_unit: None,
            app_name: Some("api".into()),
            kubernetes_id: Some("shared-id".into()),
            desired: 1,
            ready: 1,
            restarts: 0,
            images: Vec::new(),
            pods: Vec::new(),
            warnings: Vec::new(),
            policies: Vec::new(),
        }
    }

    #[test]
    fn the_owner_team_is_the_owner_groups_name() {
        assert_eq!(
            owner_team(Some("group:default/team-a")).as_deref(),
            Some("team-a")
        );
        assert_eq!(
            owner_team(Some("user:default/alice")),
            None,
            "a person has no namespaces"
        );
        assert_eq!(owner_team(None), None);
        assert_eq!(owner_team(Some("not a ref!")), None);
    }

    #[test]
    fn only_the_namespaces_team_label_lets_a_workload_in() {
        let ids = ["shared-id".to_owned()];
        assert!(belongs(&workload(Some("team-a"), None), &ids, "team-a"));
        assert!(
            !belongs(&workload(Some("team-b"), None), &ids, "team-a"),
            "another team's namespace"
        );
        assert!(
            !belongs(&workload(None, Some("team-a")), &ids, "team-a"),
            "the workload's own label claims nothing"
        );
        assert!(
            !belongs(&workload(Some("team-b"), Some("team-a")), &ids, "team-a"),
            "nor does it override its namespace's"
        );
        assert!(
            !belongs(&workload(Some("team-a"), None), &["other".into()], "team-a"),
            "the id must match too"
        );
    }
}
