use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::GuardrailDiffView;
use crate::serverfns::AppError;

/// What changed between two versions, and the versions one may compare instead.
#[server(prefix = "/fn", endpoint = "compare_versions", input = GetUrl)]
pub async fn compare_versions(
    id: String,
    from: Option<u32>,
    to: Option<u32>,
) -> Result<GuardrailDiffView, AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_core::guardrails::ops;
    respond(async move {
        let ctx = ctx()?;
        let id = ops::parse_guardrail_id(&id)?;
        let diff = ops::diff(&ctx, id, from, to).await?;
        let versions = ops::versions(&ctx, id).await?;
        Ok(GuardrailDiffView {
            title: versions
                .last()
                .map(|v| v.content.title.clone())
                .unwrap_or_default(),
            versions: versions.iter().map(|v| v.review.version).collect(),
            diff,
        })
    })
    .await
}
