//! The Runtime tab shows a team only its own: two teams own components with the same
//! `backstage.io/kubernetes-id`; each entity's Runtime tab and its team's roll-up count
//! only the workload in a namespace labelled for its owner team, live from the caches
//! and from the snapshot alike. A workload's own `parkway.io/team` label claims nothing.

use std::{sync::Arc, time::Duration};

use parkway_core::{
    Ctx, Services,
    catalog::{self, EntityRef},
    cluster::{
        CacheOptions, ClusterConfig, Clusters, Environment, Source, snapshot,
        sync::{SyncJob, SyncStatus},
    },
    identity::{Principal, PrincipalKind, Role},
    types::views::catalog::EntityView,
};
use parkway_demo_cluster::{DemoCluster, Store};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

const FAST: CacheOptions = CacheOptions {
    probe_every: Duration::from_millis(200),
    backoff_max: Duration::from_millis(500),
};

const CATALOG: &str = r#"
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: shop-unit}
spec: {type: business-unit, children: [team-a, team-b]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, parent: shop-unit, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-b}
spec: {type: team, parent: shop-unit, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: shop-a
  annotations: {backstage.io/kubernetes-id: shop}
spec: {type: service, lifecycle: production, owner: team-a}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: shop-b
  annotations: {backstage.io/kubernetes-id: shop}
spec: {type: service, lifecycle: production, owner: group:default/team-b}
"#;

fn namespace(name: &str, labels: serde_json::Value) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}})
}

/// A Deployment carrying the shared id, with `ready` of `replicas` ready.
fn deployment(
    namespace: &str,
    name: &str,
    labels: serde_json::Value,
    replicas: i32,
    ready: i32,
) -> serde_json::Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": labels,
                     "annotations": {"backstage.io/kubernetes-id": "shop"}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "app", "image": format!("registry.example.com/{name}:1")}]}}},
        "status": {"replicas": replicas, "readyReplicas": ready},
    })
}

fn cluster_objects(store: &Store) {
    for object in [
        namespace("team-a-prod", json!({"parkway.io/team": "team-a"})),
        namespace(
            "team-b-tenant",
            json!({"parkway.io/team": "team-b", "parkway.io/tenant": "shop-b"}),
        ),
        namespace("sandbox", json!({})),
        deployment("team-a-prod", "shop-a", json!({}), 3, 3),
        deployment("team-b-tenant", "shop-b", json!({}), 2, 1),
        // In team B's namespace, claiming team A by its own label: still team B's.
        deployment(
            "team-b-tenant",
            "impostor",
            json!({"parkway.io/team": "team-a"}),
            5,
            5,
        ),
        // Nobody's namespace: nobody's workload.
        deployment("sandbox", "stray", json!({"parkway.io/team": "team-a"}), 7, 7),
    ] {
        store.put(object).expect("stored");
    }
}

fn viewer() -> Principal {
    Principal {
        user_id: Uuid::new_v4(),
        kind: PrincipalKind::Person,
        handle: "dev".into(),
        display_name: "Dev".into(),
        roles: [Role::Developer].into_iter().collect(),
        scopes: None,
        groups: vec![],
        teams: vec![],
        token: None,
    }
}

fn ctx(pool: &PgPool, clusters: Clusters) -> Ctx {
    let services = Services::new(pool.clone(), clusters);
    Ctx::new(services, Some(viewer()), None)
}

async fn page(ctx: &Ctx, key: &str) -> EntityView {
    catalog::ops::entity_page(ctx, &EntityRef::parse_key(key).expect("key"))
        .await
        .expect("entity page")
}

/// `(namespace, name)` of every workload on the entity's Runtime tab.
fn runtime(view: &EntityView) -> Vec<(String, String)> {
    view.runtime
        .iter()
        .flat_map(|c| c.workloads.iter().map(|w| (w.namespace.clone(), w.name.clone())))
        .collect()
}

async fn check_each_team_sees_its_own(ctx: &Ctx, live: bool) {
    let a = page(ctx, "component:default/shop-a").await;
    assert_eq!(
        runtime(&a),
        [("team-a-prod".to_owned(), "shop-a".to_owned())],
        "live: {live}"
    );
    assert!(a.runtime.iter().all(|c| c.live == live));
    let b = page(ctx, "component:default/shop-b").await;
    assert_eq!(
        runtime(&b),
        [
            ("team-b-tenant".to_owned(), "impostor".to_owned()),
            ("team-b-tenant".to_owned(), "shop-b".to_owned())
        ],
        "a tenant namespace labelled for team B is team B's; live: {live}"
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn two_teams_with_the_same_kubernetes_id_each_see_only_their_own(pool: PgPool) {
    catalog::store::import(&pool, "shop.yaml", "shop.yaml", CATALOG, "system:test", None)
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    let store = Arc::new(Store::default());
    cluster_objects(&store);
    let demo = DemoCluster::start(store).await.expect("starts");
    let config = ClusterConfig {
        name: "prod".into(),
        environment: Environment::Prod,
        demo: false,
        source: Source::Url(demo.url()),
    };
    snapshot::register(&pool, std::slice::from_ref(&config))
        .await
        .expect("registers");
    let clusters = Clusters::start(vec![config], FAST);
    assert!(
        clusters.all()[0].wait_synced(Duration::from_secs(20)).await,
        "caches sync"
    );

    // Live, from the watch caches.
    check_each_team_sees_its_own(&ctx(&pool, clusters.clone()), true).await;

    // From the snapshot: a replica without the caches reads what the sync wrote.
    let job = SyncJob {
        pool: pool.clone(),
        clusters: clusters.clone(),
        every: Duration::from_millis(100),
        status: Arc::new(SyncStatus::default()),
    };
    assert_eq!(job.sync_once().await.inserted, 4);
    let snapshot_only = ctx(&pool, Clusters::default());
    check_each_team_sees_its_own(&snapshot_only, false).await;

    // The roll-ups count the same workloads: team A 3/3, team B 1/2 + 5/5.
    let team_a = page(&snapshot_only, "group:default/team-a").await;
    let rollup = team_a.rollup.expect("team A runs something");
    assert_eq!((rollup.ready, rollup.wanted), (3, 3), "{rollup:?}");
    assert_eq!(team_a.owned[0].replicas, Some((3, 3)));
    let team_b = page(&snapshot_only, "group:default/team-b").await;
    let rollup = team_b.rollup.expect("team B runs something");
    assert_eq!((rollup.ready, rollup.wanted), (6, 7), "{rollup:?}");
    let unit = page(&snapshot_only, "group:default/shop-unit").await;
    let per_team: Vec<(String, i64, i64)> = unit
        .teams
        .iter()
        .map(|t| (t.team.name.clone(), t.health.ready, t.health.wanted))
        .collect();
    assert_eq!(
        per_team,
        [("team-a".to_owned(), 3, 3), ("team-b".to_owned(), 6, 7)],
        "the business unit's per-team roll-up"
    );
    let rollup = unit.rollup.expect("the unit runs something");
    assert_eq!(
        (rollup.ready, rollup.wanted),
        (9, 10),
        "the stray in `sandbox` counts for nobody"
    );
}
