//! Editing one entity (`PUT`/`DELETE /api/v1/catalog/entities/…`): team owners change
//! what their team owns and nothing else, platform admins anything; every refusal is
//! precise and changes nothing; every change is audited with before and after. Also
//! the generated OpenAPI document.

use std::time::Duration;

use axum::{
    Router,
    body::Body,
    http::{Method, Request, StatusCode},
};
use parkway_core::identity::Role;
use serde_json::Value;
use sqlx::PgPool;

mod common;

use common::{Answer, ORIGIN};

use common::ACME;
use parkway_core::types::url::encode;
const FRAUD_API: &str = "/api/v1/catalog/entities/api/default/fraud-api";

fn fraud_api(owner: &str, description: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: fraud-api\n  description: {description}\nspec:\n  type: grpc\n  lifecycle: experimental\n  owner: {owner}\n  definition: \"syntax = \\\"proto3\\\";\"\n"
    )
}

async fn call(
    app: &Router,
    method: Method,
    path: &str,
    cookie: &str,
    content_type: &str,
    body: String,
) -> Answer {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("origin", ORIGIN);
    request = if cookie.starts_with("pwk_") {
        request.header("authorization", format!("Bearer {cookie}"))
    } else {
        request.header("cookie", cookie)
    };
    if !body.is_empty() {
        request = request
            .header("content-type", content_type)
            .header("content-length", body.len());
    }
    common::send(app, request.body(Body::from(body)).expect("request")).await
}

async fn stored_body(pool: &PgPool, key: &str) -> Option<Value> {
    sqlx::query_scalar!("select body from catalog_entities where key = $1", key)
        .fetch_optional(pool)
        .await
        .expect("reads")
}

