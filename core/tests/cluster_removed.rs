//! A cluster no longer configured goes away: run with a demo cluster, "restart" with
//! another configuration (the start-up registration the server runs), and nothing of
//! the demo shows in the clusters list, a cluster page, an entity's Runtime tab or a
//! business unit's roll-up, while its snapshot rows are kept, marked removed. The
//! outage simulation refuses it. Configured again, it comes back.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use parkway_core::{
    Ctx, Services,
    catalog::{self, EntityRef},
    cluster::{
        CacheOptions, ClusterConfig, ClusterError, Clusters, Environment, Source,
        ops::{self, DemoControl},
        snapshot,
        sync::{SyncJob, SyncStatus},
    },
    identity::{Principal, PrincipalKind, Role},
};
use parkway_demo_cluster::{DemoCluster, Store, seed};
use sqlx::PgPool;
use uuid::Uuid;

const FAST: CacheOptions = CacheOptions {
    probe_every: Duration::from_millis(200),
    backoff_max: Duration::from_millis(500),
};

fn admin() -> Principal {
    Principal {
        user_id: Uuid::new_v4(),
        kind: PrincipalKind::Person,
        handle: "root".into(),
        display_name: "Root".into(),
        roles: [Role::PlatformAdmin].into_iter().collect(),
        scopes: None,
        groups: vec![],
        teams: vec![],
        token: None,
    }
}

fn ctx(pool: &PgPool, clusters: &Clusters) -> Ctx {
    let services = Services::new(pool.clone(), clusters.clone());
    Ctx::new(services, Some(admin()), Some("req-removed".into()))
}

/// Records what it is asked and says every name is a running demo endpoint, so only
/// the operation's own check can refuse.
#[derive(Default)]
struct Recorder(Mutex<Vec<(String, bool)>>);

impl DemoControl for Recorder {
    async fn set_running(&self, name: &str, running: bool) -> Result<bool, String> {
        self.0.lock().expect("lock").push((name.to_owned(), running));
        Ok(true)
    }
}

async fn import_demo_catalog(pool: &PgPool) {
    use parkway_demo_cluster::catalog::{DEMO_SERVICES, files};
    for (path, text) in files(DEMO_SERVICES) {
        catalog::store::import(pool, &path, &path, &text, "system:test", None)
            .await
            .unwrap_or_else(|err| panic!("{err}"));
    }
}

fn entity(key: &str) -> EntityRef {
    EntityRef::parse_key(key).expect("a key")
}

async fn cluster_names(ctx: &Ctx) -> Vec<String> {
    ops::list(ctx)
        .await
        .expect("lists")
        .into_iter()
        .map(|c| c.name)
        .collect()
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_cluster_no_longer_configured_disappears_but_its_snapshot_is_kept(pool: PgPool) {
    import_demo_catalog(&pool).await;

    // First run: the demo cluster, synced once.
    let store = Arc::new(Store::default());
    seed::populate(&store, "prod", 30).expect("seeds");
    let demo = Arc::new(DemoCluster::start(store).await.expect("starts"));
    let demo_config = ClusterConfig {
        name: "demo-prod".into(),
        environment: Environment::Prod,
        demo: true,
        source: Source::Url(demo.url()),
    };
    snapshot::register(&pool, std::slice::from_ref(&demo_config))
        .await
        .expect("registers");
    let first = Clusters::start(vec![demo_config.clone()], FAST);
    assert!(
        first.all()[0].wait_synced(Duration::from_secs(20)).await,
        "caches sync"
    );
    let job = SyncJob {
        pool: pool.clone(),
        clusters: first.clone(),
        every: Duration::from_millis(100),
        status: Arc::new(SyncStatus::default()),
    };
    assert_eq!(job.sync_once().await.inserted, 32, "30 services and 2 DaemonSets");
    let before = ctx(&pool, &first);
    assert_eq!(cluster_names(&before).await, ["demo-prod"]);
    let checkout = entity("component:default/checkout-api");
    let page = catalog::ops::entity_page(&before, &checkout)
        .await
        .expect("entity page");
    assert_eq!(
        page.runtime.len(),
        1,
        "runs on the demo cluster: {:?}",
        page.runtime
    );
    let payments = entity("group:default/payments");
    let unit = catalog::ops::entity_page(&before, &payments)
        .await
        .expect("unit page");
    let rollup = unit.rollup.expect("the unit runs things");
    assert!(rollup.wanted > 0, "{rollup:?}");

    // Restart with another configuration: the demo endpoint and caches are gone.
    drop(job);
    drop(before);
    drop(first);
    demo.stop().await;
    let other = ClusterConfig {
        name: "eu-prod".into(),
        environment: Environment::Prod,
        demo: false,
        source: Source::Url("http://127.0.0.1:9".into()),
    };
    snapshot::register(&pool, std::slice::from_ref(&other))
        .await
        .expect("registers");
    let second = Clusters::start(vec![other.clone()], FAST);
    let after = ctx(&pool, &second);

    assert_eq!(cluster_names(&after).await, ["eu-prod"], "the clusters list");
    assert!(
        matches!(
            ops::workloads(&after, "demo-prod").await,
            Err(ClusterError::UnknownCluster(name)) if name == "demo-prod"
        ),
        "the cluster page is a 404, so it offers no outage button"
    );
    let page = catalog::ops::entity_page(&after, &checkout)
        .await
        .expect("entity page");
    assert!(page.runtime.is_empty(), "the Runtime tab: {:?}", page.runtime);
    let unit = catalog::ops::entity_page(&after, &payments)
        .await
        .expect("unit page");
    let rollup = unit.rollup.expect("the unit still owns things");
    assert_eq!(
        (rollup.ready, rollup.wanted, rollup.not_running),
        (0, 0, rollup.entities),
        "the business unit's roll-up: {rollup:?}"
    );
    assert!(
        unit.teams
            .iter()
            .all(|t| t.health.wanted == 0 && t.health.not_running == t.health.entities),
        "per team too: {:?}",
        unit.teams
    );

    let control = Recorder::default();
    let refused = ops::simulate_outage(&after, &control, "demo-prod", "stop").await;
    assert!(
        matches!(refused, Err(ClusterError::UnknownCluster(ref name)) if name == "demo-prod"),
        "{refused:?}"
    );
    let unknown = ops::simulate_outage(&after, &control, "nowhere", "start").await;
    assert!(
        matches!(unknown, Err(ClusterError::UnknownCluster(_))),
        "{unknown:?}"
    );
    let not_demo = ops::simulate_outage(&after, &control, "eu-prod", "stop").await;
    assert!(matches!(not_demo, Err(ClusterError::NotDemo(_))), "{not_demo:?}");
    assert!(
        control.0.lock().expect("lock").is_empty(),
        "no endpoint was asked to stop or start"
    );

    // The snapshot is kept, marked removed.
    let kept: i64 = sqlx::query_scalar("select count(*) from cluster_workloads where cluster = 'demo-prod'")
        .fetch_one(&pool)
        .await
        .expect("counts");
    assert_eq!(kept, 32, "the snapshot rows stay for the record");
    let removed = snapshot::removed(&pool).await.expect("lists");
    assert_eq!(
        removed.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["demo-prod"]
    );

    // Configured again, it is back (with its old snapshot until the next sync).
    snapshot::register(&pool, &[demo_config, other])
        .await
        .expect("registers");
    assert!(snapshot::removed(&pool).await.expect("lists").is_empty());
    assert!(snapshot::get(&pool, "demo-prod").await.expect("reads").is_some());
}
