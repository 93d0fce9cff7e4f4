use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::GuardrailList;
use crate::serverfns::AppError;

/// The published guardrails for the list page, filtered as its URL says, with
/// "changed since your last visit" marks (the visit is recorded).
#[server(prefix = "/fn", endpoint = "list_guardrails", input = GetUrl)]
pub async fn list_guardrails(
    category: Option<String>,
    severity: Option<String>,
    guidance: Option<String>,
    tier: Option<String>,
    decision: Option<String>,
    q: Option<String>,
) -> Result<GuardrailList, AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_core::guardrails::{ops, query::GuardrailFilter};
    respond(async move {
        let ctx = ctx()?;
        let filter = GuardrailFilter::from_params(category, severity, guidance, tier, decision, q)?;
        let rows = ops::list(&ctx, &filter, true).await?;
        let choices = ops::choices(&ctx).await?;
        Ok(GuardrailList {
            rows,
            choices,
            may_edit: ops::may_edit(&ctx),
        })
    })
    .await
}
