//! The REST API under `/api/v1`. The route table [`ENDPOINTS`] is data: the router is
//! built from it (a route cannot exist without an entry), and the route × role matrix
//! test walks it. Handlers are adapters: they read their input (path, query, body),
//! call one operation in `parkway_core::<area>::ops` with the request's [`Op`]
//! context, and map its result. Authorization and every other rule live in the
//! operation, shared with the pages' server functions; the table records the action
//! and the least role that passes, for people and for the test.

pub mod answer;
mod audit;
mod catalog;
mod clusters;
mod evidence;
mod guardrails;
mod maturity;
mod me;
mod role_mappings;
pub mod scorecards;
mod tenants;
mod tokens;
mod users;

use std::convert::Infallible;

use axum::{
    Router,
    body::Bytes,
    extract::{FromRequestParts, rejection::BytesRejection},
    handler::Handler,
    http::{HeaderMap, Method, header, request::Parts},
    routing::{MethodFilter, MethodRouter, on},
};
use parkway_core::{
    Ctx,
    catalog::ImportLimit,
    identity::{Action, Principal, Role},
    types::EntityRef,
};

use crate::{
    error::{ApiError, ApiPath, ApiResult},
    openapi::describe::{Described, Handles},
    state::AppState,
};

/// One REST route and who may call it.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    pub action: Action,
    /// The least role documented to pass; the matrix test checks it does.
    pub role: Role,
    pub summary: &'static str,
}

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: Method::GET,
        path: "/api/v1/openapi.json",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "This API as an OpenAPI 3.1 document, generated from the route table and the response types.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/me",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "The caller: name, roles, groups, teams.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/tokens",
        action: Action::ManageOwnTokens,
        role: Role::Developer,
        summary: "The caller's API tokens (`?all=true`: everyone's, for platform admins).",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/tokens",
        action: Action::ManageOwnTokens,
        role: Role::Developer,
        summary: "Create a token for oneself, or (platform admins) for a service account; the secret is in the answer only.",
    },
    Endpoint {
        method: Method::DELETE,
        path: "/api/v1/tokens/{id}",
        action: Action::ManageOwnTokens,
        role: Role::Developer,
        summary: "Revoke a token (one's own; anyone's for platform admins).",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/role-mappings",
        action: Action::ViewRoleMappings,
        role: Role::PlatformAdmin,
        summary: "Which provider groups grant which roles.",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/role-mappings",
        action: Action::EditRoleMappings,
        role: Role::PlatformAdmin,
        summary: "Map a group to a role.",
    },
    Endpoint {
        method: Method::DELETE,
        path: "/api/v1/role-mappings/{id}",
        action: Action::EditRoleMappings,
        role: Role::PlatformAdmin,
        summary: "Remove a mapping.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/users",
        action: Action::ManageUsers,
        role: Role::PlatformAdmin,
        summary: "Everyone Parkway knows: people (with their roles, last sign-in and whether they are deactivated) and service accounts.",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/users/{id}/deactivate",
        action: Action::ManageUsers,
        role: Role::PlatformAdmin,
        summary: "Off-board a person: they can no longer sign in, and their sessions and API tokens stop at once. Audited.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/audit/events",
        action: Action::ViewAudit,
        role: Role::PlatformAdmin,
        summary: "Audit events, newest first, filtered and paginated. Each page read is audited as `audit.view`.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/audit/export",
        action: Action::ExportAudit,
        role: Role::PlatformAdmin,
        summary: "Download filtered audit events as CSV or JSON, newest first. At most 100,000 events: when more match, the `Parkway-Export-Truncated: 100000` header is set and the CSV's last line says where to continue (`before`). Audited as `audit.export`.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/audit/head",
        action: Action::ViewAudit,
        role: Role::PlatformAdmin,
        summary: "The audit chain head `{id, hash, signature, at}`: `signature` is the hex HMAC-SHA256 of `\"{id}:{hash}\"` under `PARKWAY_AUDIT_KEY`. Keep copies outside Parkway; `parkway audit verify --expect-head ID:HASH` then detects a truncated trail.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/evidence",
        action: Action::ExportEvidence,
        role: Role::Leader,
        summary: "A compliance evidence pack for a business unit (`business_unit`, a Group of `spec.type: business-unit`; omitted: the enterprise) and a period (`from`, `to`: whole UTC days, at most 366): a zip of `access.csv`, `guardrails/` (every version in force, as YAML, and `index.csv`), `changes.csv`, `tenants.csv`, `coverage.csv` (daily samples), `delivery.csv`, `audit.jsonl`, `chain.json` (the signed chain head and the whole chain's verification), `summary.json` (the controls and their exceptions) and `manifest.json` (SHA-256 of every file, signed with HMAC-SHA256 under `PARKWAY_AUDIT_KEY`). Security approvers, leaders and platform admins. Audited as `evidence.export`. `parkway evidence verify PACK.zip` checks it.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/clusters",
        action: Action::ViewClusters,
        role: Role::PlatformAdmin,
        summary: "Registered clusters: name, environment, status, last_sync, demo, api_version, error.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/clusters/{name}/workloads",
        action: Action::ViewClusters,
        role: Role::PlatformAdmin,
        summary: "A cluster's workloads, live from the caches or, when it cannot be read, from the snapshot (`source`, `as_of`).",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/catalog/import",
        action: Action::ImportCatalog,
        role: Role::PlatformAdmin,
        summary: "Import Backstage descriptors (`application/yaml`, multi-document) as `?source=NAME`; 422 lists every problem with its position and nothing is applied.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/catalog/entities",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "Catalog entities filtered by `kind`, `owner`, `business_unit`, `lifecycle`, `tier`, `tag` and `q` (typo-tolerant search); `cursor`/`limit` pages.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/catalog/facets",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "Counts per kind, owner, business unit, lifecycle, tier and tag under the same filters.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/catalog/entities/{kind}/{namespace}/{name}",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "One catalog entity with its relations.",
    },
    Endpoint {
        method: Method::PUT,
        path: "/api/v1/catalog/entities/{kind}/{namespace}/{name}",
        action: Action::EditTeamCatalog,
        role: Role::TeamOwner,
        summary: "Replace (or create) one entity from a single descriptor (`application/yaml` or `application/json`); team owners only for what their team owns and keeps. 422 lists every problem. Audited with before and after.",
    },
    Endpoint {
        method: Method::DELETE,
        path: "/api/v1/catalog/entities/{kind}/{namespace}/{name}",
        action: Action::EditTeamCatalog,
        role: Role::TeamOwner,
        summary: "Remove an entity (typically an orphan its source no longer lists); team owners only for their team's. Audited with what it was.",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/guardrails/import",
        action: Action::EditGuardrails,
        role: Role::CoeEditor,
        summary: "Import `Guardrail` and `Threat` documents (YAML), all or nothing: guardrails become new drafts by the caller, threats are saved.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/guardrails/export",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "The published guardrails and the threat register as YAML documents that import unchanged.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/guardrails",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "The published guardrails (filters: category, severity, guidance, tier and decision, q).",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/guardrails/{id}",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "A guardrail: its published version (for the CoE, the newest when none is), decisions, implementations, threats and the review steps the caller may take.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/guardrails/{id}/versions",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "A guardrail's versions, oldest first (drafts only for coe-editors and security approvers).",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/guardrails/{id}/coverage",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "Live policy coverage per cluster: `cluster`, `mode` (enforce, audit, missing), `workloads`, `pass`, `fail`, `unknown`, `coverage` (enforced ÷ in scope), with warnings.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/guardrails/{id}/diff",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "What changed between two versions (`from`, `to`; default the newest and the one before): `fields` that differ, named as the YAML names them, and the `body` word by word as runs of `same`, `added` and `removed` text.",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/guardrails/{id}/submit",
        action: Action::EditGuardrails,
        role: Role::CoeEditor,
        summary: "Submit the newest draft for review, with a change note (`note`, required).",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/guardrails/{id}/approve",
        action: Action::ReviewGuardrails,
        role: Role::SecurityApprover,
        summary: "Approve the version in review; its author cannot (403).",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/guardrails/{id}/reject",
        action: Action::ReviewGuardrails,
        role: Role::SecurityApprover,
        summary: "Return the version in review to draft, with what to change (`note`, required).",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/guardrails/{id}/publish",
        action: Action::EditGuardrails,
        role: Role::CoeEditor,
        summary: "Publish the approved version in review.",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/guardrails/{id}/retire",
        action: Action::EditGuardrails,
        role: Role::CoeEditor,
        summary: "Retire a published guardrail: the first call asks (a new version in review), a second person approves, the next call retires it.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/guardrail-categories",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "The guardrail categories in order: `slug` (as documents write it), `title`, and how many guardrail versions name each.",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/guardrail-categories",
        action: Action::EditGuardrails,
        role: Role::CoeEditor,
        summary: "Add a category at the end of the list (`slug`: lower-case letters, digits and `-`; `title`). 409 when the slug exists. Audited.",
    },
    Endpoint {
        method: Method::PUT,
        path: "/api/v1/guardrail-categories/{slug}",
        action: Action::EditGuardrails,
        role: Role::CoeEditor,
        summary: "Give a category a new `title`; its slug, which documents use, stays. Audited with before and after.",
    },
    Endpoint {
        method: Method::DELETE,
        path: "/api/v1/guardrail-categories/{slug}",
        action: Action::EditGuardrails,
        role: Role::CoeEditor,
        summary: "Remove a category no guardrail version names (409 otherwise: versions never change). Audited.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/threats",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "The threat register, highest residual risk first, with the published guardrails that mitigate each threat.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/threats/not-really-mitigated",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "Threats whose mitigating published guardrails are missing or audit-only in some production cluster, with each guardrail and cluster; production clusters that cannot be read now are listed as `unreadable`.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/threats/{id}",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "One threat.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/tenants",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "Tenants, newest first, with their state and provisioning progress (filters: `state`, `mine=true` for the caller's teams, `queue=true` for requests waiting on the caller, `team`).",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/tenants",
        action: Action::RequestTenants,
        role: Role::Developer,
        summary: "Request a tenant for one of the caller's teams: 201 with the tenant (approved and provisioning at once when nothing needs approval), 422 with every problem (name, quotas above the tier's ceilings, a blocked option naming its guardrail, a missing justification), 409 when the name is taken, 403 for a team the caller is not in. Audited.",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/tenants/preview",
        action: Action::RequestTenants,
        role: Role::Developer,
        summary: "Check a request without filing it: who must approve it and why, and the manifests per cluster exactly as they would be applied.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/tenants/{name}",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "A tenant: its state, timeline, per-cluster steps (attempts, last error, next attempt), manifests, drift against the live objects, and the actions the caller may take.",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/tenants/{name}/approve",
        action: Action::ApproveTenants,
        role: Role::SecurityApprover,
        summary: "Approve a waiting request or decommission (`comment` optional). The approver the request waits for (an owner of the team, or a security approver), never the person who asked (403). 409 when nothing waits. Audited.",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/tenants/{name}/reject",
        action: Action::ApproveTenants,
        role: Role::SecurityApprover,
        summary: "Reject a waiting request (it ends) or decommission (the tenant stays active); `comment` required. Audited.",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/tenants/{name}/decommission",
        action: Action::OperateTenants,
        role: Role::TeamOwner,
        summary: "Ask for an active tenant's decommission (an owner of its team, or a platform admin); approved as its tier's rules say, then its namespaces are deleted. The record and its audit trail stay. Audited.",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/tenants/{name}/reapply",
        action: Action::OperateTenants,
        role: Role::TeamOwner,
        summary: "Apply a tenant's objects again (after drift): every step becomes due at once. Audited.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/tier-rules",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "Each risk tier's current rules: quota ceilings, who approves a request with nothing beyond defaults, container defaults, whether pods/exec is granted.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/tier-rules/{tier}",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "Every version of a tier's rules, newest first.",
    },
    Endpoint {
        method: Method::PUT,
        path: "/api/v1/tier-rules/{tier}",
        action: Action::EditTierRules,
        role: Role::CoeEditor,
        summary: "A new version of a tier's rules (`rule`, `note`); requests already filed keep the version they were checked against. Audited with before and after.",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/events/deployments",
        action: Action::WriteEvents,
        role: Role::PlatformAdmin,
        summary: "Deployments from CI/CD, `{\"events\": [...]}`, at most 1,000 a call (413 above); a token with scope `events.write`. An `id` already stored is accepted and changes nothing. 400 names the field a body fails to parse at; 422 lists every problem (timestamps before 2000 or in the future, empty ids); nothing of a refused batch is stored. A `service` that matches no catalog entity is kept in the unmatched list. Audited per call.",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/events/incidents",
        action: Action::WriteEvents,
        role: Role::PlatformAdmin,
        summary: "Incidents, `{\"events\": [...]}`, at most 1,000 a call; linked to the deployment they name, else the one that carries the commit they name, else the service's latest successful production deployment within `PARKWAY_INCIDENT_LINK_WINDOW` before they opened. Idempotent by `id`, refused whole like deployments. Audited per call.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/events/unmatched",
        action: Action::ManageEvents,
        role: Role::PlatformAdmin,
        summary: "Deployments and incidents whose `service` matched no catalog entity (the latest 500 of each): kept, never dropped.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/webhook-sources",
        action: Action::ManageEvents,
        role: Role::PlatformAdmin,
        summary: "The GitHub and GitLab webhook sources (name, kind, who added it, where the sender posts); never their secrets.",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/webhook-sources",
        action: Action::ManageEvents,
        role: Role::PlatformAdmin,
        summary: "Add a webhook source: `name`, `kind` (`github` or `gitlab`) and the `secret` configured at the sender (16–512 characters), stored sealed under a key derived from `PARKWAY_AUDIT_KEY` and never shown again. 409 when the name is taken. Audited without the secret.",
    },
    Endpoint {
        method: Method::DELETE,
        path: "/api/v1/webhook-sources/{name}",
        action: Action::ManageEvents,
        role: Role::PlatformAdmin,
        summary: "Remove a webhook source: deliveries signed with its secret are refused from then on. Audited.",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/webhooks/github",
        action: Action::WriteEvents,
        role: Role::PlatformAdmin,
        summary: "GitHub `deployment_status` deliveries, authenticated by their `X-Hub-Signature-256` (HMAC-SHA256 of the raw body under a GitHub source's secret, compared in constant time) instead of a Parkway credential: 401 and audited (`webhook.refused`) when it matches no source, nothing stored. Deduplicated by `X-GitHub-Delivery`. A final status (`success`; `failure`/`error`) becomes a deployment of the catalog entity whose `github.com/project-slug` annotation is the repository (unmatched: kept for admins); other events and statuses are accepted and ignored.",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/webhooks/gitlab",
        action: Action::WriteEvents,
        role: Role::PlatformAdmin,
        summary: "GitLab deployment events, authenticated by `X-Gitlab-Token` or the Standard Webhooks headers (`webhook-id`, `webhook-timestamp` within 5 minutes, `webhook-signature` `v1,<base64 HMAC-SHA256>`) against a GitLab source's secret: 401 and audited otherwise. Deduplicated by `webhook-id` or `X-Gitlab-Event-UUID`. `success`/`failed` become deployments of the entity annotated `gitlab.com/project-slug`.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/scorecards/dora",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "The four keys of a service, a team or business unit (`group:` ref) or the enterprise (no `entity`) between `from` and `to` (inclusive days, UTC; at most 366): `deployments`, `deploy_days_per_week_median`, `lead_time_median_seconds`, `change_failure_rate` with `failed_deployments`, `recovery_time_median_seconds` (and `open_failures`), `rework_rate`, `bands` under `report_year`, and above a service `band_shares`: teams and units are medians of their children's values, never means of raw events.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/scorecards/export",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "One table of a scorecard page as CSV (`Content-Disposition: attachment`): the page is `level` (`enterprise`, `units`, `teams`, `services`) with `entity`, `window` and `year` as on the page; `table` is `children` and `trend` above a service, `trend`, `deployments` and `incidents` on a service (404 for a table the page does not have). Values as numbers (seconds, ratios) and band words; cells a spreadsheet would run as formulas are defused.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/maturity/scorecards",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "The maturity scorecards: levels (lowest first), rule count, which components each rates, and how many components held each level at its latest evaluation.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/maturity/scorecards/{id}",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "One scorecard: its rules (fact, check, level, applies-to, rationale, remediation link, how many components pass, fail, are exempt), every rated component's level, score and failing rules, its exemptions, and the definition as YAML.",
    },
    Endpoint {
        method: Method::PUT,
        path: "/api/v1/maturity/scorecards/{id}",
        action: Action::EditScorecards,
        role: Role::CoeEditor,
        summary: "Save a new version of a scorecard from YAML or JSON (`title`, optional `description`, `levels` lowest first (default Bronze, Silver, Gold), `score`, `applies_to`, `rules` each with `id`, `title`, `level`, `fact`, `check`, optional `applies_to`, `rationale`, `remediation`): 422 listing every problem by field, nothing saved. Audited, then evaluated over every component.",
    },
    Endpoint {
        method: Method::DELETE,
        path: "/api/v1/maturity/scorecards/{id}",
        action: Action::EditScorecards,
        role: Role::CoeEditor,
        summary: "Retire a scorecard: no longer listed or evaluated; its versions and evaluations stay as history. Audited.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/maturity/scorecards/{id}/export",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "One table of a maturity scorecard's page as CSV: `rules` (with how many components pass, fail, are exempt), `ratings` (every rated component's level, score and failing rules) or `exemptions`.",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/maturity/scorecards/{id}/evaluate",
        action: Action::EditScorecards,
        role: Role::CoeEditor,
        summary: "Evaluate a scorecard now (it is also evaluated when saved, when an exemption changes, and daily): every rule's verdict for every component is stored. Audited.",
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/maturity/evaluations",
        action: Action::ViewPortal,
        role: Role::Developer,
        summary: "Stored evaluations, newest first (`scorecard`, `entity`, `limit` up to 5,000): entity, rule, the value read, passed, exempt, and when: history and audit evidence.",
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/maturity/exemptions",
        action: Action::ExemptScorecards,
        role: Role::SecurityApprover,
        summary: "Exempt a component from one rule until `expires_at` (at most 366 days): the caller is recorded as its approver, `reason` required. A failing rule under an exemption in force does not hold the level back. 422 listing every problem. Audited, then the scorecard is evaluated again.",
    },
    Endpoint {
        method: Method::DELETE,
        path: "/api/v1/maturity/exemptions/{id}",
        action: Action::ExemptScorecards,
        role: Role::SecurityApprover,
        summary: "Revoke an exemption in force (404 otherwise). Audited, then the scorecard is evaluated again.",
    },
];

