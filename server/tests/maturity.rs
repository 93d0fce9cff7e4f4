//! Maturity scorecards through the real API into a real Postgres: a definition
//! refused whole with every problem named, levels as the highest whose rules and all
//! lower ones pass, every evaluation stored, exemptions with approver and expiry.

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
metadata: {name: rated-team}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ready-api
  annotations: {pagerduty.com/service-id: PREADY}
spec: {type: service, lifecycle: production, owner: rated-team}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: bare-api}
spec: {type: service, lifecycle: production, owner: rated-team}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: site}
spec: {type: website, lifecycle: production, owner: rated-team}
"#;

const SCORECARD: &str = r#"
title: Production readiness
score: true
applies_to: {type: service}
rules:
  - id: owner
    title: Has an owning team
    level: Bronze
    fact: catalog.owner
    check: present
    rationale: Someone answers for it.
    remediation: https://wiki.example.com/owner
  - id: on-call
    title: Names an on-call
    level: Silver
    fact: catalog.on_call
    check: present
    rationale: Pages must reach a person.
    remediation: https://wiki.example.com/on-call
  - id: deploys
    title: Deploys to production
    level: Gold
    fact: dora.deployments
    check: {at_least: 1}
    rationale: Shipping is the point.
    remediation: https://wiki.example.com/delivery
"#;

async fn send(
    app: &axum::Router,
    method: &str,
    path: &str,
    token: &str,
    media: &str,
    body: &str,
) -> common::Answer {
    let request = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", media)
        .body(axum::body::Body::from(body.to_owned()))
        .expect("request");
    common::send(app, request).await
}

