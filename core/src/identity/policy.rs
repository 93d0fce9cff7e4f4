//! The one authorization function and the table it reads. Pure: no I/O, so every rule
//! is unit-tested here and the route × role matrix test checks the wiring.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Action, Role};

/// Someone known: a signed-in person, or the owner of an API token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub user_id: Uuid,
    pub kind: PrincipalKind,
    /// How the audit trail names them (e-mail address or service-account name).
    pub handle: String,
    pub display_name: String,
    pub roles: BTreeSet<Role>,
    /// For API tokens: the actions the token was limited to. `None` for sessions and
    /// for tokens that may do whatever their role allows.
    pub scopes: Option<BTreeSet<Action>>,
    pub groups: Vec<String>,
    /// The teams they belong to (from their groups at their last sign-in), loaded with
    /// the credential so no request asks for them again.
    #[serde(default)]
    pub teams: Vec<String>,
    /// The API token the caller presented, if any: what it creates may not outlive it.
    #[serde(default)]
    pub token: Option<TokenGrant>,
}

/// The token a request was authenticated with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenGrant {
    pub id: Uuid,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PrincipalKind {
    Person,
    Service,
}

impl Principal {
    /// The actor written to the audit trail.
    pub fn actor(&self) -> String {
        match self.kind {
            PrincipalKind::Person => format!("user:{}", self.handle),
            PrincipalKind::Service => format!("service:{}", self.handle),
        }
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// What an action is performed on; ownership can change which grant is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// The portal as a whole (pages, one's own profile).
    Portal,
    /// API tokens belonging to `owner`.
    TokensOf {
        owner: Uuid,
    },
    RoleMappings,
    AuditLog,
    Clusters,
    /// The service catalog as a whole.
    Catalog,
    /// One catalog entity; `team_owned` when a team the caller belongs to owns it both
    /// before and after the change.
    CatalogEntity {
        team_owned: bool,
    },
    /// The guardrails and their review.
    Guardrails,
    /// The threat register.
    Threats,
    /// Tenants and their requests.
    Tenants,
    /// The tier rules onboarding routes by.
    TierRules,
    /// Deployment and incident events.
    DeliveryEvents,
    /// The scorecards' figures.
    Scorecards,
    /// Compliance evidence packs.
    Evidence,
}

impl Resource {
    /// How the audit trail names the resource when access to it is refused.
    pub fn audit_target(&self) -> String {
        match self {
            Resource::Portal => "portal".to_owned(),
            Resource::TokensOf { owner } => format!("tokens-of:user-id:{owner}"),
            Resource::RoleMappings => "role-mappings".to_owned(),
            Resource::AuditLog => "audit-log".to_owned(),
            Resource::Clusters => "clusters".to_owned(),
            Resource::Catalog => "catalog".to_owned(),
            Resource::CatalogEntity { .. } => "catalog-entity".to_owned(),
            Resource::Guardrails => "guardrails".to_owned(),
            Resource::Threats => "threats".to_owned(),
            Resource::Tenants => "tenants".to_owned(),
            Resource::TierRules => "tier-rules".to_owned(),
            Resource::DeliveryEvents => "delivery-events".to_owned(),
            Resource::Scorecards => "scorecards".to_owned(),
            Resource::Evidence => "evidence".to_owned(),
        }
    }

    /// The caller's own tokens; an anonymous caller owns none (authorize refuses it
    /// before ownership matters).
    pub fn own_tokens(principal: Option<&Principal>) -> Self {
        Resource::TokensOf {
            owner: principal.map(|p| p.user_id).unwrap_or_default(),
        }
    }
}

/// Why a request was refused. The messages are safe to show to the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// No session and no token: answer 401.
    #[error("sign in first: this needs an authenticated caller")]
    Unauthenticated,
    /// Known caller without a role that grants the action: answer 403.
    #[error("forbidden: none of your roles allows `{action}`{}", hint(.roles))]
    Forbidden { action: Action, roles: Vec<Role> },
    /// An API token used beyond the actions it was scoped to: answer 403.
    #[error("forbidden: this API token is not scoped for `{action}`")]
    OutOfScope { action: Action },
    /// A token asked for more than it has itself (scopes or lifetime): answer 403.
    #[error("forbidden: {0}")]
    BeyondToken(String),
}

