//! Catalog results as the pages show them: pure functions from what the stores and
//! the clusters returned to the view types the browser renders.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::{
    model::EntityRef,
    query::{EntitySummary, Facets, Page},
    store::{ImportOutcome, Relation, Runnable, StoredEntity},
};
use crate::types::{
    Facet, RelationType, Rollup, RunState,
    views::catalog::{
        CatalogRow, CatalogView, EntityView, FacetGroup, FacetValue, ImportSummary, Link, OwnedRow,
        RelationGroup, RuntimeCluster, TeamRollup,
    },
};
use crate::{cluster::ownership::owner_team, view::when};

/// A stored key as a reference; stored keys always parse, so one that does not is
/// left out rather than shown wrong.
fn entity(key: &str) -> Option<EntityRef> {
    EntityRef::parse_key(key).ok()
}

fn entities(keys: Vec<String>) -> Vec<EntityRef> {
    keys.iter().filter_map(|k| entity(k)).collect()
}

impl From<EntitySummary> for CatalogRow {
    fn from(e: EntitySummary) -> Self {
        Self {
            entity: entity(&e.key).unwrap_or_else(|| EntityRef {
                kind: crate::types::EntityKind::Component,
                namespace: e.namespace.clone(),
                name: e.name.clone(),
            }),
            description: e.description,
            owner: e.owner.as_deref().and_then(entity),
            lifecycle: e.lifecycle,
            tier: e.tier,
            tags: e.tags,
            orphaned: e.orphaned,
            updated: when(e.updated_at),
        }
    }
}

impl From<ImportOutcome> for ImportSummary {
    fn from(outcome: ImportOutcome) -> Self {
        Self {
            source: outcome.source,
            created: entities(outcome.created),
            updated: entities(outcome.updated),
            unchanged: outcome.unchanged,
            orphaned: entities(outcome.orphaned),
        }
    }
}

/// The values of one facet, labelled: entity references by their label.
fn facet_group(facet: Facet, values: &[(String, i64)]) -> FacetGroup {
    FacetGroup {
        facet,
        values: values
            .iter()
            .map(|(value, count)| FacetValue {
                label: if facet.holds_refs() {
                    entity(value).map_or_else(|| value.clone(), |r| r.label())
                } else {
                    value.clone()
                },
                value: value.clone(),
                count: *count,
            })
            .collect(),
    }
}

pub fn catalog_view(page: Page, facets: Facets, can_import: bool) -> CatalogView {
    CatalogView {
        can_import,
        total: facets.total,
        next_cursor: page.next_cursor,
        facets: Facet::ALL
            .into_iter()
            .map(|facet| facet_group(facet, facets.of(facet)))
            .collect(),
        rows: page.items.into_iter().map(CatalogRow::from).collect(),
    }
}

/// The id an entity's workloads carry: its `backstage.io/kubernetes-id` annotation,
/// else its name (the same rule as [`super::store::runnables`]).
pub fn kubernetes_id(body: &Value, name: &str) -> String {
    body.pointer("/metadata/annotations/backstage.io~1kubernetes-id")
        .and_then(Value::as_str)
        .unwrap_or(name)
        .to_owned()
}

