//! Role mappings and API tokens.

mod add_role_mapping;
mod create_token;
mod list_role_mappings;
mod list_tokens;
mod remove_role_mapping;
mod revoke_token;

pub use add_role_mapping::*;
pub use create_token::*;
pub use list_role_mappings::*;
pub use list_tokens::*;
pub use remove_role_mapping::*;
pub use revoke_token::*;

use serde::{Deserialize, Serialize};

/// A mapping row as the admin page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingRow {
    pub id: i64,
    pub group: String,
    pub role: String,
    pub created_by: String,
    pub created_at: String,
}

/// A token row as the tokens page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub owner: String,
    pub role: Option<String>,
    pub scopes: Vec<String>,
    pub display_prefix: String,
    pub created_by: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked: bool,
}

/// Times as pages show them: UTC, to the minute.
#[cfg(feature = "ssr")]
pub(crate) fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[cfg(feature = "ssr")]
impl From<parkway_core::identity::tokens::TokenInfo> for TokenRow {
    fn from(info: parkway_core::identity::tokens::TokenInfo) -> Self {
        Self {
            id: info.id.to_string(),
            name: info.name,
            owner: info.owner,
            role: info.role.map(|r| r.as_str().to_owned()),
            scopes: info.scopes.iter().map(|a| a.as_str().to_owned()).collect(),
            display_prefix: info.display_prefix,
            created_by: info.created_by,
            created_at: when(info.created_at),
            expires_at: info.expires_at.map(when),
            last_used_at: info.last_used_at.map(when),
            revoked: info.revoked_at.is_some(),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<parkway_core::identity::role_mappings::RoleMapping> for MappingRow {
    fn from(m: parkway_core::identity::role_mappings::RoleMapping) -> Self {
        Self {
            id: m.id,
            group: m.group,
            role: m.role.as_str().to_owned(),
            created_by: m.created_by,
            created_at: when(m.created_at),
        }
    }
}

/// The caller and the stores, for a server function about to authorize.
#[cfg(feature = "ssr")]
pub(crate) fn caller() -> Result<
    (
        Option<parkway_core::identity::Principal>,
        crate::auth::server::ServerContext,
    ),
    super::AppError,
> {
    let context =
        crate::auth::server::context().ok_or_else(|| super::error::internal("server context missing"))?;
    Ok((crate::auth::server::principal(), context))
}
