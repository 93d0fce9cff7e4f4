//! Development sign-in: the embedded default's demo users, one per role.

use parkway_app::auth::{DEMO_USERS, DemoUser};
use parkway_core::identity::{Role, users::Identity};

/// Issuer recorded for demo users, so they can never collide with real accounts.
pub const DEV_ISSUER: &str = "dev";

pub fn find(key: &str) -> Option<&'static DemoUser> {
    DEMO_USERS.iter().find(|user| user.key == key)
}

pub fn identity(user: &DemoUser) -> Identity {
    Identity {
        issuer: DEV_ISSUER.to_owned(),
        subject: user.key.to_owned(),
        email: Some(user.email.to_owned()),
        email_verified: true,
        display_name: user.name.to_owned(),
        groups: user.groups.iter().map(|g| (*g).to_owned()).collect(),
    }
}

/// The mappings that give each demo user their role.
pub fn mappings() -> Vec<(String, Role)> {
    Role::ALL
        .into_iter()
        .map(|role| (format!("parkway-demo-{role}"), role))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_user_gets_their_role_through_the_demo_mappings() {
        let mappings = mappings();
        for user in DEMO_USERS {
            let roles: Vec<Role> = identity(user)
                .groups
                .iter()
                .filter_map(|g| mappings.iter().find(|(group, _)| group == g).map(|(_, r)| *r))
                .collect();
            assert_eq!(roles.len(), 1, "{}", user.key);
            assert_eq!(roles[0], user.role);
        }
    }
}