impl From<Denied> for parkway_types::Failure {
    fn from(denied: Denied) -> Self {
        use parkway_types::ErrorKind;
        let kind = match denied {
            Denied::Unauthenticated => ErrorKind::Unauthenticated,
            Denied::Forbidden { .. } | Denied::OutOfScope { .. } | Denied::BeyondToken(_) => {
                ErrorKind::Forbidden
            }
        };
        Self::new(kind, denied.to_string())
    }
}

fn hint(roles: &[Role]) -> String {
    match roles {
        [] => String::new(),
        roles => format!(
            " (roles that do: {})",
            roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// Which actions each role grants. Anything not listed is denied.
pub const fn grants(role: Role) -> &'static [Action] {
    use Action::*;
    match role {
        Role::Leader => &[ViewPortal, ManageOwnTokens, ExportEvidence],
        Role::Developer => &[ViewPortal, ManageOwnTokens, RequestTenants],
        Role::CoeEditor => &[
            ViewPortal,
            ManageOwnTokens,
            EditGuardrails,
            ReviewGuardrails,
            EditThreats,
            EditTierRules,
            EditScorecards,
            ExemptScorecards,
        ],
        Role::SecurityApprover => &[
            ViewPortal,
            ManageOwnTokens,
            ReviewGuardrails,
            EditThreats,
            AcceptThreats,
            ApproveTenants,
            ExemptScorecards,
            ExportEvidence,
        ],
        Role::TeamOwner => &[
            ViewPortal,
            ManageOwnTokens,
            EditTeamCatalog,
            RequestTenants,
            ApproveTenants,
            OperateTenants,
        ],
        Role::PlatformAdmin => &[
            ViewPortal,
            ManageOwnTokens,
            ManageAllTokens,
            ViewRoleMappings,
            EditRoleMappings,
            ViewAudit,
            ExportAudit,
            ViewClusters,
            ImportCatalog,
            EditCatalog,
            EditTeamCatalog,
            ControlDemoClusters,
            ManageUsers,
            EditGuardrails,
            ReviewGuardrails,
            EditThreats,
            AcceptThreats,
            RequestTenants,
            ApproveTenants,
            OperateTenants,
            EditTierRules,
            WriteEvents,
            ManageEvents,
            EditScorecards,
            ExemptScorecards,
            ExportEvidence,
        ],
    }
}

/// The roles that grant `action`, for error messages and documentation.
pub fn roles_granting(action: Action) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|role| grants(*role).contains(&action))
        .collect()
}

