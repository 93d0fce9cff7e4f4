//! Shared set-up for the server's integration tests: the real router over a real
//! database, and callers with chosen roles.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::{sync::Arc, time::Duration};

use axum::{
    Router,
    body::Body,
    http::{HeaderMap, Request, StatusCode},
};
use clap::Parser;
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use parkway_core::cluster::{Clusters, sync::SyncStatus};
use parkway_core::identity::{
    Action, Role, role_mappings, sessions,
    tokens::{self, NewToken, Owner},
    users::{self, Identity},
};
use parkway_server::{
    auth::AuthSettings, clusters::DemoClusters, config::Cli, metrics::Metrics, router, state::AppState,
};
use sqlx::PgPool;
use tower::ServiceExt;

/// The origin the default settings consider Parkway's own.
pub const ORIGIN: &str = "http://127.0.0.1:3000";

/// The identity provider the test apps are configured with (never contacted unless a
/// test signs in through it), which the test people and sessions come from.
pub const ISSUER: &str = "https://idp.test";

/// The real router over `pool`, as `parkway` builds it at start-up, with `args` as
/// extra command-line settings (e.g. `--dev-sign-in`).
pub fn app_with(pool: PgPool, request_timeout: Duration, args: &[&str]) -> Router {
    app_with_clusters(pool, request_timeout, args, Clusters::default())
}

/// [`app_with`] reading `clusters` (started by the test, e.g. over a demo endpoint).
pub fn app_with_clusters(
    pool: PgPool,
    request_timeout: Duration,
    args: &[&str],
    clusters: Clusters,
) -> Router {
    build(pool, request_timeout, args, clusters, DemoClusters::default())
}

/// The router with demo endpoints it may stop and restart.
pub fn app_with_demo(pool: PgPool, clusters: Clusters, demo: DemoClusters) -> Router {
    build(pool, Duration::from_secs(10), &[], clusters, demo)
}

fn build(
    pool: PgPool,
    request_timeout: Duration,
    args: &[&str],
    clusters: Clusters,
    demo: DemoClusters,
) -> Router {
    build_with_services(pool, request_timeout, args, clusters, demo).0
}

/// [`app_with`], and the services it serves with (to watch its caches), once they
/// listen for generation changes (so answers come from memory as in production).
pub async fn live_app(pool: PgPool, args: &[&str]) -> (Router, parkway_core::Services) {
    let (app, services) = build_with_services(
        pool,
        Duration::from_secs(10),
        args,
        Clusters::default(),
        DemoClusters::default(),
    );
    wait_live(&services).await;
    (app, services)
}

