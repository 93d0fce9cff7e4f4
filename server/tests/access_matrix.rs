//! The route × role matrix, generated from the route tables: every `/api/v1` endpoint
//! and every server function refuses an anonymous caller (401) and a caller without a
//! role (403), refuses roles below the documented one (403), and lets the documented
//! role through. A server function missing from the table fails the test.

use std::{collections::BTreeSet, time::Duration};

use axum::{
    Router,
    body::Body,
    http::{Method, Request, StatusCode},
};
use parkway_app::serverfns::SERVER_FNS;
use parkway_core::identity::{
    Action, Role, role_mappings,
    tokens::{self, NewToken, Owner},
};
use parkway_server::api::{ENDPOINTS, Endpoint};
use sqlx::PgPool;

mod common;
use common::{Answer, ORIGIN};

/// A descriptor the import endpoint accepts (and the entity endpoint then finds).
const MATRIX_DESCRIPTOR: &str = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: matrix-team}\nspec: {type: team, children: []}\n";

/// An entity the removal endpoints may delete: owned by `matrix-team`, the team every
/// documented caller belongs to (so team owners may change it).
const DOOMED_DESCRIPTOR: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: matrix-doomed}\nspec: {type: service, lifecycle: production, owner: matrix-team}\n";

/// What the entity endpoint's `PUT` writes (also `matrix-team`'s).
const PUT_DESCRIPTOR: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: matrix-put}\nspec: {type: service, lifecycle: production, owner: matrix-team}\n";

/// The team `matrix-team`, then `extra` (which may refer to it) as its own source.
async fn seed_catalog(pool: &PgPool, extra: Option<(&str, &str)>) {
    for (source, text) in [("matrix-entity", MATRIX_DESCRIPTOR)].into_iter().chain(extra) {
        parkway_core::catalog::store::import(pool, source, "matrix.yaml", text, "system:test", None)
            .await
            .ok();
    }
}

/// A tenant of `matrix-team` in `state`, asked for by someone else (so any documented
/// approver may decide it).
async fn seed_tenant(pool: &PgPool, name: &str, state: &str, approver: &str) {
    sqlx::query(
        "insert into tenants (name, team, tier, environments, quotas, approver, tier_rule_version, state, requested_by, asked_by)
         values ($1, 'group:default/matrix-team', 'public', '{dev}',
                 '{\"cpu\": \"1\", \"memory\": \"1Gi\", \"pods\": 10, \"storage\": \"1Gi\"}', $3, 1, $2, 'user:someone-else', 'user:someone-else')
         on conflict do nothing",
    )
    .bind(name)
    .bind(state)
    .bind(approver)
    .execute(pool)
    .await
    .expect("tenant");
}

/// A request body `POST /api/v1/tenants` accepts from a member of `matrix-team`.
const TENANT_REQUEST: &str = r#"{"name": "matrix-api", "team": "group:default/matrix-team", "environments": ["dev"], "tier": "internal", "quotas": {"cpu": "1", "memory": "1Gi", "pods": 10, "storage": "1Gi"}}"#;

/// One development cluster (never reached): requests need an environment with a cluster.
fn matrix_clusters() -> parkway_core::cluster::Clusters {
    use parkway_core::cluster::{CacheOptions, ClusterConfig, Clusters, Environment, Source};
    Clusters::start(
        vec![ClusterConfig {
            name: "matrix-dev".into(),
            environment: Environment::Dev,
            demo: false,
            source: Source::Url("http://127.0.0.1:9".into()),
        }],
        CacheOptions::default(),
    )
}

/// A guardrail document numbered `n`, naming threat TH-901.
fn matrix_guardrail(n: u32) -> String {
    format!(
        "apiVersion: parkway.dev/v1\nkind: Guardrail\nmetadata: {{id: GR-{n}, title: Matrix}}\nspec:\n  category: secure-defaults\n  objective: The matrix passes.\n  severity: low\n  behavior: detective\n  guidance: elective\n  decisions: {{public: allowed, internal: allowed, confidential: needs-approval, restricted: blocked}}\n  threats: [TH-901]\n"
    )
}

