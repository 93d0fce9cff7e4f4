//! The use-case layer against a real Postgres: operations authorize, write and audit
//! as the caller, so both doors record the same actor.

use std::{collections::BTreeSet, sync::Mutex};

use parkway_core::{
    Ctx, Services,
    audit::{self, AuditFilter, AuditKey, NewAuditEvent, ops::Format},
    catalog::{self, EntityRef},
    cluster::{
        CacheOptions, ClusterConfig, ClusterError, Clusters, Environment, Source,
        ops::{DemoControl, simulate_outage},
    },
    identity::{Principal, PrincipalKind, Role},
};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

const TEAM: &str = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: shop}\nspec: {type: team, children: []}\n";

fn services(pool: &PgPool) -> Services {
    Services::new(pool.clone(), Default::default())
}

fn person(handle: &str, roles: &[Role]) -> Principal {
    Principal {
        user_id: Uuid::new_v4(),
        kind: PrincipalKind::Person,
        handle: handle.to_owned(),
        display_name: handle.to_owned(),
        roles: roles.iter().copied().collect(),
        scopes: None,
        groups: vec![],
        teams: vec![],
        token: None,
    }
}

fn as_caller(pool: &PgPool, who: &Principal) -> Ctx {
    Ctx::new(services(pool), Some(who.clone()), Some("req-1".into()))
}

/// The catalog changes `actor` made (reading the trail is audited too, as
/// `audit.view`; those events are not what these tests look for).
async fn actions_by(ctx: &Ctx, actor: &str) -> BTreeSet<(String, String)> {
    let filter = AuditFilter {
        actor: Some(actor.to_owned()),
        action: Some("catalog.".to_owned()),
        ..AuditFilter::default()
    };
    audit::ops::list(ctx, &filter, None, 200)
        .await
        .expect("lists")
        .events
        .into_iter()
        .map(|e| (e.actor, e.action))
        .collect()
}

/// Catalog changes made before the use-case layer recorded a person's bare handle;
/// filtering the audit log by `user:…` still finds them, beside the new ones.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_persons_catalog_changes_are_found_by_their_actor_old_and_new(pool: PgPool) {
    let ada = person("ada@example.com", &[Role::PlatformAdmin]);
    let ctx = as_caller(&pool, &ada);
    let legacy = NewAuditEvent::new("ada@example.com", "catalog.import", "catalog-source:old");
    audit::append(&pool, &legacy).await.expect("a legacy event");
    let other = NewAuditEvent::new("bob@example.com", "catalog.import", "catalog-source:bob");
    audit::append(&pool, &other).await.expect("someone else's");

    catalog::ops::import(&ctx, "shop", TEAM).await.expect("imports");
    let shop = EntityRef::parse_key("group:default/shop").expect("a key");
    let edited = TEAM.replace("{name: shop}", "{name: shop, title: Shop}");
    catalog::ops::put(&ctx, &shop, &edited).await.expect("edits");

    let expected: BTreeSet<(String, String)> = [
        ("ada@example.com", "catalog.import"),
        ("user:ada@example.com", "catalog.import"),
        ("user:ada@example.com", "catalog.edit"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect();
    assert_eq!(actions_by(&ctx, "user:ada@example.com").await, expected);
    assert_eq!(
        actions_by(&ctx, "ada@example.com").await,
        expected,
        "the bare handle finds the prefixed events too"
    );
    assert!(
        actions_by(&ctx, "user:bob@example.com")
            .await
            .iter()
            .all(|(actor, _)| actor == "bob@example.com"),
        "another person's events stay theirs"
    );
    let recorded: Vec<(String, Option<String>)> =
        sqlx::query_as("select actor, request_id from audit_events where action = 'catalog.edit'")
            .fetch_all(&pool)
            .await
            .expect("reads");
    assert_eq!(
        recorded,
        [("user:ada@example.com".to_owned(), Some("req-1".to_owned()))],
        "the operation records the caller and the request"
    );
}

/// A refused operation writes nothing, whoever asks and whatever they send.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn operations_refuse_before_they_write(pool: PgPool) {
    let developer = person("dev@example.com", &[Role::Developer]);
    let ctx = as_caller(&pool, &developer);
    let refused = catalog::ops::import(&ctx, "shop", TEAM)
        .await
        .expect_err("not an importer");
    assert!(matches!(refused, catalog::Error::Denied(_)), "{refused}");
    let anonymous = Ctx::new(services(&pool), None, None);
    let refused = catalog::ops::import(&anonymous, "", "")
        .await
        .expect_err("nobody");
    assert!(
        matches!(refused, catalog::Error::Denied(_)),
        "authorization comes before validation: {refused}"
    );
    let admin = as_caller(&pool, &person("root@example.com", &[Role::PlatformAdmin]));
    let missing = catalog::ops::import(&admin, "  ", TEAM)
        .await
        .expect_err("no source");
    assert_eq!(
        missing.to_string(),
        "source: required: where these descriptors live (e.g. `github.com/acme/shop/catalog-info.yaml`); importing the same source again updates it"
    );
    let empty = catalog::ops::import(&admin, "shop", " \n")
        .await
        .expect_err("no text");
    assert!(
        empty.to_string().starts_with("descriptors: there are none"),
        "{empty}"
    );
    let rows: i64 = sqlx::query_scalar("select count(*) from catalog_entities")
        .fetch_one(&pool)
        .await
        .expect("counts");
    // Refusals themselves are audited (`auth.refused`); nothing else may be written.
    let events: i64 = sqlx::query_scalar("select count(*) from audit_events where action <> 'auth.refused'")
        .fetch_one(&pool)
        .await
        .expect("counts");
    assert_eq!((rows, events), (0, 0));
}

