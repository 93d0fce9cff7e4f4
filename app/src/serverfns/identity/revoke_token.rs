use leptos::prelude::*;

use super::TokenRow;
use crate::serverfns::AppError;

#[server(prefix = "/fn", endpoint = "revoke_token")]
pub async fn revoke_token(id: String) -> Result<TokenRow, AppError> {
    use parkway_core::identity::{Action, Error, Resource, authorize, tokens};
    crate::serverfns::error::respond(async {
        let (who, ctx) = super::caller()?;
        authorize(
            who.as_ref(),
            Action::ManageOwnTokens,
            Resource::own_tokens(who.as_ref()),
        )?;
        let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| Error::Invalid {
            field: "id",
            reason: "is not a token id".to_owned(),
        })?;
        let owner = tokens::owner_of(&ctx.pool, id).await?;
        authorize(
            who.as_ref(),
            Action::ManageOwnTokens,
            Resource::TokensOf { owner },
        )?;
        let actor = who.map(|p| p.actor()).unwrap_or_default();
        let request_id = crate::auth::server::request_id();
        Ok(TokenRow::from(
            tokens::revoke(&ctx.pool, id, &actor, request_id.as_deref()).await?,
        ))
    })
    .await
}
