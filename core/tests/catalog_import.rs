//! Importing Backstage descriptors into a real Postgres: the stored graph, refusals
//! that change nothing, re-imports and orphans.

use parkway_core::catalog::{Error, store};
use sqlx::PgPool;

const ACME: &str = include_str!("fixtures/acme.yaml");
const THREE_MISTAKES: &str = include_str!("fixtures/three-mistakes.yaml");

/// Rows in the catalog's tables and the audit trail.
async fn counts(pool: &PgPool) -> (i64, i64, i64) {
    sqlx::query!(
        "select (select count(*) from catalog_entities) as \"entities!\",
                (select count(*) from catalog_relations) as \"relations!\",
                (select count(*) from audit_events) as \"events!\""
    )
    .fetch_one(pool)
    .await
    .map(|r| (r.entities, r.relations, r.events))
    .expect("counts")
}

async fn relations(pool: &PgPool, key: &str) -> Vec<String> {
    store::get(pool, key)
        .await
        .expect("reads")
        .expect("exists")
        .relations
        .into_iter()
        .map(|r| format!("{} {}", r.type_, r.target))
        .collect()
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn every_kind_and_relation_is_stored(pool: PgPool) {
    let outcome = store::import(
        &pool,
        "acme.yaml",
        "acme.yaml",
        ACME,
        "user:ada@example.com",
        None,
    )
    .await
    .expect("imports");
    assert_eq!(outcome.created.len(), 10);
    assert_eq!(
        relations(&pool, "component:default/checkout-service").await,
        [
            "consumesApi api:default/fraud-api",
            "dependsOn resource:default/checkout-db",
            "hasPart component:default/checkout-worker",
            "ownedBy group:default/checkout",
            "partOf system:default/checkout-system",
            "providesApi api:default/checkout-api",
        ]
    );
    let group = relations(&pool, "group:default/checkout").await;
    for expected in [
        "childOf group:default/payments",
        "hasMember user:default/ada",
        "ownerOf component:default/checkout-service",
        "ownerOf system:default/checkout-system",
    ] {
        assert!(group.contains(&expected.to_owned()), "{expected} in {group:?}");
    }
    assert!(
        relations(&pool, "user:default/ada")
            .await
            .contains(&"memberOf group:default/checkout".to_owned())
    );
    assert!(
        relations(&pool, "api:default/fraud-api")
            .await
            .contains(&"apiConsumedBy component:default/checkout-service".to_owned())
    );
    assert!(
        relations(&pool, "domain:default/commerce")
            .await
            .contains(&"hasPart system:default/checkout-system".to_owned())
    );
    assert!(
        relations(&pool, "group:default/payments")
            .await
            .contains(&"parentOf group:default/checkout".to_owned())
    );

    let service = store::get(&pool, "component:default/checkout-service")
        .await
        .expect("reads")
        .expect("exists");
    assert_eq!(
        service.business_unit.as_deref(),
        Some("group:default/payments"),
        "owner → parent business unit"
    );
    assert_eq!(service.tier.as_deref(), Some("tier-1"));
    assert_eq!(
        service.body["metadata"]["links"][0]["title"], "Runbook",
        "unknown-to-us fields are kept"
    );

    let again = store::import(
        &pool,
        "acme.yaml",
        "acme.yaml",
        ACME,
        "user:ada@example.com",
        None,
    )
    .await
    .expect("re-imports");
    assert_eq!(
        (again.created.len(), again.updated.len(), again.unchanged),
        (0, 0, 10)
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_file_with_three_mistakes_reports_all_three_and_changes_nothing(pool: PgPool) {
    store::import(&pool, "acme.yaml", "acme.yaml", ACME, "system:test", None)
        .await
        .expect("imports");
    let before = counts(&pool).await;
    let err = store::import(
        &pool,
        "more.yaml",
        "three-mistakes.yaml",
        THREE_MISTAKES,
        "system:test",
        None,
    )
    .await
    .expect_err("refused");
    let Error::Invalid { problems, .. } = &err else {
        panic!("expected problems, got {err:?}")
    };
    let rendered: Vec<String> = problems.iter().map(|p| p.render("three-mistakes.yaml")).collect();
    assert_eq!(
        rendered,
        [
            "three-mistakes.yaml:8:10 — spec.owner — `group:default/nobody-team` does not exist in the catalog or in this file",
            "three-mistakes.yaml:10:13 — apiVersion — `backstage.io/v1alpha2` is not supported: expected backstage.io/v1alpha1 or backstage.io/v1beta1",
            "three-mistakes.yaml:23:1 — spec.lifecycle — required for a Component",
        ]
    );
    assert!(
        err.to_string()
            .starts_with("three-mistakes.yaml has 3 problems; nothing was imported")
    );
    assert_eq!(
        counts(&pool).await,
        before,
        "a refused import changes nothing, not even the audit trail"
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn entities_gone_from_a_source_are_orphaned_not_deleted(pool: PgPool) {
    store::import(&pool, "acme.yaml", "acme.yaml", ACME, "system:test", None)
        .await
        .expect("imports");
    let without_worker = ACME.replace(
        "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: checkout-worker\nspec:\n  type: service\n  lifecycle: production\n  owner: group:default/checkout\n  subcomponentOf: checkout-service\n",
        "",
    );
    assert_ne!(without_worker, ACME);
    let outcome = store::import(
        &pool,
        "acme.yaml",
        "acme.yaml",
        &without_worker,
        "system:test",
        None,
    )
    .await
    .expect("re-imports");
    assert_eq!(outcome.orphaned, ["component:default/checkout-worker"]);
    let worker = store::get(&pool, "component:default/checkout-worker")
        .await
        .expect("reads")
        .expect("kept");
    assert!(worker.orphaned);
    let other = store::import(
        &pool,
        "elsewhere.yaml",
        "elsewhere.yaml",
        ACME,
        "system:test",
        None,
    )
    .await
    .expect_err("another source may not take entities over");
    assert!(
        err_text(&other).contains("is already imported from `acme.yaml`"),
        "{other}"
    );
}

fn err_text(err: &Error) -> String {
    err.to_string()
}

/// The demo company's descriptors (what `cargo xtask run` imports) are all valid, and
/// land with business units derived for every service.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn the_demo_catalog_imports_cleanly(pool: PgPool) {
    use parkway_demo_cluster::catalog::{DEMO_SERVICES, files};
    let mut total = 0;
    for (path, text) in files(DEMO_SERVICES) {
        let outcome = store::import(&pool, &path, &path, &text, "system:test", None)
            .await
            .unwrap_or_else(|err| panic!("{err}"));
        total += outcome.created.len();
    }
    assert_eq!(total, 208);
    let api = store::get(&pool, "component:default/checkout-api")
        .await
        .expect("reads")
        .expect("exists");
    assert_eq!(api.business_unit.as_deref(), Some("group:default/payments"));
    assert_eq!(
        api.body["metadata"]["annotations"]["backstage.io/kubernetes-id"],
        "checkout-api"
    );
}

/// `n` components owned by a team that is defined last, each depending on another
/// anywhere in the file (forwards too): references cross the write batches.
fn many_components(n: usize, change: Option<(usize, &str)>, skip: Option<usize>) -> String {
    let mut text = String::new();
    for i in (0..n).filter(|&i| Some(i) != skip) {
        let description = match change {
            Some((at, description)) if at == i => description.to_owned(),
            _ => format!("Service number {i}"),
        };
        let target = match change {
            Some((at, _)) if at == i => (i + 1) % n,
            _ => (i * 7 + 1) % n,
        };
        text.push_str(&format!(
            "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-{i}\n  description: {description}\nspec:\n  type: service\n  lifecycle: production\n  owner: team\n  dependsOn: [component:svc-{target}]\n"
        ));
    }
    text.push_str("---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: unit}\nspec: {type: business-unit, children: []}\n");
    text.push_str("---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team}\nspec: {type: team, parent: unit, children: []}\n");
    text
}

/// More descriptors than one write batch holds, with references across batches: the
/// file lands whole (relations, business units, search), and a re-import rewrites
/// exactly what changed, orphans what is gone and brings an orphan back.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_file_of_several_write_batches_lands_whole_and_reimports_precisely(pool: PgPool) {
    let n = 2_500;
    let outcome = store::import(
        &pool,
        "many.yaml",
        "many.yaml",
        many_components(n, None, None),
        "system:test",
        None,
    )
    .await
    .expect("imports");
    assert_eq!(outcome.created.len(), n + 2);
    assert_eq!(outcome.created[0], "component:default/svc-0", "in file order");
    // Per component: ownedBy/ownerOf and dependsOn/dependencyOf; the team: childOf/parentOf.
    assert_eq!(counts(&pool).await, ((n + 2) as i64, (n * 4 + 2) as i64, 1));
    for key in ["component:default/svc-0", "component:default/svc-2499"] {
        let entity = store::get(&pool, key).await.expect("reads").expect("exists");
        assert_eq!(
            entity.business_unit.as_deref(),
            Some("group:default/unit"),
            "{key}: its owner's unit, defined after it"
        );
    }
    assert_eq!(
        relations(&pool, "component:default/svc-2499").await,
        [
            "dependencyOf component:default/svc-714",
            "dependsOn component:default/svc-2494",
            "ownedBy group:default/team",
        ]
    );
    let searchable: i64 = sqlx::query_scalar!(
        "select count(*) as \"n!\" from catalog_search s join catalog_entities e on e.id = s.entity_id
         where s.search @@ to_tsquery('english', 'service')"
    )
    .fetch_one(&pool)
    .await
    .expect("searches");
    assert_eq!(searchable, n as i64);

    // svc-1500 changes (description and dependency), svc-42 is gone.
    let changed = many_components(n, Some((1_500, "Takes payments")), Some(42));
    let outcome = store::import(&pool, "many.yaml", "many.yaml", changed, "system:test", None)
        .await
        .expect("re-imports");
    assert_eq!(outcome.created, Vec::<String>::new());
    assert_eq!(outcome.updated, ["component:default/svc-1500"]);
    assert_eq!(outcome.unchanged, n + 2 - 2);
    assert_eq!(outcome.orphaned, ["component:default/svc-42"]);
    assert!(
        relations(&pool, "component:default/svc-1500")
            .await
            .contains(&"dependsOn component:default/svc-1501".to_owned()),
        "its relations are replaced"
    );
    assert!(
        !relations(&pool, "component:default/svc-1500")
            .await
            .contains(&"dependsOn component:default/svc-501".to_owned())
    );

    // The whole file again: the orphan comes back (updated), the changed one reverts.
    let outcome = store::import(
        &pool,
        "many.yaml",
        "many.yaml",
        many_components(n, None, None),
        "system:test",
        None,
    )
    .await
    .expect("re-imports");
    assert_eq!(
        outcome.updated,
        ["component:default/svc-42", "component:default/svc-1500"],
        "in file order"
    );
    assert_eq!(outcome.unchanged, n);
    let back = store::get(&pool, "component:default/svc-42")
        .await
        .expect("reads")
        .expect("exists");
    assert!(!back.orphaned);
}
