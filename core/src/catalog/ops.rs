//! Catalog use cases, one function each: authorize, then read, or validate and write
//! with the audit event in the same transaction. Ownership rules (a team owner edits
//! only what their team owns, and keeps it their team's) are decided here, with the
//! rows locked, for the REST API and the pages alike.

use super::{
    error::{Error, Result},
    model::{EntityKind, EntityRef},
    pages,
    query::{self, EntityFilter, Facets, Page, Sort},
    store::{self, EditOwners},
};
use crate::{
    Ctx,
    cluster::{ownership, snapshot, view},
    identity::{Action, Principal, Resource, users},
    types::{
        CatalogParams,
        views::catalog::{CatalogView, EntityView, RuntimeCluster},
    },
};

/// Largest descriptor text one import accepts (the REST API's body limit too).
pub use store::{DEFAULT_IMPORT_MAX_BYTES, ImportLimit};
/// What the operations answer with.
pub use store::{ImportOutcome, PutResult, StoredEntity};

/// Rows on a catalog page.
pub const PAGE_SIZE: i64 = 50;

/// Imports descriptors as `source`, all or nothing; re-importing a source updates it
/// and orphans what it no longer lists. At most `PARKWAY_IMPORT_MAX_MB`; an owned
/// `String` is imported without a copy.
pub async fn import(ctx: &Ctx, source: &str, text: impl Into<String>) -> Result<ImportOutcome> {
    ctx.authorize(Action::ImportCatalog, Resource::Catalog)?;
    let source = source.trim();
    if source.is_empty() {
        return Err(Error::Field {
            field: "source",
            reason: "required: where these descriptors live (e.g. `github.com/acme/shop/catalog-info.yaml`); importing the same source again updates it".into(),
        });
    }
    let text = text.into();
    ctx.services.import_limit.check(source, text.len())?;
    if text.trim().is_empty() {
        return Err(Error::Field {
            field: "descriptors",
            reason: "there are none: paste descriptors or choose a file (an empty import would orphan everything the source has)".into(),
        });
    }
    store::import(ctx.pool(), source, source, text, &ctx.actor(), ctx.request_id()).await
}

/// The check an edit runs with the rows locked: a team owner's change must stay
/// within their `teams`; anything else needs `catalog.edit`.
fn edit_allowed(ctx: &Ctx, owners: &EditOwners, teams: &[String]) -> Result<()> {
    ctx.authorize(
        Action::EditTeamCatalog,
        Resource::CatalogEntity {
            team_owned: owners.within(teams),
        },
    )?;
    Ok(())
}

/// The caller's teams, for ownership decisions.
async fn teams(ctx: &Ctx, who: &Principal) -> Result<Vec<String>> {
    Ok(users::teams_of(ctx.pool(), who.user_id).await?)
}

/// Whether the caller may edit at all: ownership is decided later, with the row
/// locked, but someone who may edit nothing is refused before any lookup.
fn may_edit_some(ctx: &Ctx) -> Result<&Principal> {
    Ok(ctx.authorize(
        Action::EditTeamCatalog,
        Resource::CatalogEntity { team_owned: true },
    )?)
}

/// Replaces (or creates) one entity from a single descriptor in YAML or JSON.
pub async fn put(ctx: &Ctx, entity: &EntityRef, text: &str) -> Result<(PutResult, StoredEntity)> {
    let who = may_edit_some(ctx)?;
    let teams = teams(ctx, who).await?;
    store::put(
        ctx.pool(),
        &entity.key(),
        text,
        &ctx.actor(),
        ctx.request_id(),
        |owners| edit_allowed(ctx, owners, &teams),
    )
    .await
}

/// Removes an entity (typically an orphan its source no longer lists).
pub async fn remove(ctx: &Ctx, entity: &EntityRef) -> Result<()> {
    let who = may_edit_some(ctx)?;
    let teams = teams(ctx, who).await?;
    store::delete(
        ctx.pool(),
        &entity.key(),
        &ctx.actor(),
        ctx.request_id(),
        |owners| edit_allowed(ctx, owners, &teams),
    )
    .await
}

fn not_found(entity: &EntityRef) -> Error {
    Error::NotFound(format!("entity `{}`", entity.key()))
}

/// One entity with its relations, as stored.
pub async fn get(ctx: &Ctx, entity: &EntityRef) -> Result<StoredEntity> {
    ctx.authorize(Action::ViewPortal, Resource::Catalog)?;
    store::get(ctx.pool(), &entity.key())
        .await?
        .ok_or_else(|| not_found(entity))
}

