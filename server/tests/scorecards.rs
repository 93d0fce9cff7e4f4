//! Delivery events through the real API into a real Postgres, the refresher's
//! aggregates, and the DORA figures back out: idempotency, bad input that stores
//! nothing, the three ways of linking an incident, a deployment with several
//! incidents counted once, roll-ups as medians of medians.

mod common;

use std::time::Duration;

use chrono::{Duration as Span, SecondsFormat, Utc};
use parkway_core::{
    identity::{Action, Role},
    scorecards::refresh,
};
use serde_json::{Value, json};
use sqlx::PgPool;

const CATALOG: &str = r#"
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: fast-unit, title: Fast unit}
spec: {type: business-unit, children: [fast-team]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: slow-unit, title: Slow unit}
spec: {type: business-unit, children: [slow-team]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: fast-team}
spec: {type: team, parent: fast-unit, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: slow-team}
spec: {type: team, parent: slow-unit, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: fast-api, annotations: {github.com/project-slug: acme/fast-api}}
spec: {type: service, lifecycle: production, owner: fast-team}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: fast-web}
spec: {type: website, lifecycle: production, owner: fast-team}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: slow-api, annotations: {gitlab.com/project-slug: acme/slow-api}}
spec: {type: service, lifecycle: production, owner: slow-team}
"#;

