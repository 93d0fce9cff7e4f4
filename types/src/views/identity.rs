//! The people-and-access pages: people, role mappings and API tokens.

use serde::{Deserialize, Serialize};

use crate::{Action, Role};

/// A mapping row as the admin page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingRow {
    pub id: i64,
    pub group: String,
    pub role: Role,
    pub created_by: String,
    pub created_at: String,
}

/// A token row as the tokens page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub owner: String,
    /// A service account's role; `None` for a person's token (their roles).
    pub role: Option<Role>,
    pub scopes: Vec<Action>,
    pub display_prefix: String,
    pub created_by: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked: bool,
}

impl TokenRow {
    /// What the token may do, in words: its role (or its owner's), and its limits.
    pub fn acts_as(&self) -> String {
        let role = self.role.map_or("owner's roles", Role::as_str);
        if self.scopes.is_empty() {
            role.to_owned()
        } else {
            let scopes: Vec<&str> = self.scopes.iter().map(|a| a.as_str()).collect();
            format!("{role}, limited to {}", scopes.join(", "))
        }
    }
}

/// A person or service account as the people section lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRow {
    pub id: String,
    pub handle: String,
    pub name: String,
    pub service_account: bool,
    /// `development sign-in`, `service account`, or the provider's issuer.
    pub signs_in_with: String,
    pub roles: Vec<Role>,
    pub last_sign_in: Option<String>,
    /// When and by whom, if deactivated.
    pub deactivated: Option<String>,
    pub live_sessions: i64,
    pub live_tokens: i64,
    /// The person looking at the list (who cannot deactivate themselves).
    pub you: bool,
}

/// What deactivating someone ended, for the confirmation line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeactivatedPerson {
    pub handle: String,
    pub sessions_ended: u64,
    pub tokens_revoked: usize,
}

/// A new token: `secret` is shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub secret: String,
    pub token: TokenRow,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_says_what_it_acts_as() {
        let mut row = TokenRow {
            id: "1".into(),
            name: "ci".into(),
            owner: "ci".into(),
            role: Some(Role::Developer),
            scopes: vec![],
            display_prefix: "pk_".into(),
            created_by: "user:a".into(),
            created_at: String::new(),
            expires_at: None,
            last_used_at: None,
            revoked: false,
        };
        assert_eq!(row.acts_as(), "developer");
        row.scopes = vec![Action::ViewPortal, Action::ViewAudit];
        assert_eq!(row.acts_as(), "developer, limited to portal.view, audit.view");
        row.role = None;
        assert_eq!(row.acts_as(), "owner's roles, limited to portal.view, audit.view");
    }
}
