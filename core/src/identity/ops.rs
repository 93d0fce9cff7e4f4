//! Identity use cases, one function each: authorize the caller, then read, or
//! validate, write and audit in one transaction. The REST API and the pages' server
//! functions call these and nothing below them.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    Action, Error, PrincipalKind, Resource, Result, Role,
    role_mappings::{self, RoleMapping, parse_role},
    tokens::{self, CreatedToken, NewToken, Owner, TokenInfo},
    users::{self, Deactivation, UserInfo},
};
use crate::Ctx;

/// The caller, as `GET /api/v1/me` describes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub name: String,
    pub handle: String,
    pub kind: PrincipalKind,
    pub roles: Vec<Role>,
    pub groups: Vec<String>,
    pub teams: Vec<String>,
}

pub async fn me(ctx: &Ctx) -> Result<Me> {
    let who = ctx.authorize(Action::ViewPortal, Resource::Portal)?;
    Ok(Me {
        name: who.display_name.clone(),
        handle: who.handle.clone(),
        kind: who.kind,
        roles: who.roles.iter().copied().collect(),
        groups: who.groups.clone(),
        teams: who.teams.clone(),
    })
}

/// The caller's tokens, or (`all`, platform admins) everyone's.
pub async fn list_tokens(ctx: &Ctx, all: bool) -> Result<Vec<TokenInfo>> {
    let who = ctx.authorize(Action::ManageOwnTokens, Resource::own_tokens(ctx.caller.as_ref()))?;
    let owner = if all {
        ctx.authorize(Action::ManageAllTokens, Resource::Portal)?;
        None
    } else {
        Some(who.user_id)
    };
    tokens::list(ctx.pool(), owner).await
}

/// A token as a caller asks for it, before any of it is checked. Blank texts count
/// as absent, as empty form fields arrive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub name: String,
    /// `30d`, `12h`, `90m`; default 90 days.
    pub expires: Option<String>,
    /// Actions the token is limited to; none: whatever its role allows.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Create the token for this service account instead of oneself (admins only).
    pub service_account: Option<String>,
    /// The service account's role; required with `service_account`.
    pub role: Option<String>,
}

fn given(text: Option<&String>) -> Option<&str> {
    text.map(|t| t.trim()).filter(|t| !t.is_empty())
}

/// Creates a token for the caller or, for platform admins, for a service account;
/// the secret is in the answer only.
pub async fn create_token(ctx: &Ctx, request: TokenRequest) -> Result<CreatedToken> {
    let who = ctx.authorize(Action::ManageOwnTokens, Resource::own_tokens(ctx.caller.as_ref()))?;
    let owner = match (
        given(request.service_account.as_ref()),
        given(request.role.as_ref()),
    ) {
        (Some(account), role) => {
            ctx.authorize(Action::ManageAllTokens, Resource::Portal)?;
            let role =
                role.ok_or_else(|| Error::invalid("role", "is required for a service-account token"))?;
            Owner::Service {
                account: account.to_owned(),
                role: parse_role(role)?,
            }
        }
        (None, Some(_)) => {
            return Err(Error::invalid(
                "role",
                "only applies to service-account tokens; your own tokens act with your roles",
            ));
        }
        (None, None) => Owner::Person(who.user_id),
    };
    let scopes = request
        .scopes
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<Action>()
                .map_err(|err| Error::invalid("scopes", err.to_string()))
        })
        .collect::<Result<Vec<_>>>()?;
    let asked = given(request.expires.as_ref())
        .map(tokens::parse_lifetime)
        .transpose()?;
    // A token may only make what it could do itself, for no longer than it lives.
    let lifetime = match &who.token {
        Some(parent) => {
            tokens::within_parent(parent, who.scopes.as_ref(), &scopes, asked, chrono::Utc::now())?
        }
        None => asked.unwrap_or(tokens::DEFAULT_LIFETIME),
    };
    let request = NewToken {
        name: request.name.trim().to_owned(),
        owner,
        scopes,
        lifetime,
        parent: who.token.map(|grant| grant.id),
    };
    tokens::create(ctx.pool(), &request, &ctx.actor(), ctx.request_id()).await
}

/// Revokes a token: one's own, or anyone's for platform admins. Refusals come before
/// lookups, so they do not reveal whether a token exists.
pub async fn revoke_token(ctx: &Ctx, id: &str) -> Result<TokenInfo> {
    ctx.authorize(Action::ManageOwnTokens, Resource::own_tokens(ctx.caller.as_ref()))?;
    let id = Uuid::parse_str(id.trim())
        .map_err(|_| Error::invalid("id", format!("`{id}` is not a token id (a UUID)")))?;
    tokens::revoke(ctx.pool(), id, &ctx.actor(), ctx.request_id(), |owner| {
        ctx.authorize(Action::ManageOwnTokens, Resource::TokensOf { owner })?;
        Ok(())
    })
    .await
}

/// Everyone Parkway knows (people and service accounts), for platform admins.
pub async fn list_users(ctx: &Ctx) -> Result<Vec<UserInfo>> {
    ctx.authorize(Action::ManageUsers, Resource::Portal)?;
    users::list(ctx.pool()).await
}

/// Off-boards a person: no sign-in, session or token of theirs works from now on.
/// Nobody deactivates themselves (an admin locking the last admin out helps no one).
pub async fn deactivate_user(ctx: &Ctx, id: &str) -> Result<Deactivation> {
    let who = ctx.authorize(Action::ManageUsers, Resource::Portal)?;
    let id = Uuid::parse_str(id.trim())
        .map_err(|_| Error::invalid("id", format!("`{id}` is not a user id (a UUID)")))?;
    if id == who.user_id {
        return Err(Error::invalid(
            "id",
            "you cannot deactivate yourself; ask another platform admin",
        ));
    }
    users::deactivate(ctx.pool(), id, &ctx.actor(), ctx.request_id()).await
}

pub async fn list_role_mappings(ctx: &Ctx) -> Result<Vec<RoleMapping>> {
    ctx.authorize(Action::ViewRoleMappings, Resource::RoleMappings)?;
    role_mappings::list(ctx.pool()).await
}

/// Maps a provider group (surrounding spaces dropped) to a role.
pub async fn add_role_mapping(ctx: &Ctx, group: &str, role: &str) -> Result<RoleMapping> {
    ctx.authorize(Action::EditRoleMappings, Resource::RoleMappings)?;
    role_mappings::add(ctx.pool(), group.trim(), role, &ctx.actor(), ctx.request_id()).await
}

pub async fn remove_role_mapping(ctx: &Ctx, id: i64) -> Result<RoleMapping> {
    ctx.authorize(Action::EditRoleMappings, Resource::RoleMappings)?;
    role_mappings::remove(ctx.pool(), id, &ctx.actor(), ctx.request_id()).await
}

/// Whether the caller may use the portal at all: what a page or document that shows
/// nothing else (the API's own description) asks.
pub fn portal(ctx: &Ctx) -> Result<()> {
    ctx.authorize(Action::ViewPortal, Resource::Portal)?;
    Ok(())
}
