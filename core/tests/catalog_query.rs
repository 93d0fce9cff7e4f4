//! Listing the catalog: filters, typo-tolerant search, keyset pages and facets.

use parkway_core::catalog::{
    query::{self, EntityFilter},
    store,
};
use sqlx::PgPool;

const ACME: &str = include_str!("fixtures/acme.yaml");

async fn seeded(pool: &PgPool) {
    store::import(pool, "acme.yaml", "acme.yaml", ACME, "system:test", None)
        .await
        .expect("imports");
}

fn names(page: &query::Page) -> Vec<&str> {
    page.items.iter().map(|e| e.name.as_str()).collect()
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn filters_combine_and_search_forgives_typos(pool: PgPool) {
    seeded(&pool).await;
    let components = EntityFilter {
        kind: Some("Component".into()),
        ..Default::default()
    };
    let page = query::list(&pool, &components, 50, None).await.expect("lists");
    assert_eq!(names(&page), ["checkout-service", "checkout-worker"]);

    let owned = EntityFilter {
        owner: Some("group:default/checkout".into()),
        lifecycle: Some("experimental".into()),
        ..Default::default()
    };
    assert_eq!(
        names(&query::list(&pool, &owned, 50, None).await.expect("lists")),
        ["fraud-api"]
    );

    let tagged = EntityFilter {
        tag: Some("rust".into()),
        ..Default::default()
    };
    assert_eq!(
        names(&query::list(&pool, &tagged, 50, None).await.expect("lists")),
        ["checkout-service"]
    );

    let by_bu = EntityFilter {
        business_unit: Some("group:default/payments".into()),
        kind: Some("api".into()),
        ..Default::default()
    };
    assert_eq!(
        names(&query::list(&pool, &by_bu, 50, None).await.expect("lists")),
        ["checkout-api", "fraud-api"]
    );

    // A word from the description, misspelled.
    let typo = EntityFilter {
        q: Some("authorisatons".into()),
        ..Default::default()
    };
    let found = query::list(&pool, &typo, 50, None).await.expect("searches");
    assert_eq!(
        names(&found).first(),
        Some(&"checkout-service"),
        "{:?}",
        names(&found)
    );
    let slip = EntityFilter {
        q: Some("chekout".into()),
        kind: Some("component".into()),
        ..Default::default()
    };
    assert_eq!(
        names(&query::list(&pool, &slip, 50, None).await.expect("searches")),
        ["checkout-service", "checkout-worker"]
    );
    let nothing = EntityFilter {
        q: Some("zzzzqqq".into()),
        ..Default::default()
    };
    assert!(
        query::list(&pool, &nothing, 50, None)
            .await
            .expect("searches")
            .items
            .is_empty()
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn pages_follow_cursors_without_gaps_or_repeats(pool: PgPool) {
    seeded(&pool).await;
    let all = query::list(&pool, &EntityFilter::default(), 200, None)
        .await
        .expect("lists");
    assert_eq!(all.items.len(), 10);
    assert!(all.next_cursor.is_none());
    let mut walked = Vec::new();
    let mut cursor = None;
    loop {
        let page = query::list(&pool, &EntityFilter::default(), 3, cursor.as_deref())
            .await
            .expect("pages");
        walked.extend(page.items.iter().map(|e| e.key.clone()));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let expected: Vec<String> = all.items.iter().map(|e| e.key.clone()).collect();
    assert_eq!(walked, expected);
    assert!(
        query::list(&pool, &EntityFilter::default(), 3, Some("not-a-cursor"))
            .await
            .is_err()
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn facets_count_what_the_filter_leaves(pool: PgPool) {
    seeded(&pool).await;
    let all = query::facets(&pool, &EntityFilter::default())
        .await
        .expect("counts");
    assert_eq!(all.total, 10);
    assert!(all.kind.contains(&("component".into(), 2)), "{:?}", all.kind);
    assert!(all.kind.contains(&("api".into(), 2)));
    let components = query::facets(
        &pool,
        &EntityFilter {
            kind: Some("component".into()),
            ..Default::default()
        },
    )
    .await
    .expect("counts");
    assert_eq!(components.total, 2);
    assert_eq!(components.lifecycle, [("production".to_owned(), 2)]);
    assert_eq!(components.tag.len(), 2);
}