/// One endpoint's handler, routed, and what its signature says it reads and answers.
pub struct Route {
    pub router: MethodRouter<AppState>,
    /// Fills in the endpoint's parameters, body, success statuses and the refusals
    /// its inputs can cause, from the handler's types (see `openapi::describe`).
    pub describe: fn(&mut Described),
}

/// Routes `handler` for `endpoint`'s method and keeps its description: the router and
/// the OpenAPI document take the same function, so they cannot disagree.
fn route<H, T, A>(endpoint: &Endpoint, handler: H) -> Route
where
    H: Handler<T, AppState> + Handles<A>,
    T: 'static,
{
    let filter = MethodFilter::try_from(endpoint.method.clone())
        .unwrap_or_else(|_| unreachable!("{} is not a routable method", endpoint.method));
    Route {
        router: on(filter, handler),
        describe: <H as Handles<A>>::describe,
    }
}

/// The handler of one [`ENDPOINTS`] row.
pub fn route_of(e: &Endpoint) -> Route {
    match (e.method.as_str(), e.path) {
        ("GET", "/api/v1/openapi.json") => route(e, crate::openapi::serve),
        ("GET", "/api/v1/me") => route(e, me::show),
        ("GET", "/api/v1/tokens") => route(e, tokens::list),
        ("POST", "/api/v1/tokens") => route(e, tokens::create),
        ("DELETE", "/api/v1/tokens/{id}") => route(e, tokens::revoke),
        ("GET", "/api/v1/role-mappings") => route(e, role_mappings::list),
        ("POST", "/api/v1/role-mappings") => route(e, role_mappings::add),
        ("DELETE", "/api/v1/role-mappings/{id}") => route(e, role_mappings::remove),
        ("GET", "/api/v1/audit/events") => route(e, audit::events),
        ("GET", "/api/v1/users") => route(e, users::list),
        ("POST", "/api/v1/users/{id}/deactivate") => route(e, users::deactivate),
        ("GET", "/api/v1/audit/export") => route(e, audit::export),
        ("GET", "/api/v1/audit/head") => route(e, audit::head),
        ("GET", "/api/v1/evidence") => route(e, evidence::export),
        ("GET", "/api/v1/clusters") => route(e, clusters::list),
        // Its body limit is the configured one, set in `router`.
        ("POST", "/api/v1/catalog/import") => route(e, catalog::import),
        ("GET", "/api/v1/catalog/entities") => route(e, catalog::list),
        ("GET", "/api/v1/catalog/facets") => route(e, catalog::facets),
        ("GET", "/api/v1/catalog/entities/{kind}/{namespace}/{name}") => route(e, catalog::show),
        ("PUT", "/api/v1/catalog/entities/{kind}/{namespace}/{name}") => route(e, catalog::put),
        ("DELETE", "/api/v1/catalog/entities/{kind}/{namespace}/{name}") => route(e, catalog::remove),
        ("GET", "/api/v1/clusters/{name}/workloads") => route(e, clusters::workloads),
        ("GET", "/api/v1/tenants") => route(e, tenants::list),
        ("POST", "/api/v1/tenants") => route(e, tenants::create),
        ("POST", "/api/v1/tenants/preview") => route(e, tenants::preview),
        ("GET", "/api/v1/tenants/{name}") => route(e, tenants::show),
        ("POST", "/api/v1/tenants/{name}/approve") => route(e, tenants::approve),
        ("POST", "/api/v1/tenants/{name}/reject") => route(e, tenants::reject),
        ("POST", "/api/v1/tenants/{name}/decommission") => route(e, tenants::decommission),
        ("POST", "/api/v1/tenants/{name}/reapply") => route(e, tenants::reapply),
        ("GET", "/api/v1/tier-rules") => route(e, tenants::tier_rules),
        ("GET", "/api/v1/tier-rules/{tier}") => route(e, tenants::tier_rule_history),
        ("PUT", "/api/v1/tier-rules/{tier}") => route(e, tenants::put_tier_rule),
        ("POST", "/api/v1/guardrails/import") => route(e, guardrails::import),
        ("GET", "/api/v1/guardrails/export") => route(e, guardrails::export),
        ("GET", "/api/v1/guardrails") => route(e, guardrails::list),
        ("GET", "/api/v1/guardrails/{id}") => route(e, guardrails::show),
        ("GET", "/api/v1/guardrails/{id}/versions") => route(e, guardrails::versions),
        ("GET", "/api/v1/guardrails/{id}/coverage") => route(e, guardrails::coverage),
        ("GET", "/api/v1/guardrails/{id}/diff") => route(e, guardrails::diff),
        ("POST", "/api/v1/guardrails/{id}/submit") => route(e, guardrails::submit),
        ("POST", "/api/v1/guardrails/{id}/approve") => route(e, guardrails::approve),
        ("POST", "/api/v1/guardrails/{id}/reject") => route(e, guardrails::reject),
        ("POST", "/api/v1/guardrails/{id}/publish") => route(e, guardrails::publish),
        ("POST", "/api/v1/guardrails/{id}/retire") => route(e, guardrails::retire),
        ("GET", "/api/v1/guardrail-categories") => route(e, guardrails::categories),
        ("POST", "/api/v1/guardrail-categories") => route(e, guardrails::add_category),
        ("PUT", "/api/v1/guardrail-categories/{slug}") => route(e, guardrails::rename_category),
        ("DELETE", "/api/v1/guardrail-categories/{slug}") => route(e, guardrails::remove_category),
        ("GET", "/api/v1/threats") => route(e, guardrails::threats),
        ("GET", "/api/v1/threats/not-really-mitigated") => route(e, guardrails::not_really_mitigated),
        ("GET", "/api/v1/threats/{id}") => route(e, guardrails::threat),
        ("POST", "/api/v1/events/deployments") => route(e, scorecards::deployments),
        ("POST", "/api/v1/events/incidents") => route(e, scorecards::incidents),
        ("GET", "/api/v1/events/unmatched") => route(e, scorecards::unmatched),
        ("GET", "/api/v1/scorecards/dora") => route(e, scorecards::dora),
        ("GET", "/api/v1/scorecards/export") => route(e, scorecards::export),
        ("GET", "/api/v1/webhook-sources") => route(e, scorecards::sources),
        ("POST", "/api/v1/webhook-sources") => route(e, scorecards::add_source),
        ("DELETE", "/api/v1/webhook-sources/{name}") => route(e, scorecards::remove_source),
        ("POST", "/api/v1/webhooks/github") => route(e, scorecards::github),
        ("POST", "/api/v1/webhooks/gitlab") => route(e, scorecards::gitlab),
        ("GET", "/api/v1/maturity/scorecards") => route(e, maturity::list),
        ("GET", "/api/v1/maturity/scorecards/{id}") => route(e, maturity::show),
        ("PUT", "/api/v1/maturity/scorecards/{id}") => route(e, maturity::save),
        ("DELETE", "/api/v1/maturity/scorecards/{id}") => route(e, maturity::retire),
        ("GET", "/api/v1/maturity/scorecards/{id}/export") => route(e, maturity::export),
        ("POST", "/api/v1/maturity/scorecards/{id}/evaluate") => route(e, maturity::evaluate),
        ("GET", "/api/v1/maturity/evaluations") => route(e, maturity::evaluations),
        ("POST", "/api/v1/maturity/exemptions") => route(e, maturity::exempt),
        ("DELETE", "/api/v1/maturity/exemptions/{id}") => route(e, maturity::revoke),
        (method, path) => unreachable!("no handler for {method} {path}: add one in api::route_of"),
    }
}

