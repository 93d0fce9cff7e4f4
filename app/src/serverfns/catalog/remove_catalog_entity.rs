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
        authorize(
            who.as_ref(),
            Action::EditTeamCatalog,
            Resource::CatalogEntity { team_owned: true },
        )?;
        let kind: EntityKind = kind.parse().map_err(|reason: String| AppError::Invalid {
            field: "kind".into(),
            reason,
        })?;
        let key = kind.key(&namespace, &name);
        let teams = store::teams_of(&ctx.pool, who.as_ref()).await?;
        let actor = who.as_ref().map(|p| p.handle.clone()).unwrap_or_default();
        store::delete(
            &ctx.pool,
            &key,
            &actor,
            crate::auth::server::request_id().as_deref(),
            store::edit_allowed(who.as_ref(), &teams),
        )
        .await?;
        leptos_axum::redirect("/catalog");
        Ok(())
    })
    .await
}
