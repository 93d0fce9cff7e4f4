//! Caches over the demo endpoint, snapshots in a real Postgres, and the sync lock that
//! lets only one replica write them.

use std::{sync::Arc, time::Duration};

use parkway_core::cluster::{
    CacheOptions, ClusterConfig, Clusters, Environment, Source, snapshot,
    sync::{SyncJob, SyncStatus},
};
use parkway_demo_cluster::{DemoCluster, Store, kinds, seed};
use sqlx::{PgPool, postgres::PgPoolOptions};

const FAST: CacheOptions = CacheOptions {
    probe_every: Duration::from_millis(200),
    backoff_max: Duration::from_millis(500),
};

async fn demo_cluster(workloads: usize) -> (DemoCluster, Clusters) {
    let store = Arc::new(Store::default());
    seed::populate(&store, "dev", workloads).expect("seeds");
    let demo = DemoCluster::start(store).await.expect("starts");
    let config = ClusterConfig {
        name: "demo-dev".into(),
        environment: Environment::Dev,
        demo: true,
        source: Source::Url(demo.url()),
    };
    let clusters = Clusters::start(vec![config], FAST);
    assert!(
        clusters.all()[0].wait_synced(Duration::from_secs(20)).await,
        "caches sync"
    );
    (demo, clusters)
}

fn job(pool: &PgPool, clusters: &Clusters) -> SyncJob {
    SyncJob {
        pool: pool.clone(),
        clusters: clusters.clone(),
        every: Duration::from_millis(100),
        status: Arc::new(SyncStatus::default()),
    }
}

async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while !check() {
        assert!(std::time::Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_sync_writes_only_what_changed(pool: PgPool) {
    let (demo, clusters) = demo_cluster(40).await;
    snapshot::register(&pool, &clusters.configs())
        .await
        .expect("registers");
    let job = job(&pool, &clusters);

    let first = job.sync_once().await;
    assert_eq!(first.inserted, 42, "40 services and 2 DaemonSets");
    assert_eq!(first.history, 1);
    let unchanged = job.sync_once().await;
    assert_eq!(
        unchanged.rows(),
        0,
        "nothing changed, nothing written: {unchanged:?}"
    );

    let deployments = kinds::find("apps", "v1", "deployments").expect("kind");
    demo.store()
        .modify(deployments, Some("checkout-dev"), "checkout-api", |d| {
            d["status"]["readyReplicas"] = 0.into()
        })
        .expect("scaled down");
    let cache = clusters.all()[0].clone();
    eventually("the cache sees the change", || {
        cache
            .workloads()
            .iter()
            .any(|w| w.name == "checkout-api" && w.ready == 0)
    })
    .await;
    let changed = job.sync_once().await;
    assert_eq!(
        (
            changed.updated,
            changed.inserted,
            changed.deleted,
            changed.history
        ),
        (1, 0, 0, 1)
    );

    demo.store()
        .delete(deployments, Some("checkout-dev"), "checkout-api")
        .expect("deleted");
    eventually("the cache sees the deletion", || {
        !cache.workloads().iter().any(|w| w.name == "checkout-api")
    })
    .await;
    assert_eq!(job.sync_once().await.deleted, 1);

    let snap = snapshot::read(&pool, "demo-dev").await.expect("reads");
    assert_eq!(snap.workloads.len(), 41);
    assert!(snap.as_of.is_some());
    let record = snapshot::get(&pool, "demo-dev")
        .await
        .expect("reads")
        .expect("registered");
    assert_eq!(record.api_version.as_deref(), Some("v1.33.0-parkway-demo"));
    assert_eq!(
        snapshot::history(&pool, "demo-dev", 10)
            .await
            .expect("reads")
            .len(),
        3
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn an_unreachable_cluster_keeps_its_snapshot_and_records_why(pool: PgPool) {
    let (demo, clusters) = demo_cluster(10).await;
    snapshot::register(&pool, &clusters.configs())
        .await
        .expect("registers");
    let job = job(&pool, &clusters);
    job.sync_once().await;
    demo.stop().await;
    let cache = clusters.all()[0].clone();
    eventually("the probe notices", || !cache.status().state.serves_live()).await;
    assert_eq!(job.sync_once().await.rows(), 0);
    let snap = snapshot::read(&pool, "demo-dev").await.expect("reads");
    assert_eq!(snap.workloads.len(), 12, "the snapshot survives the outage");
    let record = snapshot::get(&pool, "demo-dev")
        .await
        .expect("reads")
        .expect("registered");
    assert!(record.last_error.is_some(), "{record:?}");
}

/// Two replicas against one database: one syncs, the other waits; when the first
/// stops, the second takes over.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn only_one_replica_syncs_at_a_time(pool: PgPool) {
    let (_demo, clusters) = demo_cluster(10).await;
    snapshot::register(&pool, &clusters.configs())
        .await
        .expect("registers");
    let other_pool = PgPoolOptions::new()
        .max_connections(3)
        .connect_with((*pool.connect_options()).clone())
        .await
        .expect("second replica's pool");
    let (a, b) = (job(&pool, &clusters), job(&other_pool, &clusters));
    let (status_a, status_b) = (a.status.clone(), b.status.clone());
    let task_a = tokio::spawn(a.run());
    let task_b = tokio::spawn(b.run());
    eventually("one replica leads", || {
        status_a.is_leader() || status_b.is_leader()
    })
    .await;
    for _ in 0..20 {
        assert!(status_a.is_leader() != status_b.is_leader(), "exactly one leader");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (leader, follower, leader_task, follower_task) = if status_a.is_leader() {
        (status_a, status_b, task_a, task_b)
    } else {
        (status_b, status_a, task_b, task_a)
    };
    assert!(leader.runs() >= 2, "the leader syncs");
    assert_eq!(follower.runs(), 0, "the follower never synced");
    leader_task.abort();
    let _ = leader_task.await;
    eventually("the follower takes over", || {
        follower.is_leader() && follower.runs() > 0
    })
    .await;
    follower_task.abort();
}