/// The media types the text body of `e` may come as, and what it holds (for the
/// document); `None` for endpoints without one.
pub fn text_body_of(e: &Endpoint) -> Option<(&'static [&'static str], &'static str)> {
    match (e.method.as_str(), e.path) {
        ("POST", "/api/v1/catalog/import") => Some((
            &catalog::YAML,
            "Backstage descriptors (catalog-info.yaml), several documents separated by `---`; at most `PARKWAY_IMPORT_MAX_MB` MiB (64 unless configured).",
        )),
        ("PUT", "/api/v1/catalog/entities/{kind}/{namespace}/{name}") => Some((
            &catalog::YAML_OR_JSON,
            "One descriptor, as YAML or JSON; it must name the entity in the URL.",
        )),
        ("POST", "/api/v1/webhooks/github") => Some((
            &scorecards::WEBHOOK_JSON,
            "The `deployment_status` payload exactly as GitHub sends it (the signature covers these bytes).",
        )),
        ("POST", "/api/v1/webhooks/gitlab") => Some((
            &scorecards::WEBHOOK_JSON,
            "The deployment event exactly as GitLab sends it.",
        )),
        ("PUT", "/api/v1/maturity/scorecards/{id}") => Some((
            &catalog::YAML_OR_JSON,
            "One maturity scorecard, as YAML or JSON (see the summary for its fields; `fact` names such as `catalog.owner`, `catalog.annotation:<name>`, `dora.deploy_days_per_week`, `guardrails.coverage`).",
        )),
        ("POST", "/api/v1/guardrails/import") => Some((
            &catalog::YAML,
            "`Guardrail` and `Threat` documents (apiVersion `parkway.dev/v1`), several separated by `---`.",
        )),
        _ => None,
    }
}