async fn seeded(pool: &PgPool) -> Router {
    let app = common::app(pool.clone(), Duration::from_secs(30));
    let admin = common::service_token(pool, Role::PlatformAdmin, &[]).await;
    let imported = common::send(
        &app,
        Request::post("/api/v1/catalog/import?source=acme")
            .header("authorization", format!("Bearer {admin}"))
            .header("content-type", "application/yaml")
            .body(Body::from(ACME))
            .expect("request"),
    )
    .await;
    assert_eq!(imported.status, StatusCode::CREATED, "{}", imported.body);
    app
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn team_owners_edit_their_teams_entities_and_nothing_else(pool: PgPool) {
    let app = seeded(&pool).await;
    let owner = common::team_session_cookie(&pool, &[Role::TeamOwner], &["checkout"]).await;
    let outsider = common::team_session_cookie(&pool, &[Role::TeamOwner], &["search"]).await;
    let developer = common::team_session_cookie(&pool, &[Role::Developer], &["checkout"]).await;
    let key = "api:default/fraud-api";
    let original = stored_body(&pool, key).await.expect("imported");

    // Their own team's entity: replaced, answered with the stored entity.
    let edited = call(
        &app,
        Method::PUT,
        FRAUD_API,
        &owner,
        "application/yaml",
        fraud_api("checkout", "Scores payments for fraud"),
    )
    .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(edited.json()["description"], "Scores payments for fraud");
    assert_eq!(edited.json()["source"], "acme", "an edit keeps the import source");
    assert!(
        edited.json()["relations"]
            .as_array()
            .expect("relations")
            .iter()
            .any(|r| r["type"] == "ownedBy" && r["target"] == "group:default/checkout")
    );
    let after_edit = stored_body(&pool, key).await.expect("kept");

    // Audited with before and after.
    let audit = sqlx::query!(
        "select actor, payload from audit_events where action = 'catalog.edit' and target = $1",
        format!("catalog-entity:{key}")
    )
    .fetch_one(&pool)
    .await
    .expect("one audit event");
    assert_eq!(audit.payload["before"], original);
    assert_eq!(
        audit.payload["after"]["metadata"]["description"],
        "Scores payments for fraud"
    );

    // Refused, each with a reason, and nothing changes.
    let refusals = [
        (
            "giving it to another team",
            &owner,
            fraud_api("payments", "Mine now"),
            StatusCode::FORBIDDEN,
            "catalog.edit",
        ),
        (
            "another team's owner",
            &outsider,
            fraud_api("checkout", "Not yours"),
            StatusCode::FORBIDDEN,
            "catalog.edit",
        ),
        (
            "a developer",
            &developer,
            fraud_api("checkout", "Nope"),
            StatusCode::FORBIDDEN,
            "catalog.edit-team",
        ),
    ];
    for (what, who, body, status, words) in refusals {
        let answer = call(&app, Method::PUT, FRAUD_API, who, "application/yaml", body).await;
        assert_eq!(answer.status, status, "{what}: {}", answer.body);
        assert!(answer.body.contains(words), "{what}: {}", answer.body);
        assert_eq!(
            stored_body(&pool, key).await.as_ref(),
            Some(&after_edit),
            "{what} changed it"
        );
    }
    // The business unit's domain is not the team's.
    let domain = call(
        &app,
        Method::PUT,
        "/api/v1/catalog/entities/domain/default/commerce",
        &owner,
        "application/yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Domain\nmetadata: {name: commerce}\nspec: {owner: checkout}\n".into(),
    )
    .await;
    assert_eq!(domain.status, StatusCode::FORBIDDEN, "{}", domain.body);

    // A new entity for their team: created.
    let created = call(
        &app,
        Method::PUT,
        "/api/v1/catalog/entities/component/default/refund-service",
        &owner,
        "application/json",
        r#"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"refund-service"},"spec":{"type":"service","lifecycle":"experimental","owner":"checkout"}}"#.into(),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.json()["source"], "api");
    assert_eq!(created.json()["business_unit"], "group:default/payments");

    // Removing: their team's yes, another's no.
    let removed = call(
        &app,
        Method::DELETE,
        "/api/v1/catalog/entities/component/default/refund-service",
        &owner,
        "",
        String::new(),
    )
    .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.body);
    let kept = call(
        &app,
        Method::DELETE,
        "/api/v1/catalog/entities/domain/default/commerce",
        &owner,
        "",
        String::new(),
    )
    .await;
    assert_eq!(kept.status, StatusCode::FORBIDDEN, "{}", kept.body);
    assert!(stored_body(&pool, "domain:default/commerce").await.is_some());

    // A platform admin may move it to another team.
    let admin = common::session_cookie(&pool, &[Role::PlatformAdmin]).await;
    let moved = call(
        &app,
        Method::PUT,
        FRAUD_API,
        &admin,
        "application/yaml",
        fraud_api("payments", "Now the unit's"),
    )
    .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(moved.json()["owner"], "group:default/payments");
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn bad_edits_get_precise_errors_and_change_nothing(pool: PgPool) {
    let app = seeded(&pool).await;
    let owner = common::team_session_cookie(&pool, &[Role::TeamOwner], &["checkout"]).await;
    let key = "api:default/fraud-api";
    let before = stored_body(&pool, key).await.expect("imported");
    let cases: Vec<(&str, &str, String, StatusCode, &str)> = vec![
        (
            "invalid YAML",
            "application/yaml",
            "kind: [unclosed\n".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "(yaml)",
        ),
        (
            "another entity than the URL's",
            "application/yaml",
            fraud_api("checkout", "x").replace("name: fraud-api", "name: other-api"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "the URL names `api:default/fraud-api`",
        ),
        (
            "two documents",
            "application/yaml",
            format!(
                "{}---\n{}",
                fraud_api("checkout", "a"),
                fraud_api("checkout", "b")
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "defined twice",
        ),
        (
            "wrong apiVersion",
            "application/yaml",
            fraud_api("checkout", "x").replace("v1alpha1", "v9"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "`backstage.io/v9` is not supported",
        ),
        (
            "an owner that does not exist",
            "application/yaml",
            fraud_api("ghosts", "x"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "`group:default/ghosts` does not exist",
        ),
        (
            "a form body",
            "application/x-www-form-urlencoded",
            "a=b".into(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "application/yaml",
        ),
        (
            "a 3 MB body",
            "application/yaml",
            "#".repeat(3 * 1024 * 1024),
            StatusCode::PAYLOAD_TOO_LARGE,
            "",
        ),
    ];
    for (what, content_type, body, status, words) in cases {
        let answer = call(&app, Method::PUT, FRAUD_API, &owner, content_type, body).await;
        assert_eq!(answer.status, status, "{what}: {}", answer.body);
        assert!(answer.body.contains(words), "{what}: {}", answer.body);
        assert_eq!(
            stored_body(&pool, key).await.as_ref(),
            Some(&before),
            "{what} changed it"
        );
    }
    let problems = call(
        &app,
        Method::PUT,
        FRAUD_API,
        &owner,
        "application/yaml",
        fraud_api("ghosts", "x"),
    )
    .await
    .json();
    assert_eq!(
        problems["error"]["problems"][0]["field"], "spec.owner",
        "{problems}"
    );
    assert_eq!(problems["error"]["problems"][0]["line"], 9, "{problems}");
    let edits =
        sqlx::query_scalar!("select count(*) as \"n!\" from audit_events where action = 'catalog.edit'")
            .fetch_one(&pool)
            .await
            .expect("counts");
    assert_eq!(edits, 0, "refused edits leave no audit event");
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn the_openapi_document_describes_every_route(pool: PgPool) {
    let app = common::app(pool.clone(), Duration::from_secs(30));
    assert_eq!(
        common::get(&app, "/api/v1/openapi.json", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let cookie = common::session_cookie(&pool, &[Role::Developer]).await;
    let answer = common::get(&app, "/api/v1/openapi.json", Some(&cookie)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let doc = answer.json();
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{}",
        doc["openapi"]
    );
    for endpoint in parkway_server::api::ENDPOINTS {
        let method = endpoint.method.as_str().to_lowercase();
        assert!(
            doc["paths"][endpoint.path][&method].is_object(),
            "{method} {}",
            endpoint.path
        );
    }
    assert!(doc["components"]["schemas"]["StoredEntity"].is_object());
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn the_import_form_refuses_oversized_pastes_precisely(pool: PgPool) {
    let app = common::app(pool.clone(), Duration::from_secs(30));
    let admin = common::session_cookie(&pool, &[Role::PlatformAdmin]).await;
    let form = "application/x-www-form-urlencoded";
    let post = |body: String| call(&app, Method::POST, "/fn/import_catalog", &admin, form, body);

    // 20 MB pasted: refused before it is read whole, with why and what to do instead.
    let twenty = post(format!("source=pasted&descriptors={}", "a".repeat(20_000_000))).await;
    assert_eq!(twenty.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", twenty.body);
    assert!(
        twenty.body.contains("the form is over 2 MiB") && twenty.body.contains("with the CLI or the API"),
        "{}",
        twenty.body
    );

    // Under the form limit but over an import's (`PARKWAY_IMPORT_MAX_MB=1` here): the
    // import's own size check answers, naming the setting.
    let small = common::app_with(pool.clone(), Duration::from_secs(30), &["--import-max-mb", "1"]);
    let pasted = format!("source=pasted&descriptors={}", "a".repeat(1_500_000));
    let over = call(&small, Method::POST, "/fn/import_catalog", &admin, form, pasted).await;
    assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", over.body);
    assert!(
        over.body.contains(
            "pasted is 1500000 bytes; an import may be at most 1048576 bytes (1 MiB, set by PARKWAY_IMPORT_MAX_MB)"
        ),
        "{}",
        over.body
    );

    // Every other kind of bad input the API refuses, pasted into the form: the same
    // precise problems, listed with the pasted source's positions, and nothing imported.
    for (what, text, status, words) in common::bad_inputs() {
        let bad = post(format!("source=pasted&descriptors={}", encode(&text))).await;
        assert_eq!(bad.status.as_u16(), status, "{what}: {}", bad.body);
        assert!(bad.body.contains(words), "{what}: {}", bad.body);
        assert!(bad.body.contains("pasted:"), "{what}: {}", bad.body);
    }
    let count = sqlx::query_scalar!("select count(*) as \"n!\" from catalog_entities")
        .fetch_one(&pool)
        .await
        .expect("counts");
    assert_eq!(count, 0);
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn the_catalog_page_names_the_parameter_it_cannot_use(pool: PgPool) {
    let app = seeded(&pool).await;
    let reader = common::session_cookie(&pool, &[Role::Developer]).await;
    let get = |query: &str| {
        // The page sends every parameter, empty ones included.
        let fields = ["kind", "owner", "business_unit", "lifecycle", "tier", "tag", "q"]
            .map(|name| format!("params[{name}]="))
            .join("&");
        let path = format!("/fn/list_catalog?{fields}&{query}");
        let (app, reader) = (app.clone(), reader.clone());
        async move { call(&app, Method::GET, &path, &reader, "", String::new()).await }
    };

    let fine = get("params[sort]=updated").await;
    assert_eq!(fine.status, StatusCode::OK, "{}", fine.body);

    let order = get("params[sort]=newest").await;
    assert_eq!(order.status, StatusCode::BAD_REQUEST, "{}", order.body);
    assert!(
        order.body.contains(
            r#""field":"sort","reason":"`newest` is not an order; use name, updated or relevance""#
        ),
        "{}",
        order.body
    );
    let cursor = get("params[sort]=&cursor=nonsense").await;
    assert_eq!(cursor.status, StatusCode::BAD_REQUEST, "{}", cursor.body);
    assert!(
        cursor
            .body
            .contains(r#""field":"cursor","reason":"not a cursor this API returned"#),
        "{}",
        cursor.body
    );
}

/// The same mistake gets the same status and message from the REST API and from the
/// pages' server functions: they call one operation and share one error table.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn both_doors_refuse_alike_and_record_the_same_actor(pool: PgPool) {
    let app = seeded(&pool).await;
    let admin = common::session_cookie(&pool, &[Role::PlatformAdmin]).await;
    let form = "application/x-www-form-urlencoded";
    let message = |answer: &Answer| -> String {
        let json = answer.json();
        match json["error"]["message"].as_str() {
            Some(rest) => rest.to_owned(),
            None => match json["field"].as_str() {
                Some(field) => format!("{field}: {}", json["reason"].as_str().unwrap_or_default()),
                None => json["reason"].as_str().unwrap_or_default().to_owned(),
            },
        }
    };
    let unknown_kind = [
        call(
            &app,
            Method::GET,
            "/api/v1/catalog/entities/widget/default/x",
            &admin,
            "",
            String::new(),
        )
        .await,
        call(
            &app,
            Method::DELETE,
            "/api/v1/catalog/entities/widget/default/x",
            &admin,
            "",
            String::new(),
        )
        .await,
        call(
            &app,
            Method::GET,
            "/fn/catalog_entity?kind=widget&namespace=default&name=x",
            &admin,
            "",
            String::new(),
        )
        .await,
        call(
            &app,
            Method::POST,
            "/fn/remove_catalog_entity",
            &admin,
            form,
            "kind=widget&namespace=default&name=x".into(),
        )
        .await,
    ];
    for answer in &unknown_kind {
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.body);
        assert!(
            message(answer).starts_with("unknown kind `widget`: expected one of Domain, System, Component"),
            "{}",
            answer.body
        );
    }
    let fields = ["kind", "owner", "business_unit", "lifecycle", "tier", "tag", "q"]
        .map(|name| format!("params[{name}]="))
        .join("&");
    let bad_order = [
        call(
            &app,
            Method::GET,
            "/api/v1/catalog/entities?sort=newest",
            &admin,
            "",
            String::new(),
        )
        .await,
        call(
            &app,
            Method::GET,
            &format!("/fn/list_catalog?{fields}&params[sort]=newest"),
            &admin,
            "",
            String::new(),
        )
        .await,
    ];
    for answer in &bad_order {
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
        assert_eq!(
            message(answer),
            "sort: `newest` is not an order; use name, updated or relevance"
        );
    }
    let no_source = [
        call(
            &app,
            Method::POST,
            "/api/v1/catalog/import?source=",
            &admin,
            "application/yaml",
            ACME.into(),
        )
        .await,
        call(
            &app,
            Method::POST,
            "/fn/import_catalog",
            &admin,
            form,
            format!("source=&descriptors={}", encode(ACME)),
        )
        .await,
    ];
    for answer in &no_source {
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
        assert!(message(answer).starts_with("source: required"), "{}", answer.body);
    }

    let owner = common::team_session_cookie(&pool, &[Role::TeamOwner], &["checkout"]).await;
    let edited = call(
        &app,
        Method::PUT,
        FRAUD_API,
        &owner,
        "application/yaml",
        fraud_api("checkout", "REST"),
    )
    .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    let saved = call(
        &app,
        Method::POST,
        "/fn/save_catalog_entity",
        &owner,
        form,
        format!(
            "kind=api&namespace=default&name=fraud-api&descriptor={}",
            encode(&fraud_api("checkout", "page"))
        ),
    )
    .await;
    assert!(
        saved.status.is_success() || saved.status.is_redirection(),
        "{}",
        saved.body
    );
    let actors: Vec<String> = sqlx::query_scalar!(
        "select actor from audit_events where action = 'catalog.edit' and target = 'catalog-entity:api:default/fraud-api' order by id"
    )
    .fetch_all(&pool)
    .await
    .expect("reads");
    assert_eq!(actors.len(), 2, "{actors:?}");
    assert!(
        actors[0].starts_with("user:") && actors[0] == actors[1],
        "{actors:?}"
    );
}
