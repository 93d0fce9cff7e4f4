use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::Threat;
use crate::serverfns::AppError;

/// One threat and the published guardrails that mitigate it.
#[server(prefix = "/fn", endpoint = "threat_page", input = GetUrl)]
pub async fn threat_page(id: String) -> Result<Threat, AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_core::guardrails::ops;
    respond(async move {
        let ctx = ctx()?;
        let id = ops::parse_threat_id(&id)?;
        Ok(ops::threat(&ctx, id).await?)
    })
    .await
}
