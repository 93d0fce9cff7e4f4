use leptos::prelude::*;

use super::TokenRow;
use crate::serverfns::AppError;

#[server(prefix = "/fn", endpoint = "revoke_token")]
pub async fn revoke_token(id: String) -> Result<TokenRow, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move {
        Ok(parkway_core::identity::ops::revoke_token(&ctx()?, &id)
            .await?
            .into())
    })
    .await
}