/// Endpoints whose caller is authenticated by the sender's signature over the body
/// (webhooks), not by a Parkway session or token: no CSRF check applies to them (they
/// carry no ambient browser credential), and the operation verifies the signature.
pub fn signed_by_sender(path: &str) -> bool {
    path.starts_with("/api/v1/webhooks/")
}

/// The `/api/v1` router, generated from [`ENDPOINTS`]. Imports read bodies up to
/// `import_limit` (`PARKWAY_IMPORT_MAX_MB`); every other body stays at axum's 2 MB.
pub fn router(import_limit: ImportLimit) -> Router<AppState> {
    ENDPOINTS.iter().fold(Router::new(), |router, endpoint| {
        let mut handler = route_of(endpoint).router;
        match (endpoint.method.as_str(), endpoint.path) {
            ("POST", "/api/v1/catalog/import") => {
                handler = handler.layer(axum::extract::DefaultBodyLimit::max(import_limit.max_bytes));
            }
            ("POST", "/api/v1/events/deployments" | "/api/v1/events/incidents") => {
                handler = handler.layer(axum::extract::DefaultBodyLimit::max(
                    scorecards::EVENTS_BODY_LIMIT,
                ));
            }
            _ => {}
        }
        router.route(endpoint.path, handler)
    })
}

