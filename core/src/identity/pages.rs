//! Identity results as the pages show them.

use parkway_types::views::{
    identity::{CreatedToken, MappingRow, TokenRow},
    session::Viewer,
};

use super::{Principal, role_mappings::RoleMapping, tokens};
use crate::view::when;

impl From<tokens::TokenInfo> for TokenRow {
    fn from(info: tokens::TokenInfo) -> Self {
        Self {
            id: info.id.to_string(),
            name: info.name,
            owner: info.owner,
            role: info.role,
            scopes: info.scopes,
            display_prefix: info.display_prefix,
            created_by: info.created_by,
            created_at: when(info.created_at),
            expires_at: info.expires_at.map(when),
            last_used_at: info.last_used_at.map(when),
            revoked: info.revoked_at.is_some(),
        }
    }
}

impl From<tokens::CreatedToken> for CreatedToken {
    fn from(created: tokens::CreatedToken) -> Self {
        Self {
            secret: created.secret,
            token: created.info.into(),
        }
    }
}

impl From<RoleMapping> for MappingRow {
    fn from(m: RoleMapping) -> Self {
        Self {
            id: m.id,
            group: m.group,
            role: m.role,
            created_by: m.created_by,
            created_at: when(m.created_at),
        }
    }
}

impl From<&Principal> for Viewer {
    fn from(principal: &Principal) -> Self {
        Self {
            name: principal.display_name.clone(),
            handle: principal.handle.clone(),
            roles: principal.roles.iter().copied().collect(),
            groups: principal.groups.clone(),
        }
    }
}
