//! `/api/v1/openapi.json`, generated: every operation comes from the route table
//! ([`crate::api::ENDPOINTS`], which also builds the router), and the schemas from
//! the Rust types the handlers serialize, so the document cannot drift from the API.

use std::sync::OnceLock;

use axum::{
    Json,
    http::{Method, StatusCode},
};
use parkway_core::{
    audit::SignedHead,
    catalog::{
        Problem,
        query::{EntitySummary, Facets, Page, Sort},
        store::{ImportOutcome, Relation, StoredEntity},
    },
};
use utoipa::openapi::{
    ComponentsBuilder, Content, ContentBuilder, HttpMethod, InfoBuilder, ObjectBuilder, OpenApi,
    OpenApiBuilder, PathItem, PathsBuilder, Ref, RefOr, Required, ResponseBuilder, Schema, Type,
    header::HeaderBuilder,
    path::{OperationBuilder, ParameterBuilder, ParameterIn},
    request_body::RequestBodyBuilder,
    security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme},
};

use crate::{
    api::{ENDPOINTS, Endpoint, Op},
    error::{ApiResult, ErrorBody, ErrorDetail},
};

/// The catalog filters, shared by the listing and the facets.
const FILTERS: [(&str, &str); 7] = [
    (
        "kind",
        "Entity kind: component, api, resource, system, domain, group, user.",
    ),
    ("owner", "Owner entity reference, e.g. `group:default/checkout`."),
    (
        "business_unit",
        "Business-unit group reference, e.g. `group:default/payments`.",
    ),
    ("lifecycle", "production, experimental, deprecated, …"),
    ("tier", "tier-1, tier-2, …"),
    ("tag", "One tag."),
    ("q", "Words in name, title, description or tags; forgives typos."),
];

fn string_schema() -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::String).into()
}

fn query(name: &str, description: &str, schema: RefOr<Schema>) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

/// `{name}` segments of a route become required path parameters.
fn path_parameters(path: &str) -> Vec<utoipa::openapi::path::Parameter> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(string_schema()))
                .build()
        })
        .collect()
}

fn query_parameters(e: &Endpoint) -> Vec<utoipa::openapi::path::Parameter> {
    let filters = || {
        FILTERS
            .iter()
            .map(|(name, description)| query(name, description, string_schema()))
    };
    match (e.method.clone(), e.path) {
        (Method::GET, "/api/v1/catalog/entities") => filters()
            .chain([
                query(
                    "sort",
                    "`name`, `updated` (most recently changed first) or `relevance` (the default when `q` has words; otherwise `name`).",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some(Sort::ALL.map(Sort::as_str)))
                        .into(),
                ),
                query("cursor", "`next_cursor` of the previous page, in the same order.", string_schema()),
                query(
                    "limit",
                    "Page size, 1 to 200 (default 50).",
                    ObjectBuilder::new().schema_type(Type::Integer).into(),
                ),
            ])
            .collect(),
        (Method::GET, "/api/v1/catalog/facets") => filters().collect(),
        (Method::POST, "/api/v1/catalog/import") => vec![query(
            "source",
            "Required: where the descriptors live; importing the same source again updates it and orphans what it no longer lists.",
            string_schema(),
        )],
        _ => Vec::new(),
    }
}

fn json_of(schema: &str) -> Content {
    ContentBuilder::new()
        .schema(Some(Ref::from_schema_name(schema)))
        .build()
}

/// The schema a success answers with, where the API documents one.
fn success_schema(e: &Endpoint) -> Option<&'static str> {
    match (e.method.clone(), e.path) {
        (Method::GET, "/api/v1/catalog/entities") => Some("Page"),
        (Method::GET, "/api/v1/catalog/facets") => Some("Facets"),
        (Method::GET | Method::PUT, "/api/v1/catalog/entities/{kind}/{namespace}/{name}") => {
            Some("StoredEntity")
        }
        (Method::POST, "/api/v1/catalog/import") => Some("ImportOutcome"),
        (Method::GET, "/api/v1/audit/head") => Some("SignedHead"),
        _ => None,
    }
}