/// `hours` before one fixed instant of the test run, so differences are exact.
fn ago(hours: i64) -> String {
    static BASE: std::sync::OnceLock<chrono::DateTime<Utc>> = std::sync::OnceLock::new();
    let base = *BASE.get_or_init(|| Utc::now() - Span::minutes(1));
    (base - Span::hours(hours)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

async fn setup(pool: &PgPool) -> (axum::Router, String) {
    let app = common::app(pool.clone(), Duration::from_secs(30));
    let admin = common::service_token(pool, Role::PlatformAdmin, &[Action::ImportCatalog]).await;
    let imported = send_text(&app, "/api/v1/catalog/import?source=scorecards", &admin, CATALOG).await;
    assert_eq!(imported.status, 201, "{}", imported.body);
    let events = common::service_token(pool, Role::PlatformAdmin, &[Action::WriteEvents]).await;
    (app, events)
}

async fn send_text(app: &axum::Router, path: &str, token: &str, body: &str) -> common::Answer {
    let request = axum::http::Request::post(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/yaml")
        .body(axum::body::Body::from(body.to_owned()))
        .expect("request");
    common::send(app, request).await
}

async fn post(app: &axum::Router, token: &str, kind: &str, events: Value) -> common::Answer {
    let body = json!({ "events": events }).to_string();
    common::with_token(app, "POST", &format!("/api/v1/events/{kind}"), token, Some(&body)).await
}

async fn refreshed(pool: &PgPool) {
    refresh::refresh(pool, Utc::now()).await.expect("refresh");
}

async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.expect("count")
}

fn deployment(id: &str, service: &str, hours_ago: i64, changes: &[(&str, i64)]) -> Value {
    json!({
        "id": id, "service": service, "environment": "production", "status": "success",
        "finished_at": ago(hours_ago),
        "changes": changes.iter().map(|(sha, h)| json!({"id": sha, "committed_at": ago(*h)})).collect::<Vec<_>>(),
    })
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn events_are_idempotent_linked_three_ways_and_counted_once(pool: PgPool) {
    let (app, token) = setup(&pool).await;
    let deployments = json!([
        // d1 carries c1 (committed 10 h before) and c2 (4 h before).
        deployment("d1", "fast-api", 100, &[("c1", 110), ("c2", 104)]),
        // d2 carries c2 again (not its first deployment: no second lead time) and c3.
        deployment("d2", "component:default/fast-api", 50, &[("c2", 104), ("c3", 52)]),
        deployment("d3", "fast-api", 20, &[("c4", 21)]),
        // Staging counts nowhere.
        {"id": "s1", "service": "fast-api", "environment": "staging", "status": "success", "finished_at": ago(19)},
        // Unknown service: kept as unmatched.
        deployment("x1", "nobody-knows", 10, &[]),
    ]);
    let first = post(&app, &token, "deployments", deployments.clone()).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json()["stored"], 5);
    assert_eq!(first.json()["unmatched"], 1);
    let again = post(&app, &token, "deployments", deployments).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.json()["stored"], 0, "re-sending changes nothing");
    assert_eq!(again.json()["duplicates"], 5);
    assert_eq!(count(&pool, "select count(*) from delivery_deployments").await, 5);

    let incidents = json!([
        // Names d1, twice: d1 is one failed deployment, not two.
        {"id": "i1", "service": "fast-api", "opened_at": ago(99), "resolved_at": ago(97), "deployment": "d1"},
        {"id": "i2", "service": "fast-api", "opened_at": ago(98), "resolved_at": ago(96), "deployment": "d1"},
        // Names commit c3: the deployment that first carried it is d2.
        {"id": "i3", "service": "fast-api", "opened_at": ago(45), "resolved_at": ago(44), "sha": "c3"},
        // Names nothing: the latest deployment at most 24 h before is d3; still open.
        {"id": "i4", "service": "fast-api", "opened_at": ago(18)},
        // Nothing within the window: not linked.
        {"id": "i5", "service": "slow-api", "opened_at": ago(5), "resolved_at": ago(4)},
    ]);
    let stored = post(&app, &token, "incidents", incidents.clone()).await;
    assert_eq!(stored.status, 200, "{}", stored.body);
    assert_eq!(stored.json()["stored"], 5);
    assert_eq!(
        post(&app, &token, "incidents", incidents).await.json()["stored"],
        0
    );
    let links: Vec<(String, Option<String>, Option<String>)> =
        sqlx::query_as("select id, deployment, link from delivery_incidents order by id")
            .fetch_all(&pool)
            .await
            .expect("links");
    let expected = [
        ("i1", Some("d1"), Some("deployment")),
        ("i2", Some("d1"), Some("deployment")),
        ("i3", Some("d2"), Some("sha")),
        ("i4", Some("d3"), Some("window")),
        ("i5", None, None),
    ];
    for ((id, dep, link), (eid, edep, elink)) in links.iter().zip(expected) {
        assert_eq!((id.as_str(), dep.as_deref(), link.as_deref()), (eid, edep, elink));
    }

    refreshed(&pool).await;
    let admin = common::service_token(&pool, Role::PlatformAdmin, &[]).await;
    let dora = common::with_token(
        &app,
        "GET",
        "/api/v1/scorecards/dora?entity=component:default/fast-api",
        &admin,
        None,
    )
    .await;
    assert_eq!(dora.status, 200, "{}", dora.body);
    let f = dora.json();
    assert_eq!(f["deployments"], 3, "staging and unmatched are not counted: {f}");
    // Three deployments, all with incidents: 3 of 3, d1 once despite two incidents.
    assert_eq!(f["failed_deployments"], 3, "{f}");
    assert_eq!(f["change_failure_rate"], 1.0, "{f}");
    // Lead times: c1 10 h, c2 4 h (its first deployment only), c3 2 h, c4 1 h → median 3 h.
    assert_eq!(f["lead_time_median_seconds"], 3 * 3_600, "{f}");
    // Recovery: d1 finished 100 h ago, its last incident resolved 96 h ago: 4 h; d2
    // finished 50 h ago, resolved 44 h ago: 6 h; d3's incident is still open.
    assert_eq!(f["recovery_time_median_seconds"], 5 * 3_600, "{f}");
    assert_eq!(f["open_failures"], 1, "{f}");
    assert_eq!(f["report_year"], "2024");
    assert_eq!(f["bands"]["lead_time"], "elite");

    // The 2023 table says the same lead time is elite too, and names its year.
    let y2023 = common::with_token(
        &app,
        "GET",
        "/api/v1/scorecards/dora?entity=component:default/fast-api&report_year=2023",
        &admin,
        None,
    )
    .await;
    assert_eq!(y2023.json()["report_year"], "2023");

    let writer_only = common::with_token(&app, "GET", "/api/v1/events/unmatched", &token, None).await;
    assert_eq!(
        writer_only.status, 403,
        "events.manage is not in this token's scopes"
    );
    let admin_all = common::service_token(&pool, Role::PlatformAdmin, &[Action::ManageEvents]).await;
    let unmatched = common::with_token(&app, "GET", "/api/v1/events/unmatched", &admin_all, None).await;
    assert_eq!(unmatched.status, 200, "{}", unmatched.body);
    assert_eq!(
        unmatched.json()["deployments"][0]["service_given"],
        "nobody-knows"
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn bad_batches_store_nothing_and_say_why(pool: PgPool) {
    let (app, token) = setup(&pool).await;
    // Wrong type: 400 naming the field.
    let wrong = post(
        &app,
        &token,
        "deployments",
        json!([{"id": "a", "service": "fast-api", "environment": "production", "status": "done", "finished_at": ago(1)}]),
    )
    .await;
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    assert_eq!(wrong.json()["error"]["field"], "events[0].status");
    // Not JSON at all.
    let garbage = common::with_token(
        &app,
        "POST",
        "/api/v1/events/incidents",
        &token,
        Some("{\"events\": ["),
    )
    .await;
    assert_eq!(garbage.status, 400, "{}", garbage.body);
    // One good event and one from the future: 422, neither stored.
    let future = post(
        &app,
        &token,
        "deployments",
        json!([
            deployment("good", "fast-api", 1, &[]),
            {"id": "bad", "service": "fast-api", "environment": "production", "status": "success",
             "finished_at": (Utc::now() + Span::days(2)).to_rfc3339()},
            {"id": "old", "service": "fast-api", "environment": "production", "status": "success",
             "finished_at": "1999-12-31T23:00:00Z"},
        ]),
    )
    .await;
    assert_eq!(future.status, 422, "{}", future.body);
    let problems = future.json()["error"]["problems"].clone();
    assert_eq!(problems[0]["field"], "events[1].finished_at", "{problems}");
    assert_eq!(problems[1]["field"], "events[2].finished_at", "{problems}");
    // Over the limit: 413.
    let many: Vec<Value> = (0..1_001)
        .map(|i| deployment(&format!("m{i}"), "fast-api", 1, &[]))
        .collect();
    let too_many = post(&app, &token, "deployments", Value::Array(many)).await;
    assert_eq!(too_many.status, 413, "{}", too_many.body);
    // Wrong media type: 415.
    let request = axum::http::Request::post("/api/v1/events/deployments")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "text/plain")
        .body(axum::body::Body::from("{}"))
        .expect("request");
    assert_eq!(common::send(&app, request).await.status, 415);
    // A token without the scope: 403; none at all: 401.
    let reader = common::service_token(&pool, Role::PlatformAdmin, &[Action::ViewPortal]).await;
    let refused = post(
        &app,
        &reader,
        "deployments",
        json!([deployment("r", "fast-api", 1, &[])]),
    )
    .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("events.write"), "{}", refused.body);
    assert_eq!(
        count(&pool, "select count(*) from delivery_deployments").await,
        0,
        "nothing half-stored"
    );
    assert_eq!(count(&pool, "select count(*) from delivery_dirty").await, 0);
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn business_units_roll_up_as_medians_of_their_teams(pool: PgPool) {
    let (app, token) = setup(&pool).await;
    // fast-api: lead 1 h; fast-web: lead 3 h; slow-api: lead 100 h.
    let events = json!([
        deployment("f1", "fast-api", 10, &[("a", 11)]),
        deployment("w1", "fast-web", 10, &[("b", 13)]),
        deployment("s1", "slow-api", 10, &[("c", 110)]),
    ]);
    assert_eq!(post(&app, &token, "deployments", events).await.status, 200);
    refreshed(&pool).await;
    let admin = common::service_token(&pool, Role::PlatformAdmin, &[]).await;
    let get = |q: &'static str| {
        let app = app.clone();
        let admin = admin.clone();
        async move { common::with_token(&app, "GET", &format!("/api/v1/scorecards/dora{q}"), &admin, None).await }
    };
    let team = get("?entity=group:default/fast-team").await;
    assert_eq!(team.status, 200, "{}", team.body);
    assert_eq!(
        team.json()["lead_time_median_seconds"],
        2 * 3_600,
        "median of 1 h and 3 h"
    );
    assert_eq!(team.json()["services"], 2);
    let unit = get("?entity=group:default/fast-unit").await;
    assert_eq!(unit.json()["lead_time_median_seconds"], 2 * 3_600);
    let enterprise = get("").await;
    let e = enterprise.json();
    // Median of the units' medians (2 h and 100 h), not of the three services (3 h).
    assert_eq!(e["lead_time_median_seconds"], 51 * 3_600, "{e}");
    assert_eq!(e["deployments"], 3);
    assert_eq!(e["band_shares"]["lead_time"]["elite"], 2, "{e}");
    assert_eq!(
        e["band_shares"]["lead_time"]["high"], 1,
        "100 h is under a week: {e}"
    );
    // The stored roll-ups the pages read agree with the live computation.
    let (stored, _) =
        parkway_core::scorecards::store::rollups(&pool, &["enterprise".to_owned()], &["30".to_owned()])
            .await
            .expect("rollups");
    assert_eq!(
        stored[&("enterprise".to_owned(), "30".to_owned())].lead_time_median,
        Some(51 * 3_600)
    );
    // Bad parameters.
    assert_eq!(get("?from=yesterday").await.status, 400);
    assert_eq!(get("?from=2026-02-01&to=2026-01-01").await.status, 422);
    assert_eq!(get("?entity=group:default/nobody").await.status, 404);
    assert_eq!(get("?report_year=2025").await.status, 400);
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn every_table_downloads_as_csv_with_the_rows_the_page_shows(pool: PgPool) {
    let (app, token) = setup(&pool).await;
    let events = json!([
        deployment("f1", "fast-api", 10, &[("a", 11)]),
        deployment("s1", "slow-api", 10, &[("c", 110)]),
    ]);
    assert_eq!(post(&app, &token, "deployments", events).await.status, 200);
    let incident =
        json!([{"id": "=cmd|' /C calc'!A0", "service": "fast-api", "opened_at": ago(9), "deployment": "f1"}]);
    assert_eq!(post(&app, &token, "incidents", incident).await.status, 200);
    refreshed(&pool).await;
    let reader = common::service_token(&pool, Role::Developer, &[]).await;
    let get = |q: &'static str| {
        let app = app.clone();
        let reader = reader.clone();
        async move {
            common::with_token(
                &app,
                "GET",
                &format!("/api/v1/scorecards/export{q}"),
                &reader,
                None,
            )
            .await
        }
    };

    let units = get("?table=children&window=90&year=2023").await;
    assert_eq!(units.status, 200, "{}", units.body);
    assert!(
        units.headers["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/csv"),
        "{:?}",
        units.headers
    );
    assert_eq!(
        units.headers["content-disposition"],
        "attachment; filename=\"scorecard-enterprise-children-90d-2023.csv\""
    );
    let lines: Vec<&str> = units.body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(
        lines[0].starts_with("entity,title,services,deployments,deploy_days_per_week_median,"),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines.len(),
        3,
        "a header and the two business units: {}",
        units.body
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("group:default/slow-unit,Slow unit,1,1,")),
        "{}",
        units.body
    );

    let trend = get("?table=trend").await;
    assert_eq!(trend.status, 200, "{}", trend.body);
    assert_eq!(
        trend.body.split("\r\n").filter(|l| !l.is_empty()).count(),
        27,
        "a header and 26 weeks"
    );

    let deployments = get("?level=services&entity=fast-api&table=deployments").await;
    assert_eq!(deployments.status, 200, "{}", deployments.body);
    assert!(
        deployments
            .body
            .contains("\r\nf1,api,component:default/fast-api,production,success,"),
        "{}",
        deployments.body
    );
    let incidents = get("?level=services&entity=component:default/fast-api&table=incidents").await;
    assert_eq!(incidents.status, 200, "{}", incidents.body);
    // An id a spreadsheet would run as a formula is defused, and says how it was linked.
    assert!(
        incidents
            .body
            .contains("\r\n'=cmd|' /C calc'!A0,api,component:default/fast-api,"),
        "{}",
        incidents.body
    );
    assert!(
        incidents.body.trim_end().ends_with(",f1,deployment"),
        "{}",
        incidents.body
    );

    // A table the page does not have, an unknown table, an unknown page.
    let missing = get("?table=deployments").await;
    assert_eq!(missing.status, 404, "{}", missing.body);
    assert!(missing.body.contains("children, trend"), "{}", missing.body);
    assert_eq!(
        get("?level=services&entity=fast-api&table=children").await.status,
        404
    );
    let unknown = get("?table=everything").await;
    assert_eq!(unknown.status, 400, "{}", unknown.body);
    assert!(unknown.body.contains("table"), "{}", unknown.body);
    assert_eq!(get("").await.status, 400, "the table is required");
    assert_eq!(get("?level=units&entity=nobody&table=trend").await.status, 404);
    // Only people who may read the page download its tables.
    let anonymous = common::get(&app, "/api/v1/scorecards/export?table=trend", None).await;
    assert_eq!(anonymous.status, 401);
}

