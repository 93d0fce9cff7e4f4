use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::serverfns::AppError;

/// The stored key of the entity a page URL names.
#[cfg(feature = "ssr")]
fn entity_key(kind: &str, namespace: &str, name: &str) -> Result<String, AppError> {
    let kind: parkway_core::catalog::EntityKind = kind
        .parse()
        .map_err(|_| AppError::NotFound(format!("no {kind} `{namespace}/{name}` in the catalog")))?;
    Ok(kind.key(namespace, name))
}

/// An entity's descriptor as YAML, for editing; refused unless the caller may edit it.
#[server(prefix = "/fn", endpoint = "catalog_descriptor", input = GetUrl)]
pub async fn catalog_descriptor(kind: String, namespace: String, name: String) -> Result<String, AppError> {
    use parkway_core::{
        catalog::store,
        identity::{Action, Resource, authorize},
    };
    crate::serverfns::error::respond(async move {
        let (who, ctx) = crate::serverfns::identity::caller()?;
        authorize(
            who.as_ref(),
            Action::EditTeamCatalog,
            Resource::CatalogEntity { team_owned: true },
        )?;
        let key = entity_key(&kind, &namespace, &name)?;
        let entity = store::get(&ctx.pool, &key)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("no {kind} `{namespace}/{name}` in the catalog")))?;
        let teams = store::teams_of(&ctx.pool, who.as_ref()).await?;
        store::edit_allowed(who.as_ref(), &teams)(&store::EditOwners {
            before: entity.owner.clone(),
            exists: true,
            after: entity.owner.clone(),
        })?;
        Ok(store::descriptor_yaml(&entity.body))
    })
    .await
}

/// Replaces an entity with an edited descriptor (the rules of
/// `PUT /api/v1/catalog/entities/…`), then shows it.
#[server(prefix = "/fn", endpoint = "save_catalog_entity")]
pub async fn save_catalog_entity(
    kind: String,
    namespace: String,
    name: String,
    descriptor: String,
) -> Result<(), AppError> {
    use parkway_core::{
        catalog::store,
        identity::{Action, Resource, authorize},
    };
    crate::serverfns::error::respond(async move {
        let (who, ctx) = crate::serverfns::identity::caller()?;
        authorize(
            who.as_ref(),
            Action::EditTeamCatalog,
            Resource::CatalogEntity { team_owned: true },
        )?;
        let key = entity_key(&kind, &namespace, &name)?;
        let teams = store::teams_of(&ctx.pool, who.as_ref()).await?;
        let actor = who.as_ref().map(|p| p.handle.clone()).unwrap_or_default();
        store::put(
            &ctx.pool,
            &key,
            &descriptor,
            &actor,
            crate::auth::server::request_id().as_deref(),
            store::edit_allowed(who.as_ref(), &teams),
        )
        .await?;
        leptos_axum::redirect(&format!("/catalog/{kind}/{namespace}/{name}"));
        Ok(())
    })
    .await
}