fn responses(e: &Endpoint) -> utoipa::openapi::Responses {
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content("application/json", json_of("ErrorBody"))
            .build()
    };
    let ok = |description: &str| {
        let mut response = ResponseBuilder::new().description(description);
        if e.path == "/api/v1/audit/export" {
            response = response.header(
                "Parkway-Export-Truncated",
                HeaderBuilder::new()
                    .schema(ObjectBuilder::new().schema_type(Type::Integer))
                    .description(Some(
                        "Present only when more events matched than one export holds: the cap (100000). The body then has the newest 100000, and a CSV's last line says to export again with `before` for the rest.",
                    ))
                    .build(),
            );
        }
        match success_schema(e) {
            Some(schema) => response.content("application/json", json_of(schema)).build(),
            None => response
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(ObjectBuilder::new().schema_type(Type::Object)))
                        .build(),
                )
                .build(),
        }
    };
    let mut r = utoipa::openapi::ResponsesBuilder::new();
    r = match e.method {
        Method::DELETE => r.response("204", ResponseBuilder::new().description("Done.").build()),
        Method::POST | Method::PUT => r
            .response("200", ok("Replaced (or, for an import, nothing new)."))
            .response("201", ok("Created.")),
        _ => r.response("200", ok("OK.")),
    };
    r = r
        .response(
            "400",
            error("A parameter or body that cannot be read; the message names it."),
        )
        .response("401", error("No session and no valid API token."))
        .response(
            "403",
            error(&format!(
                "The caller's roles (or token scopes) do not allow `{}`.",
                e.action
            )),
        );
    if e.path.contains('{') {
        r = r.response("404", error("No such thing."));
    }
    if matches!(e.method, Method::POST | Method::PUT) {
        r = r
            .response("413", error("The body is larger than the endpoint accepts."))
            .response("415", error("The body's media type is not one the endpoint reads."))
            .response(
                "422",
                error("Invalid input. For descriptors, `problems` lists every one with its line and column; nothing was applied."),
            );
    }
    r.response("429", error("Too many requests for this token; see Retry-After."))
        .build()
}

fn request_body(e: &Endpoint) -> Option<utoipa::openapi::request_body::RequestBody> {
    let descriptors = || {
        ContentBuilder::new()
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build()
    };
    match (e.method.clone(), e.path) {
        (Method::POST, "/api/v1/catalog/import") => Some(
            RequestBodyBuilder::new()
                .description(Some("Backstage descriptors (catalog-info.yaml), several documents separated by `---`; at most 8 MiB."))
                .content("application/yaml", descriptors())
                .required(Some(Required::True))
                .build(),
        ),
        (Method::PUT, _) => Some(
            RequestBodyBuilder::new()
                .description(Some("One descriptor, as YAML or JSON; it must name the entity in the URL."))
                .content("application/yaml", descriptors())
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(ObjectBuilder::new().schema_type(Type::Object)))
                        .build(),
                )
                .required(Some(Required::True))
                .build(),
        ),
        (Method::POST, _) => Some(
            RequestBodyBuilder::new()
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(ObjectBuilder::new().schema_type(Type::Object)))
                        .build(),
                )
                .required(Some(Required::True))
                .build(),
        ),
        _ => None,
    }
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
    for e in ENDPOINTS {
        let tag = e.path.split('/').nth(3).unwrap_or("api").to_owned();
        let mut parameters = path_parameters(e.path);
        parameters.extend(query_parameters(e));
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
            .request_body(request_body(e))
            .responses(responses(e))
            .build();
        paths = paths.path(e.path, PathItem::new(http_method(&e.method), operation));
    }
    let components = ComponentsBuilder::new()
        .schema_from::<Page>()
        .schema_from::<EntitySummary>()
        .schema_from::<Facets>()
        .schema_from::<StoredEntity>()
        .schema_from::<Relation>()
        .schema_from::<ImportOutcome>()
        .schema_from::<SignedHead>()
        .schema_from::<Problem>()
        .schema_from::<ErrorBody>()
        .schema_from::<ErrorDetail>()
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

/// `GET /api/v1/openapi.json`.
pub async fn serve(Op(ctx): Op) -> ApiResult<(StatusCode, Json<&'static OpenApi>)> {
    parkway_core::identity::ops::portal(&ctx)?;
    Ok((StatusCode::OK, Json(document())))
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
