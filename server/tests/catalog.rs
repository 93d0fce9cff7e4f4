//! Catalog imports through the REST API and the CLI: good files land, and every kind of
//! bad input gets a precise error and changes nothing.

use std::{process::Command, time::Duration};

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use parkway_core::identity::Role;
use sqlx::{
    ConnectOptions, PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};

mod common;

use common::{ACME, bad_inputs};

fn import_request(source: &str, token: &str, content_type: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(format!("/api/v1/catalog/import?source={source}"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", content_type)
        .body(body.into())
        .expect("request")
}

async fn entity_count(pool: &PgPool) -> i64 {
    sqlx::query_scalar!("select count(*) as \"n!\" from catalog_entities")
        .fetch_one(pool)
        .await
        .expect("counts")
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn the_api_imports_good_files_and_refuses_bad_ones_whole(pool: PgPool) {
    let app = common::app(pool.clone(), Duration::from_secs(30));
    let admin = common::service_token(&pool, Role::PlatformAdmin, &[]).await;

    for (what, body, status, words) in bad_inputs() {
        let answer = common::send(&app, import_request("acme", &admin, "application/yaml", body)).await;
        assert_eq!(answer.status.as_u16(), status, "{what}: {}", answer.body);
        let json = answer.json();
        assert!(
            json["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains(words),
            "{what}: {json}"
        );
        let problem = &json["error"]["problems"][0];
        assert!(
            problem["line"].as_u64().unwrap_or(0) >= 1,
            "{what}: positions are given: {json}"
        );
        assert_eq!(entity_count(&pool).await, 0, "{what} changed nothing");
    }

    let answer = common::send(&app, import_request("acme", &admin, "application/json", ACME)).await;
    assert_eq!(answer.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let answer = common::send(&app, import_request("", &admin, "application/yaml", ACME)).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
    assert!(answer.body.contains("source: required"), "{}", answer.body);
    assert_eq!(answer.json()["error"]["field"], "source");
    assert_eq!(entity_count(&pool).await, 0);

    let developer = common::service_token(&pool, Role::Developer, &[]).await;
    let refused = common::send(&app, import_request("acme", &developer, "application/yaml", ACME)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let created = common::send(
        &app,
        import_request("acme", &admin, "application/yaml; charset=utf-8", ACME),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.json()["created"].as_array().map(Vec::len), Some(10));
    let again = common::send(&app, import_request("acme", &admin, "application/yaml", ACME)).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["unchanged"], 10);

    let entity = common::send(
        &app,
        Request::get("/api/v1/catalog/entities/component/default/checkout-service")
            .header("authorization", format!("Bearer {developer}"))
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(entity.status, StatusCode::OK, "{}", entity.body);
    let json = entity.json();
    assert_eq!(json["owner"], "group:default/checkout");
    assert!(
        json["relations"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["type"] == "providesApi"))
    );
    let missing = common::send(
        &app,
        Request::get("/api/v1/catalog/entities/component/default/nope")
            .header("authorization", format!("Bearer {developer}"))
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    let get = |path: &str| {
        let (app, developer, path) = (app.clone(), developer.clone(), path.to_owned());
        async move {
            common::send(
                &app,
                Request::get(path.as_str())
                    .header("authorization", format!("Bearer {developer}"))
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
        }
    };
    let listed = get("/api/v1/catalog/entities?kind=component&lifecycle=production&limit=1").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let page = listed.json();
    assert_eq!(page["items"][0]["name"], "checkout-service");
    assert!(page["next_cursor"].is_string(), "one more page: {page}");
    let facets = get("/api/v1/catalog/facets?kind=api").await.json();
    assert_eq!(facets["total"], 2);
    let bad = get("/api/v1/catalog/entities?cursor=nonsense").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let recent = get("/api/v1/catalog/entities?sort=updated&limit=2").await;
    assert_eq!(recent.status, StatusCode::OK, "{}", recent.body);
    assert!(
        recent.json()["items"][0]["updated_at"].is_string(),
        "{}",
        recent.body
    );
    let by_name_cursor = page["next_cursor"].as_str().expect("cursor").to_owned();
    let mixed = get(&format!("/api/v1/catalog/entities?kind=component&lifecycle=production&limit=1&sort=updated&cursor={by_name_cursor}")).await;
    assert_eq!(mixed.status, StatusCode::BAD_REQUEST, "{}", mixed.body);
    assert!(
        mixed.body.contains("continues the `name` order, not `updated`"),
        "{}",
        mixed.body
    );
    let unknown_order = get("/api/v1/catalog/entities?sort=newest").await;
    assert_eq!(
        unknown_order.status,
        StatusCode::BAD_REQUEST,
        "{}",
        unknown_order.body
    );
    assert!(
        unknown_order
            .body
            .contains("sort: `newest` is not an order; use name, updated or relevance"),
        "{}",
        unknown_order.body
    );
    let remove = |token: String| {
        let app = app.clone();
        async move {
            common::send(
                &app,
                Request::delete("/api/v1/catalog/entities/api/default/fraud-api")
                    .header("authorization", format!("Bearer {token}"))
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
        }
    };
    assert_eq!(remove(developer.clone()).await.status, StatusCode::FORBIDDEN);
    assert_eq!(remove(admin.clone()).await.status, StatusCode::NO_CONTENT);
    assert_eq!(remove(admin.clone()).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        get("/api/v1/catalog/entities/api/default/fraud-api").await.status,
        StatusCode::NOT_FOUND
    );
    let unknown = get("/api/v1/catalog/entities?colour=red").await;
    assert_eq!(
        unknown.status,
        StatusCode::BAD_REQUEST,
        "unknown filters are refused, not ignored: {}",
        unknown.body
    );
}

/// The REST door answers a 2 MiB document of 200,000 keys with 422 naming the cap,
/// promptly: the parse is bounded and runs off the request's worker thread.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn the_api_refuses_a_document_of_200000_keys_naming_the_cap(pool: PgPool) {
    let app = common::app(pool.clone(), Duration::from_secs(30));
    let admin = common::service_token(&pool, Role::PlatformAdmin, &[]).await;
    let text: String = (0..200_000).map(|i| format!("k{i:06x}: x\n")).collect();
    let started = std::time::Instant::now();
    let answer = common::send(&app, import_request("huge", &admin, "application/yaml", text)).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
    let json = answer.json();
    assert_eq!(json["error"]["code"], "invalid", "{json}");
    assert_eq!(
        json["error"]["problems"][0]["reason"], "a mapping has more than 1000 keys (the limit)",
        "{json}"
    );
    assert_eq!(json["error"]["problems"][0]["line"], 1001, "{json}");
    assert_eq!(entity_count(&pool).await, 0);
}

/// `ACME` padded with comments to just over `mib` MiB: valid descriptors, too many bytes.
fn padded_acme(mib: usize) -> String {
    let mut text = ACME.to_owned();
    while text.len() <= mib * 1024 * 1024 {
        text.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    text
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn the_api_refuses_imports_over_the_configured_limit_naming_it_and_takes_those_under(pool: PgPool) {
    let app = common::app_with(pool.clone(), Duration::from_secs(30), &["--import-max-mb", "1"]);
    let admin = common::service_token(&pool, Role::PlatformAdmin, &[]).await;
    let big = padded_acme(1);

    // As clients send it, with its length: refused before it is read, size and limit named.
    let mut request = import_request("acme", &admin, "application/yaml", big.clone());
    request.headers_mut().insert("content-length", big.len().into());
    let answer = common::send(&app, request).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", answer.body);
    let json = answer.json();
    assert_eq!(json["error"]["code"], "too_large", "{json}");
    assert_eq!(
        json["error"]["message"],
        format!(
            "acme is {} bytes; an import may be at most 1048576 bytes (1 MiB, set by PARKWAY_IMPORT_MAX_MB); nothing was imported",
            big.len()
        ),
        "{json}"
    );
    // Streamed without a length: cut off at the limit, with the same explanation.
    let answer = common::send(&app, import_request("acme", &admin, "application/yaml", big)).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", answer.body);
    assert_eq!(
        answer.json()["error"]["message"],
        "acme is over 1048576 bytes; an import may be at most 1048576 bytes (1 MiB, set by PARKWAY_IMPORT_MAX_MB); nothing was imported"
    );
    assert_eq!(entity_count(&pool).await, 0, "nothing written");

    // The same descriptors under the limit are imported.
    let answer = common::send(&app, import_request("acme", &admin, "application/yaml", ACME)).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    assert_eq!(entity_count(&pool).await, 10);
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn the_cli_imports_files_and_prints_every_problem(options: PgPoolOptions, connect: PgConnectOptions) {
    let url = connect.to_url_lossy().to_string();
    let pool = options.connect_with(connect).await.expect("pool");
    let dir = std::env::temp_dir().join(format!("parkway-catalog-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let run = |files: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_parkway"))
            .arg("catalog")
            .arg("import")
            .args(files)
            .current_dir(&dir)
            .env("DATABASE_URL", &url)
            .env("PARKWAY_LOG", "warn")
            .output()
            .expect("runs")
    };
    for (i, (what, body, _, words)) in bad_inputs().into_iter().enumerate() {
        let name = format!("bad-{i}.yaml");
        std::fs::write(dir.join(&name), body).expect("writes");
        let out = run(&[&name]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{what}");
        assert!(stderr.contains(words), "{what}: {stderr}");
        assert!(
            stderr.contains(&format!("{name}:")),
            "{what}: problems name the file: {stderr}"
        );
        assert_eq!(entity_count(&pool).await, 0, "{what} changed nothing");
    }
    // Over `PARKWAY_IMPORT_MAX_MB`: refused before it is read, naming size and limit.
    let big = padded_acme(1);
    std::fs::write(dir.join("big.yaml"), &big).expect("writes");
    let out = Command::new(env!("CARGO_BIN_EXE_parkway"))
        .args(["catalog", "import", "big.yaml"])
        .current_dir(&dir)
        .env("DATABASE_URL", &url)
        .env("PARKWAY_LOG", "warn")
        .env("PARKWAY_IMPORT_MAX_MB", "1")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!(
            "big.yaml is {} bytes; an import may be at most 1048576 bytes (1 MiB, set by PARKWAY_IMPORT_MAX_MB)",
            big.len()
        )),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(entity_count(&pool).await, 0, "nothing written");
    // The default limit (64 MiB) takes it.
    let out = run(&["big.yaml"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(entity_count(&pool).await, 10);
    sqlx::query!("delete from catalog_entities")
        .execute(&pool)
        .await
        .expect("emptied");

    std::fs::write(dir.join("catalog-info.yaml"), ACME).expect("writes");
    let out = run(&["catalog-info.yaml"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("catalog-info.yaml: 10 created, 0 updated, 0 unchanged, 0 orphaned"),
        "{stderr}"
    );
    assert_eq!(entity_count(&pool).await, 10);
    let _ = std::fs::remove_dir_all(dir);
}
