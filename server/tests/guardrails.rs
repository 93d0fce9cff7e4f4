//! Guardrails through the REST API and the CLI: import refusals with positions and the
//! right status, the four-eyes rule as a 403 with its reason, the export that imports
//! unchanged, and the CLI's import and export.

use std::time::Duration;

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use parkway_core::identity::{Action, Role};
use sqlx::{
    ConnectOptions, PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};

mod common;
use common::{parkway, with_token};

const DOCS: &str = "apiVersion: parkway.dev/v1
kind: Threat
metadata: {id: TH-001, title: Container escape}
spec: {stride: elevation-of-privilege, tactic: privilege-escalation, likelihood: 3, impact: 5, residualRisk: 6, status: open}
---
apiVersion: parkway.dev/v1
kind: Guardrail
metadata: {id: GR-001, title: No privileged containers}
spec:
  category: secure-defaults
  objective: Containers never run privileged.
  severity: critical
  behavior: preventive
  guidance: mandatory
  decisions: {public: blocked, internal: blocked, confidential: blocked, restricted: blocked}
  implementations:
    - {engine: kyverno, policy: restrict-privileged}
  threats: [TH-001]
  body: |
    ## Why
    It can take over the node.
";

async fn import(app: &axum::Router, token: &str, content_type: &str, body: &str) -> common::Answer {
    let request = Request::post("/api/v1/guardrails/import?file=rules.yaml")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", content_type)
        .body(Body::from(body.to_owned()))
        .expect("request");
    common::send(app, request).await
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn the_api_drafts_reviews_publishes_and_exports(pool: PgPool) {
    let app = common::app(pool.clone(), Duration::from_secs(10));
    let editor = common::service_token(&pool, Role::CoeEditor, &[]).await;
    let approver = common::service_token(&pool, Role::SecurityApprover, &[]).await;
    let developer = common::service_token(&pool, Role::Developer, &[]).await;

    let created = import(&app, &editor, "application/yaml", DOCS).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.json()["drafted"][0], "GR-001 v1");

    let no_note = with_token(
        &app,
        "POST",
        "/api/v1/guardrails/GR-001/submit",
        &editor,
        Some("{}"),
    )
    .await;
    assert_eq!(
        no_note.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        no_note.body
    );
    assert_eq!(no_note.json()["error"]["field"], "note");
    let submitted = with_token(
        &app,
        "POST",
        "/api/v1/guardrails/GR-001/submit",
        &editor,
        Some(r#"{"note": "first version"}"#),
    )
    .await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.body);
    assert_eq!(submitted.json()["state"], "in-review");
    let own = with_token(
        &app,
        "POST",
        "/api/v1/guardrails/GR-001/approve",
        &editor,
        Some("{}"),
    )
    .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "{}", own.body);
    assert!(
        own.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("you wrote version 1")
    );
    let early = with_token(
        &app,
        "POST",
        "/api/v1/guardrails/GR-001/publish",
        &editor,
        Some("{}"),
    )
    .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    let approved = with_token(
        &app,
        "POST",
        "/api/v1/guardrails/GR-001/approve",
        &approver,
        Some("{}"),
    )
    .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    let published = with_token(
        &app,
        "POST",
        "/api/v1/guardrails/GR-001/publish",
        &editor,
        Some("{}"),
    )
    .await;
    assert_eq!(published.json()["state"], "published", "{}", published.body);

    let list = with_token(
        &app,
        "GET",
        "/api/v1/guardrails?tier=internal&decision=blocked",
        &developer,
        None,
    )
    .await;
    assert_eq!(list.json()[0]["id"], "GR-001", "{}", list.body);
    let none = with_token(
        &app,
        "GET",
        "/api/v1/guardrails?tier=internal&decision=allowed",
        &developer,
        None,
    )
    .await;
    assert_eq!(none.json(), serde_json::json!([]));
    let bad_filter = with_token(&app, "GET", "/api/v1/guardrails?decision=maybe", &developer, None).await;
    assert_eq!(bad_filter.status, StatusCode::BAD_REQUEST, "{}", bad_filter.body);
    let one = with_token(&app, "GET", "/api/v1/guardrails/GR-001", &developer, None).await;
    let one = one.json();
    assert_eq!(
        one["review"]["approved_by"]
            .as_str()
            .map(|s| s.starts_with("service:")),
        Some(true)
    );
    assert_eq!(one["implementations"][0]["engine"], "kyverno");
    assert_eq!(
        one["decisions"][3],
        serde_json::json!({"tier": "restricted", "decision": "blocked"})
    );
    let missing = with_token(&app, "GET", "/api/v1/guardrails/GR-404", &developer, None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let threat = with_token(&app, "GET", "/api/v1/threats/TH-001", &developer, None).await;
    assert_eq!(
        threat.json()["mitigated_by"][0]["id"],
        "GR-001",
        "{}",
        threat.body
    );

    let exported = with_token(&app, "GET", "/api/v1/guardrails/export", &developer, None).await;
    assert_eq!(exported.header("content-type"), "application/yaml; charset=utf-8");
    let again = import(&app, &editor, "application/yaml", &exported.body).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.json()["unchanged"], serde_json::json!(["TH-001", "GR-001"]));

    // A second version, and what changed: fields by their YAML names, the body by word.
    let changed = DOCS
        .replace("severity: critical", "severity: high")
        .replace("It can take over the node.", "It can take over the whole node.");
    let v2 = import(&app, &editor, "application/yaml", &changed).await;
    assert_eq!(v2.json()["drafted"][0], "GR-001 v2", "{}", v2.body);
    let diff = with_token(&app, "GET", "/api/v1/guardrails/GR-001/diff", &editor, None).await;
    assert_eq!(diff.status, StatusCode::OK, "{}", diff.body);
    let diff = diff.json();
    assert_eq!(
        (diff["from"]["version"].clone(), diff["to"]["version"].clone()),
        (1.into(), 2.into())
    );
    assert_eq!(
        diff["fields"],
        serde_json::json!([{"field": "severity", "before": "critical", "after": "high"}])
    );
    let added: Vec<&str> = diff["body"]
        .as_array()
        .expect("spans")
        .iter()
        .filter(|s| s["change"] == "added")
        .filter_map(|s| s["text"].as_str())
        .map(str::trim)
        .collect();
    assert_eq!(added, ["whole"]);
    // Developers compare published versions only; a version that is not there is 404.
    let hidden = with_token(
        &app,
        "GET",
        "/api/v1/guardrails/GR-001/diff?to=2",
        &developer,
        None,
    )
    .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.body);
    let bad = with_token(
        &app,
        "GET",
        "/api/v1/guardrails/GR-001/diff?from=first",
        &editor,
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);

    // No cluster here: nothing to call not really mitigated, and the route is not a threat id.
    let gaps = with_token(
        &app,
        "GET",
        "/api/v1/threats/not-really-mitigated",
        &developer,
        None,
    )
    .await;
    assert_eq!(gaps.status, StatusCode::OK, "{}", gaps.body);
    assert_eq!(gaps.json(), serde_json::json!({"threats": [], "unreadable": []}));
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn bad_imports_get_their_status_and_positions_and_change_nothing(pool: PgPool) {
    let app = common::app(pool.clone(), Duration::from_secs(10));
    let editor = common::service_token(&pool, Role::CoeEditor, &[]).await;
    let developer = common::service_token(&pool, Role::Developer, &[Action::ViewPortal]).await;
    let cases = [
        (
            "invalid YAML",
            "application/yaml",
            "kind: [oops\n".to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "unknown tier",
            "application/yaml",
            DOCS.replace("restricted: blocked", "top-secret: blocked"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "unknown threat",
            "application/yaml",
            DOCS.replace("threats: [TH-001]", "threats: [TH-002]"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "decision not in the three",
            "application/yaml",
            DOCS.replace("public: blocked", "public: sometimes"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "duplicate id",
            "application/yaml",
            format!("{DOCS}---\n{}", DOCS.split("---\n").nth(1).unwrap_or_default()),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "wrong media type",
            "application/json",
            DOCS.to_owned(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ];
    for (name, media, body, status) in cases {
        let answer = import(&app, &editor, media, &body).await;
        assert_eq!(answer.status, status, "{name}: {}", answer.body);
        if status == StatusCode::UNPROCESSABLE_ENTITY {
            let problems = &answer.json()["error"]["problems"];
            assert!(
                problems[0]["line"].as_u64().is_some_and(|l| l > 0),
                "{name}: {}",
                answer.body
            );
            assert!(
                problems[0]["column"].as_u64().is_some_and(|c| c > 0),
                "{name}: {}",
                answer.body
            );
            assert_eq!(answer.json()["error"]["file"], "rules.yaml");
        }
    }
    let forbidden = import(&app, &developer, "application/yaml", DOCS).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let written: i64 = sqlx::query_scalar(
        "select (select count(*) from guardrail_versions) + (select count(*) from threats)",
    )
    .fetch_one(&pool)
    .await
    .expect("counts");
    assert_eq!(written, 0);
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn the_cli_imports_all_or_nothing_publishes_at_installation_and_exports(
    options: PgPoolOptions,
    connect: PgConnectOptions,
) {
    let url = connect.to_url_lossy().to_string();
    let pool = options.connect_with(connect).await.expect("pool");
    let dir = std::env::temp_dir().join(format!("parkway-guardrails-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    let (threats, rules) = DOCS.split_once("---\n").expect("two documents");
    let threats_file = dir.join("threats.yaml");
    let rules_file = dir.join("rules.yaml");
    let bad_file = dir.join("bad.yaml");
    std::fs::write(&threats_file, threats).expect("write");
    std::fs::write(&rules_file, rules).expect("write");
    std::fs::write(
        &bad_file,
        rules
            .replace("GR-001", "GR-002")
            .replace("severity: critical", "severity: dire"),
    )
    .expect("write");
    let path = |p: &std::path::Path| p.display().to_string();

    // A bad file refuses the whole import, naming the position.
    let refused = parkway(
        &url,
        &[
            "guardrails",
            "import",
            &path(&threats_file),
            &path(&rules_file),
            &path(&bad_file),
        ],
    );
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("bad.yaml:7:13 — spec.severity — `dire` is not one of"),
        "{stderr}"
    );
    let written: i64 = sqlx::query_scalar("select count(*) from threats")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(written, 0, "nothing was imported");

    // The rules name a threat from the other file: one import.
    let out = parkway(
        &url,
        &[
            "guardrails",
            "import",
            "--publish",
            &path(&threats_file),
            &path(&rules_file),
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let exported = parkway(&url, &["guardrails", "export"]);
    let yaml = String::from_utf8_lossy(&exported.stdout);
    assert!(
        yaml.contains("kind: Guardrail\nmetadata:\n  id: GR-001"),
        "{yaml}"
    );
    assert!(yaml.contains("kind: Threat"), "{yaml}");
    let audited: Vec<String> =
        sqlx::query_scalar("select action from audit_events where actor = 'system:cli' order by id")
            .fetch_all(&pool)
            .await
            .expect("audit");
    assert_eq!(audited, ["guardrail.import", "guardrail.publish"]);
    std::fs::remove_dir_all(&dir).ok();
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn the_coe_keeps_the_category_list(pool: PgPool) {
    let app = common::app(pool.clone(), Duration::from_secs(10));
    let editor = common::service_token(&pool, Role::CoeEditor, &[]).await;
    let developer = common::service_token(&pool, Role::Developer, &[]).await;
    let path = "/api/v1/guardrail-categories";

    let listed = with_token(&app, "GET", path, &developer, None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.json()[0]["slug"], "workload-separation");
    assert_eq!(listed.json().as_array().map(Vec::len), Some(6));

    let body = r#"{"slug": "runtime-security", "title": "Runtime security"}"#;
    let refused = with_token(&app, "POST", path, &developer, Some(body)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let added = with_token(&app, "POST", path, &editor, Some(body)).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let again = with_token(&app, "POST", path, &editor, Some(body)).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    for (bad, field) in [
        (r#"{"slug": "Runtime Security", "title": "x"}"#, "slug"),
        (r#"{"slug": "ok-slug", "title": "   "}"#, "title"),
    ] {
        let answer = with_token(&app, "POST", path, &editor, Some(bad)).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
        assert_eq!(answer.json()["error"]["field"], field, "{}", answer.body);
    }

    // Documents may name the new category at once.
    let filed = DOCS.replace("category: secure-defaults", "category: runtime-security");
    let imported = import(&app, &editor, "application/yaml", &filed).await;
    assert_eq!(imported.status, StatusCode::CREATED, "{}", imported.body);

    let renamed = with_token(
        &app,
        "PUT",
        "/api/v1/guardrail-categories/runtime-security",
        &editor,
        Some(r#"{"title": "Runtime protection"}"#),
    )
    .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert_eq!(renamed.json()["versions"], 1);
    let in_use = with_token(
        &app,
        "DELETE",
        "/api/v1/guardrail-categories/runtime-security",
        &editor,
        None,
    )
    .await;
    assert_eq!(in_use.status, StatusCode::CONFLICT, "{}", in_use.body);
    let unused = with_token(
        &app,
        "DELETE",
        "/api/v1/guardrail-categories/audit-and-response",
        &editor,
        None,
    )
    .await;
    assert_eq!(unused.status, StatusCode::OK, "{}", unused.body);
    let missing = with_token(
        &app,
        "DELETE",
        "/api/v1/guardrail-categories/audit-and-response",
        &editor,
        None,
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.body);
    let slugs: Vec<String> = with_token(&app, "GET", path, &developer, None)
        .await
        .json()
        .as_array()
        .expect("list")
        .iter()
        .map(|c| {
            format!(
                "{}={}",
                c["slug"].as_str().unwrap_or_default(),
                c["title"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        slugs.last().map(String::as_str),
        Some("runtime-security=Runtime protection")
    );
    assert!(
        !slugs.iter().any(|s| s.starts_with("audit-and-response")),
        "{slugs:?}"
    );
}
