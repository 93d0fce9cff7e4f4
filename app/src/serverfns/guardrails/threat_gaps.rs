use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::MitigationGaps;
use crate::serverfns::AppError;

/// Threats whose mitigating guardrails are missing or audit-only in production.
#[server(prefix = "/fn", endpoint = "threat_gaps", input = GetUrl)]
pub async fn threat_gaps() -> Result<MitigationGaps, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move { Ok(parkway_core::guardrails::ops::mitigation_gaps(&ctx()?).await?) }).await
}
