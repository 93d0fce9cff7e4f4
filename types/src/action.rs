//! Every action Parkway authorizes. The set is closed: a handler cannot ask about an
//! action that is not listed here, and an action no role grants is denied to everyone.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Action {
    /// Read the portal: pages, one's own profile.
    #[serde(rename = "portal.view")]
    ViewPortal,
    /// Create, list and revoke one's own API tokens.
    #[serde(rename = "token.own")]
    ManageOwnTokens,
    /// Create tokens for service accounts; list and revoke anyone's.
    #[serde(rename = "token.manage")]
    ManageAllTokens,
    #[serde(rename = "role-mapping.view")]
    ViewRoleMappings,
    #[serde(rename = "role-mapping.edit")]
    EditRoleMappings,
    #[serde(rename = "audit.view")]
    ViewAudit,
    #[serde(rename = "audit.export")]
    ExportAudit,
    /// See registered clusters, their health and what runs there.
    #[serde(rename = "cluster.view")]
    ViewClusters,
    /// Import catalog descriptors (creating, updating and orphaning entities).
    #[serde(rename = "catalog.import")]
    ImportCatalog,
    /// Edit and remove any catalog entity.
    #[serde(rename = "catalog.edit")]
    EditCatalog,
    /// Edit the catalog entities one's own team owns (and keep them owned by a team
    /// of one's own); anything else needs `catalog.edit`.
    #[serde(rename = "catalog.edit-team")]
    EditTeamCatalog,
    /// Stop and restart the built-in demo clusters (outage simulation).
    #[serde(rename = "demo-cluster.control")]
    ControlDemoClusters,
    /// See who has signed in, and off-board people: ending their sessions and tokens.
    #[serde(rename = "user.manage")]
    ManageUsers,
    /// Draft and import guardrails, submit them for review, publish or retire what a
    /// second person approved.
    #[serde(rename = "guardrail.edit")]
    EditGuardrails,
    /// Approve or reject another person's guardrail version (four eyes).
    #[serde(rename = "guardrail.review")]
    ReviewGuardrails,
    /// Record and update threats in the register.
    #[serde(rename = "threat.edit")]
    EditThreats,
    /// Accept a threat's risk until a date: a security decision.
    #[serde(rename = "threat.accept")]
    AcceptThreats,
    /// Ask for a tenant for one of one's teams (platform admins: for any team).
    #[serde(rename = "tenant.request")]
    RequestTenants,
    /// Decide a waiting tenant request; which approver a request waits for is decided
    /// by the operation (team owner of the team, or security approver).
    #[serde(rename = "tenant.approve")]
    ApproveTenants,
    /// Ask for a tenant's decommission, or re-apply its objects after drift (team
    /// owners of the team, platform admins).
    #[serde(rename = "tenant.operate")]
    OperateTenants,
    /// Change the tier rules (quota ceilings, default approver).
    #[serde(rename = "tier-rule.edit")]
    EditTierRules,
    /// Post deployment and incident events (the scope CI/CD tokens carry).
    #[serde(rename = "events.write")]
    WriteEvents,
    /// See the events that matched no catalog entity, and manage webhook sources.
    #[serde(rename = "events.manage")]
    ManageEvents,
    /// Define, change, retire and re-evaluate maturity scorecards.
    #[serde(rename = "scorecard.edit")]
    EditScorecards,
    /// Exempt a component from a maturity rule until a date, as its approver.
    #[serde(rename = "scorecard.exempt")]
    ExemptScorecards,
    /// Export a compliance evidence pack (access, guardrails, changes, coverage,
    /// delivery and the audit trail of a period) and read its summary.
    #[serde(rename = "evidence.export")]
    ExportEvidence,
}

impl Action {
    pub const ALL: [Action; 26] = [
        Action::ViewPortal,
        Action::ManageOwnTokens,
        Action::ManageAllTokens,
        Action::ViewRoleMappings,
        Action::EditRoleMappings,
        Action::ViewAudit,
        Action::ExportAudit,
        Action::ViewClusters,
        Action::ImportCatalog,
        Action::EditCatalog,
        Action::EditTeamCatalog,
        Action::ControlDemoClusters,
        Action::ManageUsers,
        Action::EditGuardrails,
        Action::ReviewGuardrails,
        Action::EditThreats,
        Action::AcceptThreats,
        Action::RequestTenants,
        Action::ApproveTenants,
        Action::OperateTenants,
        Action::EditTierRules,
        Action::WriteEvents,
        Action::ManageEvents,
        Action::EditScorecards,
        Action::ExemptScorecards,
        Action::ExportEvidence,
    ];

    /// The name used for token scopes and in error messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            Action::ViewPortal => "portal.view",
            Action::ManageOwnTokens => "token.own",
            Action::ManageAllTokens => "token.manage",
            Action::ViewRoleMappings => "role-mapping.view",
            Action::EditRoleMappings => "role-mapping.edit",
            Action::ViewAudit => "audit.view",
            Action::ExportAudit => "audit.export",
            Action::ViewClusters => "cluster.view",
            Action::ImportCatalog => "catalog.import",
            Action::EditCatalog => "catalog.edit",
            Action::EditTeamCatalog => "catalog.edit-team",
            Action::ControlDemoClusters => "demo-cluster.control",
            Action::ManageUsers => "user.manage",
            Action::EditGuardrails => "guardrail.edit",
            Action::ReviewGuardrails => "guardrail.review",
            Action::EditThreats => "threat.edit",
            Action::AcceptThreats => "threat.accept",
            Action::RequestTenants => "tenant.request",
            Action::ApproveTenants => "tenant.approve",
            Action::OperateTenants => "tenant.operate",
            Action::EditTierRules => "tier-rule.edit",
            Action::WriteEvents => "events.write",
            Action::ManageEvents => "events.manage",
            Action::EditScorecards => "scorecard.edit",
            Action::ExemptScorecards => "scorecard.exempt",
            Action::ExportEvidence => "evidence.export",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A scope name that is not an action; the message lists the valid ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope `{given}`: expected one of {}", Action::ALL.map(Action::as_str).join(", "))]
pub struct UnknownAction {
    pub given: String,
}

impl FromStr for Action {
    type Err = UnknownAction;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .into_iter()
            .find(|action| action.as_str() == s)
            .ok_or_else(|| UnknownAction { given: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for action in Action::ALL {
            assert_eq!(action.as_str().parse::<Action>(), Ok(action));
            assert_eq!(
                serde_json::to_value(action).ok(),
                Some(serde_json::json!(action.as_str()))
            );
        }
        assert!("audit.delete".parse::<Action>().is_err());
    }
}