/// The request's operation context: the services, the caller the authentication
/// middleware found (if any) and the request id, for one call of a core operation.
pub struct Op(pub Ctx);

impl FromRequestParts<AppState> for Op {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        Ok(Op(Ctx::new(
            state.services.clone(),
            parts.extensions.get::<Principal>().cloned(),
            request_id(&parts.headers).map(str::to_owned),
        )))
    }
}

pub fn request_id(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-request-id").and_then(|v| v.to_str().ok())
}

/// The entity a `/{kind}/{namespace}/{name}` path names, read by the one parser
/// pages use too.
pub struct EntityPath(pub EntityRef);

impl FromRequestParts<AppState> for EntityPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ApiPath((kind, namespace, name)) =
            ApiPath::<(String, String, String)>::from_request_parts(parts, state).await?;
        Ok(EntityPath(EntityRef::from_path(&kind, &namespace, &name)?))
    }
}

/// The media type of a request body, without parameters.
pub(crate) fn media_type(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .unwrap_or_default()
}

/// A text body of one of the `accepted` media types (`what` says what it must be).
pub fn text_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    accepted: &[&str],
    what: &str,
) -> ApiResult<String> {
    let media = media_type(headers);
    if !accepted.contains(&media) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "the body must be {what}, not `{media}`"
        )));
    }
    // `Vec::from` takes the body's buffer without copying it (up to the import limit).
    String::from_utf8(Vec::from(body?))
        .map_err(|e| ApiError::BadRequest(format!("the body is not UTF-8: {e}")))
}

/// `value` percent-encoded for use as one path segment.
pub use parkway_core::types::url::encode as path_segment;
