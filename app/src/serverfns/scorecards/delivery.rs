use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::serverfns::AppError;
use parkway_types::views::scorecards::{DeliveryAdmin, SourceView};

/// The webhook sources and the events that matched no catalog entity.
#[server(prefix = "/fn", endpoint = "delivery_admin", input = GetUrl)]
pub async fn load_delivery_admin() -> Result<DeliveryAdmin, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move { Ok(parkway_core::scorecards::ops::delivery_admin(&ctx()?).await?) }).await
}

/// Adds a webhook source (the rules of `POST /api/v1/webhook-sources`); its secret is
/// sealed and never shown again.
#[server(prefix = "/fn", endpoint = "add_webhook_source")]
pub async fn add_webhook_source(name: String, kind: String, secret: String) -> Result<SourceView, AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_core::scorecards::ops::{self, NewSource};
    respond(async move {
        let new = NewSource {
            name: name.trim().to_owned(),
            kind: ops::word("kind", &kind)?,
            secret,
        };
        Ok(ops::add_source(&ctx()?, &new).await?)
    })
    .await
}

/// Removes a webhook source: its sender's deliveries are refused from then on.
#[server(prefix = "/fn", endpoint = "remove_webhook_source")]
pub async fn remove_webhook_source(name: String) -> Result<(), AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move { Ok(parkway_core::scorecards::ops::remove_source(&ctx()?, &name).await?) }).await
}
