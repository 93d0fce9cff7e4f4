//! The OpenAPI document says what the handlers do: the statuses and bodies they
//! answer (read from their signatures), every query parameter and every request body.
//! `access_matrix.rs` checks the statuses real calls get are the documented ones, and
//! `cargo xtask test` runs schemathesis against a live server with this document.

use serde_json::Value;

fn document() -> Value {
    serde_json::to_value(parkway_server::openapi::document()).expect("the document serializes")
}

fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> &'a Value {
    let op = &doc["paths"][path][method];
    assert!(op.is_object(), "{method} {path} is not documented");
    op
}

/// The statuses an operation documents, in order.
fn statuses(op: &Value) -> Vec<String> {
    op["responses"]
        .as_object()
        .expect("responses")
        .keys()
        .cloned()
        .collect()
}

fn json_ref(response: &Value) -> &Value {
    &response["content"]["application/json"]["schema"]["$ref"]
}

fn parameter_names(op: &Value, place: &str) -> Vec<String> {
    op["parameters"]
        .as_array()
        .map(|params| {
            params
                .iter()
                .filter(|p| p["in"] == place)
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn removals_document_the_status_and_body_their_handlers_answer() {
    let doc = document();
    let revoke = operation(&doc, "delete", "/api/v1/tokens/{id}");
    assert!(
        !statuses(revoke).contains(&"204".to_owned()),
        "{:?}",
        statuses(revoke)
    );
    assert_eq!(
        json_ref(&revoke["responses"]["200"]),
        "#/components/schemas/TokenInfo"
    );
    let unmap = operation(&doc, "delete", "/api/v1/role-mappings/{id}");
    assert!(
        !statuses(unmap).contains(&"204".to_owned()),
        "{:?}",
        statuses(unmap)
    );
    assert_eq!(
        json_ref(&unmap["responses"]["200"]),
        "#/components/schemas/RoleMapping"
    );
    assert_eq!(
        unmap["parameters"][0]["schema"]["type"], "integer",
        "a mapping id is a number"
    );
    let remove = operation(
        &doc,
        "delete",
        "/api/v1/catalog/entities/{kind}/{namespace}/{name}",
    );
    assert!(remove["responses"]["204"].is_object());
    assert!(remove["responses"]["204"]["content"].is_null());
    assert!(remove["responses"]["200"].is_null());
}

#[test]
fn creations_document_201_and_upserts_both_statuses() {
    let doc = document();
    for (path, schema) in [
        ("/api/v1/tokens", "CreatedToken"),
        ("/api/v1/role-mappings", "RoleMapping"),
    ] {
        let op = operation(&doc, "post", path);
        assert_eq!(
            json_ref(&op["responses"]["201"]),
            format!("#/components/schemas/{schema}").as_str(),
            "{path}"
        );
        assert!(op["responses"]["200"].is_null(), "{path} never answers 200");
    }
    let put = operation(&doc, "put", "/api/v1/catalog/entities/{kind}/{namespace}/{name}");
    let import = operation(&doc, "post", "/api/v1/catalog/import");
    for (op, schema) in [(put, "StoredEntity"), (import, "ImportOutcome")] {
        for status in ["200", "201"] {
            assert_eq!(
                json_ref(&op["responses"][status]),
                format!("#/components/schemas/{schema}").as_str()
            );
        }
    }
    // The secret is in the answer, with what listings show.
    let created = &doc["components"]["schemas"]["CreatedToken"];
    assert!(created.to_string().contains("\"token\""), "{created}");
    assert!(created.to_string().contains("TokenInfo"), "{created}");
}

#[test]
fn every_answer_has_a_schema_and_every_refusal_the_error_shape() {
    let doc = document();
    for endpoint in parkway_server::api::ENDPOINTS {
        let method = endpoint.method.as_str().to_lowercase();
        let op = operation(&doc, &method, endpoint.path);
        let all = statuses(op);
        assert!(
            all.iter().any(|s| s.starts_with('2')),
            "{method} {}: no success documented",
            endpoint.path
        );
        for status in ["401", "403", "429", "500"] {
            assert!(
                all.contains(&status.to_owned()),
                "{method} {}: {status}",
                endpoint.path
            );
        }
        for status in &all {
            let response = &op["responses"][status];
            if status.starts_with('2') {
                if status != "204" {
                    assert!(
                        response["content"].as_object().is_some_and(|c| !c.is_empty()),
                        "{method} {} {status}: no body schema",
                        endpoint.path
                    );
                }
            } else {
                assert_eq!(
                    json_ref(response),
                    "#/components/schemas/ErrorBody",
                    "{method} {} {status}",
                    endpoint.path
                );
            }
        }
    }
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    let text = doc.to_string();
    for reference in text.split("\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap_or_default();
        assert!(
            schemas.contains_key(name),
            "{name} is referred to but not defined"
        );
    }
}

#[test]
fn every_query_parameter_is_documented() {
    let doc = document();
    let list = operation(&doc, "get", "/api/v1/catalog/entities");
    assert_eq!(
        parameter_names(list, "query"),
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
    let sort = list["parameters"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"] == "sort"))
        .expect("sort");
    assert!(sort.to_string().contains("relevance"), "{sort}");
    assert_eq!(
        parameter_names(operation(&doc, "get", "/api/v1/catalog/facets"), "query"),
        [
            "kind",
            "owner",
            "business_unit",
            "lifecycle",
            "tier",
            "tag",
            "q",
            "sort"
        ]
    );
    for path in ["/api/v1/audit/events", "/api/v1/audit/export"] {
        assert_eq!(
            parameter_names(operation(&doc, "get", path), "query"),
            [
                "actor", "action", "target", "from", "to", "before", "limit", "format"
            ],
            "{path}"
        );
    }
    assert_eq!(
        parameter_names(operation(&doc, "get", "/api/v1/tokens"), "query"),
        ["all"]
    );
    let import = operation(&doc, "post", "/api/v1/catalog/import");
    assert_eq!(parameter_names(import, "query"), ["source"]);
    assert_eq!(import["parameters"][0]["required"], true);
    assert_eq!(
        parameter_names(
            operation(&doc, "get", "/api/v1/catalog/entities/{kind}/{namespace}/{name}"),
            "path"
        ),
        ["kind", "namespace", "name"]
    );
}

#[test]
fn every_request_body_is_described() {
    let doc = document();
    let token = operation(&doc, "post", "/api/v1/tokens");
    assert_eq!(
        token["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/TokenRequest"
    );
    let request = &doc["components"]["schemas"]["TokenRequest"];
    for field in ["name", "expires", "scopes", "service_account", "role"] {
        assert!(request["properties"][field].is_object(), "{field}: {request}");
    }
    assert_eq!(request["required"], serde_json::json!(["name"]));
    let mapping = operation(&doc, "post", "/api/v1/role-mappings");
    assert_eq!(
        mapping["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/NewMapping"
    );
    let import = operation(&doc, "post", "/api/v1/catalog/import");
    for media in [
        "application/yaml",
        "application/x-yaml",
        "text/yaml",
        "text/x-yaml",
    ] {
        assert!(import["requestBody"]["content"][media].is_object(), "{media}");
    }
    let put = operation(&doc, "put", "/api/v1/catalog/entities/{kind}/{namespace}/{name}");
    assert!(put["requestBody"]["content"]["application/json"].is_object());
    assert!(put["requestBody"]["content"]["application/yaml"].is_object());
    for endpoint in parkway_server::api::ENDPOINTS {
        let method = endpoint.method.as_str().to_lowercase();
        let op = operation(&doc, &method, endpoint.path);
        let has_body = op["requestBody"].is_object();
        // Commands named by their path (`…/deactivate`, `…/evaluate`) need nothing more.
        let command = endpoint.path.ends_with("/deactivate") || endpoint.path.ends_with("/evaluate");
        let writes = matches!(method.as_str(), "post" | "put") && !command;
        assert_eq!(has_body, writes, "{method} {}", endpoint.path);
    }
}
