//! `/api/v1/openapi.json`, generated: every operation comes from the route table
//! ([`crate::api::ENDPOINTS`], which also builds the router), its parameters, body and
//! success statuses from its handler's signature ([`describe`]), and the schemas from
//! the Rust types the handlers read and serialize, so the document cannot drift from
//! the API.

pub mod describe;

use std::{collections::BTreeSet, sync::OnceLock};

use axum::{
    Json,
    http::Method,
    response::{IntoResponse, Response},
};
use parkway_core::ErrorKind;
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, HttpMethod, InfoBuilder, ObjectBuilder, OpenApi, OpenApiBuilder,
    PathItem, PathsBuilder, Ref, RefOr, Required, ResponseBuilder, Schema, Type,
    path::{OperationBuilder, Parameter, ParameterBuilder, ParameterIn},
    request_body::{RequestBody, RequestBodyBuilder},
    security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme},
};

use crate::{
    api::{ENDPOINTS, Endpoint, Op, route_of, text_body_of},
    error::{ApiResult, ErrorBody},
};
use describe::Described;

/// `{name}` segments of a route become required path parameters; a route with one
/// takes its type from the handler (`ApiPath<i64>`: an integer).
fn path_parameters(path: &str, doc: &Described) -> Vec<Parameter> {
    let names: Vec<&str> = path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .collect();
    let string: RefOr<Schema> = ObjectBuilder::new().schema_type(Type::String).into();
    let schema = match (&doc.path_schema, names.len()) {
        (Some(schema), 1) => schema.clone(),
        _ => string,
    };
    names
        .into_iter()
        .map(|name| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(schema.clone()))
                .build()
        })
        .collect()
}

/// What the operation itself may refuse beyond what every operation and its inputs
/// can: a rule its input breaks (422), a clash with what exists (409), a missing thing
/// (404), a parameter it cannot use (400).
fn operation_refusals(e: &Endpoint) -> &'static [ErrorKind] {
    use ErrorKind::{BadRequest, Conflict, Invalid, NotFound, TooLarge};
    match (e.method.as_str(), e.path) {
        ("POST", "/api/v1/tokens") => &[Invalid, Conflict],
        ("DELETE", "/api/v1/tokens/{id}") => &[Invalid, NotFound, Conflict],
        ("POST", "/api/v1/role-mappings") => &[Invalid, Conflict],
        ("DELETE", "/api/v1/role-mappings/{id}") => &[NotFound],
        ("POST", "/api/v1/users/{id}/deactivate") => &[Invalid, NotFound, Conflict],
        ("GET", "/api/v1/audit/events" | "/api/v1/audit/export") => &[BadRequest],
        ("GET", "/api/v1/clusters/{name}/workloads") => &[NotFound],
        ("POST", "/api/v1/catalog/import") => &[Invalid, TooLarge],
        ("GET", "/api/v1/catalog/entities" | "/api/v1/catalog/facets") => &[BadRequest],
        ("PUT", "/api/v1/catalog/entities/{kind}/{namespace}/{name}") => &[Invalid, Conflict],
        ("DELETE", "/api/v1/catalog/entities/{kind}/{namespace}/{name}") => &[NotFound, Conflict],
        ("POST", "/api/v1/guardrails/import") => &[Invalid, TooLarge],
        ("GET", "/api/v1/guardrails") => &[BadRequest],
        ("GET", "/api/v1/guardrails/{id}/diff") => &[BadRequest, NotFound],
        ("POST", "/api/v1/guardrail-categories") => &[Invalid, Conflict],
        ("PUT", "/api/v1/guardrail-categories/{slug}") => &[Invalid, NotFound],
        ("DELETE", "/api/v1/guardrail-categories/{slug}") => &[NotFound, Conflict],
        ("GET", "/api/v1/tenants") => &[BadRequest],
        ("POST", "/api/v1/tenants") => &[Invalid, Conflict],
        ("POST", "/api/v1/tenants/preview") => &[Invalid],
        ("GET", "/api/v1/tenants/{name}" | "/api/v1/tier-rules/{tier}") => &[NotFound],
        (
            "POST",
            "/api/v1/tenants/{name}/approve"
            | "/api/v1/tenants/{name}/reject"
            | "/api/v1/tenants/{name}/decommission"
            | "/api/v1/tenants/{name}/reapply",
        ) => &[Invalid, NotFound, Conflict],
        ("PUT", "/api/v1/tier-rules/{tier}") => &[Invalid, NotFound],
        (
            "POST",
            "/api/v1/guardrails/{id}/submit"
            | "/api/v1/guardrails/{id}/approve"
            | "/api/v1/guardrails/{id}/reject"
            | "/api/v1/guardrails/{id}/publish"
            | "/api/v1/guardrails/{id}/retire",
        ) => &[Invalid, NotFound, Conflict],
        ("POST", "/api/v1/events/deployments" | "/api/v1/events/incidents") => {
            &[BadRequest, Invalid, TooLarge]
        }
        ("GET", "/api/v1/scorecards/dora") => &[BadRequest, Invalid, NotFound],
        ("GET", "/api/v1/scorecards/export") | ("GET", "/api/v1/maturity/scorecards/{id}/export") => {
            &[BadRequest, NotFound]
        }
        ("POST", "/api/v1/webhook-sources") => &[Invalid, Conflict],
        ("DELETE", "/api/v1/webhook-sources/{name}") => &[NotFound],
        ("POST", "/api/v1/webhooks/github" | "/api/v1/webhooks/gitlab") => &[BadRequest, Invalid, TooLarge],
        ("GET", "/api/v1/maturity/scorecards/{id}") => &[NotFound],
        ("PUT", "/api/v1/maturity/scorecards/{id}") => &[Invalid, TooLarge],
        ("DELETE", "/api/v1/maturity/scorecards/{id}")
        | ("POST", "/api/v1/maturity/scorecards/{id}/evaluate") => &[NotFound],
        ("GET", "/api/v1/maturity/evaluations") => &[BadRequest],
        ("GET", "/api/v1/evidence") => &[BadRequest, NotFound],
        ("POST", "/api/v1/maturity/exemptions") => &[Invalid, NotFound],
        ("DELETE", "/api/v1/maturity/exemptions/{id}") => &[NotFound],
        _ => &[],
    }
}

