//! What the frame of every page knows about the person using it.

use serde::{Deserialize, Serialize};

use crate::Role;

/// How this Parkway lets people sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInMode {
    /// Through the company's OpenID Provider.
    Provider,
    /// Pick a demo user; only without a provider, and always bannered.
    Development,
    /// No provider configured and development sign-in off.
    NotConfigured,
}

/// The signed-in person as pages see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub name: String,
    pub handle: String,
    pub roles: Vec<Role>,
    pub groups: Vec<String>,
}

impl Viewer {
    /// Up to two letters for the avatar.
    pub fn initials(&self) -> String {
        self.name
            .split_whitespace()
            .filter_map(|word| word.chars().next())
            .take(2)
            .flat_map(char::to_uppercase)
            .collect()
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether the admin area is offered (its pages still check on the server).
    pub fn is_admin(&self) -> bool {
        self.has_role(Role::PlatformAdmin)
    }
}

/// Everything the frame of every page needs about the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub viewer: Option<Viewer>,
    pub mode: SignInMode,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_take_the_first_letters_of_two_words() {
        let viewer = Viewer {
            name: "Ada King Lovelace".into(),
            handle: "ada".into(),
            roles: vec![Role::PlatformAdmin],
            groups: vec![],
        };
        assert_eq!(viewer.initials(), "AK");
        assert!(viewer.is_admin());
    }
}