const GITHUB_SECRET: &str = "a GitHub webhook secret, long enough to sign";
const GITLAB_SECRET: &str = "a-gitlab-secret-token-for-deployments";

fn github_delivery(deployment: u64, state: &str) -> String {
    json!({
        "action": "created",
        "deployment_status": {"id": deployment * 10, "state": state, "environment": "production",
            "target_url": "https://ci.example.com/run", "created_at": ago(2)},
        "deployment": {"id": deployment, "sha": "abc123", "ref": "main", "environment": "production", "created_at": ago(3)},
        "repository": {"full_name": "acme/fast-api"},
    })
    .to_string()
}

async fn webhook(app: &axum::Router, kind: &str, headers: &[(&str, String)], body: &str) -> common::Answer {
    let mut request = axum::http::Request::post(format!("/api/v1/webhooks/{kind}"))
        .header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    common::send(
        app,
        request
            .body(axum::body::Body::from(body.to_owned()))
            .expect("request"),
    )
    .await
}

fn signature(secret: &str, body: &str) -> String {
    let key = parkway_core::audit::AuditKey::new(secret).expect("a long secret");
    format!("sha256={}", hex::encode(key.sign(body.as_bytes())))
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn webhooks_are_verified_deduplicated_and_matched_by_annotation(pool: PgPool) {
    let (app, _) = setup(&pool).await;
    let admin = common::service_token(&pool, Role::PlatformAdmin, &[Action::ManageEvents]).await;
    for (name, kind, secret) in [
        ("acme-github", "github", GITHUB_SECRET),
        ("acme-gitlab", "gitlab", GITLAB_SECRET),
    ] {
        let body = json!({"name": name, "kind": kind, "secret": secret}).to_string();
        let added = common::with_token(&app, "POST", "/api/v1/webhook-sources", &admin, Some(&body)).await;
        assert_eq!(added.status, 201, "{}", added.body);
        assert!(!added.body.contains(secret), "the secret is never shown again");
    }
    let again = json!({"name": "acme-github", "kind": "github", "secret": GITHUB_SECRET}).to_string();
    assert_eq!(
        common::with_token(&app, "POST", "/api/v1/webhook-sources", &admin, Some(&again))
            .await
            .status,
        409
    );
    let sealed: Vec<Vec<u8>> = sqlx::query_scalar("select secret_sealed from delivery_sources")
        .fetch_all(&pool)
        .await
        .expect("sealed");
    assert!(
        sealed
            .iter()
            .all(|s| !s.windows(10).any(|w| w == &GITHUB_SECRET.as_bytes()[..10])),
        "sealed at rest"
    );

    // Signed by the source's secret: stored once, matched through the annotation.
    let body = github_delivery(4242, "success");
    let signed = [
        ("x-hub-signature-256", signature(GITHUB_SECRET, &body)),
        ("x-github-event", "deployment_status".to_owned()),
        ("x-github-delivery", "delivery-1".to_owned()),
    ];
    let first = webhook(&app, "github", &signed, &body).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json()["stored"], 1);
    let replay = webhook(&app, "github", &signed, &body).await;
    assert_eq!(replay.status, 200, "{}", replay.body);
    assert_eq!(
        replay.json()["duplicates"],
        1,
        "a replayed delivery is stored once"
    );
    let stored: (String, Option<String>, String) =
        sqlx::query_as("select id, service, source from delivery_deployments where source = 'github'")
            .fetch_one(&pool)
            .await
            .expect("stored");
    assert_eq!(
        stored,
        (
            "github:acme/fast-api:4242".to_owned(),
            Some("component:default/fast-api".to_owned()),
            "github".to_owned()
        )
    );

    // A wrong secret, a changed body, no signature: 401, nothing stored, audited.
    let other = github_delivery(4243, "success");
    let forged = [
        (
            "x-hub-signature-256",
            signature("somebody else's secret, also long", &other),
        ),
        ("x-github-event", "deployment_status".to_owned()),
        ("x-github-delivery", "delivery-2".to_owned()),
    ];
    let refused = webhook(&app, "github", &forged, &other).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    let tampered = [
        ("x-hub-signature-256", signature(GITHUB_SECRET, &body)),
        ("x-github-event", "deployment_status".to_owned()),
        ("x-github-delivery", "delivery-3".to_owned()),
    ];
    assert_eq!(webhook(&app, "github", &tampered, &other).await.status, 401);
    assert_eq!(webhook(&app, "github", &[], &other).await.status, 401);
    assert_eq!(
        count(&pool, "select count(*) from delivery_deployments").await,
        1,
        "nothing stored"
    );
    let mut audited = 0;
    for _ in 0..50 {
        audited = count(
            &pool,
            "select count(*) from audit_events where action = 'webhook.refused'",
        )
        .await;
        if audited > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(audited > 0, "refused deliveries are audited");
    // A status that is not final is accepted and ignored.
    let pending = github_delivery(4244, "in_progress");
    let signed_pending = [
        ("x-hub-signature-256", signature(GITHUB_SECRET, &pending)),
        ("x-github-event", "deployment_status".to_owned()),
        ("x-github-delivery", "delivery-4".to_owned()),
    ];
    let ignored = webhook(&app, "github", &signed_pending, &pending).await;
    assert_eq!(ignored.status, 200, "{}", ignored.body);
    assert_eq!(ignored.json()["stored"], 0);

    // GitLab with its secret token; an unknown project is kept as unmatched.
    let gitlab_body = |project: &str, id: u64| {
        json!({"object_kind": "deployment", "status": "failed", "status_changed_at": "2026-11-30 10:00:00 +0100",
               "deployment_id": id, "environment": "production", "short_sha": "279484c0",
               "project": {"path_with_namespace": project}})
        .to_string()
    };
    let token = [("x-gitlab-token", GITLAB_SECRET.to_owned())];
    let gl = webhook(&app, "gitlab", &token, &gitlab_body("acme/slow-api", 15)).await;
    assert_eq!(gl.status, 200, "{}", gl.body);
    assert_eq!(gl.json()["stored"], 1);
    let unknown = webhook(&app, "gitlab", &token, &gitlab_body("acme/unknown", 16)).await;
    assert_eq!(unknown.json()["unmatched"], 1, "{}", unknown.body);
    let wrong = [("x-gitlab-token", "not-the-token-at-all-sorry".to_owned())];
    assert_eq!(
        webhook(&app, "gitlab", &wrong, &gitlab_body("acme/slow-api", 17))
            .await
            .status,
        401
    );
    let services: Vec<Option<String>> =
        sqlx::query_scalar("select service from delivery_deployments where source = 'gitlab' order by id")
            .fetch_all(&pool)
            .await
            .expect("gitlab");
    assert_eq!(services, [Some("component:default/slow-api".to_owned()), None]);

    // Removing the source refuses its sender from then on.
    let removed = common::with_token(
        &app,
        "DELETE",
        "/api/v1/webhook-sources/acme-gitlab",
        &admin,
        None,
    )
    .await;
    assert_eq!(removed.status, 204, "{}", removed.body);
    assert_eq!(
        webhook(&app, "gitlab", &token, &gitlab_body("acme/slow-api", 18))
            .await
            .status,
        401
    );
}

const READINESS: &str = r#"
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ready-api
  annotations: {pagerduty.com/service-id: PREADY, prometheus.io/alert: ready-api-slo}
  links: [{url: "https://runbooks.example.com/ready-api", title: Runbook}]
spec: {type: service, lifecycle: production, owner: fast-team}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: half-api
  annotations: {pagerduty.com/service-id: PHALF, parkway.io/runbook: "https://runbooks.example.com/half-api"}
spec: {type: service, lifecycle: production, owner: fast-team}
"#;

/// A tenant of fast-team requested `hours_to_active` hours before it became active,
/// its namespace applied to `prod-eu` (a cluster this server cannot read).
async fn active_tenant(pool: &PgPool, name: &str, hours_to_active: i64) {
    sqlx::query(
        "insert into tenants (name, team, business_unit, tier, environments, quotas, approver, tier_rule_version,
                              state, requested_by, asked_by, requested_at)
         values ($1, 'group:default/fast-team', 'group:default/fast-unit', 'internal', '{prod}', '{}', 'auto', 1,
                 'active', 'user:default/dev', 'user:default/dev', now() - make_interval(hours => $2::int))",
    )
    .bind(name)
    .bind(hours_to_active as i32)
    .execute(pool)
    .await
    .expect("tenant");
    sqlx::query(
        "insert into tenant_events (tenant, actor, from_state, to_state) values ($1, 'system:provisioner', 'provisioning', 'active')",
    )
    .bind(name)
    .execute(pool)
    .await
    .expect("event");
    sqlx::query(
        "insert into tenant_steps (tenant, cluster, position, op, kind, api_version, name, state)
         values ($1, 'prod-eu', 0, 'apply', 'Namespace', 'v1', $1, 'applied')",
    )
    .bind(name)
    .execute(pool)
    .await
    .expect("step");
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn governance_counts_ready_services_onboarding_lead_time_and_unreadable_namespaces(pool: PgPool) {
    let (app, _) = setup(&pool).await;
    let admin = common::service_token(&pool, Role::PlatformAdmin, &[Action::ImportCatalog]).await;
    let imported = send_text(&app, "/api/v1/catalog/import?source=readiness", &admin, READINESS).await;
    assert_eq!(imported.status, 201, "{}", imported.body);
    active_tenant(&pool, "fast-orders", 2).await;
    active_tenant(&pool, "fast-billing", 6).await;
    let cookie = common::session_cookie(&pool, &[Role::Developer]).await;

    let team = common::get(&app, "/scorecards/teams/fast-team", Some(&cookie)).await;
    assert_eq!(team.status, 200);
    // ready-api has all three; half-api has no alerting; fast-api and fast-web nothing.
    assert!(team.body.contains("1 of 4 services."), "{}", team.body);
    assert!(team.body.contains("25 %"), "readiness as a share");
    // Median of 2 h and 6 h.
    assert!(
        team.body
            .contains("Median over 2 tenants that became active in the last 30 days."),
        "{}",
        team.body
    );
    assert!(team.body.contains("4 hours"), "{}", team.body);
    // The namespaces live in a cluster this replica cannot read: said, not counted.
    assert!(
        team.body
            .contains("0 of 0 live tenant namespaces. 2 in clusters not readable now, not counted."),
        "{}",
        team.body
    );
    // The slow unit has none of it.
    let slow = common::get(&app, "/scorecards/units/slow-unit", Some(&cookie)).await;
    assert!(slow.body.contains("0 of 1 service."), "{}", slow.body);
    assert!(slow.body.contains("No tenant became active in the last 30 days."));
    // The enterprise counts every service.
    let enterprise = common::get(&app, "/scorecards", Some(&cookie)).await;
    assert!(
        enterprise.body.contains("1 of 5 services."),
        "{}",
        enterprise.body
    );
    // A service shows its own readiness; its workloads are attributed through teams.
    let service = common::get(&app, "/scorecards/services/ready-api", Some(&cookie)).await;
    assert!(service.body.contains("1 of 1 service."), "{}", service.body);
    assert!(service.body.contains("not to single services"));
}