/// What any authenticated operation may answer: no credentials, not allowed, too
/// many requests, and Parkway's own failure.
const ALWAYS: [ErrorKind; 4] = [
    ErrorKind::Unauthenticated,
    ErrorKind::Forbidden,
    ErrorKind::RateLimited,
    ErrorKind::Internal,
];

fn error_description(status: u16, e: &Endpoint) -> String {
    match status {
        400 => "A parameter or body that cannot be read or used; `field` names it.".to_owned(),
        401 => "No session and no valid API token.".to_owned(),
        403 => format!(
            "The caller's roles (or token scopes) do not allow `{}`, or not for this thing.",
            e.action
        ),
        404 => "No such thing.".to_owned(),
        409 => "It clashes with what exists (a duplicate, or a state that does not allow it).".to_owned(),
        413 => "The body is larger than the endpoint accepts.".to_owned(),
        415 => "The body's media type is not one the endpoint reads.".to_owned(),
        422 => "Invalid input: `field` and the message say which and why. For descriptors, `problems` lists every one with its line and column; nothing was applied.".to_owned(),
        429 => "Too many requests for this token; see Retry-After.".to_owned(),
        500 => "Parkway's own failure; the details are in the server log.".to_owned(),
        _ => "Refused.".to_owned(),
    }
}

/// Every status the operation may answer: its successes and its refusals.
fn responses(e: &Endpoint, doc: &Described) -> utoipa::openapi::Responses {
    let mut r = utoipa::openapi::ResponsesBuilder::new();
    for (status, response) in &doc.successes {
        r = r.response(status.to_string(), response.clone());
    }
    let errors: BTreeSet<u16> = ALWAYS
        .iter()
        .chain(operation_refusals(e))
        .map(|kind| kind.status())
        .chain(doc.errors.iter().copied())
        .collect();
    for status in errors {
        r = r.response(
            status.to_string(),
            ResponseBuilder::new()
                .description(error_description(status, e))
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build(),
        );
    }
    r.build()
}

fn request_body(e: &Endpoint, doc: &Described) -> Option<RequestBody> {
    if let Some(schema) = &doc.json_body {
        return Some(
            RequestBodyBuilder::new()
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(schema.clone())).build(),
                )
                .required(Some(Required::True))
                .build(),
        );
    }
    if !doc.text_body {
        return None;
    }
    let (media_types, description) = text_body_of(e).unwrap_or_else(|| {
        unreachable!(
            "{} {} reads a text body: name its media types in api::text_body_of",
            e.method, e.path
        )
    });
    let text = || {
        ContentBuilder::new()
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build()
    };
    let body = media_types.iter().fold(RequestBodyBuilder::new(), |body, media| {
        // JSON descriptors are objects; YAML ones are text.
        let content = if *media == "application/json" {
            ContentBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::Object)))
                .build()
        } else {
            text()
        };
        body.content(*media, content)
    });
    Some(
        body.description(Some(description))
            .required(Some(Required::True))
            .build(),
    )
}

fn http_method(method: &Method) -> HttpMethod {
    match *method {
        Method::POST => HttpMethod::Post,
        Method::PUT => HttpMethod::Put,
        Method::DELETE => HttpMethod::Delete,
        Method::PATCH => HttpMethod::Patch,
        _ => HttpMethod::Get,
    }
}

/// `get_api_v1_catalog_entities_kind_namespace_name`: unique per route and method.
fn operation_id(e: &Endpoint) -> String {
    let path: String = e
        .path
        .trim_start_matches('/')
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let path = path
        .split('_')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    format!("{}_{path}", e.method.as_str().to_lowercase())
}

