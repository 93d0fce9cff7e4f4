//! What the UI knows about the person using it, and the development sign-in's demo
//! users. Serde-only types: the server converts its principal into a [`Viewer`].

use parkway_types::Role;
pub use parkway_types::views::session::{SessionView, SignInMode, Viewer};

/// One development sign-in persona per role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoUser {
    pub key: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub role: Role,
    pub groups: &'static [&'static str],
}

/// Demo groups are `parkway-demo-<role>`; development mode maps each to its role.
pub const DEMO_USERS: &[DemoUser] = &[
    DemoUser {
        key: "dana",
        name: "Dana Developer",
        email: "dana@demo.parkway.dev",
        role: Role::Developer,
        groups: &["parkway-demo-developer", "team-checkout"],
    },
    DemoUser {
        key: "theo",
        name: "Theo Teamowner",
        email: "theo@demo.parkway.dev",
        role: Role::TeamOwner,
        groups: &["parkway-demo-team-owner", "team-checkout"],
    },
    DemoUser {
        key: "cora",
        name: "Cora Coe",
        email: "cora@demo.parkway.dev",
        role: Role::CoeEditor,
        groups: &["parkway-demo-coe-editor", "team-platform-coe"],
    },
    DemoUser {
        key: "sam",
        name: "Sam Security",
        email: "sam@demo.parkway.dev",
        role: Role::SecurityApprover,
        groups: &["parkway-demo-security-approver", "team-security"],
    },
    DemoUser {
        key: "lee",
        name: "Lee Leader",
        email: "lee@demo.parkway.dev",
        role: Role::Leader,
        groups: &["parkway-demo-leader"],
    },
    DemoUser {
        key: "pat",
        name: "Pat Platform",
        email: "pat@demo.parkway.dev",
        role: Role::PlatformAdmin,
        groups: &["parkway-demo-platform-admin", "team-platform"],
    },
];

/// Server-side access to the session and the services, for pages and server
/// functions.
#[cfg(feature = "ssr")]
pub mod server {
    use leptos::prelude::*;
    use parkway_core::{Services, identity::Principal};

    use super::{SessionView, SignInMode, Viewer};

    /// Provided by the server to every page render and server-function call.
    #[derive(Debug, Clone)]
    pub struct ServerContext {
        pub services: Services,
        pub sign_in: SignInMode,
        /// Signs what Parkway vouches for (the chain head, evidence packs).
        pub audit_key: std::sync::Arc<parkway_core::audit::AuditKey>,
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

    pub fn session_view() -> SessionView {
        SessionView {
            viewer: principal().as_ref().map(Viewer::from),
            mode: context().map_or(SignInMode::NotConfigured, |c| c.sign_in),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_is_one_demo_user_per_role_each_in_its_demo_group() {
        for role in Role::ALL {
            let users: Vec<_> = DEMO_USERS.iter().filter(|u| u.role == role).collect();
            assert_eq!(users.len(), 1, "{role}");
            assert!(users[0].groups.contains(&format!("parkway-demo-{role}").as_str()));
        }
    }
}
