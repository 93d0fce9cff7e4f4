//! Delivery events from where nobody sent them as matched: rollouts seen in a
//! production cluster's watch caches become deployments (source `cluster`) of the
//! component that runs them, only for components that send nothing themselves, once
//! per revision, never from other environments or from workloads the component's
//! team does not own; events kept as unmatched find their entity once the catalog
//! has it.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use parkway_core::{
    catalog,
    cluster::{CacheOptions, ClusterConfig, Clusters, Environment, Source},
    scorecards::{
        observed::{self, Observed},
        rematch,
        store::{self, Matched, NewDeployment, NewIncident},
    },
    types::scorecards::{DeploymentStatus, EventSource},
};
use parkway_demo_cluster::{DemoCluster, Store};
use serde_json::json;
use sqlx::PgPool;

const FAST: CacheOptions = CacheOptions {
    probe_every: Duration::from_millis(200),
    backoff_max: Duration::from_millis(500),
};

const CATALOG: &str = r#"
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-b}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: shop}
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: cart
  annotations: {backstage.io/kubernetes-id: cart-svc}
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: pay}
spec: {type: service, lifecycle: production, owner: team-b}
"#;

/// A Deployment at `revision` whose `Progressing` condition has `reason`.
fn deployment(namespace: &str, name: &str, revision: u32, reason: &str, at: &str) -> serde_json::Value {
    let status = if reason == "ProgressDeadlineExceeded" {
        "False"
    } else {
        "True"
    };
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace,
                     "labels": {"app.kubernetes.io/name": name},
                     "annotations": {"deployment.kubernetes.io/revision": revision.to_string()}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "app", "image": format!("registry.example.com/{name}:{revision}")}]}}},
        "status": {"replicas": 2, "readyReplicas": 2, "conditions": [
            {"type": "Progressing", "status": status, "reason": reason, "lastUpdateTime": at}]},
    })
}

fn cluster_objects(store: &Store) {
    for object in [
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a", "labels": {"parkway.io/team": "team-a"}}}),
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-b", "labels": {"parkway.io/team": "team-b"}}}),
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "sandbox"}}),
        deployment(
            "team-a",
            "shop",
            7,
            "NewReplicaSetAvailable",
            "2026-11-30T10:00:00Z",
        ),
        deployment(
            "team-a",
            "cart-svc",
            3,
            "ProgressDeadlineExceeded",
            "2026-11-30T11:00:00Z",
        ),
        // Still rolling out: nothing yet.
        deployment(
            "team-a",
            "shop-canary",
            2,
            "ReplicaSetUpdated",
            "2026-11-30T11:30:00Z",
        ),
        // Team B's service sends its own deployments.
        deployment(
            "team-b",
            "pay",
            9,
            "NewReplicaSetAvailable",
            "2026-11-30T12:00:00Z",
        ),
        // Named like team A's service, in nobody's namespace.
        deployment(
            "sandbox",
            "shop",
            1,
            "NewReplicaSetAvailable",
            "2026-11-30T12:30:00Z",
        ),
    ] {
        store.put(object).expect("stored");
    }
}

async fn cluster(
    pool: &PgPool,
    name: &str,
    environment: Environment,
    store: Arc<Store>,
) -> (DemoCluster, ClusterConfig) {
    let demo = DemoCluster::start(store).await.expect("starts");
    let config = ClusterConfig {
        name: name.into(),
        environment,
        demo: false,
        source: Source::Url(demo.url()),
    };
    parkway_core::cluster::snapshot::register(pool, std::slice::from_ref(&config))
        .await
        .expect("registers");
    (demo, config)
}

