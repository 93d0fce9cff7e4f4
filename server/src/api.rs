//! The REST API under `/api/v1`. The route table [`ENDPOINTS`] is data: the router is
//! built from it (a route cannot exist without an entry), and the route × role matrix
//! test walks it. Handlers are adapters: they read their input (path, query, body),
//! call one operation in `parkway_core::<area>::ops` with the request's [`Op`]
//! context, and map its result. Authorization and every other rule live in the
//! operation, shared with the pages' server functions; the table records the action
//! and the least role that passes, for people and for the test.

mod audit;
mod catalog;
mod clusters;
mod me;
mod role_mappings;
mod tokens;
mod users;

use std::convert::Infallible;

use axum::{
    Router,
    body::Bytes,
    extract::{FromRequestParts, rejection::BytesRejection},
    http::{HeaderMap, Method, header, request::Parts},
    routing::{MethodRouter, delete, get, post, put},
};
use parkway_core::{
    Ctx,
    identity::{Action, Principal, Role},
    types::EntityRef,
};

use crate::{
    error::{ApiError, ApiPath, ApiResult},
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
];

fn handler(endpoint: &Endpoint) -> MethodRouter<AppState> {
    match (endpoint.method.as_str(), endpoint.path) {
        ("GET", "/api/v1/openapi.json") => get(crate::openapi::serve),
        ("GET", "/api/v1/me") => get(me::show),
        ("GET", "/api/v1/tokens") => get(tokens::list),
        ("POST", "/api/v1/tokens") => post(tokens::create),
        ("DELETE", "/api/v1/tokens/{id}") => delete(tokens::revoke),
        ("GET", "/api/v1/role-mappings") => get(role_mappings::list),
        ("POST", "/api/v1/role-mappings") => post(role_mappings::add),
        ("DELETE", "/api/v1/role-mappings/{id}") => delete(role_mappings::remove),
        ("GET", "/api/v1/users") => get(users::list),
        ("POST", "/api/v1/users/{id}/deactivate") => post(users::deactivate),
        ("GET", "/api/v1/audit/events") => get(audit::events),
        ("GET", "/api/v1/audit/export") => get(audit::export),
        ("GET", "/api/v1/audit/head") => get(audit::head),
        ("GET", "/api/v1/clusters") => get(clusters::list),
        ("POST", "/api/v1/catalog/import") => post(catalog::import).layer(
            axum::extract::DefaultBodyLimit::max(parkway_core::catalog::ops::MAX_IMPORT_BYTES),
        ),
        ("GET", "/api/v1/catalog/entities") => get(catalog::list),
        ("GET", "/api/v1/catalog/facets") => get(catalog::facets),
        ("GET", "/api/v1/catalog/entities/{kind}/{namespace}/{name}") => get(catalog::show),
        ("PUT", "/api/v1/catalog/entities/{kind}/{namespace}/{name}") => put(catalog::put),
        ("DELETE", "/api/v1/catalog/entities/{kind}/{namespace}/{name}") => delete(catalog::remove),
        ("GET", "/api/v1/clusters/{name}/workloads") => get(clusters::workloads),
        (method, path) => unreachable!("no handler for {method} {path}: add one in api::handler"),
    }
}

/// The `/api/v1` router, generated from [`ENDPOINTS`].
pub fn router() -> Router<AppState> {
    ENDPOINTS.iter().fold(Router::new(), |router, endpoint| {
        router.route(endpoint.path, handler(endpoint))
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
fn media_type(headers: &HeaderMap) -> &str {
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
    // `Vec::from` takes the body's buffer without copying it (up to 8 MiB for imports).
    String::from_utf8(Vec::from(body?))
        .map_err(|e| ApiError::BadRequest(format!("the body is not UTF-8: {e}")))
}

/// `value` percent-encoded for use as one path segment.
pub use parkway_core::types::url::encode as path_segment;
