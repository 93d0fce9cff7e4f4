use leptos::prelude::*;

use crate::serverfns::AppError;

/// Removes an entity (an orphan, typically) and returns to the catalog.
#[server(prefix = "/fn", endpoint = "remove_catalog_entity")]
pub async fn remove_catalog_entity(kind: String, namespace: String, name: String) -> Result<(), AppError> {
    use parkway_core::{
        catalog::{EntityKind, store},
        identity::{Action, Resource, authorize},
    };
    crate::serverfns::error::respond(async move {
        let (who, ctx) = crate::serverfns::identity::caller()?;
        authorize(who.as_ref(), Action::EditCatalog, Resource::Catalog)?;
        let kind: EntityKind = kind.parse().map_err(|reason: String| AppError::Invalid {
            field: "kind".into(),
            reason,
        })?;
        let key = format!(
            "{}:{}/{}",
            kind.key_name(),
            namespace.to_lowercase(),
            name.to_lowercase()
        );
        let actor = who.map(|p| p.handle).unwrap_or_default();
        store::delete(
            &ctx.pool,
            &key,
            &actor,
            crate::auth::server::request_id().as_deref(),
        )
        .await
        .map_err(|e| match e {
            parkway_core::catalog::Error::NotFound(what) => AppError::NotFound(format!("{what} not found")),
            other => crate::serverfns::error::internal(other),
        })?;
        leptos_axum::redirect("/catalog");
        Ok(())
    })
    .await
}
