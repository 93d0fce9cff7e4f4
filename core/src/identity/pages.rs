//! Identity results as the pages show them.

use parkway_types::views::{
    identity::{CreatedToken, DeactivatedPerson, MappingRow, PersonRow, TokenRow},
    session::Viewer,
};

use super::{
    Principal, PrincipalKind,
    role_mappings::RoleMapping,
    tokens,
    users::{Deactivation, UserInfo},
};
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

impl From<UserInfo> for PersonRow {
    fn from(user: UserInfo) -> Self {
        let service_account = user.kind == PrincipalKind::Service;
        Self {
            id: user.id.to_string(),
            signs_in_with: match user.issuer.as_str() {
                _ if service_account => "service account".to_owned(),
                "dev" => "development sign-in".to_owned(),
                issuer => issuer.to_owned(),
            },
            handle: user.handle,
            name: user.display_name,
            service_account,
            roles: user.roles,
            last_sign_in: user.last_sign_in_at.map(when),
            deactivated: user.deactivated_at.map(|at| {
                format!(
                    "{} by {}",
                    when(at),
                    user.deactivated_by.as_deref().unwrap_or("unknown")
                )
            }),
            live_sessions: user.live_sessions,
            live_tokens: user.live_tokens,
            you: false,
        }
    }
}

impl From<Deactivation> for DeactivatedPerson {
    fn from(done: Deactivation) -> Self {
        Self {
            handle: done.user.handle,
            sessions_ended: done.sessions_ended,
            tokens_revoked: done.tokens_revoked.len(),
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