/// `(actor, action, target, payload, request_id)` of the events whose action starts
/// with `prefix`, oldest first.
async fn events_like(pool: &PgPool, prefix: &str) -> Vec<(String, String, String, Value, Option<String>)> {
    sqlx::query_as(
        "select actor, action, target, payload, request_id from audit_events where action like $1 order by id",
    )
    .bind(format!("{prefix}%"))
    .fetch_all(pool)
    .await
    .expect("reads")
}

/// Reading the trail is privileged: each page and each export is itself recorded,
/// with the filter used, and a refused reader records nothing and sees nothing.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn viewing_and_exporting_the_trail_is_audited(pool: PgPool) {
    let ctx = as_caller(&pool, &person("ada@example.com", &[Role::PlatformAdmin]));
    audit::append(
        &pool,
        &NewAuditEvent::new("system:test", "thing.update", "thing:1"),
    )
    .await
    .expect("an event");
    let filter = AuditFilter {
        action: Some("thing.".into()),
        ..AuditFilter::default()
    };
    let page = audit::ops::list(&ctx, &filter, None, 50).await.expect("lists");
    assert_eq!(page.events.len(), 1, "a page does not contain its own event");
    let export = audit::ops::export(&ctx, &filter, None, Format::Csv)
        .await
        .expect("exports");
    assert_eq!(export.truncated_at, None);
    assert!(!export.body.contains("TRUNCATED"), "{}", export.body);

    let recorded = events_like(&pool, "audit.").await;
    assert_eq!(recorded.len(), 2, "{recorded:?}");
    let (actor, action, target, payload, request_id) = &recorded[0];
    assert_eq!(
        (actor.as_str(), action.as_str(), target.as_str()),
        ("user:ada@example.com", "audit.view", "audit-log")
    );
    assert_eq!(payload["filter"]["action"], "thing.");
    assert_eq!(payload["rows"], 1);
    assert_eq!(request_id.as_deref(), Some("req-1"));
    assert_eq!(recorded[1].1, "audit.export");
    assert_eq!(recorded[1].3["format"], "csv");
    assert_eq!(recorded[1].3["truncated"], false);
    assert_eq!(recorded[1].3["filter"]["action"], "thing.");

    let developer = as_caller(&pool, &person("dev@example.com", &[Role::Developer]));
    audit::ops::list(&developer, &filter, None, 50)
        .await
        .expect_err("not an audit viewer");
    audit::ops::export(&developer, &filter, None, Format::Json)
        .await
        .expect_err("not an exporter");
    assert_eq!(events_like(&pool, "audit.").await.len(), 2);
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn the_chain_head_is_signed_for_audit_viewers(pool: PgPool) {
    let key = AuditKey::new(&"s".repeat(32)).expect("a key");
    let ctx = as_caller(&pool, &person("ada@example.com", &[Role::PlatformAdmin]));
    for i in 0..2 {
        audit::append(
            &pool,
            &NewAuditEvent::new("system:test", "thing.update", format!("thing:{i}")),
        )
        .await
        .expect("an event");
    }
    let head = audit::ops::head(&ctx, &key).await.expect("the head");
    let (id, hash): (i64, Vec<u8>) =
        sqlx::query_as("select id, hash from audit_events order by id desc limit 1")
            .fetch_one(&pool)
            .await
            .expect("newest");
    assert_eq!((head.id, head.hash.clone()), (id, hex::encode(hash)));
    let signature = hex::decode(&head.signature).expect("hex");
    assert!(key.verifies(format!("{id}:{}", head.hash).as_bytes(), &signature));
    assert_eq!(
        events_like(&pool, "audit.").await.len(),
        0,
        "reading the head does not move it"
    );

    let developer = as_caller(&pool, &person("dev@example.com", &[Role::Developer]));
    let refused = audit::ops::head(&developer, &key)
        .await
        .expect_err("not an audit viewer");
    assert!(matches!(refused, audit::Error::Denied(_)), "{refused}");
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_catalog_import_records_the_digest_of_what_it_imported(pool: PgPool) {
    let ctx = as_caller(&pool, &person("root@example.com", &[Role::PlatformAdmin]));
    catalog::ops::import(&ctx, "shop", TEAM).await.expect("imports");
    let recorded = events_like(&pool, "catalog.import").await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(
        recorded[0].3["sha256"].as_str(),
        Some(hex::encode(Sha256::digest(TEAM.as_bytes())).as_str())
    );
}

/// The demo endpoints as an in-memory switch that remembers every call.
#[derive(Default)]
struct FakeDemo {
    calls: Mutex<Vec<bool>>,
}

impl FakeDemo {
    fn calls(&self) -> Vec<bool> {
        self.calls.lock().expect("not poisoned").clone()
    }
}

/// A platform admin on a replica configured with the demo cluster `demo-dev` and the
/// real cluster `prod` (their endpoints are never reached: `FakeDemo` stands in).
fn as_demo_admin(pool: &PgPool) -> Ctx {
    let config = |name: &str, demo: bool| ClusterConfig {
        name: name.into(),
        environment: Environment::Dev,
        demo,
        source: Source::Url("http://127.0.0.1:1".into()),
    };
    let mut services = services(pool);
    services.clusters = Clusters::start(
        vec![config("demo-dev", true), config("prod", false)],
        CacheOptions::default(),
    );
    Ctx::new(
        services,
        Some(person("root@example.com", &[Role::PlatformAdmin])),
        Some("req-1".into()),
    )
}

impl DemoControl for FakeDemo {
    async fn set_running(&self, name: &str, running: bool) -> Result<bool, String> {
        if name != "demo-dev" {
            return Ok(false);
        }
        self.calls.lock().expect("not poisoned").push(running);
        Ok(true)
    }
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_demo_outage_and_its_audit_event_go_together(pool: PgPool) {
    let ctx = as_demo_admin(&pool);
    let demo = FakeDemo::default();
    simulate_outage(&ctx, &demo, "demo-dev", "stop")
        .await
        .expect("stops");
    assert_eq!(demo.calls(), [false]);
    let recorded = events_like(&pool, "demo-cluster.").await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(
        (recorded[0].1.as_str(), recorded[0].2.as_str()),
        ("demo-cluster.stop", "cluster:demo-dev")
    );

    let missing = simulate_outage(&ctx, &demo, "prod", "stop")
        .await
        .expect_err("not a demo cluster");
    assert!(matches!(missing, ClusterError::NotDemo(_)), "{missing}");
    assert_eq!(
        events_like(&pool, "demo-cluster.").await.len(),
        1,
        "a refused change leaves no event"
    );
}

/// Fails closed: when the event cannot be written, the endpoint is not touched.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_demo_outage_that_cannot_be_audited_is_not_made(pool: PgPool) {
    sqlx::query(
        "alter table audit_events add constraint audit_events_test_no_stop check (action <> 'demo-cluster.stop')",
    )
    .execute(&pool)
    .await
    .expect("the trail refuses the event");
    let ctx = as_demo_admin(&pool);
    let demo = FakeDemo::default();
    let err = simulate_outage(&ctx, &demo, "demo-dev", "stop")
        .await
        .expect_err("not audited, not done");
    assert!(matches!(err, ClusterError::Audit(_)), "{err}");
    assert!(demo.calls().is_empty(), "the endpoint was not stopped");
}

/// The event is written first and committed last: a commit that fails undoes the
/// change it would have recorded.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_demo_outage_is_undone_when_its_event_does_not_commit(pool: PgPool) {
    for statement in [
        "create function test_refuse_stop() returns trigger language plpgsql as $$
         begin
             if new.action = 'demo-cluster.stop' then raise exception 'refused at commit'; end if;
             return null;
         end $$",
        "create constraint trigger audit_events_test_refuse_at_commit after insert on audit_events
         deferrable initially deferred for each row execute function test_refuse_stop()",
    ] {
        sqlx::query(statement).execute(&pool).await.expect(statement);
    }
    let ctx = as_demo_admin(&pool);
    let demo = FakeDemo::default();
    let err = simulate_outage(&ctx, &demo, "demo-dev", "stop")
        .await
        .expect_err("the commit fails");
    assert!(matches!(err, ClusterError::Database(_)), "{err}");
    assert_eq!(demo.calls(), [false, true], "stopped, then started again");
    assert!(events_like(&pool, "demo-cluster.").await.is_empty());
}