fn level_of(detail: &Value, entity: &str) -> Option<String> {
    detail["ratings"]
        .as_array()
        .expect("ratings")
        .iter()
        .find(|r| r["entity"] == entity)
        .map(|r| r["level"].as_str().unwrap_or("none").to_owned())
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn scorecards_rate_components_store_every_evaluation_and_honour_exemptions(pool: PgPool) {
    let app = common::app(pool.clone(), Duration::from_secs(30));
    let admin = common::service_token(
        &pool,
        Role::PlatformAdmin,
        &[Action::ImportCatalog, Action::WriteEvents],
    )
    .await;
    let imported = send(
        &app,
        "POST",
        "/api/v1/catalog/import?source=maturity",
        &admin,
        "application/yaml",
        CATALOG,
    )
    .await;
    assert_eq!(imported.status, 201, "{}", imported.body);
    let editor = common::service_token(&pool, Role::CoeEditor, &[]).await;
    let developer = common::service_token(&pool, Role::Developer, &[]).await;
    let approver = common::service_token(&pool, Role::SecurityApprover, &[]).await;

    // A definition with problems is refused whole, each problem at its field.
    let bad = SCORECARD
        .replace("level: Silver", "level: Platinum")
        .replace("check: {at_least: 1}", "check: {equals: often}");
    let refused = send(
        &app,
        "PUT",
        "/api/v1/maturity/scorecards/readiness",
        &editor,
        "application/yaml",
        &bad,
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let problems = refused.json()["error"]["problems"].to_string();
    assert!(problems.contains("rules[1].level"), "{problems}");
    assert!(problems.contains("rules[2].check"), "{problems}");
    let saved: i64 = sqlx::query_scalar("select count(*) from maturity_scorecards")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(saved, 0, "nothing saved");
    // Only CoE editors (and platform admins) define scorecards.
    let denied = send(
        &app,
        "PUT",
        "/api/v1/maturity/scorecards/readiness",
        &developer,
        "application/yaml",
        SCORECARD,
    )
    .await;
    assert_eq!(denied.status, 403);

    // Saved, then evaluated at once.
    let put = send(
        &app,
        "PUT",
        "/api/v1/maturity/scorecards/readiness",
        &editor,
        "application/yaml",
        SCORECARD,
    )
    .await;
    assert_eq!(put.status, 200, "{}", put.body);
    let detail = put.json();
    assert_eq!(
        level_of(&detail, "component:default/ready-api").as_deref(),
        Some("Silver")
    );
    assert_eq!(
        level_of(&detail, "component:default/bare-api").as_deref(),
        Some("Bronze")
    );
    assert_eq!(
        level_of(&detail, "component:default/site"),
        None,
        "websites are not rated"
    );
    let ready = detail["ratings"]
        .as_array()
        .expect("ratings")
        .iter()
        .find(|r| r["entity"] == "component:default/ready-api")
        .expect("ready-api")
        .clone();
    assert_eq!(ready["score"], 67, "2 of 3 rules: {ready}");
    assert_eq!(ready["failing"], json!(["deploys"]));

    // A deployment lifts ready-api to Gold at the next evaluation.
    let finished = (Utc::now() - Span::hours(2)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let events = json!({"events": [{"id": "d1", "service": "ready-api", "environment": "production", "status": "success", "finished_at": finished}]});
    let posted = common::with_token(
        &app,
        "POST",
        "/api/v1/events/deployments",
        &admin,
        Some(&events.to_string()),
    )
    .await;
    assert_eq!(posted.status, 200, "{}", posted.body);
    refresh::refresh(&pool, Utc::now()).await.expect("refresh");
    let run = common::with_token(
        &app,
        "POST",
        "/api/v1/maturity/scorecards/readiness/evaluate",
        &editor,
        None,
    )
    .await;
    assert_eq!(run.status, 200, "{}", run.body);
    assert_eq!(run.json()["components"], 2);
    let shown = common::with_token(
        &app,
        "GET",
        "/api/v1/maturity/scorecards/readiness",
        &developer,
        None,
    )
    .await;
    assert_eq!(
        level_of(&shown.json(), "component:default/ready-api").as_deref(),
        Some("Gold")
    );

    // Every evaluation is kept: two runs of three rules for two services.
    let history = common::with_token(
        &app,
        "GET",
        "/api/v1/maturity/evaluations?entity=bare-api",
        &developer,
        None,
    )
    .await;
    assert_eq!(history.status, 200, "{}", history.body);
    let rows = history.json();
    assert_eq!(rows.as_array().map(Vec::len), Some(6), "{rows}");
    let on_call = rows
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["rule"] == "on-call")
        .expect("on-call row");
    assert_eq!(on_call["value"], false);
    assert_eq!(on_call["passed"], false);

    // Exemptions: an approver records one with an expiry; developers cannot.
    let expires = (Utc::now() + Span::days(30)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let exemption = json!({"scorecard": "readiness", "rule": "on-call", "entity": "bare-api", "reason": "pager rota starts next month", "expires_at": expires});
    let refused = common::with_token(
        &app,
        "POST",
        "/api/v1/maturity/exemptions",
        &developer,
        Some(&exemption.to_string()),
    )
    .await;
    assert_eq!(refused.status, 403);
    let past = json!({"scorecard": "readiness", "rule": "on-call", "entity": "bare-api", "reason": "x", "expires_at": "2020-01-01T00:00:00Z"});
    let stale = common::with_token(
        &app,
        "POST",
        "/api/v1/maturity/exemptions",
        &approver,
        Some(&past.to_string()),
    )
    .await;
    assert_eq!(stale.status, 422, "{}", stale.body);
    assert!(stale.body.contains("expires_at"), "{}", stale.body);
    let granted = common::with_token(
        &app,
        "POST",
        "/api/v1/maturity/exemptions",
        &approver,
        Some(&exemption.to_string()),
    )
    .await;
    assert_eq!(granted.status, 201, "{}", granted.body);
    assert!(
        granted.json()["approved_by"]
            .as_str()
            .unwrap_or_default()
            .starts_with("service:")
    );
    let shown = common::with_token(
        &app,
        "GET",
        "/api/v1/maturity/scorecards/readiness",
        &developer,
        None,
    )
    .await;
    // The on-call rule no longer holds bare-api back; it has no deployments for Gold.
    assert_eq!(
        level_of(&shown.json(), "component:default/bare-api").as_deref(),
        Some("Silver")
    );
    let id = granted.json()["id"].as_i64().expect("id");
    let revoked = common::with_token(
        &app,
        "DELETE",
        &format!("/api/v1/maturity/exemptions/{id}"),
        &approver,
        None,
    )
    .await;
    assert_eq!(revoked.status, 204, "{}", revoked.body);
    let shown = common::with_token(
        &app,
        "GET",
        "/api/v1/maturity/scorecards/readiness",
        &developer,
        None,
    )
    .await;
    assert_eq!(
        level_of(&shown.json(), "component:default/bare-api").as_deref(),
        Some("Bronze")
    );
    let again = common::with_token(
        &app,
        "DELETE",
        &format!("/api/v1/maturity/exemptions/{id}"),
        &approver,
        None,
    )
    .await;
    assert_eq!(again.status, 404);

    // The page's tables download as CSV: every rated component, the exemption (revoked).
    let export = |table: &'static str| {
        let app = app.clone();
        let developer = developer.clone();
        async move {
            let path = format!("/api/v1/maturity/scorecards/readiness/export?table={table}");
            common::with_token(&app, "GET", &path, &developer, None).await
        }
    };
    let ratings = export("ratings").await;
    assert_eq!(ratings.status, 200, "{}", ratings.body);
    let rated = shown.json()["ratings"].as_array().expect("ratings").len();
    assert_eq!(
        ratings.body.split("\r\n").filter(|l| !l.is_empty()).count(),
        rated + 1
    );
    assert!(
        ratings
            .body
            .starts_with("entity,title,owner,level,score,failing_rules\r\n")
    );
    assert!(
        ratings.body.contains("component:default/bare-api,"),
        "{}",
        ratings.body
    );
    let exemptions = export("exemptions").await;
    assert_eq!(exemptions.status, 200, "{}", exemptions.body);
    assert!(
        exemptions
            .body
            .contains(&format!("\r\n{id},on-call,component:default/bare-api,")),
        "{}",
        exemptions.body
    );
    assert!(
        exemptions.body.contains(",false,"),
        "revoked: no longer in force: {}",
        exemptions.body
    );
    assert_eq!(export("rules").await.status, 200);
    assert_eq!(export("history").await.status, 400);
    let missing = common::with_token(
        &app,
        "GET",
        "/api/v1/maturity/scorecards/nope/export?table=rules",
        &developer,
        None,
    )
    .await;
    assert_eq!(missing.status, 404);

    // Audited: the save, the evaluation, the exemption and its revocation.
    let actions: Vec<String> =
        sqlx::query_scalar("select action from audit_events where action like 'maturity.%' order by id")
            .fetch_all(&pool)
            .await
            .expect("audit");
    assert_eq!(
        actions,
        [
            "maturity.save",
            "maturity.evaluate",
            "maturity.exempt",
            "maturity.revoke-exemption"
        ]
    );

    // A retired scorecard is no longer listed; its history stays.
    let retired = common::with_token(
        &app,
        "DELETE",
        "/api/v1/maturity/scorecards/readiness",
        &editor,
        None,
    )
    .await;
    assert_eq!(retired.status, 204);
    let list = common::with_token(&app, "GET", "/api/v1/maturity/scorecards", &developer, None).await;
    assert_eq!(list.json(), json!([]));
    let kept = common::with_token(
        &app,
        "GET",
        "/api/v1/maturity/evaluations?scorecard=readiness&limit=5000",
        &developer,
        None,
    )
    .await;
    assert!(kept.json().as_array().map(Vec::len).unwrap_or_default() >= 12);
}

/// At the scale of a real catalog the scorecard's page shows one page of components
/// at a time, in the same lowest-level-first order, and says how many there are.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_scorecards_page_pages_its_components(pool: PgPool) {
    let app = common::app(pool.clone(), Duration::from_secs(30));
    let admin = common::service_token(&pool, Role::PlatformAdmin, &[Action::ImportCatalog]).await;
    let mut catalog = String::from(
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: rated-team}\nspec: {type: team, children: []}\n",
    );
    for i in 0..230 {
        // Every third one names an on-call, so two levels share the list.
        let on_call = if i % 3 == 0 {
            ", annotations: {pagerduty.com/service-id: P1}"
        } else {
            ""
        };
        catalog.push_str(&format!(
            "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: svc-{i:03}{on_call}}}\nspec: {{type: service, lifecycle: production, owner: rated-team}}\n"
        ));
    }
    let imported = send(
        &app,
        "POST",
        "/api/v1/catalog/import?source=paging",
        &admin,
        "application/yaml",
        &catalog,
    )
    .await;
    assert_eq!(imported.status, 201, "{}", imported.body);
    let editor = common::service_token(&pool, Role::CoeEditor, &[]).await;
    let two_levels = SCORECARD.split("  - id: deploys").next().unwrap_or_default();
    let saved = send(
        &app,
        "PUT",
        "/api/v1/maturity/scorecards/readiness",
        &editor,
        "application/yaml",
        two_levels,
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let cookie = common::session_cookie(&pool, &[Role::Developer]).await;
    let page = |from: usize| {
        let (app, cookie) = (app.clone(), cookie.clone());
        async move {
            let answer = common::get(
                &app,
                &format!("/fn/maturity_page?id=readiness&from={from}"),
                Some(&cookie),
            )
            .await;
            assert_eq!(answer.status, 200, "{}", answer.body);
            answer.json()
        }
    };
    let names = |p: &Value| -> Vec<String> {
        p["detail"]["ratings"]
            .as_array()
            .map(|r| {
                r.iter()
                    .map(|r| r["entity"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let first = page(0).await;
    assert_eq!(first["ratings_total"], 230);
    assert_eq!(first["ratings_from"], 0);
    let first_names = names(&first);
    assert_eq!(first_names.len(), 100);
    // Lowest level first: the 153 without an on-call hold Bronze and lead.
    assert_eq!(first["detail"]["ratings"][0]["level"], "Bronze");
    let second_page = page(100).await;
    assert_eq!(second_page["detail"]["ratings"][52]["level"], "Bronze");
    // No rule is at Gold, so passing Silver's holds Gold too.
    assert_eq!(second_page["detail"]["ratings"][53]["level"], "Gold");
    let second = names(&second_page);
    let last = page(200).await;
    assert_eq!(last["ratings_from"], 200);
    let last_names = names(&last);
    assert_eq!((second.len(), last_names.len()), (100, 30));
    let mut all: Vec<String> = first_names.into_iter().chain(second).chain(last_names).collect();
    let shown = all.clone();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 230, "every component once across the pages");
    assert_eq!(
        shown.first().map(String::as_str),
        Some("component:default/svc-001")
    );
    let beyond = page(5_000).await;
    assert_eq!(
        (names(&beyond).len(), beyond["ratings_total"].clone()),
        (0, json!(230))
    );
}
