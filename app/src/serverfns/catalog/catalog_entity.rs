use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::EntityView;
use crate::serverfns::AppError;

/// One entity: header facts, relations, what it owns (groups) and its runtime.
#[server(prefix = "/fn", endpoint = "catalog_entity", input = GetUrl)]
pub async fn catalog_entity(kind: String, namespace: String, name: String) -> Result<EntityView, AppError> {
    use super::{HealthRollup, OwnedRow, RefLink, RelationGroup, RuntimeCluster, TeamRollup};
    use crate::serverfns::{
        clusters::{WorkloadRow, age},
        identity::when,
    };
    use leptos::serde_json::Value;
    use parkway_core::{
        catalog::{EntityKind, rollup::Rollup, store},
        cluster::{snapshot, view},
        identity::{Action, Resource, authorize},
    };
    crate::serverfns::error::respond(async move {
        let (who, ctx) = crate::serverfns::identity::caller()?;
        authorize(who.as_ref(), Action::ViewPortal, Resource::Catalog)?;
        let not_found = || AppError::NotFound(format!("no {kind} `{namespace}/{name}` in the catalog"));
        let kind_parsed: EntityKind = kind.parse().map_err(|_| not_found())?;
        let key = kind_parsed.key(&namespace, &name);
        let entity = store::get(&ctx.pool, &key)
            .await
            .map_err(crate::serverfns::error::internal)?
            .ok_or_else(not_found)?;
        let mut relations: Vec<RelationGroup> = Vec::new();
        for r in &entity.relations {
            match relations.iter_mut().find(|g| g.relation == r.type_) {
                Some(group) => group.targets.push(RefLink::from_key(&r.target)),
                None => relations.push(RelationGroup {
                    relation: r.type_.clone(),
                    targets: vec![RefLink::from_key(&r.target)],
                }),
            }
        }
        let kubernetes_id = entity
            .body
            .pointer("/metadata/annotations/backstage.io~1kubernetes-id")
            .and_then(Value::as_str)
            .unwrap_or(&entity.name)
            .to_owned();
        let runs_somewhere = matches!(kind_parsed, EntityKind::Component | EntityKind::Resource);
        let runtime = if runs_somewhere {
            view::runtime(&ctx.pool, &ctx.clusters, std::slice::from_ref(&kubernetes_id))
                .await
                .map_err(crate::serverfns::error::internal)?
                .into_iter()
                .map(|r| RuntimeCluster {
                    live: r.source == view::Source::Live,
                    as_of: r.as_of.map(when),
                    age: r.as_of.map(age),
                    workloads: r.workloads.iter().map(WorkloadRow::from).collect(),
                    cluster: r.cluster,
                    environment: r.environment,
                    demo: r.demo,
                    status: r.status,
                })
                .collect()
        } else {
            Vec::new()
        };
        let is_group = kind_parsed == EntityKind::Group;
        let is_unit = is_group && entity.spec_type.as_deref() == Some("business-unit");
        let runnables = if is_group {
            let (owner, unit) = if is_unit {
                (None, Some(key.as_str()))
            } else {
                (Some(key.as_str()), None)
            };
            store::runnables(&ctx.pool, owner, unit).await?
        } else {
            Vec::new()
        };
        let owned_keys: Vec<String> = entity
            .relations
            .iter()
            .filter(|r| r.type_ == "ownerOf")
            .map(|r| r.target.clone())
            .collect();
        let id_of = |k: &str| {
            runnables
                .iter()
                .find(|r| r.key == k)
                .map_or_else(|| RefLink::from_key(k).label, |r| r.kubernetes_id.clone())
        };
        let mut ids: Vec<String> = owned_keys.iter().map(|k| id_of(k)).collect();
        ids.extend(runnables.iter().map(|r| r.kubernetes_id.clone()));
        ids.sort();
        ids.dedup();
        let health = if is_group {
            snapshot::health_by_id(&ctx.pool, &ids)
                .await
                .map_err(crate::serverfns::error::internal)?
        } else {
            Default::default()
        };
        let replicas = |id: &str| health.get(id).map(|(ready, wanted, _)| (*ready, *wanted));
        let owned = owned_keys
            .iter()
            .map(|k| OwnedRow {
                replicas: replicas(&id_of(k)),
                lifecycle: None,
                link: RefLink::from_key(k),
            })
            .collect();
        let mut rollup = Rollup::default();
        let mut per_team: std::collections::BTreeMap<String, Rollup> = Default::default();
        for r in &runnables {
            rollup.add(replicas(&r.kubernetes_id));
            if let Some(owner) = &r.owner {
                per_team
                    .entry(owner.clone())
                    .or_default()
                    .add(replicas(&r.kubernetes_id));
            }
        }
        let view_of = |r: &Rollup| HealthRollup {
            entities: r.entities,
            healthy: r.healthy,
            degraded: r.degraded,
            down: r.down,
            not_running: r.not_running,
            ready: r.ready,
            wanted: r.wanted,
            state: r.state().as_str().to_owned(),
        };
        let teams = if is_unit {
            per_team
                .iter()
                .map(|(team, r)| TeamRollup {
                    team: RefLink::from_key(team),
                    health: view_of(r),
                })
                .collect()
        } else {
            Vec::new()
        };
        let rollup = (is_group && rollup.entities > 0).then(|| view_of(&rollup));
        let my_teams = store::teams_of(&ctx.pool, who.as_ref()).await?;
        let can_edit = store::edit_allowed(who.as_ref(), &my_teams)(&store::EditOwners {
            before: entity.owner.clone(),
            exists: true,
            after: entity.owner.clone(),
        })
        .is_ok();
        let links = entity
            .body
            .pointer("/metadata/links")
            .and_then(Value::as_array)
            .map(|links| {
                links
                    .iter()
                    .filter_map(|l| {
                        let url = l.get("url")?.as_str()?.to_owned();
                        Some((
                            l.get("title").and_then(Value::as_str).unwrap_or(&url).to_owned(),
                            url,
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(EntityView {
            link: RefLink::from_key(&entity.key),
            kind_label: kind_parsed.as_str().to_owned(),
            title: entity.title,
            description: entity.description,
            spec_type: entity.spec_type,
            lifecycle: entity.lifecycle,
            tier: entity.tier,
            owner: entity.owner.as_deref().map(RefLink::from_key),
            business_unit: entity.business_unit.as_deref().map(RefLink::from_key),
            tags: entity.tags,
            links,
            source: entity.source,
            orphaned: entity.orphaned,
            relations,
            kubernetes_id,
            runtime,
            owned,
            rollup,
            teams,
            can_edit,
            can_import: authorize(who.as_ref(), Action::ImportCatalog, Resource::Catalog).is_ok(),
        })
    })
    .await
}
