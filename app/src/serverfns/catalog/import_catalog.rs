use leptos::prelude::*;

use super::ImportSummary;
use crate::serverfns::AppError;

/// Imports pasted or uploaded descriptors as `source`, all or nothing, as
/// `POST /api/v1/catalog/import` does.
#[server(prefix = "/fn", endpoint = "import_catalog")]
pub async fn import_catalog(source: String, descriptors: String) -> Result<ImportSummary, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move {
        let outcome = parkway_core::catalog::ops::import(&ctx()?, &source, &descriptors).await?;
        Ok(outcome.into())
    })
    .await
}
