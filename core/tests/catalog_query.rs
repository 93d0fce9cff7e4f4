//! Listing the catalog: filters, typo-tolerant search, keyset pages and facets.

use parkway_core::catalog::{
    index::CatalogCache,
    query::{self, EntityFilter, Sort},
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
    let page = query::list(&pool, &CatalogCache::default(), &components, 50, None)
        .await
        .expect("lists");
    assert_eq!(names(&page), ["checkout-service", "checkout-worker"]);

    let owned = EntityFilter {
        owner: Some("group:default/checkout".into()),
        lifecycle: Some("experimental".into()),
        ..Default::default()
    };
    assert_eq!(
        names(
            &query::list(&pool, &CatalogCache::default(), &owned, 50, None)
                .await
                .expect("lists")
        ),
        ["fraud-api"]
    );

    let tagged = EntityFilter {
        tag: Some("rust".into()),
        ..Default::default()
    };
    assert_eq!(
        names(
            &query::list(&pool, &CatalogCache::default(), &tagged, 50, None)
                .await
                .expect("lists")
        ),
        ["checkout-service"]
    );

    let by_bu = EntityFilter {
        business_unit: Some("group:default/payments".into()),
        kind: Some("api".into()),
        ..Default::default()
    };
    assert_eq!(
        names(
            &query::list(&pool, &CatalogCache::default(), &by_bu, 50, None)
                .await
                .expect("lists")
        ),
        ["checkout-api", "fraud-api"]
    );

    // A word from the description, misspelled.
    let typo = EntityFilter {
        q: Some("authorisatons".into()),
        ..Default::default()
    };
    let found = query::list(&pool, &CatalogCache::default(), &typo, 50, None)
        .await
        .expect("searches");
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
        names(
            &query::list(&pool, &CatalogCache::default(), &slip, 50, None)
                .await
                .expect("searches")
        ),
        ["checkout-service", "checkout-worker"]
    );
    let nothing = EntityFilter {
        q: Some("zzzzqqq".into()),
        ..Default::default()
    };
    assert!(
        query::list(&pool, &CatalogCache::default(), &nothing, 50, None)
            .await
            .expect("searches")
            .items
            .is_empty()
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn pages_follow_cursors_without_gaps_or_repeats(pool: PgPool) {
    seeded(&pool).await;
    let all = query::list(
        &pool,
        &CatalogCache::default(),
        &EntityFilter::default(),
        200,
        None,
    )
    .await
    .expect("lists");
    assert_eq!(all.items.len(), 10);
    assert!(all.next_cursor.is_none());
    let mut walked = Vec::new();
    let mut cursor = None;
    loop {
        let page = query::list(
            &pool,
            &CatalogCache::default(),
            &EntityFilter::default(),
            3,
            cursor.as_deref(),
        )
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
        query::list(
            &pool,
            &CatalogCache::default(),
            &EntityFilter::default(),
            3,
            Some("not-a-cursor")
        )
        .await
        .is_err()
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn facets_count_what_the_filter_leaves(pool: PgPool) {
    seeded(&pool).await;
    let cache = CatalogCache::default();
    let all = query::facets(&pool, &cache, &EntityFilter::default())
        .await
        .expect("counts");
    assert_eq!(all.total, 10);
    assert!(all.kind.contains(&("component".into(), 2)), "{:?}", all.kind);
    assert!(all.kind.contains(&("api".into(), 2)));
    let components = query::facets(
        &pool,
        &cache,
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
    // The kind facet ignores its own filter, so the other kinds stay choosable.
    assert!(
        components.kind.contains(&("api".into(), 2)),
        "{:?}",
        components.kind
    );

    // A text search narrows every count to what it found.
    let searched = query::facets(
        &pool,
        &cache,
        &EntityFilter {
            q: Some("chekout".into()),
            kind: Some("component".into()),
            ..Default::default()
        },
    )
    .await
    .expect("counts");
    assert_eq!(searched.total, 2, "{searched:?}");

    // Another replica's change reaches this cache on its next read.
    let generation = cache.index(&pool).await.expect("index").generation();
    sqlx::query("update catalog_entities set lifecycle = 'deprecated' where name = 'checkout-worker'")
        .execute(&pool)
        .await
        .expect("changes");
    let after = query::facets(
        &pool,
        &cache,
        &EntityFilter {
            kind: Some("component".into()),
            ..Default::default()
        },
    )
    .await
    .expect("counts");
    assert!(cache.index(&pool).await.expect("index").generation() > generation);
    assert_eq!(
        after.lifecycle,
        [("deprecated".to_owned(), 1), ("production".to_owned(), 1)]
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn imports_collect_the_words_typo_search_corrects_against(pool: PgPool) {
    seeded(&pool).await;
    // The Rust rule imports use equals the SQL rule that back-filled the table.
    let from_sql: Vec<String> = sqlx::query_scalar(
        "select distinct w from catalog_entities, catalog_words_of(search_text) as w order by 1",
    )
    .fetch_all(&pool)
    .await
    .expect("words");
    let stored: Vec<String> = sqlx::query_scalar("select word from catalog_words order by 1")
        .fetch_all(&pool)
        .await
        .expect("words");
    assert!(!stored.is_empty());
    assert_eq!(stored, from_sql);
    assert!(stored.contains(&"checkout".to_owned()));
    assert!(
        !stored
            .iter()
            .any(|w| w.len() < 3 || w.bytes().all(|b| b.is_ascii_digit()))
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn search_pages_follow_relevance_without_gaps_or_repeats(pool: PgPool) {
    seeded(&pool).await;
    let cache = CatalogCache::default();
    let filter = EntityFilter {
        q: Some("checkout".into()),
        ..Default::default()
    };
    let all = query::list(&pool, &cache, &filter, 200, None)
        .await
        .expect("searches");
    assert!(all.items.len() >= 4, "{:?}", names(&all));
    let (first, facets) = query::page(&pool, &cache, &filter, 2, None)
        .await
        .expect("a page");
    assert_eq!(facets.total as usize, all.items.len());
    let mut walked: Vec<String> = first.items.iter().map(|e| e.key.clone()).collect();
    let mut cursor = first.next_cursor;
    while let Some(c) = cursor {
        let page = query::list(&pool, &cache, &filter, 2, Some(&c))
            .await
            .expect("pages");
        walked.extend(page.items.iter().map(|e| e.key.clone()));
        cursor = page.next_cursor;
    }
    let expected: Vec<String> = all.items.iter().map(|e| e.key.clone()).collect();
    assert_eq!(walked, expected);
}

/// The searchable text lives in its own table: an edit must move what a search finds,
/// and a deletion must leave nothing behind for a search to stumble on.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn search_follows_edits_and_deletions(pool: PgPool) {
    seeded(&pool).await;
    let cache = CatalogCache::default();
    let search = |q: &str| EntityFilter {
        q: Some(q.into()),
        ..Default::default()
    };
    let key = "component:default/checkout-service";
    let found = |page: &query::Page| page.items.iter().any(|e| e.key == key);
    let (before, _) = query::page(&pool, &cache, &search("authorisations"), 50, None)
        .await
        .expect("searches");
    assert!(found(&before));

    let stored = store::get(&pool, key).await.expect("reads").expect("exists");
    let edited = store::descriptor_yaml(&stored.body).replace(
        "Takes the basket to a paid order; retries card authorisations.",
        "Settles baskets through the zephyr gateway.",
    );
    store::put(&pool, key, &edited, "system:test", None, |_| Ok(()))
        .await
        .expect("saves");
    let (old_words, _) = query::page(&pool, &cache, &search("authorisations"), 50, None)
        .await
        .expect("searches");
    assert!(!found(&old_words), "the old description is no longer searchable");
    let (new_words, facets) = query::page(&pool, &cache, &search("zephir"), 50, None)
        .await
        .expect("searches");
    assert!(found(&new_words), "the new description is, typo and all");
    assert_eq!(facets.total, 1);

    store::delete(&pool, key, "system:test", None, |_| Ok(()))
        .await
        .expect("deletes");
    let (gone, facets) = query::page(&pool, &cache, &search("zephyr"), 50, None)
        .await
        .expect("searches");
    assert!(gone.items.is_empty());
    assert_eq!(facets.total, 0);
    let (searchable, entities): (i64, i64) = sqlx::query_as(
        "select (select count(*) from catalog_search), (select count(*) from catalog_entities)",
    )
    .fetch_one(&pool)
    .await
    .expect("counts");
    assert_eq!(searchable, entities);
}

/// Walks every page of `filter` three entities at a time, following the cursors.
async fn walk(pool: &PgPool, cache: &CatalogCache, filter: &EntityFilter) -> Vec<String> {
    let mut walked = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = query::list(pool, cache, filter, 3, cursor.as_deref())
            .await
            .expect("pages");
        walked.extend(page.items.iter().map(|e| e.key.clone()));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return walked,
        }
    }
}

/// Edits an entity's description, which makes it the most recently updated.
async fn touch(pool: &PgPool, key: &str, description: &str) {
    let stored = store::get(pool, key).await.expect("reads").expect("exists");
    let old = stored.description.clone().expect("has a description");
    let edited = store::descriptor_yaml(&stored.body).replace(&old, description);
    store::put(pool, key, &edited, "system:test", None, |_| Ok(()))
        .await
        .expect("saves");
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn every_order_pages_without_gaps_or_repeats(pool: PgPool) {
    seeded(&pool).await;
    touch(
        &pool,
        "component:default/checkout-service",
        "Checkout, edited first.",
    )
    .await;
    touch(
        &pool,
        "api:default/checkout-api",
        "Places checkout orders, edited last.",
    )
    .await;
    let cache = CatalogCache::default();
    let ordered = |sort: Sort, q: Option<&str>| EntityFilter {
        sort: Some(sort),
        q: q.map(str::to_owned),
        ..Default::default()
    };

    // Recently updated: the last edit, then the first, then the import (one
    // transaction, one time) by key, descending.
    let recent = query::list(&pool, &cache, &ordered(Sort::Updated, None), 200, None)
        .await
        .expect("lists");
    let keys: Vec<&str> = recent.items.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(
        keys[..2],
        ["api:default/checkout-api", "component:default/checkout-service"]
    );
    assert!(
        recent
            .items
            .windows(2)
            .all(|w| w[0].updated_at >= w[1].updated_at)
    );
    let mut rest: Vec<&str> = keys[2..].to_vec();
    rest.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(keys[2..], rest[..]);
    assert_eq!(walk(&pool, &cache, &ordered(Sort::Updated, None)).await, keys);

    // The same orders over search hits, and relevance still the default there.
    for sort in [Sort::Name, Sort::Updated, Sort::Relevance] {
        let filter = ordered(sort, Some("checkout"));
        let all = query::list(&pool, &cache, &filter, 200, None)
            .await
            .expect("searches");
        assert!(all.items.len() >= 4, "{sort:?}: {:?}", names(&all));
        let expected: Vec<String> = all.items.iter().map(|e| e.key.clone()).collect();
        assert_eq!(walk(&pool, &cache, &filter).await, expected, "{sort:?}");
        match sort {
            Sort::Name => assert!(all.items.windows(2).all(|w| w[0].name <= w[1].name)),
            Sort::Updated => assert_eq!(all.items[0].key, "api:default/checkout-api"),
            Sort::Relevance => {
                let default = query::list(&pool, &cache, &ordered(sort, Some("checkout")), 200, None)
                    .await
                    .expect("searches");
                let unsorted = EntityFilter {
                    q: Some("checkout".into()),
                    ..Default::default()
                };
                let implicit = query::list(&pool, &cache, &unsorted, 200, None)
                    .await
                    .expect("searches");
                assert_eq!(default, implicit);
            }
        }
    }

    // A cursor continues only the order it came from.
    let by_name = query::list(&pool, &cache, &ordered(Sort::Name, None), 2, None)
        .await
        .expect("lists");
    let cursor = by_name.next_cursor.expect("more pages");
    let err = query::list(&pool, &cache, &ordered(Sort::Updated, None), 2, Some(&cursor))
        .await
        .expect_err("another order's cursor");
    assert!(err.to_string().contains("continues the `name` order"), "{err}");
}

/// What Postgres itself matches for `q`, planned as the search plans it (each word as
/// a prefix or one of its four most similar catalog words), by `to_tsquery`.
async fn postgres_matches(pool: &PgPool, q: &str) -> Vec<String> {
    let mut keys: Vec<String> = sqlx::query_scalar(
        r#"with words as (
               select distinct on (w) w, ord
               from unnest(regexp_split_to_array(lower($1), '[^a-z0-9]+')) with ordinality as t(w, ord)
               where w <> '' order by w, ord),
           clauses as (
               select ord, '(' || string_agg(alt, ' | ') || ')' as clause
               from (select ord, w || ':*' as alt from words
                     union all
                     select ord, c.word from words cross join lateral (
                         select word from catalog_words
                         where length(w) >= 3 and word % w and word <> w
                         order by similarity(word, w) desc, word limit 4) as c) as a
               group by ord)
           select e.key from catalog_entities e join catalog_search s on s.entity_id = e.id
           where s.search @@ to_tsquery('english', (select string_agg(clause, ' & ' order by ord) from clauses))"#,
    )
    .bind(q)
    .fetch_all(pool)
    .await
    .expect("postgres searches");
    keys.sort();
    keys
}

/// The replica searches in memory, over the lexemes Postgres computed: it must match
/// exactly the entities Postgres's own full-text query matches, typos, prefixes and
/// stop words included.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn search_in_memory_matches_what_postgres_matches(pool: PgPool) {
    use parkway_demo_cluster::catalog::{DEMO_SERVICES, files};
    for (path, text) in files(DEMO_SERVICES) {
        store::import(&pool, &path, &path, &text, "system:test", None)
            .await
            .expect("imports");
    }
    let cache = CatalogCache::default();
    for q in [
        "checkout",
        "chekout",
        "authorisatons",
        "pay",
        "payments api",
        "the checkout",
        "services",
        "invocie",
        "postgres",
        "a",
        "zzzzqqq",
        "team-payments",
    ] {
        let filter = EntityFilter {
            q: Some(q.into()),
            ..Default::default()
        };
        let mut ours = walk(&pool, &cache, &filter).await;
        ours.sort();
        let theirs = postgres_matches(&pool, q).await;
        assert_eq!(ours, theirs, "q={q}");
        if ["checkout", "chekout", "pay", "payments api", "the checkout"].contains(&q) {
            assert!(!theirs.is_empty(), "q={q} should find something");
        }
        let counted = query::facets(&pool, &cache, &filter).await.expect("counts");
        assert_eq!(counted.total as usize, theirs.len(), "q={q}");
    }
    // Stop words alone ask nothing and find nothing, as in Postgres.
    let only_stop_words = EntityFilter {
        q: Some("the and".into()),
        ..Default::default()
    };
    let (page, facets) = query::page(&pool, &cache, &only_stop_words, 50, None)
        .await
        .expect("searches");
    assert!(page.items.is_empty());
    assert_eq!(facets.total, 0);
}