async fn cluster_rows(pool: &PgPool) -> Vec<(String, Option<String>, String, DateTime<Utc>)> {
    sqlx::query_as(
        "select id, service, status, finished_at from delivery_deployments where source = 'cluster' order by id",
    )
    .fetch_all(pool)
    .await
    .expect("reads")
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn production_rollouts_of_silent_services_become_deployments_once(pool: PgPool) {
    catalog::store::import(&pool, "shop.yaml", "shop.yaml", CATALOG, "system:test", None)
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    let mut conn = pool.acquire().await.expect("connects");
    let posted = NewDeployment {
        id: "ci-pay-1".into(),
        service: Some("component:default/pay".into()),
        service_given: "pay".into(),
        environment: "production".into(),
        status: DeploymentStatus::Success,
        started_at: None,
        finished_at: "2026-11-29T12:00:00Z".parse().expect("time"),
        sha: None,
        url: None,
        rework: false,
        changes: Vec::new(),
    };
    store::insert_deployments(&mut conn, EventSource::Api, &[posted], 86_400)
        .await
        .expect("stores");
    drop(conn);

    let prod_store = Arc::new(Store::default());
    cluster_objects(&prod_store);
    let stage_store = Arc::new(Store::default());
    cluster_objects(&stage_store);
    let (_prod, prod) = cluster(&pool, "prod-eu", Environment::Prod, prod_store.clone()).await;
    let (_stage, stage) = cluster(&pool, "stage-eu", Environment::Stage, stage_store).await;
    let clusters = Clusters::start(vec![prod, stage], FAST);
    for cache in clusters.all() {
        assert!(cache.wait_synced(Duration::from_secs(20)).await, "caches sync");
    }
    let now: DateTime<Utc> = "2026-12-01T00:00:00Z".parse().expect("time");

    let first = observed::observe(&pool, clusters.all(), now, 86_400)
        .await
        .expect("observes");
    assert_eq!(
        first,
        Observed {
            rollouts: 4,
            stored: 2
        },
        "four finished in production (one in a sandbox); stage is not production"
    );
    let rows = cluster_rows(&pool).await;
    let at = |s: &str| s.parse::<DateTime<Utc>>().expect("time");
    assert_eq!(
        rows,
        [
            (
                "cluster/prod-eu/team-a/cart-svc/3".to_owned(),
                Some("component:default/cart".to_owned()),
                "failure".to_owned(),
                at("2026-11-30T11:00:00Z")
            ),
            (
                "cluster/prod-eu/team-a/shop/7".to_owned(),
                Some("component:default/shop".to_owned()),
                "success".to_owned(),
                at("2026-11-30T10:00:00Z")
            ),
        ],
        "team B's pay sends its own; the sandbox `shop` is nobody's; the canary is still rolling out"
    );
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_events where actor = $1 and action = 'delivery.ingest'",
    )
    .bind(observed::ACTOR)
    .fetch_one(&pool)
    .await
    .expect("reads");
    assert_eq!(audited, 1);

    // Observing again changes nothing.
    let again = observed::observe(&pool, clusters.all(), now, 86_400)
        .await
        .expect("observes");
    assert_eq!(again.stored, 0);

    // A new revision becomes available: one more deployment.
    let before = clusters.all()[0].generation();
    prod_store
        .put(deployment(
            "team-a",
            "shop",
            8,
            "NewReplicaSetAvailable",
            "2026-11-30T15:00:00Z",
        ))
        .expect("stored");
    for _ in 0..100 {
        if clusters.all()[0].generation() != before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let third = observed::observe(&pool, clusters.all(), now, 86_400)
        .await
        .expect("observes");
    assert_eq!(third.stored, 1);
    let shop: Vec<String> = cluster_rows(&pool)
        .await
        .into_iter()
        .filter(|r| r.1.as_deref() == Some("component:default/shop"))
        .map(|r| r.0)
        .collect();
    assert_eq!(
        shop,
        ["cluster/prod-eu/team-a/shop/7", "cluster/prod-eu/team-a/shop/8"]
    );
    let dirty: i64 =
        sqlx::query_scalar("select count(*) from delivery_dirty where service = 'component:default/shop'")
            .fetch_one(&pool)
            .await
            .expect("reads");
    assert_eq!(
        dirty, 1,
        "the day of the successful rollouts is marked for the figures"
    );
}

const LATE: &str = r#"
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: late-api
  annotations: {github.com/project-slug: acme/late}
spec: {type: service, lifecycle: production, owner: team-a}
"#;

fn success(id: &str, given: &str, finished_at: &str) -> NewDeployment {
    NewDeployment {
        id: id.into(),
        service: None,
        service_given: given.into(),
        environment: "production".into(),
        status: DeploymentStatus::Success,
        started_at: None,
        finished_at: finished_at.parse().expect("time"),
        sha: None,
        url: None,
        rework: false,
        changes: Vec::new(),
    }
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn unmatched_events_find_their_entity_once_the_catalog_has_it(pool: PgPool) {
    let mut conn = pool.acquire().await.expect("connects");
    store::insert_deployments(
        &mut conn,
        EventSource::Api,
        &[success("ci-late-1", "late-api", "2026-11-30T10:00:00Z")],
        86_400,
    )
    .await
    .expect("stores");
    store::insert_deployments(
        &mut conn,
        EventSource::Github,
        &[success(
            "github:acme/late:7",
            "github:acme/late",
            "2026-11-30T14:00:00Z",
        )],
        86_400,
    )
    .await
    .expect("stores");
    let incident = NewIncident {
        id: "pd-late".into(),
        service: None,
        service_given: "component:default/late-api".into(),
        opened_at: "2026-11-30T15:00:00Z".parse().expect("time"),
        resolved_at: None,
        deployment: None,
        sha: None,
    };
    store::insert_incidents(&mut conn, EventSource::Api, &[incident], 86_400)
        .await
        .expect("stores");
    drop(conn);
    assert_eq!(
        rematch::rematch(&pool, 86_400).await.expect("rematches"),
        Matched::default(),
        "nothing in the catalog yet"
    );

    catalog::store::import(&pool, "late.yaml", "late.yaml", LATE, "system:test", None)
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    let matched = rematch::rematch(&pool, 86_400).await.expect("rematches");
    assert_eq!(
        matched,
        Matched {
            deployments: 2,
            incidents: 1
        }
    );
    let services: Vec<Option<String>> =
        sqlx::query_scalar("select service from delivery_deployments order by id")
            .fetch_all(&pool)
            .await
            .expect("reads");
    let late = Some("component:default/late-api".to_owned());
    assert_eq!(services, [late.clone(), late]);
    let (service, deployment, link): (Option<String>, Option<String>, Option<String>) =
        sqlx::query_as("select service, deployment, link from delivery_incidents where id = 'pd-late'")
            .fetch_one(&pool)
            .await
            .expect("reads");
    assert_eq!(service.as_deref(), Some("component:default/late-api"));
    assert_eq!(
        (deployment.as_deref(), link.as_deref()),
        (Some("github:acme/late:7"), Some("window")),
        "linked to the latest deployment before it opened"
    );
    let dirty: i64 = sqlx::query_scalar(
        "select count(*) from delivery_dirty where service = 'component:default/late-api'",
    )
    .fetch_one(&pool)
    .await
    .expect("reads");
    assert_eq!(dirty, 1, "the day they add is marked for the figures");
    let audited: i64 = sqlx::query_scalar("select count(*) from audit_events where actor = $1")
        .bind(rematch::ACTOR)
        .fetch_one(&pool)
        .await
        .expect("reads");
    assert_eq!(audited, 1);
    assert_eq!(
        rematch::rematch(&pool, 86_400).await.expect("rematches"),
        Matched::default(),
        "matched once"
    );
}