/// The single policy decision point. Every server function and REST handler calls it
/// before touching data.
pub fn authorize(principal: Option<&Principal>, action: Action, resource: Resource) -> Result<(), Denied> {
    let principal = principal.ok_or(Denied::Unauthenticated)?;
    // Acting on someone else's tokens needs the broader grant.
    let needed = match (action, resource) {
        (Action::ManageOwnTokens, Resource::TokensOf { owner }) if owner != principal.user_id => {
            Action::ManageAllTokens
        }
        // Another team's entity (or none's) needs the broader grant.
        (Action::EditTeamCatalog, Resource::CatalogEntity { team_owned: false }) => Action::EditCatalog,
        _ => action,
    };
    if let Some(scopes) = &principal.scopes
        && !scopes.contains(&needed)
    {
        return Err(Denied::OutOfScope { action: needed });
    }
    let granted = principal.roles.iter().any(|role| grants(*role).contains(&needed));
    if granted {
        Ok(())
    } else {
        Err(Denied::Forbidden {
            action: needed,
            roles: roles_granting(needed),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(roles: &[Role]) -> Principal {
        Principal {
            user_id: Uuid::from_u128(1),
            kind: PrincipalKind::Person,
            handle: "ada@example.com".into(),
            display_name: "Ada".into(),
            roles: roles.iter().copied().collect(),
            scopes: None,
            groups: vec![],
            teams: vec![],
            token: None,
        }
    }

    #[test]
    fn anonymous_callers_are_unauthenticated_for_every_action() {
        for action in Action::ALL {
            assert_eq!(
                authorize(None, action, Resource::Portal),
                Err(Denied::Unauthenticated)
            );
        }
    }

    #[test]
    fn a_caller_without_roles_is_denied_everything() {
        let nobody = principal(&[]);
        for action in Action::ALL {
            assert!(matches!(
                authorize(Some(&nobody), action, Resource::Portal),
                Err(Denied::Forbidden { .. })
            ));
        }
    }

    #[test]
    fn every_action_is_granted_to_some_role() {
        for action in Action::ALL {
            assert!(
                !roles_granting(action).is_empty(),
                "{action} would be unreachable"
            );
        }
    }

    #[test]
    fn only_platform_admins_read_the_audit_log_and_edit_mappings() {
        for role in Role::ALL {
            let who = principal(&[role]);
            let admin = role == Role::PlatformAdmin;
            assert_eq!(
                authorize(Some(&who), Action::ViewAudit, Resource::AuditLog).is_ok(),
                admin
            );
            assert_eq!(
                authorize(Some(&who), Action::EditRoleMappings, Resource::RoleMappings).is_ok(),
                admin
            );
        }
    }

    #[test]
    fn own_tokens_are_anyones_but_other_peoples_need_the_admin_grant() {
        let dev = principal(&[Role::Developer]);
        let mine = Resource::TokensOf { owner: dev.user_id };
        let theirs = Resource::TokensOf {
            owner: Uuid::from_u128(2),
        };
        assert_eq!(authorize(Some(&dev), Action::ManageOwnTokens, mine), Ok(()));
        let denied = authorize(Some(&dev), Action::ManageOwnTokens, theirs).expect_err("not theirs");
        assert!(matches!(
            denied,
            Denied::Forbidden {
                action: Action::ManageAllTokens,
                ..
            }
        ));
        assert!(denied.to_string().contains("platform-admin"), "{denied}");
        let admin = principal(&[Role::PlatformAdmin]);
        assert_eq!(authorize(Some(&admin), Action::ManageOwnTokens, theirs), Ok(()));
    }

    #[test]
    fn token_scopes_narrow_what_the_role_allows() {
        let mut token = principal(&[Role::PlatformAdmin]);
        token.scopes = Some([Action::ViewAudit].into());
        assert_eq!(
            authorize(Some(&token), Action::ViewAudit, Resource::AuditLog),
            Ok(())
        );
        assert_eq!(
            authorize(Some(&token), Action::EditRoleMappings, Resource::RoleMappings),
            Err(Denied::OutOfScope {
                action: Action::EditRoleMappings
            })
        );
        // A scope never widens a role.
        let mut narrow = principal(&[Role::Developer]);
        narrow.scopes = Some([Action::ViewAudit].into());
        assert!(matches!(
            authorize(Some(&narrow), Action::ViewAudit, Resource::AuditLog),
            Err(Denied::Forbidden { .. })
        ));
    }

    #[test]
    fn team_owners_edit_their_teams_entities_and_nothing_else() {
        let owner = principal(&[Role::TeamOwner]);
        let ours = Resource::CatalogEntity { team_owned: true };
        let theirs = Resource::CatalogEntity { team_owned: false };
        assert_eq!(authorize(Some(&owner), Action::EditTeamCatalog, ours), Ok(()));
        assert!(matches!(
            authorize(Some(&owner), Action::EditTeamCatalog, theirs),
            Err(Denied::Forbidden {
                action: Action::EditCatalog,
                ..
            })
        ));
        let developer = principal(&[Role::Developer]);
        assert!(authorize(Some(&developer), Action::EditTeamCatalog, ours).is_err());
        let admin = principal(&[Role::PlatformAdmin]);
        assert_eq!(authorize(Some(&admin), Action::EditTeamCatalog, theirs), Ok(()));
    }

    #[test]
    fn actors_name_people_and_services_differently() {
        let mut who = principal(&[]);
        assert_eq!(who.actor(), "user:ada@example.com");
        who.kind = PrincipalKind::Service;
        who.handle = "ci".into();
        assert_eq!(who.actor(), "service:ci");
    }
}
