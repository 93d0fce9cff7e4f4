//! Tenant onboarding over HTTP (bad input answered precisely and writing nothing), and
//! the crash test: the real `parkway` binary provisions against demo Kubernetes
//! endpoints, is killed with SIGKILL part-way, starts again and finishes, with every
//! object applied exactly once and nothing a tenant does not own.

mod common;

use std::{
    collections::BTreeMap,
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use axum::http::StatusCode;
use k8s_openapi::api::{
    core::v1::{LimitRange, Namespace, ResourceQuota, ServiceAccount},
    networking::v1::NetworkPolicy,
    rbac::v1::RoleBinding,
};
use kube::{
    Api, Client, Resource, ResourceExt,
    api::{ListParams, ObjectMeta},
};
use parkway_core::{
    Ctx, Services,
    cluster::{CacheOptions, ClusterConfig, Clusters, Environment, Source},
    identity::{Principal, PrincipalKind, Role},
    onboarding::ops,
    types::{
        onboarding::{TenantEnvironment, TenantState},
        views::onboarding::{Decide, Quotas, TenantRequest},
    },
};
use parkway_demo_cluster::{DemoCluster, Store};
use serde::de::DeserializeOwned;
use sqlx::{
    ConnectOptions, PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};

const TEAMS: &str = "apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: payments}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: search}
spec: {type: team, children: []}
";

async fn seed_teams(pool: &PgPool) {
    parkway_core::catalog::store::import(pool, "teams", "teams.yaml", TEAMS, "system:test", None)
        .await
        .expect("teams");
}

fn dev_cluster() -> Clusters {
    Clusters::start(
        vec![ClusterConfig {
            name: "dev-never".into(),
            environment: Environment::Dev,
            demo: false,
            source: Source::Url("http://127.0.0.1:9".into()),
        }],
        CacheOptions::default(),
    )
}

async fn tenant_rows(pool: &PgPool) -> (i64, i64) {
    sqlx::query_as("select (select count(*) from tenants), (select count(*) from tenant_steps)")
        .fetch_one(pool)
        .await
        .expect("counts")
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn the_api_answers_bad_requests_precisely_and_writes_nothing(pool: PgPool) {
    seed_teams(&pool).await;
    let app = common::app_with_clusters(pool.clone(), Duration::from_secs(10), &[], dev_cluster());
    let dana = common::team_session_cookie(&pool, &[Role::Developer], &["payments"]).await;
    let post = |body: String| {
        let app = app.clone();
        let dana = dana.clone();
        async move {
            let request = axum::http::Request::post("/api/v1/tenants")
                .header("origin", common::ORIGIN)
                .header("cookie", dana)
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body))
                .expect("request");
            common::send(&app, request).await
        }
    };
    let valid = serde_json::json!({"name": "shop", "team": "group:default/payments", "environments": ["dev"],
        "tier": "internal", "quotas": {"cpu": "4", "memory": "8Gi", "pods": 50, "storage": "20Gi"}});
    let with = |patch: serde_json::Value| {
        let mut body = valid.clone();
        for (k, v) in patch.as_object().cloned().unwrap_or_default() {
            body[k] = v;
        }
        body.to_string()
    };

    // Every problem at once, each naming its field; the ceiling is named.
    let answer = post(with(serde_json::json!({"name": "Default", "tier": "restricted",
        "quotas": {"cpu": "64", "memory": "8Gi", "pods": 50, "storage": "20Gi"}})))
    .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
    let error = &answer.json()["error"];
    assert_eq!(error["code"], "invalid");
    let fields: Vec<&str> = error["problems"]
        .as_array()
        .map(|p| p.iter().filter_map(|x| x["field"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(fields, ["name", "quotas.cpu", "justification"], "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("at most 8"),
        "{error}"
    );

    // Wrong types and unknown fields are refused by the body's reader, naming the field.
    let answer = post(with(
        serde_json::json!({"quotas": {"cpu": "4", "memory": "8Gi", "pods": "fifty", "storage": "1Gi"}}),
    ))
    .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
    assert!(answer.body.contains("pods"), "{}", answer.body);
    let answer = post(with(serde_json::json!({"environments": ["qa"]}))).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
    let answer = post(with(serde_json::json!({"color": "blue"}))).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);

    // What Postgres cannot store, and quantities too large to compare, are refused too.
    let answer = post(with(
        serde_json::json!({"tier": "restricted", "justification": "nul \u{0} inside"}),
    ))
    .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
    assert_eq!(answer.json()["error"]["field"], "justification");
    let answer = post(with(serde_json::json!({"quotas": {"cpu": "999999999999999999.999999999P", "memory": "8Gi", "pods": 50, "storage": "20Gi"}}))).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
    assert!(answer.body.contains("too large"), "{}", answer.body);
    let answer = common::get(&app, "/api/v1/tenants/a%00b", Some(&dana)).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.body);

    // A team one is not in, or no team: 403 with the reason.
    let answer = post(with(serde_json::json!({"team": "group:default/search"}))).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    assert!(answer.body.contains("not a member"), "{}", answer.body);
    let answer = post(with(serde_json::json!({"team": "group:default/ghosts"}))).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    assert_eq!(tenant_rows(&pool).await, (0, 0), "nothing half-created");

    // Created (201), then taken (409).
    let answer = post(valid.to_string()).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let created = answer.json();
    assert_eq!(created["state"], "provisioning");
    assert_eq!(created["clusters"][0]["cluster"], "dev-never");
    assert!(
        created["clusters"][0]["yaml"]
            .as_str()
            .unwrap_or_default()
            .contains("kind: NetworkPolicy")
    );
    let answer = post(valid.to_string()).await;
    assert_eq!(answer.status, StatusCode::CONFLICT, "{}", answer.body);

    // Approving one's own or twice: the reasons come back with 403 and 409.
    let answer = common::get(&app, "/api/v1/tenants/shop", Some(&dana)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json()["steps_total"], 8);
    let answer = common::get(&app, "/api/v1/tenants/nope", Some(&dana)).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
}

fn serve(url: &str, kubeconfig: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_parkway"))
        .env("DATABASE_URL", url)
        .env("PARKWAY_KUBECONFIG", kubeconfig)
        .env("PARKWAY_LISTEN", "127.0.0.1:0")
        .env("PARKWAY_PROVISION_BATCH", "1")
        .env("PARKWAY_PROVISION_RETRY_SECONDS", "0.1")
        .env("PARKWAY_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("parkway starts")
}

fn person(handle: &str, role: Role) -> Principal {
    Principal {
        user_id: uuid::Uuid::new_v4(),
        kind: PrincipalKind::Person,
        handle: handle.into(),
        display_name: handle.into(),
        roles: [role].into_iter().collect(),
        scopes: None,
        groups: vec![],
        teams: vec!["payments".into()],
        token: None,
    }
}

async fn objects<K>(client: &Client) -> Vec<K>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope> + Clone + DeserializeOwned + std::fmt::Debug,
    K::DynamicType: Default,
{
    Api::<K>::all(client.clone())
        .list(&ListParams::default())
        .await
        .expect("list")
        .items
}

/// `(kind, namespace, name)` of every object labelled as a tenant's, after checking the
/// label names the namespace it lives in.
fn owned(kind: &str, metas: Vec<ObjectMeta>, into: &mut Vec<(String, String, String)>) {
    for m in metas {
        let tenant = m
            .labels
            .as_ref()
            .and_then(|l| l.get("parkway.io/tenant"))
            .cloned();
        let namespace = m.namespace.clone().unwrap_or_default();
        let Some(tenant) = tenant else { continue };
        let name = m.name.clone().unwrap_or_default();
        let home = if kind == "Namespace" {
            name.clone()
        } else {
            namespace.clone()
        };
        assert_eq!(
            tenant, home,
            "{kind} {namespace}/{name} lives where its tenant does"
        );
        into.push((kind.to_owned(), namespace, name));
    }
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_killed_server_resumes_and_every_object_exists_exactly_once(
    options: PgPoolOptions,
    connect: PgConnectOptions,
) {
    let url = connect.to_url_lossy().to_string();
    let pool = options.connect_with(connect).await.expect("pool");
    seed_teams(&pool).await;
    let dev = DemoCluster::start(Arc::new(Store::default())).await.expect("dev");
    let prod = DemoCluster::start(Arc::new(Store::default()))
        .await
        .expect("prod");
    let config = common::wire::kubeconfig(&[("crash-dev", &dev), ("crash-prod", &prod)]);

    // Requests filed and approved as people would, in this process (no worker here).
    let clusters = Clusters::start(
        [
            ("crash-dev", &dev, Environment::Dev),
            ("crash-prod", &prod, Environment::Prod),
        ]
        .into_iter()
        .map(|(name, demo, environment)| ClusterConfig {
            name: name.into(),
            environment,
            demo: false,
            source: Source::Url(demo.url()),
        })
        .collect(),
        CacheOptions::default(),
    );
    let services = Services::new(pool.clone(), clusters);
    let dana = Ctx::new(services.clone(), Some(person("dana", Role::Developer)), None);
    let theo = Ctx::new(services.clone(), Some(person("theo", Role::TeamOwner)), None);
    let tenants: Vec<String> = (0..12).map(|i| format!("crash-{i:02}")).collect();
    for name in &tenants {
        let request = TenantRequest {
            name: name.clone(),
            team: "group:default/payments".into(),
            environments: vec![TenantEnvironment::Dev, TenantEnvironment::Prod],
            tier: "confidential".into(),
            quotas: Quotas {
                cpu: "2".into(),
                memory: "2Gi".into(),
                pods: 20,
                storage: "5Gi".into(),
            },
            options: vec![],
            justification: Some("crash test".into()),
            system: None,
        };
        ops::request(&dana, &request).await.expect("filed");
        ops::approve(&theo, name, &Decide::default())
            .await
            .expect("approved");
    }
    let total: i64 = sqlx::query_scalar("select count(*) from tenant_steps")
        .fetch_one(&pool)
        .await
        .expect("total");
    assert_eq!(total, 12 * 2 * 8);

    // The binary provisions one step per round; it is killed after some are applied.
    let mut first = serve(&url, &config);
    let deadline = Instant::now() + Duration::from_secs(120);
    let applied_at_kill = loop {
        let applied: i64 = sqlx::query_scalar("select count(*) from tenant_steps where state = 'applied'")
            .fetch_one(&pool)
            .await
            .expect("applied");
        if applied >= 10 {
            first.kill().expect("SIGKILL");
            first.wait().expect("reaped");
            break applied;
        }
        assert!(
            Instant::now() < deadline,
            "the server applied nothing within 120 s"
        );
        assert!(
            first.try_wait().expect("alive?").is_none(),
            "the server stopped by itself"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let after_kill: i64 = sqlx::query_scalar("select count(*) from tenant_steps where state = 'applied'")
        .fetch_one(&pool)
        .await
        .expect("applied");
    assert!(
        after_kill < total,
        "killed part-way ({applied_at_kill} of {total} applied)"
    );

    // Started again, it finishes.
    let mut second = serve(&url, &config);
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let states: Vec<String> = sqlx::query_scalar("select state from tenants")
            .fetch_all(&pool)
            .await
            .expect("states");
        if states.iter().all(|s| s == TenantState::Active.as_str()) {
            break;
        }
        assert!(Instant::now() < deadline, "not all active: {states:?}");
        assert!(
            second.try_wait().expect("alive?").is_none(),
            "the server stopped by itself"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    second.kill().expect("stopped");
    second.wait().expect("reaped");
    let _ = std::fs::remove_file(&config);

    // Each cluster holds exactly the planned objects, each once, and nothing else
    // labelled as a tenant's.
    let mut planned: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
    let rows: Vec<(String, String, Option<String>, String)> =
        sqlx::query_as("select cluster, kind, namespace, name from tenant_steps where op = 'apply'")
            .fetch_all(&pool)
            .await
            .expect("steps");
    for (cluster, kind, namespace, name) in rows {
        planned
            .entry(cluster)
            .or_default()
            .push((kind, namespace.unwrap_or_default(), name));
    }
    for (cluster, demo) in [("crash-dev", &dev), ("crash-prod", &prod)] {
        let client = Client::try_from(kube::Config::new(demo.url().parse().expect("url"))).expect("client");
        let mut live = Vec::new();
        let namespaces = Api::<Namespace>::all(client.clone())
            .list(&ListParams::default())
            .await
            .expect("list")
            .items;
        owned(
            "Namespace",
            namespaces.into_iter().map(|n| n.metadata).collect(),
            &mut live,
        );
        owned(
            "ServiceAccount",
            objects::<ServiceAccount>(&client)
                .await
                .into_iter()
                .map(|o| o.metadata)
                .collect(),
            &mut live,
        );
        owned(
            "ResourceQuota",
            objects::<ResourceQuota>(&client)
                .await
                .into_iter()
                .map(|o| o.metadata)
                .collect(),
            &mut live,
        );
        owned(
            "LimitRange",
            objects::<LimitRange>(&client)
                .await
                .into_iter()
                .map(|o| o.metadata)
                .collect(),
            &mut live,
        );
        owned(
            "NetworkPolicy",
            objects::<NetworkPolicy>(&client)
                .await
                .into_iter()
                .map(|o| o.metadata)
                .collect(),
            &mut live,
        );
        owned(
            "RoleBinding",
            objects::<RoleBinding>(&client)
                .await
                .into_iter()
                .map(|o| o.metadata)
                .collect(),
            &mut live,
        );
        live.sort();
        let mut want = planned.remove(cluster).unwrap_or_default();
        want.sort();
        let before = live.len();
        live.dedup();
        assert_eq!(before, live.len(), "{cluster}: no object twice");
        assert_eq!(live, want, "{cluster}: exactly the planned objects");
        // Every object Parkway wrote is owned by its manager, not forced from another.
        let ns = Api::<Namespace>::all(client.clone())
            .get("crash-00")
            .await
            .expect("namespace");
        assert!(
            ns.managed_fields()
                .iter()
                .any(|m| m.manager.as_deref() == Some("parkway"))
        );
    }
}
