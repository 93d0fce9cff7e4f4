//! Two `parkway` processes on one database, as the Deployment in `deploy/` runs them:
//! a catalog import on one is searchable on the other within a second, a session made
//! on one works on the other, one replica at a time writes cluster snapshots (and the
//! other takes over when it stops), tenants approved through either are provisioned by
//! both with every object applied exactly once, and rate limits count per replica.

mod common;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use common::wire::{self, Response};
use parkway_core::identity::Role;
use parkway_demo_cluster::{DemoCluster, Store, kinds};
use sqlx::{
    ConnectOptions,
    postgres::{PgConnectOptions, PgPoolOptions},
};

const TEAMS: &str = "apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: checkout}
spec: {type: team, children: []}
";

fn probe(name: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  description: searchable on every replica\nspec:\n  type: service\n  lifecycle: production\n  owner: checkout\n"
    )
}

struct Replica {
    port: u16,
    child: wire::Running,
}

impl Replica {
    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A development sign-in on this replica; the session cookie it sets.
    fn sign_in(&self, user: &str) -> String {
        wire::dev_sign_in(self.port, user)
    }

    fn post_json(&self, path: &str, cookie: &str, body: &serde_json::Value) -> Response {
        let origin = self.origin();
        wire::request(
            "POST",
            self.port,
            path,
            &[
                ("Content-Type", "application/json"),
                ("Cookie", cookie),
                ("Origin", &origin),
            ],
            body.to_string().as_bytes(),
        )
        .expect("request")
    }

    /// `parkway_cluster_sync_leader` from `/metrics`.
    fn sync_leader(&self) -> Option<u8> {
        let metrics = wire::request("GET", self.port, "/metrics", &[], b"").ok()?;
        metrics
            .body
            .lines()
            .find(|l| l.starts_with("parkway_cluster_sync_leader"))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|v| v.parse().ok())
    }
}

