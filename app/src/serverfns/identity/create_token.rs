use leptos::prelude::*;

use super::CreatedToken;
use crate::serverfns::AppError;

/// Creates a token for the caller, or (platform admins) for a service account when
/// `service_account` is given. `scopes` is a space- or comma-separated action list.
#[server(prefix = "/fn", endpoint = "create_token")]
pub async fn create_token(
    name: String,
    expires: String,
    #[server(default)] scopes: String,
    #[server(default)] service_account: String,
    #[server(default)] role: String,
) -> Result<CreatedToken, AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_core::identity::ops::{self, TokenRequest};
    respond(async move {
        let request = TokenRequest {
            name,
            expires: Some(expires),
            scopes: scopes.split([' ', ',']).map(str::to_owned).collect(),
            service_account: Some(service_account),
            role: Some(role),
        };
        Ok(ops::create_token(&ctx()?, request).await?.into())
    })
    .await
}