/// 2 MiB of 200,000 keys in one mapping: before the key cap and the hash-set duplicate
/// check, reading it compared every key with every earlier one (minutes of one worker).
fn two_hundred_thousand_keys() -> String {
    let text: String = (0..200_000).map(|i| format!("k{i:06x}: x\n")).collect();
    assert!(text.len() >= 2 * 1024 * 1024, "{} bytes", text.len());
    text
}

/// A document that would stall a parser is refused quickly, by the op both doors call
/// (the import and a single-entity edit), naming the cap; nothing is written.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_document_of_200000_keys_is_refused_quickly_naming_the_cap(pool: PgPool) {
    let admin = as_caller(&pool, &person("root@example.com", &[Role::PlatformAdmin]));
    let text = two_hundred_thousand_keys();
    let started = std::time::Instant::now();
    let refused = catalog::ops::import(&admin, "huge", &text)
        .await
        .expect_err("over the cap");
    let catalog::Error::Invalid { problems, .. } = &refused else {
        panic!("a validation error: {refused}");
    };
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        (
            problems[0].line,
            problems[0].field.as_str(),
            problems[0].reason.as_str()
        ),
        (1001, "(yaml)", "a mapping has more than 1000 keys (the limit)")
    );
    let shop = EntityRef::parse_key("group:default/shop").expect("a key");
    let refused = catalog::ops::put(&admin, &shop, &text)
        .await
        .expect_err("over the cap");
    assert!(
        refused
            .to_string()
            .contains("a mapping has more than 1000 keys (the limit)"),
        "{refused}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "both refusals took {:?}",
        started.elapsed()
    );
    let rows: i64 = sqlx::query_scalar("select count(*) from catalog_entities")
        .fetch_one(&pool)
        .await
        .expect("counts");
    assert_eq!(rows, 0);
}
