//! Tenants as the API answers them and the pages show them: one shape for both doors.

use serde::{Deserialize, Serialize};

use crate::{
    guardrails::{Decision, GuardrailId},
    onboarding::{Approver, StepOp, StepState, TenantEnvironment, TenantState},
};

/// The quotas a tenant asks for, as Kubernetes quantities (`"4"`, `"500m"`, `"8Gi"`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Quotas {
    pub cpu: String,
    pub memory: String,
    pub pods: u32,
    pub storage: String,
}

/// A request for a tenant: the body of `POST /api/v1/tenants` and of the form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TenantRequest {
    pub name: String,
    /// The owning team's catalog Group, e.g. `group:default/payments`.
    pub team: String,
    pub environments: Vec<TenantEnvironment>,
    pub tier: String,
    pub quotas: Quotas,
    /// Ids of requestable guardrails, e.g. `GR-004`.
    #[serde(default)]
    pub options: Vec<GuardrailId>,
    #[serde(default)]
    pub justification: Option<String>,
    /// The catalog System the tenant serves, e.g. `system:default/checkout`.
    #[serde(default)]
    pub system: Option<String>,
}

/// A comment with an approval, rejection or decommission request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Decide {
    #[serde(default)]
    pub comment: Option<String>,
}

/// A requested option and what the tier's guardrail says about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OptionDecision {
    pub guardrail: GuardrailId,
    pub label: String,
    pub title: String,
    pub decision: Decision,
}

/// Who must approve, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Routing {
    pub approver: Approver,
    pub reasons: Vec<String>,
}

/// One object Parkway applies (or deletes), exactly as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObjectManifest {
    pub kind: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub yaml: String,
}

/// Where the live object differs from what Parkway applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldDrift {
    pub cluster: String,
    pub kind: String,
    pub name: String,
    /// A dotted path such as `metadata.labels.pod-security.kubernetes.io/enforce`,
    /// or empty when the whole object is missing.
    pub field: String,
    pub expected: String,
    /// `None`: the field (or the object) is gone.
    pub actual: Option<String>,
}

/// One provisioning step as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepView {
    pub kind: String,
    pub name: String,
    pub op: StepOp,
    pub state: StepState,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// RFC 3339.
    pub next_attempt_at: Option<String>,
    pub applied_at: Option<String>,
}

/// What happens in one cluster: its steps and manifests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClusterPlan {
    pub cluster: String,
    pub environment: TenantEnvironment,
    /// Empty before approval (the preview) and for clusters no step was made for.
    pub steps: Vec<StepView>,
    pub manifests: Vec<ObjectManifest>,
    /// The whole cluster's manifests as one multi-document YAML.
    pub yaml: String,
}

/// One transition in a tenant's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantEvent {
    pub at: String,
    pub actor: String,
    pub from: Option<TenantState>,
    pub to: TenantState,
    pub comment: Option<String>,
}

/// A row of the tenants list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantSummary {
    pub name: String,
    pub team: String,
    pub business_unit: Option<String>,
    pub tier: String,
    pub environments: Vec<TenantEnvironment>,
    pub state: TenantState,
    /// Who must decide while the state awaits approval.
    pub approver: Approver,
    pub requested_by: String,
    pub requested_at: String,
    pub updated_at: String,
    pub steps_done: i64,
    pub steps_total: i64,
    pub drifted: bool,
    pub last_error: Option<String>,
}

impl TenantSummary {
    /// Changes whenever the tenant page would show something else about provisioning:
    /// its state, steps done, or a new error. The page follows this while it is live.
    pub fn progress_key(&self) -> String {
        format!(
            "{}|{}/{}|{}",
            self.state.as_str(),
            self.steps_done,
            self.steps_total,
            self.last_error.as_deref().unwrap_or("")
        )
    }
}

/// What the viewer may do with a tenant now (buttons), with the reason when not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantActions {
    pub approve: bool,
    pub reject: bool,
    pub decommission: bool,
    pub reapply: bool,
    /// Why the viewer cannot approve a waiting request, when they cannot.
    pub approve_blocked_by: Option<String>,
}

/// `GET /api/v1/tenants/{name}` and the tenant page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantDetail {
    #[serde(flatten)]
    pub summary: TenantSummary,
    pub quotas: Quotas,
    pub options: Vec<OptionDecision>,
    pub justification: Option<String>,
    pub system: Option<String>,
    pub routing: Routing,
    pub tier_rule_version: i32,
    pub clusters: Vec<ClusterPlan>,
    pub drift: Vec<FieldDrift>,
    pub drift_checked_at: Option<String>,
    pub timeline: Vec<TenantEvent>,
    pub actions: TenantActions,
}

/// A tier's rules: quota ceilings, who approves a plain request, container defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TierRuleSpec {
    pub max_cpu: String,
    pub max_memory: String,
    pub max_pods: u32,
    pub max_storage: String,
    pub approver: Approver,
    pub default_request_cpu: String,
    pub default_request_memory: String,
    pub default_limit_cpu: String,
    pub default_limit_memory: String,
    /// Whether the tier's ClusterRole grants `pods/exec` (never above `internal`).
    pub pod_exec: bool,
}

/// A tier with its current rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TierRule {
    pub tier: String,
    pub title: String,
    pub version: i32,
    pub rule: TierRuleSpec,
    pub changed_by: String,
    pub changed_at: String,
    pub note: Option<String>,
}

/// A team the requester may ask for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamChoice {
    pub team: String,
    pub title: String,
    pub business_unit: Option<String>,
}

/// A requestable option with its decision per tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OptionChoice {
    pub guardrail: GuardrailId,
    pub label: String,
    pub title: String,
    pub decisions: Vec<(String, Decision)>,
}

/// Everything the request form offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestChoices {
    pub teams: Vec<TeamChoice>,
    pub tiers: Vec<TierRule>,
    pub options: Vec<OptionChoice>,
    /// Each environment with the clusters it means.
    pub environments: Vec<(TenantEnvironment, Vec<String>)>,
    pub systems: Vec<String>,
}

/// The preview of a request: where it goes and exactly what would be applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantPreview {
    pub routing: Routing,
    pub options: Vec<OptionDecision>,
    pub clusters: Vec<ClusterPlan>,
}
