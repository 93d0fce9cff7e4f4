use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::TokenRow;
use crate::serverfns::AppError;

/// The caller's tokens, or everyone's (`all`, platform admins only).
#[server(prefix = "/fn", endpoint = "list_tokens", input = GetUrl)]
pub async fn list_tokens(#[server(default)] all: bool) -> Result<Vec<TokenRow>, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move {
        let tokens = parkway_core::identity::ops::list_tokens(&ctx()?, all).await?;
        Ok(tokens.into_iter().map(TokenRow::from).collect())
    })
    .await
}