/// An entity's descriptor as YAML, for editing; refused unless the caller may edit it.
pub async fn descriptor(ctx: &Ctx, entity: &EntityRef) -> Result<String> {
    let who = may_edit_some(ctx)?;
    let stored = store::get(ctx.pool(), &entity.key())
        .await?
        .ok_or_else(|| not_found(entity))?;
    edit_allowed(
        ctx,
        &EditOwners::unchanged(stored.owner.clone()),
        &teams(ctx, who).await?,
    )?;
    Ok(store::descriptor_yaml(&stored.body))
}

/// One page of the listing under `filter`, after `cursor`, at most `limit` rows.
pub async fn list(ctx: &Ctx, filter: &EntityFilter, limit: i64, cursor: Option<&str>) -> Result<Page> {
    ctx.authorize(Action::ViewPortal, Resource::Catalog)?;
    query::list(ctx.pool(), &ctx.services.catalog_index, filter, limit, cursor).await
}

/// Counts per facet value under `filter`.
pub async fn facets(ctx: &Ctx, filter: &EntityFilter) -> Result<Facets> {
    ctx.authorize(Action::ViewPortal, Resource::Catalog)?;
    query::facets(ctx.pool(), &ctx.services.catalog_index, filter).await
}

/// The catalog page: a page of rows under the URL's filters, with facet counts.
pub async fn catalog_page(ctx: &Ctx, params: &CatalogParams, cursor: &str) -> Result<CatalogView> {
    ctx.authorize(Action::ViewPortal, Resource::Catalog)?;
    // Blank filters are dropped where every listing normalises its filter.
    let filter = EntityFilter {
        kind: Some(params.kind.clone()),
        owner: Some(params.owner.clone()),
        business_unit: Some(params.business_unit.clone()),
        lifecycle: Some(params.lifecycle.clone()),
        tier: Some(params.tier.clone()),
        tag: Some(params.tag.clone()),
        q: Some(params.q.clone()),
        sort: (!params.sort.trim().is_empty())
            .then(|| params.sort.parse::<Sort>())
            .transpose()?,
    };
    let cursor = (!cursor.is_empty()).then_some(cursor);
    let (page, facets) = query::page(
        ctx.pool(),
        &ctx.services.catalog_index,
        &filter,
        PAGE_SIZE,
        cursor,
    )
    .await?;
    Ok(pages::catalog_view(
        page,
        facets,
        ctx.allows(Action::ImportCatalog, Resource::Catalog),
    ))
}

/// An entity page: header facts, relations, runtime in every cluster and, for a
/// group, the health of what it owns (a business unit: of everything under it).
pub async fn entity_page(ctx: &Ctx, entity: &EntityRef) -> Result<EntityView> {
    let who = ctx.authorize(Action::ViewPortal, Resource::Catalog)?;
    let stored = store::get(ctx.pool(), &entity.key())
        .await?
        .ok_or_else(|| not_found(entity))?;
    let kubernetes_id = pages::kubernetes_id(&stored.body, &stored.name);
    let runtime: Vec<RuntimeCluster> = if entity.kind.runs() {
        view::runtime(
            ctx.pool(),
            &ctx.services.clusters,
            std::slice::from_ref(&kubernetes_id),
            ownership::owner_team(stored.owner.as_deref()).as_deref(),
        )
        .await?
        .into_iter()
        .map(RuntimeCluster::from)
        .collect()
    } else {
        Vec::new()
    };
    let health = if entity.kind == EntityKind::Group {
        group_health(ctx, &stored).await?
    } else {
        pages::GroupHealth::default()
    };
    let can_edit = edit_allowed(
        ctx,
        &EditOwners::unchanged(stored.owner.clone()),
        &teams(ctx, who).await?,
    )
    .is_ok();
    Ok(pages::entity_view(pages::EntityParts {
        entity: entity.clone(),
        stored,
        kubernetes_id,
        runtime,
        health,
        can_edit,
        can_import: ctx.allows(Action::ImportCatalog, Resource::Catalog),
    }))
}

/// What a group owns, with replicas summed over every configured cluster's snapshot,
/// each runnable counted only in namespaces labelled for its owner team.
async fn group_health(ctx: &Ctx, group: &StoredEntity) -> Result<pages::GroupHealth> {
    let unit = group.spec_type.as_deref() == Some("business-unit");
    let key = group.key.as_str();
    let runnables = if unit {
        store::runnables(ctx.pool(), None, Some(key)).await?
    } else {
        store::runnables(ctx.pool(), Some(key), None).await?
    };
    let owned: Vec<(String, String)> = runnables
        .iter()
        .filter_map(|r| {
            Some((
                ownership::owner_team(r.owner.as_deref())?,
                r.kubernetes_id.clone(),
            ))
        })
        .collect();
    let replicas = snapshot::health_by_owner(ctx.pool(), &owned).await?;
    Ok(pages::group_health(group, &runnables, &replicas, unit))
}
