//! The six roles of DESIGN.md. Roles are not assigned to people directly: provider
//! groups map to them, so joining a group at the provider is how someone gains one.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Developer,
    TeamOwner,
    CoeEditor,
    SecurityApprover,
    Leader,
    PlatformAdmin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Developer,
        Role::TeamOwner,
        Role::CoeEditor,
        Role::SecurityApprover,
        Role::Leader,
        Role::PlatformAdmin,
    ];

    /// The spelling used in configuration, the database, the API and the UI.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Developer => "developer",
            Role::TeamOwner => "team-owner",
            Role::CoeEditor => "coe-editor",
            Role::SecurityApprover => "security-approver",
            Role::Leader => "leader",
            Role::PlatformAdmin => "platform-admin",
        }
    }

    /// What the role is for, shown next to it where admins map groups.
    pub const fn summary(self) -> &'static str {
        match self {
            Role::Developer => "Find services, register them, request tenants, read scorecards.",
            Role::TeamOwner => {
                "A developer who also approves the team's low-risk requests and manages its catalog entries."
            }
            Role::CoeEditor => "Writes and publishes guardrails, scorecard rules and tenant tiers.",
            Role::SecurityApprover => "Approves or rejects requests that need a security review.",
            Role::Leader => "Browses and exports scorecards across the enterprise.",
            Role::PlatformAdmin => {
                "Registers clusters, maps groups to roles, issues API tokens, reads the audit log."
            }
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of the six; the message lists the valid ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{given}`: expected one of {}", Role::ALL.map(Role::as_str).join(", "))]
pub struct UnknownRole {
    pub given: String,
}

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| UnknownRole { given: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            assert_eq!(
                serde_json::to_value(role).ok(),
                Some(serde_json::json!(role.as_str()))
            );
        }
    }

    #[test]
    fn unknown_roles_name_the_valid_ones() {
        let err = "admin".parse::<Role>().expect_err("not a role");
        let message = err.to_string();
        assert!(message.contains("`admin`"), "{message}");
        assert!(message.contains("platform-admin"), "{message}");
        assert!("Developer".parse::<Role>().is_err(), "names are case-sensitive");
    }
}
