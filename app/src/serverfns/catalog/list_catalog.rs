use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use parkway_types::CatalogParams;

use super::CatalogView;
use crate::serverfns::AppError;

/// One page of the catalog under the URL's filters, with facet counts.
#[server(prefix = "/fn", endpoint = "list_catalog", input = GetUrl)]
pub async fn list_catalog(
    #[server(default)] params: CatalogParams,
    #[server(default)] cursor: String,
) -> Result<CatalogView, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move { Ok(parkway_core::catalog::ops::catalog_page(&ctx()?, &params, &cursor).await?) })
        .await
}
