use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::TokenRow;
use crate::serverfns::AppError;

/// The caller's tokens, or everyone's (`all`, platform admins only).
#[server(prefix = "/fn", endpoint = "list_tokens", input = GetUrl)]
pub async fn list_tokens(#[server(default)] all: bool) -> Result<Vec<TokenRow>, AppError> {
    use parkway_core::identity::{Action, Resource, authorize, tokens};
    crate::serverfns::error::respond(async {
        let (who, ctx) = super::caller()?;
        let me = who.as_ref().map(|p| p.user_id).unwrap_or_default();
        authorize(
            who.as_ref(),
            Action::ManageOwnTokens,
            Resource::own_tokens(who.as_ref()),
        )?;
        let owner = if all {
            authorize(who.as_ref(), Action::ManageAllTokens, Resource::Portal)?;
            None
        } else {
            Some(me)
        };
        Ok(tokens::list(&ctx.pool, owner)
            .await?
            .into_iter()
            .map(TokenRow::from)
            .collect())
    })
    .await
}
