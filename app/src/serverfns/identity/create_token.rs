use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::TokenRow;
use crate::serverfns::AppError;

/// A new token: `secret` is shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub secret: String,
    pub token: TokenRow,
}

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
    use parkway_core::identity::{
        Action, Error, Resource, authorize,
        role_mappings::parse_role,
        tokens::{self, NewToken, Owner},
    };
    crate::serverfns::error::respond(async {
        let (who, ctx) = super::caller()?;
        let me = who.as_ref().map(|p| p.user_id).unwrap_or_default();
        authorize(
            who.as_ref(),
            Action::ManageOwnTokens,
            Resource::own_tokens(who.as_ref()),
        )?;
        let scopes = scopes
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<Action>().map_err(|err| Error::Invalid {
                    field: "scopes",
                    reason: err.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let account = service_account.trim();
        let owner = if account.is_empty() {
            Owner::Person(me)
        } else {
            authorize(who.as_ref(), Action::ManageAllTokens, Resource::Portal)?;
            Owner::Service {
                account: account.to_owned(),
                role: parse_role(role.trim())?,
            }
        };
        let request = NewToken {
            name: name.trim().to_owned(),
            owner,
            scopes,
            lifetime: tokens::parse_lifetime(&expires)?,
        };
        let actor = who.map(|p| p.actor()).unwrap_or_default();
        let request_id = crate::auth::server::request_id();
        let created = tokens::create(&ctx.pool, &request, &actor, request_id.as_deref()).await?;
        Ok(CreatedToken {
            secret: created.secret,
            token: TokenRow::from(created.info),
        })
    })
    .await
}
