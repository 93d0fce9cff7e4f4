use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::EntityView;
use crate::serverfns::AppError;

/// One entity: header facts, relations, what it owns (groups) and its runtime.
#[server(prefix = "/fn", endpoint = "catalog_entity", input = GetUrl)]
pub async fn catalog_entity(kind: String, namespace: String, name: String) -> Result<EntityView, AppError> {
    use super::{OwnedRow, RefLink, RelationGroup, RuntimeCluster};
    use crate::serverfns::{
        clusters::{WorkloadRow, age},
        identity::when,
    };
    use leptos::serde_json::Value;
    use parkway_core::{
        catalog::{EntityKind, store},
        cluster::{snapshot, view},
        identity::{Action, Resource, authorize},
    };
    crate::serverfns::error::respond(async move {
        let (who, ctx) = crate::serverfns::identity::caller()?;
        authorize(who.as_ref(), Action::ViewPortal, Resource::Catalog)?;
        let not_found = || AppError::NotFound(format!("no {kind} `{namespace}/{name}` in the catalog"));
        let kind_parsed: EntityKind = kind.parse().map_err(|_| not_found())?;
        let key = format!(
            "{}:{}/{}",
            kind_parsed.key_name(),
            namespace.to_lowercase(),
            name.to_lowercase()
        );
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
        let owned = if kind_parsed == EntityKind::Group {
            let owned_keys: Vec<String> = entity
                .relations
                .iter()
                .filter(|r| r.type_ == "ownerOf")
                .map(|r| r.target.clone())
                .collect();
            let ids: Vec<String> = owned_keys.iter().map(|k| RefLink::from_key(k).label).collect();
            let health = snapshot::health_by_id(&ctx.pool, &ids)
                .await
                .map_err(crate::serverfns::error::internal)?;
            owned_keys
                .iter()
                .map(|k| {
                    let link = RefLink::from_key(k);
                    OwnedRow {
                        replicas: health
                            .get(&link.label)
                            .map(|(ready, wanted, _)| (*ready, *wanted)),
                        lifecycle: None,
                        link,
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
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
            can_remove: authorize(who.as_ref(), Action::EditCatalog, Resource::Catalog).is_ok(),
        })
    })
    .await
}