const MATRIX_THREAT: &str = "apiVersion: parkway.dev/v1\nkind: Threat\nmetadata: {id: TH-901, title: Matrix}\nspec: {stride: tampering, tactic: impact, likelihood: 1, impact: 1, residualRisk: 1, status: open}\n";

/// Guardrail `n` brought to the state a review step needs: `draft`, `in-review`,
/// `approved` (in review, approved by a second person) or `published`; authored by
/// the operator, so any person may approve it.
async fn seed_guardrail(pool: &PgPool, n: u32, state: &str) -> String {
    use parkway_core::guardrails::{review::Person, store};
    let operator = Person {
        id: None,
        actor: "system:cli".into(),
    };
    let reviewer = Person {
        id: None,
        actor: "system:matrix-reviewer".into(),
    };
    let text = format!("{MATRIX_THREAT}---\n{}", matrix_guardrail(n));
    let outcome = store::import(pool, &[("matrix.yaml", &text)], &operator, store::May::ALL, None)
        .await
        .expect("seeds");
    let id = parkway_core::types::guardrails::GuardrailId(n);
    let go = |who: &Person, t: parkway_core::guardrails::review::Transition| {
        let who = who.clone();
        async move {
            store::step(pool, id, &who, Some("matrix"), |_| Ok(t), None)
                .await
                .expect("step");
        }
    };
    use parkway_core::guardrails::review::Transition as T;
    match state {
        "draft" => {}
        "in-review" => go(&operator, T::Submit).await,
        "approved" => {
            go(&operator, T::Submit).await;
            go(&reviewer, T::Approve).await;
        }
        _ => {
            store::publish_as_operator(pool, &operator, &outcome.drafted_versions)
                .await
                .expect("publishes");
        }
    }
    id.to_string()
}

/// `text` as a form value.
fn percent_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The body's media type for `path`.
fn content_type(path: &str) -> &'static str {
    if path.starts_with("/api/v1/catalog/") || path.starts_with("/api/v1/guardrails/import") {
        "application/yaml"
    } else {
        "application/json"
    }
}

