use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::GuardrailPageView;
use crate::serverfns::AppError;

/// A guardrail's page: the shown version, its history and the review steps on offer.
#[server(prefix = "/fn", endpoint = "guardrail_page", input = GetUrl)]
pub async fn guardrail_page(id: String) -> Result<GuardrailPageView, AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_core::guardrails::ops;
    respond(async move {
        let ctx = ctx()?;
        let id = ops::parse_guardrail_id(&id)?;
        let (detail, versions, coverage) = ops::page(&ctx, id).await?;
        Ok(GuardrailPageView {
            detail,
            versions,
            coverage,
        })
    })
    .await
}
