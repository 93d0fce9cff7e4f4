use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::Threat;
use crate::serverfns::AppError;

/// The threat register, highest residual risk first.
#[server(prefix = "/fn", endpoint = "list_threats", input = GetUrl)]
pub async fn list_threats() -> Result<Vec<Threat>, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move { Ok(parkway_core::guardrails::ops::threats(&ctx()?).await?) }).await
}
