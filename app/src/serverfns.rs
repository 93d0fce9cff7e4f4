//! Server functions: every one is a public HTTP endpoint under `/fn/`, and every one
//! is an adapter, like a REST handler: it reads its arguments, calls one operation in
//! `parkway_core::<area>::ops` with the request's context ([`error::ctx`]), and maps
//! the result into the view types the page renders. Authorization and every other
//! rule live in the operation. [`SERVER_FNS`] documents each one's action and least
//! role; the server's route × role matrix test walks it.

pub mod audit;
pub mod catalog;
pub mod clusters;
mod error;
pub mod evidence;
pub mod guardrails;
pub mod identity;
pub mod onboarding;
pub mod scorecards;

pub use error::AppError;
#[cfg(feature = "ssr")]
pub(crate) use error::{ctx, respond};
use parkway_types::{Action, Role};

/// One server function and who may call it (for the route × role matrix).
#[derive(Debug, Clone, Copy)]
pub struct ServerFnAccess {
    /// Full path, `/fn/<endpoint>`.
    pub path: &'static str,
    pub action: Action,
    /// The least role documented to pass.
    pub role: Role,
    /// A valid url-encoded argument body for the matrix test.
    pub sample: &'static str,
}

pub const SERVER_FNS: &[ServerFnAccess] = &[
    ServerFnAccess {
        path: "/fn/evidence_choices",
        action: Action::ExportEvidence,
        role: Role::Leader,
        sample: "",
    },
    ServerFnAccess {
        path: "/fn/evidence_summary",
        action: Action::ExportEvidence,
        role: Role::Leader,
        sample: "business_unit=&from=2026-01-01&to=2026-01-31",
    },
    ServerFnAccess {
        path: "/fn/list_audit_events",
        action: Action::ViewAudit,
        role: Role::PlatformAdmin,
        sample: "",
    },
    ServerFnAccess {
        path: "/fn/list_role_mappings",
        action: Action::ViewRoleMappings,
        role: Role::PlatformAdmin,
        sample: "",
    },
    ServerFnAccess {
        path: "/fn/add_role_mapping",
        action: Action::EditRoleMappings,
        role: Role::PlatformAdmin,
        sample: "group=matrix-group&role=leader",
    },
    ServerFnAccess {
        path: "/fn/remove_role_mapping",
        action: Action::EditRoleMappings,
        role: Role::PlatformAdmin,
        sample: "id=0",
    },
    ServerFnAccess {
        path: "/fn/list_people",
        action: Action::ManageUsers,
        role: Role::PlatformAdmin,
        sample: "",
    },
    ServerFnAccess {
        path: "/fn/deactivate_person",
        action: Action::ManageUsers,
        role: Role::PlatformAdmin,
        sample: "id=00000000-0000-0000-0000-000000000000",
    },
    ServerFnAccess {
        path: "/fn/list_catalog",
        action: Action::ViewPortal,
        role: Role::Developer,
        sample: "",
    },
    ServerFnAccess {
        path: "/fn/catalog_entity",
        action: Action::ViewPortal,
        role: Role::Developer,
        sample: "kind=group&namespace=default&name=matrix-team",
    },
    ServerFnAccess {
        path: "/fn/remove_catalog_entity",
        action: Action::EditTeamCatalog,
        role: Role::TeamOwner,
        sample: "kind=component&namespace=default&name=matrix-doomed",
    },
    ServerFnAccess {
        path: "/fn/catalog_descriptor",
        action: Action::EditTeamCatalog,
        role: Role::TeamOwner,
        sample: "kind=component&namespace=default&name=matrix-doomed",
    },
    ServerFnAccess {
        path: "/fn/save_catalog_entity",
        action: Action::EditTeamCatalog,
        role: Role::TeamOwner,
        sample: "kind=component&namespace=default&name=matrix-saved&descriptor=apiVersion%3A%20backstage.io%2Fv1alpha1%0Akind%3A%20Component%0Ametadata%3A%20%7Bname%3A%20matrix-saved%7D%0Aspec%3A%20%7Btype%3A%20service%2C%20lifecycle%3A%20production%2C%20owner%3A%20matrix-team%7D%0A",
    },
    ServerFnAccess {
        path: "/fn/import_catalog",
        action: Action::ImportCatalog,
        role: Role::PlatformAdmin,
        sample: "source=matrix-ui&descriptors=apiVersion%3A%20backstage.io%2Fv1alpha1%0Akind%3A%20Group%0Ametadata%3A%20%7Bname%3A%20matrix-ui%7D%0Aspec%3A%20%7Btype%3A%20team%2C%20children%3A%20%5B%5D%7D%0A",
    },
    ServerFnAccess {
        path: "/fn/list_clusters",
        action: Action::ViewClusters,
        role: Role::PlatformAdmin,
        sample: "",
    },
    ServerFnAccess {
        path: "/fn/cluster_workloads",
        action: Action::ViewClusters,
        role: Role::PlatformAdmin,
        sample: "name=matrix-cluster",
    },
    ServerFnAccess {
        path: "/fn/list_tokens",
        action: Action::ManageOwnTokens,
        role: Role::Developer,
        sample: "",
    },
    ServerFnAccess {
        path: "/fn/create_token",
        action: Action::ManageOwnTokens,
        role: Role::Developer,
        sample: "name=matrix&expires=7d",
    },
    ServerFnAccess {
        path: "/fn/revoke_token",
        action: Action::ManageOwnTokens,
        role: Role::Developer,
        sample: "id=00000000-0000-0000-0000-000000000000",
    },
    ServerFnAccess {
        path: "/fn/list_guardrails",
        action: Action::ViewPortal,
        role: Role::Developer,
        sample: "",
    },
    ServerFnAccess {
        path: "/fn/guardrail_page",
        action: Action::ViewPortal,
        role: Role::Developer,
        sample: "id=GR-906",
    },
    ServerFnAccess {
        path: "/fn/review_guardrail",
        action: Action::ReviewGuardrails,
        role: Role::SecurityApprover,
        sample: "id=GR-902&step=approve&note=matrix",
    },
    ServerFnAccess {
        path: "/fn/compare_versions",
        action: Action::ViewPortal,
        role: Role::Developer,
        sample: "id=GR-906",
    },
    ServerFnAccess {
        path: "/fn/guardrail_editor",
        action: Action::EditGuardrails,
        role: Role::CoeEditor,
        sample: "id=GR-906",
    },
    ServerFnAccess {
        path: "/fn/preview_guardrail",
        action: Action::EditGuardrails,
        role: Role::CoeEditor,
        sample: "id=&yaml=kind%3A%20Guardrail",
    },
    ServerFnAccess {
        path: "/fn/save_guardrail",
        action: Action::EditGuardrails,
        role: Role::CoeEditor,
        // The matrix test writes a whole document here.
        sample: "id=&based_on=&intent=draft&yaml=",
    },
    ServerFnAccess {
        path: "/fn/threat_gaps",
        action: Action::ViewPortal,
        role: Role::Developer,
        sample: "",
    },
    ServerFnAccess {
        path: "/fn/list_categories",
        action: Action::ViewPortal,
        role: Role::Developer,
        sample: "",
    },
    ServerFnAccess {
        path: "/fn/add_category",
        action: Action::EditGuardrails,
        role: Role::CoeEditor,
        sample: "slug=matrix-added&title=Matrix",
    },
    ServerFnAccess {
        path: "/fn/rename_category",
        action: Action::EditGuardrails,
        role: Role::CoeEditor,
        sample: "slug=supply-chain&title=Supply%20chain",
    },
    ServerFnAccess {
        path: "/fn/remove_category",
        action: Action::EditGuardrails,
        role: Role::CoeEditor,
        sample: "slug=matrix-spare",
    },
    ServerFnAccess {
        path: "/fn/list_threats",
        action: Action::ViewPortal,
        role: Role::Developer,
        sample: "",
    },
    ServerFnAccess {
        path: "/fn/threat_page",
        action: Action::ViewPortal,
        role: Role::Developer,
        sample: "id=TH-901",
    },
    ServerFnAccess {
        path: "/fn/list_tenants",
        action: Action::ViewPortal,
        role: Role::Developer,
        sample: "view=all&state=",
    },
    ServerFnAccess {
        path: "/fn/tenant_queue_count",
        action: Action::ViewPortal,
        role: Role::Developer,
        sample: "",
    },
    ServerFnAccess {
        path: "/fn/team_tenants",
        action: Action::ViewPortal,
        role: Role::Developer,
        sample: "team=group:default/matrix-team",
    },
    ServerFnAccess {
        path: "/fn/tenant_choices",
        action: Action::RequestTenants,
        role: Role::Developer,
        sample: "",
    },
    ServerFnAccess {
        path: "/fn/preview_tenant",
        action: Action::RequestTenants,
        role: Role::Developer,
        sample: "form[name]=matrix-preview&form[team]=group:default/matrix-team&form[environments][0]=dev&form[tier]=internal&form[quotas][cpu]=1&form[quotas][memory]=1Gi&form[quotas][pods]=10&form[quotas][storage]=1Gi",
    },
    ServerFnAccess {
        path: "/fn/request_tenant",
        action: Action::RequestTenants,
        role: Role::Developer,
        sample: "form[name]=matrix-fn&form[team]=group:default/matrix-team&form[environments][0]=dev&form[tier]=internal&form[quotas][cpu]=1&form[quotas][memory]=1Gi&form[quotas][pods]=10&form[quotas][storage]=1Gi",
    },
    ServerFnAccess {
        path: "/fn/tenant_page",
        action: Action::ViewPortal,
        role: Role::Developer,
        sample: "name=matrix-seen",
    },
    ServerFnAccess {
        path: "/fn/tenant_progress",
        action: Action::ViewPortal,
        role: Role::Developer,
        sample: "name=matrix-progress",
    },
    ServerFnAccess {
        path: "/fn/decide_tenant",
        action: Action::ApproveTenants,
        role: Role::SecurityApprover,
        sample: "name=matrix-waiting&action=approve&comment=fine",
    },
    ServerFnAccess {
        path: "/fn/list_tier_rules",
        action: Action::ViewPortal,
        role: Role::Developer,
        sample: "",
    },
    ServerFnAccess {
        path: "/fn/save_tier_rule",
        action: Action::EditTierRules,
        role: Role::CoeEditor,
        sample: "tier=public&rule[maxCpu]=32&rule[maxMemory]=64Gi&rule[maxPods]=300&rule[maxStorage]=1Ti&rule[approver]=auto&rule[defaultRequestCpu]=100m&rule[defaultRequestMemory]=128Mi&rule[defaultLimitCpu]=1&rule[defaultLimitMemory]=1Gi&rule[podExec]=true&note=matrix",
    },
    ServerFnAccess {
        path: "/fn/scorecard_page",
        action: Action::ViewPortal,
        role: Role::Developer,
        sample: "level=enterprise&entity=&window=90&year=2023",
    },
    ServerFnAccess {
        path: "/fn/maturity_index",
        action: Action::ViewPortal,
        role: Role::Developer,
        sample: "",
    },
    ServerFnAccess {
        path: "/fn/maturity_page",
        action: Action::ViewPortal,
        role: Role::Developer,
        sample: "id=matrix-card&from=0",
    },
    ServerFnAccess {
        path: "/fn/save_maturity",
        action: Action::EditScorecards,
        role: Role::CoeEditor,
        sample: "id=matrix-saved&definition=title%3A%20Matrix%0Arules%3A%0A%20%20-%20%7Bid%3A%20owner%2C%20title%3A%20Owner%2C%20level%3A%20Bronze%2C%20fact%3A%20catalog.owner%2C%20check%3A%20present%2C%20rationale%3A%20r%2C%20remediation%3A%20%22https%3A%2F%2Fwiki.example.com%2Fowner%22%7D%0A",
    },
    ServerFnAccess {
        path: "/fn/evaluate_maturity",
        action: Action::EditScorecards,
        role: Role::CoeEditor,
        sample: "id=matrix-card",
    },
    ServerFnAccess {
        path: "/fn/grant_maturity_exemption",
        action: Action::ExemptScorecards,
        role: Role::SecurityApprover,
        sample: "scorecard=matrix-card&rule=owner&entity=matrix-rated&reason=matrix&expires_on=",
    },
    ServerFnAccess {
        path: "/fn/revoke_maturity_exemption",
        action: Action::ExemptScorecards,
        role: Role::SecurityApprover,
        sample: "scorecard=matrix-card&id=",
    },
    ServerFnAccess {
        path: "/fn/delivery_admin",
        action: Action::ManageEvents,
        role: Role::PlatformAdmin,
        sample: "",
    },
    ServerFnAccess {
        path: "/fn/add_webhook_source",
        action: Action::ManageEvents,
        role: Role::PlatformAdmin,
        sample: "name=matrix-hook&kind=github&secret=a-matrix-secret-of-some-length",
    },
    ServerFnAccess {
        path: "/fn/remove_webhook_source",
        action: Action::ManageEvents,
        role: Role::PlatformAdmin,
        sample: "name=matrix-doomed",
    },
];