/// A concrete request for `endpoint` that the documented role may make successfully;
/// path parameters point at things the caller may act on.
async fn concrete(pool: &PgPool, endpoint: &Endpoint, caller: uuid::Uuid) -> (String, Option<&'static str>) {
    match endpoint.path {
        "/api/v1/catalog/import" => (
            "/api/v1/catalog/import?source=matrix".to_owned(),
            Some(MATRIX_DESCRIPTOR),
        ),
        "/api/v1/catalog/entities/{kind}/{namespace}/{name}" if endpoint.method == Method::DELETE => {
            seed_catalog(pool, Some(("matrix-doomed", DOOMED_DESCRIPTOR))).await;
            (
                "/api/v1/catalog/entities/component/default/matrix-doomed".to_owned(),
                None,
            )
        }
        "/api/v1/catalog/entities/{kind}/{namespace}/{name}" if endpoint.method == Method::PUT => {
            seed_catalog(pool, None).await;
            (
                "/api/v1/catalog/entities/component/default/matrix-put".to_owned(),
                Some(PUT_DESCRIPTOR),
            )
        }
        "/api/v1/catalog/entities/{kind}/{namespace}/{name}" => {
            seed_catalog(pool, None).await;
            (
                "/api/v1/catalog/entities/group/default/matrix-team".to_owned(),
                None,
            )
        }
        "/api/v1/tokens/{id}" => {
            let request = NewToken {
                name: format!("matrix {}", uuid::Uuid::new_v4()),
                owner: Owner::Person(caller),
                scopes: vec![],
                lifetime: Duration::from_secs(600),
                parent: None,
            };
            let token = tokens::create(pool, &request, "system:test", None)
                .await
                .expect("token");
            (format!("/api/v1/tokens/{}", token.info.id), None)
        }
        "/api/v1/users/{id}/deactivate" => {
            let leaver = common::person(pool, &[Role::Developer]).await;
            (format!("/api/v1/users/{leaver}/deactivate"), None)
        }
        "/api/v1/role-mappings/{id}" => {
            let group = format!("matrix-{}", uuid::Uuid::new_v4());
            let mapping = role_mappings::add(pool, &group, "leader", "system:test", None)
                .await
                .expect("mapping");
            (format!("/api/v1/role-mappings/{}", mapping.id), None)
        }
        "/api/v1/clusters/{name}/workloads" => {
            let cluster = parkway_core::cluster::ClusterConfig {
                name: "matrix-cluster".into(),
                environment: parkway_core::cluster::Environment::Dev,
                demo: false,
                source: parkway_core::cluster::Source::InCluster,
            };
            parkway_core::cluster::snapshot::register(pool, &[cluster])
                .await
                .expect("registered");
            ("/api/v1/clusters/matrix-cluster/workloads".to_owned(), None)
        }
        "/api/v1/guardrails/import" => {
            seed_guardrail(pool, 900, "draft").await;
            let text: &'static str = Box::leak(matrix_guardrail(907).into_boxed_str());
            (
                "/api/v1/guardrails/import?file=matrix.yaml".to_owned(),
                Some(text),
            )
        }
        "/api/v1/guardrails/{id}"
        | "/api/v1/guardrails/{id}/versions"
        | "/api/v1/guardrails/{id}/diff"
        | "/api/v1/guardrails/{id}/coverage" => {
            let id = seed_guardrail(pool, 906, "published").await;
            (endpoint.path.replace("{id}", &id), None)
        }
        "/api/v1/threats/{id}" => {
            seed_guardrail(pool, 900, "draft").await;
            ("/api/v1/threats/TH-901".to_owned(), None)
        }
        path if path.starts_with("/api/v1/guardrails/{id}/") => {
            let (n, state) = match path.rsplit('/').next() {
                Some("submit") => (901, "draft"),
                Some("approve") => (902, "in-review"),
                Some("reject") => (903, "in-review"),
                Some("publish") => (904, "approved"),
                _ => (905, "published"),
            };
            let id = seed_guardrail(pool, n, state).await;
            (path.replace("{id}", &id), Some(r#"{"note": "matrix"}"#))
        }
        "/api/v1/guardrail-categories" if endpoint.method == Method::POST => (
            endpoint.path.to_owned(),
            Some(r#"{"slug": "matrix-category", "title": "Matrix"}"#),
        ),
        "/api/v1/guardrail-categories/{slug}" => {
            sqlx::query("insert into guardrail_categories (slug, position, title) values ('matrix-spare', 99, 'Spare') on conflict do nothing")
                .execute(pool)
                .await
                .expect("category");
            (
                "/api/v1/guardrail-categories/matrix-spare".to_owned(),
                (endpoint.method == Method::PUT).then_some(r#"{"title": "Renamed"}"#),
            )
        }
        "/api/v1/tenants" if endpoint.method == Method::POST => {
            seed_catalog(pool, None).await;
            (endpoint.path.to_owned(), Some(TENANT_REQUEST))
        }
        "/api/v1/tenants/preview" => {
            seed_catalog(pool, None).await;
            (endpoint.path.to_owned(), Some(TENANT_REQUEST))
        }
        path if path.starts_with("/api/v1/tenants/{name}") => {
            let (name, state, approver, body) = match path.rsplit('/').next() {
                Some("approve") => ("matrix-approve", "requested", "security-approver", Some(r#"{"comment": "fine"}"#)),
                Some("reject") => ("matrix-reject", "requested", "security-approver", Some(r#"{"comment": "no"}"#)),
                Some("decommission") => ("matrix-decom", "active", "auto", Some("{}")),
                Some("reapply") => ("matrix-reapply", "active", "auto", Some("{}")),
                _ => ("matrix-seen", "active", "auto", None),
            };
            seed_tenant(pool, name, state, approver).await;
            (path.replace("{name}", name), body)
        }
        "/api/v1/tier-rules/{tier}" => (
            "/api/v1/tier-rules/internal".to_owned(),
            (endpoint.method == Method::PUT).then_some(
                r#"{"rule": {"maxCpu": "16", "maxMemory": "32Gi", "maxPods": 200, "maxStorage": "500Gi", "approver": "auto", "defaultRequestCpu": "100m", "defaultRequestMemory": "128Mi", "defaultLimitCpu": "1", "defaultLimitMemory": "1Gi", "podExec": true}, "note": "matrix"}"#,
            ),
        ),
        "/api/v1/tokens" if endpoint.method == Method::POST => (
            endpoint.path.to_owned(),
            Some(r#"{"name": "matrix", "expires": "1d"}"#),
        ),
        "/api/v1/role-mappings" if endpoint.method == Method::POST => (
            endpoint.path.to_owned(),
            Some(r#"{"group": "matrix-group", "role": "leader"}"#),
        ),
        "/api/v1/webhooks/github" | "/api/v1/webhooks/gitlab" => (endpoint.path.to_owned(), Some("{}")),
        "/api/v1/webhook-sources" if endpoint.method == Method::POST => (
            endpoint.path.to_owned(),
            Some(r#"{"name": "matrix-source", "kind": "github", "secret": "a-matrix-secret-of-some-length"}"#),
        ),
        "/api/v1/webhook-sources/{name}" => {
            seed_source(pool).await;
            ("/api/v1/webhook-sources/matrix-doomed".to_owned(), None)
        }
        "/api/v1/events/deployments" => (
            endpoint.path.to_owned(),
            Some(r#"{"events": [{"id": "matrix-d1", "service": "matrix-service", "environment": "production", "status": "success", "finished_at": "2026-01-01T10:00:00Z"}]}"#),
        ),
        "/api/v1/events/incidents" => (
            endpoint.path.to_owned(),
            Some(r#"{"events": [{"id": "matrix-i1", "service": "matrix-service", "opened_at": "2026-01-01T11:00:00Z"}]}"#),
        ),
        "/api/v1/maturity/scorecards/{id}" if endpoint.method == Method::PUT => (
            "/api/v1/maturity/scorecards/matrix-put".to_owned(),
            Some(MATRIX_SCORECARD),
        ),
        "/api/v1/maturity/scorecards/{id}" if endpoint.method == Method::DELETE => {
            seed_scorecard(pool, "matrix-doomed").await;
            ("/api/v1/maturity/scorecards/matrix-doomed".to_owned(), None)
        }
        "/api/v1/scorecards/export" => ("/api/v1/scorecards/export?table=trend".to_owned(), None),
        "/api/v1/evidence" => {
            let day = chrono::Utc::now().date_naive();
            (format!("/api/v1/evidence?from={day}&to={day}"), None)
        }
        "/api/v1/maturity/scorecards/{id}/export" => {
            seed_scorecard(pool, "matrix-card").await;
            ("/api/v1/maturity/scorecards/matrix-card/export?table=rules".to_owned(), None)
        }
        "/api/v1/maturity/scorecards/{id}" | "/api/v1/maturity/scorecards/{id}/evaluate" => {
            seed_scorecard(pool, "matrix-card").await;
            (endpoint.path.replace("{id}", "matrix-card"), None)
        }
        "/api/v1/maturity/exemptions" => {
            seed_catalog(pool, Some(("matrix-rated", RATED_DESCRIPTOR))).await;
            seed_scorecard(pool, "matrix-card").await;
            let expires = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
            let body = format!(
                r#"{{"scorecard": "matrix-card", "rule": "owner", "entity": "matrix-rated", "reason": "matrix", "expires_at": "{expires}"}}"#
            );
            (endpoint.path.to_owned(), Some(Box::leak(body.into_boxed_str())))
        }
        "/api/v1/maturity/exemptions/{id}" => {
            let id = seed_exemption(pool).await;
            (format!("/api/v1/maturity/exemptions/{id}"), None)
        }
        path => (path.to_owned(), None),
    }
}

const RATED_DESCRIPTOR: &str = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: matrix-rated}\nspec: {type: service, lifecycle: production, owner: matrix-team}\n";

const MATRIX_SCORECARD: &str = r#"{"title": "Matrix", "rules": [{"id": "owner", "title": "Has an owner", "level": "Bronze", "fact": "catalog.owner", "check": "present", "rationale": "Someone answers.", "remediation": "https://wiki.example.com/owner"}]}"#;

/// A webhook source named `matrix-doomed`, to remove.
async fn seed_source(pool: &PgPool) {
    sqlx::query("insert into delivery_sources (name, kind, secret_sealed, created_by) values ('matrix-doomed', 'github', '\\x00', 'system:test') on conflict do nothing")
        .execute(pool)
        .await
        .expect("source");
}

/// An exemption in force from `matrix-card`'s one rule; its id.
async fn seed_exemption(pool: &PgPool) -> i64 {
    seed_scorecard(pool, "matrix-card").await;
    sqlx::query_scalar(
        "insert into maturity_exemptions (scorecard, rule, entity, reason, approved_by, expires_at)
         values ('matrix-card', 'owner', 'component:default/matrix-rated', 'matrix', 'system:test', now() + interval '1 day')
         returning id",
    )
    .fetch_one(pool)
    .await
    .expect("exemption")
}

/// A maturity scorecard `id` (a new version each call: the newest is the one shown).
async fn seed_scorecard(pool: &PgPool, id: &str) {
    let definition = parkway_core::scorecards::maturity::document::read(MATRIX_SCORECARD).expect("reads");
    let mut tx = pool.begin().await.expect("tx");
    parkway_core::scorecards::maturity::store::save(&mut tx, id, &definition, "system:test")
        .await
        .expect("scorecard");
    tx.commit().await.expect("commit");
}

async fn call(
    app: &Router,
    method: &Method,
    path: &str,
    body: Option<&str>,
    content_type: &str,
    cookie: Option<&str>,
) -> Answer {
    let mut request = Request::builder()
        .method(method.clone())
        .uri(path)
        .header("origin", ORIGIN);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    if body.is_some() {
        request = request.header("content-type", content_type);
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_owned()));
    common::send(app, request.body(body).expect("request")).await
}

/// Roles that do not grant `action`, which must all be refused.
fn roles_without(action: Action) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|role| !parkway_core::identity::policy::grants(*role).contains(&action))
        .collect()
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn every_api_endpoint_enforces_its_documented_access(pool: PgPool) {
    let app = common::app_with_clusters(pool.clone(), Duration::from_secs(10), &[], matrix_clusters());
    let nobody = common::session_cookie(&pool, &[]).await;
    let openapi = serde_json::to_value(parkway_server::openapi::document()).expect("serializes");
    for endpoint in ENDPOINTS {
        let what = format!("{} {}", endpoint.method, endpoint.path);
        let documented = common::person_in_teams(&pool, &[endpoint.role], &["matrix-team"]).await;
        let (path, body) = concrete(&pool, endpoint, documented).await;
        let json = content_type(&path);

        if parkway_server::api::signed_by_sender(endpoint.path) {
            // Webhooks: the sender's signature is the credential; no session or role
            // stands in for it (the signed path is tested in tests/scorecards.rs).
            let anonymous = call(&app, &endpoint.method, &path, body, json, None).await;
            assert_eq!(
                anonymous.status,
                StatusCode::UNAUTHORIZED,
                "{what} unsigned: {}",
                anonymous.body
            );
            for role in Role::ALL {
                let cookie = common::session_cookie(&pool, &[role]).await;
                let refused = call(&app, &endpoint.method, &path, body, json, Some(&cookie)).await;
                assert_eq!(
                    refused.status,
                    StatusCode::UNAUTHORIZED,
                    "{what} as {role}, unsigned: {}",
                    refused.body
                );
            }
            continue;
        }

        let anonymous = call(&app, &endpoint.method, &path, body, json, None).await;
        assert_eq!(
            anonymous.status,
            StatusCode::UNAUTHORIZED,
            "{what} anonymous: {}",
            anonymous.body
        );
        assert_eq!(anonymous.json()["error"]["code"], "unauthenticated", "{what}");

        let no_role = call(&app, &endpoint.method, &path, body, json, Some(&nobody)).await;
        assert_eq!(
            no_role.status,
            StatusCode::FORBIDDEN,
            "{what} without a role: {}",
            no_role.body
        );

        for role in roles_without(endpoint.action) {
            let cookie = common::session_cookie(&pool, &[role]).await;
            let refused = call(&app, &endpoint.method, &path, body, json, Some(&cookie)).await;
            assert_eq!(
                refused.status,
                StatusCode::FORBIDDEN,
                "{what} as {role}: {}",
                refused.body
            );
        }

        let cookie = session_of(&pool, documented).await;
        let allowed = call(&app, &endpoint.method, &path, body, json, Some(&cookie)).await;
        assert!(
            allowed.status.is_success(),
            "{what} as {}: {} {}",
            endpoint.role,
            allowed.status,
            allowed.body
        );

        // What the calls got is what the OpenAPI document says they get.
        let responses =
            &openapi["paths"][endpoint.path][endpoint.method.as_str().to_lowercase()]["responses"];
        for (who, answer) in [
            ("anonymous", &anonymous),
            ("without a role", &no_role),
            ("allowed", &allowed),
        ] {
            let documented = &responses[answer.status.as_str()];
            assert!(
                documented.is_object(),
                "{what} {who}: {} is not documented",
                answer.status
            );
            let media = answer
                .header("content-type")
                .split(';')
                .next()
                .unwrap_or_default();
            match documented["content"].as_object() {
                Some(content) => assert!(
                    content.contains_key(media),
                    "{what} {who}: {media} is not documented for {}",
                    answer.status
                ),
                None => assert!(answer.body.is_empty(), "{what} {who}: undocumented body"),
            }
        }
    }
}

async fn session_of(pool: &PgPool, user: uuid::Uuid) -> String {
    let policy = parkway_core::identity::sessions::SessionPolicy {
        idle: Duration::from_secs(600),
        absolute: Duration::from_secs(600),
    };
    let mut conn = pool.acquire().await.expect("connection");
    let session = parkway_core::identity::sessions::create(&mut conn, user, policy, None, common::ISSUER)
        .await
        .expect("session");
    format!("parkway_session={session}")
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn every_server_function_enforces_its_documented_access(pool: PgPool) {
    let app = common::app_with_clusters(pool.clone(), Duration::from_secs(10), &[], matrix_clusters());
    let nobody = common::session_cookie(&pool, &[]).await;
    let form = "application/x-www-form-urlencoded";
    for access in SERVER_FNS {
        let (action, role) = (access.action, access.role);
        let documented = common::person_in_teams(&pool, &[role], &["matrix-team"]).await;
        // Arguments that point at things the documented caller may act on.
        let sample = match access.path {
            "/fn/revoke_token" => {
                let request = NewToken {
                    name: "matrix".into(),
                    owner: Owner::Person(documented),
                    scopes: vec![],
                    lifetime: Duration::from_secs(600),
                    parent: None,
                };
                let token = tokens::create(&pool, &request, "system:test", None)
                    .await
                    .expect("token");
                format!("id={}", token.info.id)
            }
            "/fn/remove_catalog_entity" | "/fn/catalog_descriptor" => {
                seed_catalog(&pool, Some(("matrix-doomed", DOOMED_DESCRIPTOR))).await;
                access.sample.to_owned()
            }
            "/fn/catalog_entity" | "/fn/save_catalog_entity" => {
                seed_catalog(&pool, None).await;
                access.sample.to_owned()
            }
            "/fn/cluster_workloads" => {
                let cluster = parkway_core::cluster::ClusterConfig {
                    name: "matrix-cluster".into(),
                    environment: parkway_core::cluster::Environment::Dev,
                    demo: false,
                    source: parkway_core::cluster::Source::InCluster,
                };
                parkway_core::cluster::snapshot::register(&pool, &[cluster])
                    .await
                    .expect("registered");
                access.sample.to_owned()
            }
            "/fn/guardrail_page" | "/fn/compare_versions" | "/fn/guardrail_editor" => {
                seed_guardrail(&pool, 906, "published").await;
                access.sample.to_owned()
            }
            "/fn/remove_category" => {
                sqlx::query("insert into guardrail_categories (slug, position, title) values ('matrix-spare', 99, 'Spare') on conflict do nothing")
                    .execute(&pool)
                    .await
                    .expect("category");
                access.sample.to_owned()
            }
            "/fn/save_guardrail" => {
                seed_guardrail(&pool, 900, "draft").await;
                format!("{}{}", access.sample, percent_encoded(&matrix_guardrail(908)))
            }
            "/fn/review_guardrail" => {
                seed_guardrail(&pool, 902, "in-review").await;
                access.sample.to_owned()
            }
            "/fn/threat_page" => {
                seed_guardrail(&pool, 900, "draft").await;
                access.sample.to_owned()
            }
            "/fn/tenant_choices" | "/fn/preview_tenant" | "/fn/request_tenant" | "/fn/team_tenants" => {
                seed_catalog(&pool, None).await;
                access.sample.to_owned()
            }
            "/fn/tenant_page" => {
                seed_tenant(&pool, "matrix-seen", "active", "auto").await;
                access.sample.to_owned()
            }
            "/fn/tenant_progress" => {
                seed_tenant(&pool, "matrix-progress", "provisioning", "auto").await;
                access.sample.to_owned()
            }
            "/fn/decide_tenant" => {
                seed_tenant(&pool, "matrix-waiting", "requested", "security-approver").await;
                access.sample.to_owned()
            }
            "/fn/deactivate_person" => {
                let leaver = common::person(&pool, &[Role::Developer]).await;
                format!("id={leaver}")
            }
            "/fn/remove_role_mapping" => {
                let mapping = role_mappings::add(&pool, "matrix-removable", "leader", "system:test", None)
                    .await
                    .expect("mapping");
                format!("id={}", mapping.id)
            }
            "/fn/maturity_page" | "/fn/evaluate_maturity" => {
                seed_scorecard(&pool, "matrix-card").await;
                access.sample.to_owned()
            }
            "/fn/grant_maturity_exemption" => {
                seed_catalog(&pool, Some(("matrix-rated", RATED_DESCRIPTOR))).await;
                seed_scorecard(&pool, "matrix-card").await;
                let day = (chrono::Utc::now() + chrono::Duration::days(30)).format("%Y-%m-%d");
                format!("{}{day}", access.sample)
            }
            "/fn/remove_webhook_source" => {
                seed_source(&pool).await;
                access.sample.to_owned()
            }
            "/fn/revoke_maturity_exemption" => {
                let id = seed_exemption(&pool).await;
                format!("{}{id}", access.sample)
            }
            _ => access.sample.to_owned(),
        };
        let method = registered_method(access.path);
        let post = |cookie: Option<String>| {
            let app = app.clone();
            let sample = sample.clone();
            let method = method.clone();
            async move {
                if method == Method::GET {
                    let path = format!("{}?{sample}", access.path);
                    call(&app, &method, &path, None, form, cookie.as_deref()).await
                } else {
                    call(&app, &method, access.path, Some(&sample), form, cookie.as_deref()).await
                }
            }
        };
        let anonymous = post(None).await;
        assert_eq!(
            anonymous.status,
            StatusCode::UNAUTHORIZED,
            "{} anonymous: {}",
            access.path,
            anonymous.body
        );
        let no_role = post(Some(nobody.clone())).await;
        assert_eq!(
            no_role.status,
            StatusCode::FORBIDDEN,
            "{} without a role: {}",
            access.path,
            no_role.body
        );
        for lower in roles_without(action) {
            let cookie = common::session_cookie(&pool, &[lower]).await;
            let refused = post(Some(cookie)).await;
            assert_eq!(
                refused.status,
                StatusCode::FORBIDDEN,
                "{} as {lower}: {}",
                access.path,
                refused.body
            );
        }
        let allowed = post(Some(session_of(&pool, documented).await)).await;
        assert_eq!(
            allowed.status,
            StatusCode::OK,
            "{} as {role}: {}",
            access.path,
            allowed.body
        );
    }
}

#[test]
fn every_registered_server_function_is_in_the_matrix() {
    let registered: BTreeSet<String> = leptos_axum_paths();
    let documented: BTreeSet<String> = SERVER_FNS.iter().map(|s| s.path.to_owned()).collect();
    assert!(!registered.is_empty(), "server functions are registered");
    assert_eq!(
        registered, documented,
        "add new server functions to parkway_app::serverfns::SERVER_FNS"
    );
}

fn registered_method(path: &str) -> Method {
    leptos::server_fn::axum::server_fn_paths()
        .find(|(p, _)| *p == path)
        .map(|(_, method)| method)
        .unwrap_or_else(|| panic!("{path} is not a registered server function"))
}

fn leptos_axum_paths() -> BTreeSet<String> {
    leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .collect()
}

#[test]
fn every_api_endpoint_is_documented_once() {
    let mut seen = BTreeSet::new();
    for endpoint in ENDPOINTS {
        assert!(endpoint.path.starts_with("/api/v1/"), "{}", endpoint.path);
        assert!(
            seen.insert((endpoint.method.to_string(), endpoint.path)),
            "{} {} twice",
            endpoint.method,
            endpoint.path
        );
        assert!(
            parkway_core::identity::policy::grants(endpoint.role).contains(&endpoint.action),
            "{} {}: the documented role must grant the action",
            endpoint.method,
            endpoint.path
        );
    }
}

/// Resource checks inside handlers: a developer may manage their own tokens, not
/// anyone else's, and may not mint service-account tokens — through the API and the
/// server functions alike.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn acting_on_other_peoples_tokens_needs_the_admin_grant(pool: PgPool) {
    let app = common::app(pool.clone(), Duration::from_secs(10));
    let developer = common::session_cookie(&pool, &[Role::Developer]).await;
    let someone = common::person(&pool, &[Role::Developer]).await;
    let request = NewToken {
        name: "theirs".into(),
        owner: Owner::Person(someone),
        scopes: vec![],
        lifetime: Duration::from_secs(600),
        parent: None,
    };
    let theirs = tokens::create(&pool, &request, "system:test", None)
        .await
        .expect("token")
        .info
        .id;
    let json = "application/json";
    let form = "application/x-www-form-urlencoded";
    let service = r#"{"name": "x", "service_account": "robot", "role": "developer"}"#;
    for (method, path, body, content_type) in [
        (Method::GET, "/api/v1/tokens?all=true".to_owned(), None, json),
        (Method::DELETE, format!("/api/v1/tokens/{theirs}"), None, json),
        (
            Method::POST,
            "/api/v1/tokens".to_owned(),
            Some(service.to_owned()),
            json,
        ),
        (Method::GET, "/fn/list_tokens?all=true".to_owned(), None, form),
        (
            Method::POST,
            "/fn/revoke_token".to_owned(),
            Some(format!("id={theirs}")),
            form,
        ),
        (
            Method::POST,
            "/fn/create_token".to_owned(),
            Some("name=x&expires=1d&service_account=robot&role=developer".to_owned()),
            form,
        ),
    ] {
        let answer = call(
            &app,
            &method,
            &path,
            body.as_deref(),
            content_type,
            Some(&developer),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {}",
            answer.body
        );
        assert!(
            answer.body.contains("token.manage"),
            "{method} {path}: {}",
            answer.body
        );
    }
    // Refusals come before lookups, so they do not reveal whether an id exists.
    let nobody = common::session_cookie(&pool, &[]).await;
    let missing = uuid::Uuid::new_v4();
    for (method, path, body, content_type) in [
        (Method::DELETE, format!("/api/v1/tokens/{missing}"), None, json),
        (
            Method::POST,
            "/fn/revoke_token".to_owned(),
            Some(format!("id={missing}")),
            form,
        ),
    ] {
        let anonymous = call(&app, &method, &path, body.as_deref(), content_type, None).await;
        assert_eq!(
            anonymous.status,
            StatusCode::UNAUTHORIZED,
            "{method} {path}: {}",
            anonymous.body
        );
        let no_role = call(&app, &method, &path, body.as_deref(), content_type, Some(&nobody)).await;
        assert_eq!(
            no_role.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {}",
            no_role.body
        );
    }
    let live: i64 = sqlx::query_scalar("select count(*) from api_tokens where revoked_at is null")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(live, 1, "nothing was created or revoked");
}
