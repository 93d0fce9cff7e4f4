//! Clusters through the HTTP surface: the REST API and the pages serve live cache data,
//! fall back to the snapshot (saying how old it is) while the demo endpoint is down,
//! and go live again when it returns, without restarting Parkway.

use std::{sync::Arc, time::Duration};

use axum::http::StatusCode;
use parkway_core::{
    cluster::{CacheOptions, ClusterConfig, Environment, Source},
    identity::Role,
};
use parkway_demo_cluster::{DemoCluster, Store, kinds, seed};
use serde_json::Value;
use sqlx::PgPool;

mod common;

const FAST: CacheOptions = CacheOptions {
    probe_every: Duration::from_millis(200),
    backoff_max: Duration::from_millis(500),
};

async fn eventually<F, Fut>(what: &str, mut check: F) -> Value
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<Value>>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(std::time::Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn pages_and_queries_serve_the_snapshot_while_a_cluster_is_down(pool: PgPool) {
    let store = Arc::new(Store::default());
    seed::populate(&store, "prod", 20).expect("seeds");
    let demo = DemoCluster::start(store.clone()).await.expect("starts");
    let config = ClusterConfig {
        name: "demo-prod".into(),
        environment: Environment::Prod,
        demo: true,
        source: Source::Url(demo.url()),
    };
    let running = parkway_server::clusters::start(&pool, vec![config], FAST, Duration::from_millis(100))
        .await
        .expect("clusters start");
    let app = common::app_with_clusters(
        pool.clone(),
        Duration::from_secs(10),
        &[],
        running.clusters.clone(),
    );
    let admin = common::session_cookie(&pool, &[Role::PlatformAdmin]).await;
    let get = |path: &'static str| {
        let (app, admin) = (app.clone(), admin.clone());
        async move { common::get(&app, path, Some(&admin)).await }
    };

    let clusters = eventually("the cluster is ready and synced", || async {
        let answer = get("/api/v1/clusters").await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let list = answer.json();
        (list[0]["status"] == "ready" && !list[0]["last_sync"].is_null()).then_some(list)
    })
    .await;
    assert_eq!(clusters[0]["name"], "demo-prod");
    assert_eq!(clusters[0]["environment"], "prod");
    assert_eq!(clusters[0]["demo"], true);
    assert_eq!(clusters[0]["api_version"], "v1.33.0-parkway-demo");

    let metrics = get("/metrics").await.body;
    assert!(
        metrics.contains("parkway_cluster_up{cluster=\"demo-prod\",state=\"ready\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("parkway_cluster_cached_objects{cluster=\"demo-prod\",kind=\"deployments\"}"));

    let live = get("/api/v1/clusters/demo-prod/workloads").await.json();
    assert_eq!(live["source"], "live");
    assert_eq!(live["workloads"].as_array().map(Vec::len), Some(22));
    let page = get("/admin/clusters/demo-prod").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Live from the watch caches."), "{}", page.body);
    assert!(page.body.contains("demo cluster"));
    assert!(page.body.contains("checkout-api"));

    demo.stop().await;
    let snapshot = eventually("queries fall back to the snapshot", || async {
        let body = get("/api/v1/clusters/demo-prod/workloads").await.json();
        (body["source"] == "snapshot").then_some(body)
    })
    .await;
    assert_eq!(snapshot["status"], "unreachable");
    assert!(snapshot["as_of"].is_string(), "{snapshot}");
    assert_eq!(
        snapshot["workloads"], live["workloads"],
        "the snapshot holds what the caches held"
    );
    let page = get("/admin/clusters/demo-prod").await;
    assert!(page.body.contains("The cluster is unreachable."), "{}", page.body);
    assert!(page.body.contains("Showing the snapshot of"), "{}", page.body);
    assert!(
        page.body.contains(" s ago)") || page.body.contains(" min ago)"),
        "the age is shown"
    );
    let list = get("/admin/clusters").await;
    assert!(list.body.contains("unreachable"), "{}", list.body);

    // The cluster changes while Parkway cannot see it…
    let deployments = kinds::find("apps", "v1", "deployments").expect("kind");
    store
        .modify(deployments, Some("checkout-prod"), "checkout-api", |d| {
            d["status"]["readyReplicas"] = 0.into()
        })
        .expect("changed");
    // …and when it returns, the caches catch up without restarting anything.
    demo.restart().await.expect("restarts");
    eventually("the caches resync", || async {
        let body = get("/api/v1/clusters/demo-prod/workloads").await.json();
        let ready = body["workloads"]
            .as_array()
            .and_then(|ws| ws.iter().find(|w| w["name"] == "checkout-api"))
            .map(|w| w["ready"].clone());
        (body["source"] == "live" && ready == Some(0.into())).then_some(body)
    })
    .await;
    eventually("the cluster reports ready again", || async {
        let list = get("/api/v1/clusters").await.json();
        (list[0]["status"] == "ready").then_some(list)
    })
    .await;
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn an_unknown_cluster_is_a_404_and_the_list_needs_the_grant(pool: PgPool) {
    let app = common::app(pool.clone(), Duration::from_secs(10));
    let admin = common::session_cookie(&pool, &[Role::PlatformAdmin]).await;
    let missing = common::get(&app, "/api/v1/clusters/nope/workloads", Some(&admin)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["error"]["message"], "no cluster named `nope`");
    let developer = common::session_cookie(&pool, &[Role::Developer]).await;
    let refused = common::get(&app, "/api/v1/clusters", Some(&developer)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("cluster.view")
    );
    let page = common::get(&app, "/admin/clusters/nope", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

/// The demo cluster's outage button: platform admins only, audited, and the cluster
/// really goes away and comes back.
#[cfg(feature = "demo-cluster")]
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_platform_admin_can_simulate_a_demo_cluster_outage(pool: PgPool) {
    use axum::{body::Body, http::Request};
    let store = Arc::new(Store::default());
    seed::populate(&store, "dev", 5).expect("seeds");
    let demo = Arc::new(DemoCluster::start(store).await.expect("starts"));
    let config = ClusterConfig {
        name: "demo-dev".into(),
        environment: Environment::Dev,
        demo: true,
        source: Source::Url(demo.url()),
    };
    let running = parkway_server::clusters::start(&pool, vec![config], FAST, Duration::from_millis(100))
        .await
        .expect("clusters start");
    let demos = parkway_server::clusters::DemoClusters {
        endpoints: vec![("demo-dev".into(), demo.clone())],
    };
    let app = common::app_with_demo(pool.clone(), running.clusters.clone(), demos);
    let post = |cookie: String, action: &'static str| {
        let app = app.clone();
        async move {
            common::send(
                &app,
                Request::post("/admin/clusters/demo-dev/outage")
                    .header("cookie", cookie)
                    .header("origin", common::ORIGIN)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from(format!("action={action}")))
                    .expect("request"),
            )
            .await
        }
    };
    let developer = common::session_cookie(&pool, &[Role::Developer]).await;
    assert_eq!(post(developer, "stop").await.status, StatusCode::FORBIDDEN);
    assert!(demo.is_running().await);
    let admin = common::session_cookie(&pool, &[Role::PlatformAdmin]).await;
    let stopped = post(admin.clone(), "stop").await;
    assert_eq!(stopped.status, StatusCode::SEE_OTHER, "{}", stopped.body);
    assert_eq!(stopped.header("location"), "/admin/clusters/demo-dev");
    assert!(!demo.is_running().await);
    assert_eq!(post(admin.clone(), "start").await.status, StatusCode::SEE_OTHER);
    assert!(demo.is_running().await);
    assert_eq!(post(admin, "explode").await.status, StatusCode::BAD_REQUEST);
    let audited =
        sqlx::query_scalar!("select count(*) as \"n!\" from audit_events where action like 'demo-cluster.%'")
            .fetch_one(&pool)
            .await
            .expect("counts");
    assert_eq!(audited, 2);
}