/// `metadata.links` that have a URL, titled by their title or else the URL.
pub fn links(body: &Value) -> Vec<Link> {
    body.pointer("/metadata/links")
        .and_then(Value::as_array)
        .map(|links| {
            links
                .iter()
                .filter_map(|l| {
                    let url = l.get("url")?.as_str()?.to_owned();
                    let title = l.get("title").and_then(Value::as_str).unwrap_or(&url).to_owned();
                    Some(Link { title, url })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Relations grouped by type, in the order they are stored (by type, then target).
pub fn group_relations(relations: &[Relation]) -> Vec<RelationGroup> {
    let mut groups: Vec<RelationGroup> = Vec::new();
    for r in relations {
        let (Ok(relation), Some(target)) = (r.type_.parse::<RelationType>(), entity(&r.target)) else {
            continue;
        };
        match groups.iter_mut().find(|g| g.relation == relation) {
            Some(group) => group.targets.push(target),
            None => groups.push(RelationGroup {
                relation,
                targets: vec![target],
            }),
        }
    }
    groups
}

/// A group's owned entities and roll-ups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupHealth {
    pub owned: Vec<OwnedRow>,
    pub rollup: Option<Rollup>,
    pub teams: Vec<TeamRollup>,
}

/// What `group` owns with its replicas, the roll-up over `runnables` (everything a
/// team owns, or everything under a business unit) and, for a business unit, one
/// roll-up per owning team. `replicas` is `(ready, wanted, workloads)` per
/// `(owner team, kubernetes id)`: a runnable counts only what runs in its own team's
/// namespaces. Entities that cannot run (APIs, systems) are listed as not running.
pub fn group_health(
    group: &StoredEntity,
    runnables: &[Runnable],
    replicas: &HashMap<(String, String), (i64, i64, i64)>,
    unit: bool,
) -> GroupHealth {
    let of_runnable = |r: &Runnable| {
        let team = owner_team(r.owner.as_deref())?;
        replicas
            .get(&(team, r.kubernetes_id.clone()))
            .map(|(ready, wanted, _)| (*ready, *wanted))
    };
    let of_key = |key: &str| runnables.iter().find(|r| r.key == key).and_then(of_runnable);
    let owned = group
        .relations
        .iter()
        .filter(|r| r.type_ == RelationType::OwnerOf.as_str())
        .filter_map(|r| {
            let replicas = of_key(&r.target);
            Some(OwnedRow {
                entity: entity(&r.target)?,
                replicas,
                state: RunState::of(replicas),
            })
        })
        .collect();
    let mut rollup = Rollup::default();
    let mut per_team: BTreeMap<&str, Rollup> = BTreeMap::new();
    for r in runnables {
        let replicas = of_runnable(r);
        rollup.add(replicas);
        if let Some(owner) = &r.owner {
            per_team.entry(owner).or_default().add(replicas);
        }
    }
    let teams = if unit {
        per_team
            .into_iter()
            .filter_map(|(team, health)| {
                Some(TeamRollup {
                    team: entity(team)?,
                    health,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    GroupHealth {
        owned,
        rollup: (rollup.entities > 0).then_some(rollup),
        teams,
    }
}

/// Everything an entity page shows, gathered by [`super::ops::entity_page`].
pub struct EntityParts {
    pub entity: EntityRef,
    pub stored: StoredEntity,
    pub kubernetes_id: String,
    pub runtime: Vec<RuntimeCluster>,
    pub health: GroupHealth,
    pub can_edit: bool,
    pub can_import: bool,
}

pub fn entity_view(parts: EntityParts) -> EntityView {
    let EntityParts {
        entity: this,
        stored,
        kubernetes_id,
        runtime,
        health,
        can_edit,
        can_import,
    } = parts;
    EntityView {
        relations: group_relations(&stored.relations),
        links: links(&stored.body),
        entity: this,
        title: stored.title,
        description: stored.description,
        spec_type: stored.spec_type,
        lifecycle: stored.lifecycle,
        tier: stored.tier,
        owner: stored.owner.as_deref().and_then(entity),
        business_unit: stored.business_unit.as_deref().and_then(entity),
        tags: stored.tags,
        source: stored.source,
        orphaned: stored.orphaned,
        kubernetes_id,
        runtime,
        owned: health.owned,
        rollup: health.rollup,
        teams: health.teams,
        can_edit,
        can_import,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn relation(type_: &str, target: &str) -> Relation {
        Relation {
            type_: type_.into(),
            target: target.into(),
        }
    }

    fn runnable(key: &str, owner: &str, id: &str) -> Runnable {
        Runnable {
            key: key.into(),
            owner: Some(owner.into()),
            kubernetes_id: id.into(),
        }
    }

    fn group(relations: Vec<Relation>) -> StoredEntity {
        StoredEntity {
            key: "group:default/payments".into(),
            kind: "group".into(),
            namespace: "default".into(),
            name: "payments".into(),
            title: None,
            description: None,
            spec_type: Some("business-unit".into()),
            lifecycle: None,
            tier: None,
            owner: None,
            business_unit: None,
            tags: vec![],
            source: "test".into(),
            orphaned: false,
            body: json!({}),
            relations,
        }
    }

    #[test]
    fn the_kubernetes_id_is_the_annotation_else_the_name() {
        let annotated = json!({"metadata": {"annotations": {"backstage.io/kubernetes-id": "cart"}}});
        assert_eq!(kubernetes_id(&annotated, "checkout"), "cart");
        assert_eq!(kubernetes_id(&json!({"metadata": {}}), "checkout"), "checkout");
    }

    #[test]
    fn links_need_a_url_and_are_titled_by_it_when_untitled() {
        let body = json!({"metadata": {"links": [
            {"url": "https://runbook", "title": "Runbook"},
            {"url": "https://dash"},
            {"title": "no url"}
        ]}});
        assert_eq!(
            links(&body),
            [
                Link {
                    title: "Runbook".into(),
                    url: "https://runbook".into()
                },
                Link {
                    title: "https://dash".into(),
                    url: "https://dash".into()
                }
            ]
        );
    }

    #[test]
    fn relations_are_grouped_by_type_in_order() {
        let groups = group_relations(&[
            relation("dependsOn", "resource:default/db"),
            relation("dependsOn", "component:default/auth"),
            relation("ownedBy", "group:default/team-a"),
        ]);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].relation, RelationType::DependsOn);
        assert_eq!(groups[0].targets.len(), 2);
        assert_eq!(groups[1].targets[0].label(), "team-a");
    }

    #[test]
    fn a_unit_rolls_up_per_team_and_zero_wanted_is_not_running() {
        let runnables = [
            runnable("component:default/pay", "group:default/checkout", "pay"),
            runnable("component:default/idle", "group:default/checkout", "idle"),
            runnable("component:default/ledger", "group:default/ledger", "ledger"),
        ];
        let replicas = HashMap::from([
            (("checkout".to_owned(), "pay".to_owned()), (2, 3, 1)),
            (("checkout".to_owned(), "idle".to_owned()), (0, 0, 1)),
            (("ledger".to_owned(), "ledger".to_owned()), (0, 2, 1)),
            // The same id in the ledger team's namespaces is not checkout's `pay`.
            (("ledger".to_owned(), "pay".to_owned()), (5, 5, 1)),
        ]);
        let unit = group(vec![relation("ownerOf", "component:default/idle")]);
        let health = group_health(&unit, &runnables, &replicas, true);
        let rollup = health.rollup.expect("runs something");
        assert_eq!(
            (rollup.entities, rollup.degraded, rollup.down, rollup.not_running),
            (3, 1, 1, 1)
        );
        assert_eq!(rollup.state(), RunState::Down);
        assert_eq!(health.teams.len(), 2);
        assert_eq!(health.teams[0].team.label(), "checkout");
        assert_eq!(health.teams[0].health.state(), RunState::Degraded);
        assert_eq!(health.owned[0].replicas, Some((0, 0)));
        assert_eq!(
            health.owned[0].state,
            RunState::NotRunning,
            "0/0 is not running, not healthy"
        );
        let team = group_health(&unit, &runnables, &replicas, false);
        assert!(team.teams.is_empty(), "per-team roll-ups are for business units");
    }
}