/// The document, built once.
pub fn document() -> &'static OpenApi {
    static DOCUMENT: OnceLock<OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(build)
}

fn build() -> OpenApi {
    let mut paths = PathsBuilder::new();
    let mut schemas = Vec::new();
    for e in ENDPOINTS {
        let mut doc = Described::default();
        (route_of(e).describe)(&mut doc);
        let tag = e.path.split('/').nth(3).unwrap_or("api").to_owned();
        let mut parameters = path_parameters(e.path, &doc);
        parameters.extend(doc.query.iter().cloned());
        let operation = OperationBuilder::new()
            .operation_id(Some(operation_id(e)))
            .summary(Some(e.summary))
            .description(Some(format!(
                "Authorization: `{}`, which role `{}` has.",
                e.action,
                e.role.as_str()
            )))
            .tag(tag)
            .parameters(Some(parameters))
            .request_body(request_body(e, &doc))
            .responses(responses(e, &doc))
            .build();
        paths = paths.path(e.path, PathItem::new(http_method(&e.method), operation));
        schemas.append(&mut doc.schemas);
    }
    // Every refusal answers with this one shape.
    let mut errors = Described::default();
    errors.schema_of::<ErrorBody>();
    schemas.append(&mut errors.schemas);
    let components = ComponentsBuilder::new()
        .schemas_from_iter(schemas)
        .security_scheme("token", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)))
        .security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::cookies::SESSION.name(false),
            ))),
        )
        .build();
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Parkway API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some("The REST API of Parkway, the internal developer portal. Authenticate with an API token (`Authorization: Bearer pwk_…`) or a browser session; state-changing requests from browsers need a same-origin `Origin`."))
                .build(),
        )
        .paths(paths.build())
        .components(Some(components))
        .security(Some([
            SecurityRequirement::new("token", Vec::<String>::new()),
            SecurityRequirement::new("session", Vec::<String>::new()),
        ]))
        .build()
}

/// The answer of `GET /api/v1/openapi.json`: [`document`] as JSON.
pub struct Document(&'static OpenApi);

impl IntoResponse for Document {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

/// `GET /api/v1/openapi.json`.
pub async fn serve(Op(ctx): Op) -> ApiResult<Document> {
    parkway_core::identity::ops::portal(&ctx)?;
    Ok(Document(document()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_and_method_is_documented_once() {
        let doc = serde_json::to_value(document()).expect("serializes");
        for e in ENDPOINTS {
            let method = e.method.as_str().to_lowercase();
            let op = &doc["paths"][e.path][&method];
            assert!(op.is_object(), "{method} {} is missing", e.path);
            assert_eq!(op["summary"], e.summary);
        }
        let ids: std::collections::BTreeSet<String> = ENDPOINTS.iter().map(operation_id).collect();
        assert_eq!(ids.len(), ENDPOINTS.len(), "operation ids collide");
    }

    #[test]
    fn catalog_answers_reference_their_schemas() {
        let doc = serde_json::to_value(document()).expect("serializes");
        let entity = &doc["paths"]["/api/v1/catalog/entities/{kind}/{namespace}/{name}"];
        assert_eq!(
            entity["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/StoredEntity"
        );
        assert!(entity["put"]["requestBody"]["content"]["application/yaml"].is_object());
        assert_eq!(entity["get"]["parameters"].as_array().map(Vec::len), Some(3));
        let import = &doc["paths"]["/api/v1/catalog/import"]["post"];
        assert_eq!(
            import["responses"]["422"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorBody"
        );
        let schemas = &doc["components"]["schemas"];
        assert!(schemas["StoredEntity"]["properties"]["relations"].is_object());
        assert!(schemas["ErrorDetail"]["properties"]["problems"].is_object());
        assert!(schemas["Problem"]["properties"]["line"].is_object());
        let list = &doc["paths"]["/api/v1/catalog/entities"]["get"]["parameters"];
        let names: Vec<&str> = list
            .as_array()
            .expect("parameters")
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert_eq!(
            names,
            [
                "kind",
                "owner",
                "business_unit",
                "lifecycle",
                "tier",
                "tag",
                "q",
                "sort",
                "cursor",
                "limit"
            ]
        );
    }

    #[test]
    fn the_audit_head_and_the_export_cap_are_documented() {
        let doc = serde_json::to_value(document()).expect("serializes");
        let head = &doc["paths"]["/api/v1/audit/head"]["get"];
        assert_eq!(
            head["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/SignedHead"
        );
        let schema = &doc["components"]["schemas"]["SignedHead"]["properties"];
        for field in ["id", "hash", "signature", "at"] {
            assert!(schema[field].is_object(), "SignedHead.{field}");
        }
        let export = &doc["paths"]["/api/v1/audit/export"]["get"]["responses"]["200"];
        assert!(
            export["headers"]["Parkway-Export-Truncated"]["description"]
                .as_str()
                .is_some_and(|d| d.contains("100000")),
            "{export}"
        );
    }
}
