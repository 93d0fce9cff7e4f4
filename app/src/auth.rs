//! What the UI knows about the person using it, and the development sign-in's demo
//! users. Serde-only types: the server converts its principal into a [`Viewer`].

use serde::{Deserialize, Serialize};

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
    pub roles: Vec<String>,
    pub groups: Vec<String>,
    pub is_admin: bool,
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
}

/// Everything the frame of every page needs about the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub viewer: Option<Viewer>,
    pub mode: SignInMode,
}

/// The six roles, as the UI offers them (the server's `Role` enum is the authority).
pub const ROLE_NAMES: [&str; 6] = [
    "developer",
    "team-owner",
    "coe-editor",
    "security-approver",
    "leader",
    "platform-admin",
];

/// One development sign-in persona per role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoUser {
    pub key: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub role: &'static str,
    pub groups: &'static [&'static str],
}

/// Demo groups are `parkway-demo-<role>`; development mode maps each to its role.
pub const DEMO_USERS: &[DemoUser] = &[
    DemoUser {
        key: "dana",
        name: "Dana Developer",
        email: "dana@demo.parkway.dev",
        role: "developer",
        groups: &["parkway-demo-developer", "team-checkout"],
    },
    DemoUser {
        key: "theo",
        name: "Theo Teamowner",
        email: "theo@demo.parkway.dev",
        role: "team-owner",
        groups: &["parkway-demo-team-owner", "team-checkout"],
    },
    DemoUser {
        key: "cora",
        name: "Cora Coe",
        email: "cora@demo.parkway.dev",
        role: "coe-editor",
        groups: &["parkway-demo-coe-editor", "team-platform-coe"],
    },
    DemoUser {
        key: "sam",
        name: "Sam Security",
        email: "sam@demo.parkway.dev",
        role: "security-approver",
        groups: &["parkway-demo-security-approver", "team-security"],
    },
    DemoUser {
        key: "lee",
        name: "Lee Leader",
        email: "lee@demo.parkway.dev",
        role: "leader",
        groups: &["parkway-demo-leader"],
    },
    DemoUser {
        key: "pat",
        name: "Pat Platform",
        email: "pat@demo.parkway.dev",
        role: "platform-admin",
        groups: &["parkway-demo-platform-admin", "team-platform"],
    },
];

/// Server-side access to the session and the stores, for pages and server functions.
#[cfg(feature = "ssr")]
pub mod server {
    use leptos::prelude::*;
    use parkway_core::identity::{Principal, Role};

    use super::{SessionView, SignInMode, Viewer};

    /// Provided by the server to every page render and server-function call.
    #[derive(Debug, Clone)]
    pub struct ServerContext {
        pub pool: sqlx::PgPool,
        pub sign_in: SignInMode,
        pub clusters: parkway_core::cluster::Clusters,
        pub catalog_facets: parkway_core::catalog::facets::FacetCache,
    }

    /// The caller, as the server's authentication middleware resolved it.
    pub fn principal() -> Option<Principal> {
        use_context::<http::request::Parts>().and_then(|parts| parts.extensions.get::<Principal>().cloned())
    }

    /// The request id the server assigned, for the audit trail.
    pub fn request_id() -> Option<String> {
        use_context::<http::request::Parts>().and_then(|parts| {
            parts
                .headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
    }

    pub fn context() -> Option<ServerContext> {
        use_context::<ServerContext>()
    }

    pub fn viewer(principal: &Principal) -> Viewer {
        Viewer {
            name: principal.display_name.clone(),
            handle: principal.handle.clone(),
            roles: principal.roles.iter().map(|r| r.as_str().to_owned()).collect(),
            groups: principal.groups.clone(),
            is_admin: principal.has_role(Role::PlatformAdmin),
        }
    }

    pub fn session_view() -> SessionView {
        SessionView {
            viewer: principal().as_ref().map(viewer),
            mode: context().map_or(SignInMode::NotConfigured, |c| c.sign_in),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_take_the_first_letters_of_two_words() {
        let viewer = Viewer {
            name: "Ada King Lovelace".into(),
            handle: "ada".into(),
            roles: vec![],
            groups: vec![],
            is_admin: false,
        };
        assert_eq!(viewer.initials(), "AK");
    }

    #[test]
    fn there_is_one_demo_user_per_role_each_in_its_demo_group() {
        for role in ROLE_NAMES {
            let users: Vec<_> = DEMO_USERS.iter().filter(|u| u.role == role).collect();
            assert_eq!(users.len(), 1, "{role}");
            assert!(users[0].groups.contains(&format!("parkway-demo-{role}").as_str()));
        }
    }
}
