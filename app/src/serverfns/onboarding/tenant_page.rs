use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::TenantDetail;
use crate::serverfns::AppError;

/// One tenant, as `GET /api/v1/tenants/{name}` answers it.
#[server(prefix = "/fn", endpoint = "tenant_page", input = GetUrl)]
pub async fn tenant_page(name: String) -> Result<TenantDetail, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move { Ok(parkway_core::onboarding::ops::get(&ctx()?, &name).await?) }).await
}

/// Where a tenant's provisioning stands (`TenantSummary::progress_key`), asked every
/// second by the tenant page while it is live; the same access as the page.
#[server(prefix = "/fn", endpoint = "tenant_progress", input = GetUrl)]
pub async fn tenant_progress(name: String) -> Result<String, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move {
        let summary = parkway_core::onboarding::ops::progress(&ctx()?, &name).await?;
        Ok(summary.progress_key())
    })
    .await
}