/// Waits until `services` listen for generation changes again (after a start or a
/// lost connection).
pub async fn wait_live(services: &parkway_core::Services) {
    for _ in 0..500 {
        if services.generations.is_live() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the generation listener did not go live within 5 s");
}

/// Waits until `services` have heard of every change committed so far (both
/// generations caught up with the database), as after a change made outside Parkway.
pub async fn caught_up(services: &parkway_core::Services) {
    for _ in 0..100 {
        let (catalog, access): (i64, i64) = sqlx::query_as(
            "select (select generation from catalog_state), (select generation from access_state)",
        )
        .fetch_one(&services.pool)
        .await
        .expect("generations");
        use parkway_core::generations::Area;
        let heard = |area, at| services.generations.cached(area).is_some_and(|g| g >= at);
        if heard(Area::Catalog, catalog) && heard(Area::Access, access) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the replica did not hear of the latest changes within a second");
}

fn build_with_services(
    pool: PgPool,
    request_timeout: Duration,
    args: &[&str],
    clusters: Clusters,
    demo: DemoClusters,
) -> (Router, parkway_core::Services) {
    let leptos_options = LeptosOptions::builder()
        .output_name("parkway")
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .build();
    let configured = args
        .iter()
        .any(|a| matches!(*a, "--dev-sign-in" | "--oidc-issuer"));
    let default_issuer: &[&str] = if configured {
        &[]
    } else {
        &["--oidc-issuer", ISSUER]
    };
    let cli = Cli::try_parse_from(
        std::iter::once("parkway")
            .chain(default_issuer.iter().copied())
            .chain(args.iter().copied()),
    )
    .expect("valid arguments");
    let auth = AuthSettings::from_config(&cli.auth, cli.serve.listen).expect("valid auth settings");
    let probe = parkway_server::health::ProbePool::beside(&pool);
    let state = AppState {
        leptos_options,
        services: {
            let services = parkway_core::Services {
                import_limit: cli.import.limit(),
                ..parkway_core::Services::new(pool, clusters)
            };
            // Served as a replica serves: credentials and the catalog index from memory.
            services.generations.spawn_watch(services.pool.clone());
            services
        },
        metrics: Arc::new(Metrics::default()),
        auth: Arc::new(auth),
        sync: Arc::new(SyncStatus::default()),
        demo: Arc::new(demo),
        audit_key: Arc::new(parkway_server::serve::audit_key(&cli.audit).expect("a valid audit key")),
        probe,
    };
    let services = state.services.clone();
    (
        router::build_with(state, request_timeout, router::MetricsAt::from_config(&cli.serve)),
        services,
    )
}

pub fn app(pool: PgPool, request_timeout: Duration) -> Router {
    app_with(pool, request_timeout, &[])
}

/// A person holding exactly `roles` (through one test group each).
pub async fn person(pool: &PgPool, roles: &[Role]) -> uuid::Uuid {
    person_in_teams(pool, roles, &[]).await
}

/// A person holding `roles` and belonging to `teams` (groups `team-<name>`).
pub async fn person_in_teams(pool: &PgPool, roles: &[Role], teams: &[&str]) -> uuid::Uuid {
    let pairs: Vec<(String, Role)> = roles.iter().map(|r| (format!("test-{r}"), *r)).collect();
    role_mappings::seed(pool, &pairs, "system:test")
        .await
        .expect("seed");
    let subject = uuid::Uuid::new_v4().to_string();
    let identity = Identity {
        issuer: ISSUER.into(),
        subject: subject.clone(),
        email: Some(format!("{subject}@example.com")),
        email_verified: true,
        display_name: format!("Test {}", roles.first().map_or("nobody", |r| r.as_str())),
        groups: pairs
            .into_iter()
            .map(|(g, _)| g)
            .chain(teams.iter().map(|t| format!("team-{t}")))
            .collect(),
    };
    let mut conn = pool.acquire().await.expect("connection");
    users::upsert_person(&mut conn, &identity, "team-")
        .await
        .expect("user")
}

/// A `Cookie` header value for a fresh session of a person holding `roles`.
pub async fn session_cookie(pool: &PgPool, roles: &[Role]) -> String {
    team_session_cookie(pool, roles, &[]).await
}

/// Like [`session_cookie`], for a member of `teams`.
pub async fn team_session_cookie(pool: &PgPool, roles: &[Role], teams: &[&str]) -> String {
    let user = person_in_teams(pool, roles, teams).await;
    let policy = sessions::SessionPolicy {
        idle: Duration::from_secs(3600),
        absolute: Duration::from_secs(7200),
    };
    let mut conn = pool.acquire().await.expect("connection");
    let session = sessions::create(&mut conn, user, policy, None, ISSUER)
        .await
        .expect("session");
    format!("parkway_session={session}")
}

/// A bearer token of a service account acting with `role`, limited to `scopes`.
pub async fn service_token(pool: &PgPool, role: Role, scopes: &[Action]) -> String {
    let request = NewToken {
        name: "test".into(),
        owner: Owner::Service {
            account: format!("svc-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]),
            role,
        },
        scopes: scopes.to_vec(),
        lifetime: Duration::from_secs(3600),
        parent: None,
    };
    tokens::create(pool, &request, "system:test", None)
        .await
        .expect("token")
        .secret
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// The body as sent (for binary answers such as evidence packs).
    pub bytes: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("JSON body expected, got: {}", self.body))
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes: bytes.to_vec(),
    }
}

/// `method path` with `Authorization: Bearer token` and, if given, a JSON body.
pub async fn with_token(app: &Router, method: &str, path: &str, token: &str, body: Option<&str>) -> Answer {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"));
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_owned()));
    send(app, request.body(body).expect("request")).await
}

/// The `parkway` binary run with `args` against the database at `url`.
pub fn parkway(url: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_parkway"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("PARKWAY_LOG", "warn")
        .output()
        .expect("run parkway")
}

/// GET with an optional `Cookie` header.
pub async fn get(app: &Router, path: &str, cookie: Option<&str>) -> Answer {
    let mut request = Request::get(path);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    send(app, request.body(Body::empty()).expect("request")).await
}

/// The realistic descriptors every catalog test starts from.
pub const ACME: &str = include_str!("../../../core/tests/fixtures/acme.yaml");

/// Each bad input, the status it must get, and words its message must contain.
pub fn bad_inputs() -> Vec<(&'static str, String, u16, &'static str)> {
    let nested = format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: deep}}\nspec: {}\n",
        "[".repeat(50) + &"]".repeat(50)
    );
    vec![
        (
            "invalid YAML",
            "apiVersion: [unclosed\n".to_owned(),
            422,
            "(yaml)",
        ),
        (
            "wrong apiVersion",
            ACME.replacen("backstage.io/v1alpha1", "backstage.io/v9", 1),
            422,
            "`backstage.io/v9` is not supported",
        ),
        (
            "duplicate entities",
            format!("{ACME}---\n{}", ACME.split("---\n").last().unwrap_or_default()),
            422,
            "is defined twice in this import",
        ),
        ("deep nesting", nested, 422, "nested deeper than 32 levels"),
        (
            "reference to nothing",
            ACME.replace(
                "dependsOn: [resource:checkout-db]",
                "dependsOn: [resource:ghost-db]",
            ),
            422,
            "`resource:default/ghost-db` does not exist",
        ),
    ]
}
pub mod wire;
