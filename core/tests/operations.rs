//! The use-case layer against a real Postgres: operations authorize, write and audit
//! as the caller, so both doors record the same actor.

use std::collections::BTreeSet;

use parkway_core::{
    Ctx, Services,
    audit::{self, AuditFilter, NewAuditEvent},
    catalog::{self, EntityRef},
    identity::{Principal, PrincipalKind, Role},
};
use sqlx::PgPool;
use uuid::Uuid;

const TEAM: &str = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: shop}\nspec: {type: team, children: []}\n";

fn services(pool: &PgPool) -> Services {
    Services {
        pool: pool.clone(),
        clusters: Default::default(),
        catalog_facets: Default::default(),
    }
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
    }
}

fn as_caller(pool: &PgPool, who: &Principal) -> Ctx {
    Ctx::new(services(pool), Some(who.clone()), Some("req-1".into()))
}

async fn actions_by(ctx: &Ctx, actor: &str) -> BTreeSet<(String, String)> {
    let filter = AuditFilter {
        actor: Some(actor.to_owned()),
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
    let events: i64 = sqlx::query_scalar("select count(*) from audit_events")
        .fetch_one(&pool)
        .await
        .expect("counts");
    assert_eq!((rows, events), (0, 0));
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