fn start(url: &str, kubeconfig: &std::path::Path) -> Replica {
    let port = wire::free_port();
    let config = kubeconfig.to_string_lossy().into_owned();
    let child = wire::serve(
        url,
        port,
        &[
            ("PARKWAY_KUBECONFIG", &config),
            ("PARKWAY_DEV_SIGN_IN", "1"),
            ("PARKWAY_CLUSTER_SYNC_SECONDS", "1"),
            ("PARKWAY_PROVISION_BATCH", "2"),
            ("PARKWAY_PROVISION_RETRY_SECONDS", "0.1"),
            ("PARKWAY_RATE_LIMIT_SIGN_IN", "12"),
        ],
    );
    Replica { port, child }
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn two_replicas_on_one_database_act_as_one_portal(options: PgPoolOptions, connect: PgConnectOptions) {
    let url = connect.to_url_lossy().to_string();
    let pool = options.connect_with(connect).await.expect("pool");
    let admin = common::service_token(&pool, Role::PlatformAdmin, &[]).await;
    let bearer = format!("Bearer {admin}");
    let (dev_store, prod_store) = (Arc::new(Store::default()), Arc::new(Store::default()));
    let dev = DemoCluster::start(dev_store.clone()).await.expect("dev");
    let prod = DemoCluster::start(prod_store.clone()).await.expect("prod");
    let kubeconfig = wire::kubeconfig(&[("replicas-dev", &dev), ("replicas-prod", &prod)]);
    let mut a = start(&url, &kubeconfig);
    let mut b = start(&url, &kubeconfig);
    for replica in [&a, &b] {
        wire::wait_for(replica.port, "/readyz", 200, Duration::from_secs(90));
    }

    eprintln!("replicas: both replicas ready");
    // A catalog import through one replica is found by the other's search within a second.
    let imported = wire::request(
        "POST",
        a.port,
        "/api/v1/catalog/import?source=teams",
        &[("Authorization", &bearer), ("Content-Type", "application/yaml")],
        TEAMS.as_bytes(),
    )
    .expect("teams");
    assert_eq!(imported.status, 201, "{}", imported.body);
    let search = "/api/v1/catalog/entities?q=quokka-ledger";
    let found = |port| {
        let answer = wire::get(port, search, &[("Authorization", &bearer)]);
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.json()["items"]
            .as_array()
            .is_some_and(|items| items.iter().any(|i| i["name"] == "quokka-ledger"))
    };
    assert!(!found(b.port), "nothing to find yet");
    let imported = wire::request(
        "POST",
        a.port,
        "/api/v1/catalog/import?source=probe",
        &[("Authorization", &bearer), ("Content-Type", "application/yaml")],
        probe("quokka-ledger").as_bytes(),
    )
    .expect("import");
    assert_eq!(imported.status, 201, "{}", imported.body);
    let acknowledged = Instant::now();
    while !found(b.port) {
        assert!(
            acknowledged.elapsed() < Duration::from_secs(1),
            "replica B did not find what A imported within one second"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let seen_after = acknowledged.elapsed();

    eprintln!("replicas: catalog import seen on B");
    // A session made on A works on B (sessions live in Postgres, not in a process).
    let dana = a.sign_in("dana");
    let me = wire::get(b.port, "/api/v1/me", &[("Cookie", &dana)]);
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["handle"], "dana@demo.parkway.dev", "{}", me.body);
    let theo = b.sign_in("theo");

    eprintln!("replicas: session shared");
    // Tenants filed through B, approved through A; both replicas provision.
    let tenants: Vec<String> = (0..6).map(|i| format!("replica-{i}")).collect();
    for name in &tenants {
        let request = serde_json::json!({
            "name": name,
            "team": "group:default/checkout",
            "environments": ["dev", "prod"],
            "tier": "confidential",
            "quotas": {"cpu": "2", "memory": "2Gi", "pods": 20, "storage": "5Gi"},
            "justification": "two replicas"
        });
        let filed = b.post_json("/api/v1/tenants", &dana, &request);
        assert_eq!(filed.status, 201, "{}", filed.body);
        let approved = a.post_json(
            &format!("/api/v1/tenants/{name}/approve"),
            &theo,
            &serde_json::json!({}),
        );
        assert_eq!(approved.status, 200, "{}", approved.body);
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let states: Vec<String> = sqlx::query_scalar("select state from tenants where name like 'replica-%'")
            .fetch_all(&pool)
            .await
            .expect("states");
        if states.len() == tenants.len() && states.iter().all(|s| s == "active") {
            break;
        }
        assert!(Instant::now() < deadline, "not all active: {states:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let steps: Vec<(String, String, Option<String>, String)> =
        sqlx::query_as("select cluster, kind, namespace, name from tenant_steps where op = 'apply'")
            .fetch_all(&pool)
            .await
            .expect("steps");
    assert_eq!(
        steps.len(),
        tenants.len() * 2 * 8,
        "eight objects per tenant and environment"
    );
    for (cluster, kind, namespace, name) in &steps {
        let store = if cluster == "replicas-dev" {
            &dev_store
        } else {
            &prod_store
        };
        let index = kinds::KINDS
            .iter()
            .position(|k| k.kind == kind)
            .unwrap_or_else(|| panic!("{kind}"));
        assert_eq!(
            store.apply_requests(index, namespace.as_deref().unwrap_or_default(), name),
            1,
            "{cluster}: {kind} {namespace:?}/{name} applied exactly once"
        );
    }

    eprintln!("replicas: tenants active, each object applied once");
    // One replica writes snapshots; stopping it hands the lock to the other.
    let leaders = || (a.sync_leader().unwrap_or(0), b.sync_leader().unwrap_or(0));
    let deadline = Instant::now() + Duration::from_secs(30);
    while leaders().0 + leaders().1 != 1 {
        assert!(
            Instant::now() < deadline,
            "no single snapshot writer: {:?}",
            leaders()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    for _ in 0..10 {
        let (x, y) = leaders();
        assert!(x + y <= 1, "both replicas write snapshots at once");
        std::thread::sleep(Duration::from_millis(200));
    }
    let (leader, follower) = if a.sync_leader() == Some(1) {
        (&mut a, &b)
    } else {
        (&mut b, &a)
    };
    wire::terminate(&leader.child);
    leader.child.0.wait().expect("stopped");
    let deadline = Instant::now() + Duration::from_secs(30);
    while follower.sync_leader() != Some(1) {
        assert!(
            Instant::now() < deadline,
            "the other replica did not take the snapshot lock over"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    eprintln!("replicas: snapshot lock handed over");
    // Rate limits count per replica: the sign-in limit spent on one leaves the other's.
    let survivor = if a.child.0.try_wait().expect("a").is_none() {
        &a
    } else {
        &b
    };
    let restarted = start(&url, &kubeconfig);
    wire::wait_for(restarted.port, "/readyz", 200, Duration::from_secs(90));
    let mut limited = false;
    for _ in 0..20 {
        let answer = wire::get(survivor.port, "/auth/login", &[]);
        if answer.status == 429 {
            assert!(answer.header("retry-after").is_some());
            limited = true;
            break;
        }
    }
    assert!(limited, "the sign-in rate limit never answered 429");
    let other = wire::get(restarted.port, "/auth/login", &[]);
    assert_ne!(other.status, 429, "the other replica keeps its own count");

    drop((a, b, restarted));
    let _ = std::fs::remove_file(&kubeconfig);
    println!("import on A searchable on B after {seen_after:?}");
}
