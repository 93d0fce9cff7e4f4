//! Tenant onboarding: a team asks for namespaces with the platform's secure defaults;
//! the published guardrails and the tier rules decide what it may contain and who
//! approves; the provisioner applies it with server-side apply, durably.

pub mod demo;
pub mod drift;
pub mod error;
pub mod manifests;
pub mod ops;
pub mod provisioner;
pub mod quantity;
pub mod rules;
pub mod store;

pub use error::{Error, Result};

/// Settings the operations need from the server's configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The identity provider group of team `x` is this prefix + `x` (the same
    /// `PARKWAY_TEAM_GROUP_PREFIX` sign-in maps teams with).
    pub team_group_prefix: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            team_group_prefix: "team-".into(),
        }
    }
}
