use leptos::prelude::*;

use super::ImportSummary;
use crate::serverfns::AppError;

/// Imports pasted or uploaded descriptors as `source`, all or nothing, as
/// `POST /api/v1/catalog/import` does.
#[server(prefix = "/fn", endpoint = "import_catalog")]
pub async fn import_catalog(source: String, descriptors: String) -> Result<ImportSummary, AppError> {
    use parkway_core::{
        catalog::store,
        identity::{Action, Resource, authorize},
    };
    crate::serverfns::error::respond(async move {
        let (who, ctx) = crate::serverfns::identity::caller()?;
        authorize(who.as_ref(), Action::ImportCatalog, Resource::Catalog)?;
        let source = source.trim();
        if source.is_empty() {
            return Err(AppError::Invalid {
                field: "source".into(),
                reason: "required: where these descriptors live (e.g. github.com/acme/shop/catalog-info.yaml); importing the same source again updates it".into(),
            });
        }
        if descriptors.trim().is_empty() {
            return Err(AppError::Invalid {
                field: "descriptors".into(),
                reason: "paste descriptors or choose a file first".into(),
            });
        }
        let actor = who.map(|p| p.handle).unwrap_or_default();
        let outcome = store::import(
            &ctx.pool,
            source,
            source,
            &descriptors,
            &actor,
            crate::auth::server::request_id().as_deref(),
        )
        .await?;
        Ok(ImportSummary {
            source: outcome.source,
            created: outcome.created,
            updated: outcome.updated,
            unchanged: outcome.unchanged,
            orphaned: outcome.orphaned,
        })
    })
    .await
}
