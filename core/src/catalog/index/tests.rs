use super::*;
use crate::catalog::query::Facets;

fn entity(key: &str, kind: &str, owner: &str, lifecycle: &str, tags: &[&str]) -> Source {
    let name = key.rsplit('/').next().unwrap_or(key);
    let minute: i64 = name.bytes().map(i64::from).sum();
    Source {
        key: key.into(),
        kind: kind.into(),
        namespace: "default".into(),
        name: name.into(),
        owner: Some(owner.into()),
        lifecycle: (!lifecycle.is_empty()).then(|| lifecycle.into()),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        updated_at: DateTime::from_timestamp(minute * 60, 0).expect("a time"),
        ..Default::default()
    }
}

fn index() -> CatalogIndex {
    CatalogIndex::build(
        7,
        [
            entity(
                "component:default/a",
                "component",
                "group:default/x",
                "production",
                &["go"],
            ),
            entity(
                "component:default/b",
                "component",
                "group:default/x",
                "experimental",
                &["go", "web"],
            ),
            entity(
                "component:default/c",
                "component",
                "group:default/y",
                "production",
                &["rust"],
            ),
            entity("api:default/d", "api", "group:default/y", "production", &[]),
        ],
        Vec::new(),
    )
}

fn of(list: &[(String, i64)], value: &str) -> Option<i64> {
    list.iter().find(|(v, _)| v == value).map(|(_, n)| *n)
}

fn keys<'a>(rows: &[Ranked<'a>]) -> Vec<&'a str> {
    rows.iter().map(|r| r.key).collect()
}

#[test]
fn unfiltered_counts_everything() {
    let f = index().count(&EntityFilter::default(), None);
    assert_eq!(f.total, 4);
    assert_eq!(f.kind, vec![("component".into(), 3), ("api".into(), 1)]);
    assert_eq!(of(&f.tag, "go"), Some(2));
    assert_eq!(of(&f.lifecycle, "production"), Some(3));
}

#[test]
fn a_facet_is_counted_under_the_other_filters_but_not_its_own() {
    let filter = EntityFilter {
        kind: Some("component".into()),
        owner: Some("group:default/x".into()),
        ..Default::default()
    };
    let f = index().count(&filter, None);
    assert_eq!(f.total, 2);
    // Kind ignores the kind filter: owner x has only components.
    assert_eq!(f.kind, vec![("component".into(), 2)]);
    // Owner ignores the owner filter: components of x and of y.
    assert_eq!(of(&f.owner, "group:default/x"), Some(2));
    assert_eq!(of(&f.owner, "group:default/y"), Some(1));
    // Lifecycle is under both filters.
    assert_eq!(of(&f.lifecycle, "production"), Some(1));
    assert_eq!(of(&f.lifecycle, "experimental"), Some(1));
    assert_eq!(of(&f.tag, "web"), Some(1));
    assert_eq!(of(&f.tag, "rust"), None);
}

#[test]
fn an_unknown_value_matches_nothing_but_the_other_values_stay_choosable() {
    let filter = EntityFilter {
        lifecycle: Some("retired".into()),
        ..Default::default()
    };
    let index = index();
    let f = index.count(&filter, None);
    assert_eq!(f.total, 0);
    assert!(f.kind.is_empty());
    assert_eq!(of(&f.lifecycle, "production"), Some(3));
    assert!(index.page(&filter, None, Sort::Name, None, 10).is_empty());
}

#[test]
fn a_chosen_value_is_listed_even_beyond_the_top_values() {
    // MAX_VALUES busy owners with two components each, and one quiet owner with one.
    let mut sources: Vec<Source> = (0..MAX_VALUES * 2)
        .map(|i| Source {
            key: format!("component:default/busy-{i}"),
            name: format!("busy-{i}"),
            kind: "component".into(),
            owner: Some(format!("group:default/busy-{}", i / 2)),
            ..Default::default()
        })
        .collect();
    sources.push(Source {
        key: "component:default/quiet".into(),
        name: "quiet".into(),
        kind: "component".into(),
        owner: Some("group:default/quiet".into()),
        lifecycle: Some("experimental".into()),
        ..Default::default()
    });
    let index = CatalogIndex::build(1, sources, Vec::new());
    let owners = |filter: EntityFilter| index.count(&filter, None).owner;
    assert_eq!(owners(EntityFilter::default()).len(), MAX_VALUES);
    assert_eq!(of(&owners(EntityFilter::default()), "group:default/quiet"), None);
    let quiet = EntityFilter {
        owner: Some("group:default/quiet".into()),
        ..Default::default()
    };
    assert_eq!(of(&owners(quiet.clone()), "group:default/quiet"), Some(1));
    // Other filters may leave it nothing; it stays listed, at 0, to be undone.
    let production = EntityFilter {
        lifecycle: Some("production".into()),
        ..quiet
    };
    assert_eq!(of(&owners(production), "group:default/quiet"), Some(0));
}

#[test]
fn text_matches_limit_every_count() {
    // b and d.
    let hits = [(1, 0.5), (3, 0.5)];
    let f: Facets = index().count(&EntityFilter::default(), Some(&hits));
    assert_eq!(f.total, 2);
    assert_eq!(f.kind, vec![("api".into(), 1), ("component".into(), 1)]);
    let tagged = EntityFilter {
        tag: Some("web".into()),
        ..Default::default()
    };
    assert_eq!(index().count(&tagged, Some(&hits)).total, 1);
}

#[test]
fn hits_keep_their_rank_meet_the_filters_and_sort_by_it() {
    let index = index();
    let hits = [(2, 0.9), (0, 0.2), (3, 0.7)];
    let production_components = EntityFilter {
        kind: Some("component".into()),
        lifecycle: Some("production".into()),
        ..Default::default()
    };
    let rows = index.page(&production_components, Some(&hits), Sort::Relevance, None, 10);
    assert_eq!(keys(&rows), ["component:default/c", "component:default/a"]);
    assert_eq!(rows[0].rank, 0.9);
    let by_name = index.page(&EntityFilter::default(), Some(&hits), Sort::Name, None, 10);
    assert_eq!(
        keys(&by_name),
        ["component:default/a", "component:default/c", "api:default/d"]
    );
}

#[test]
fn pages_continue_after_their_cursor_in_every_order_and_strategy() {
    // 64 entities: narrow filters answer from their rows, broad ones walk the
    // presorted orders; both must give the same pages.
    let sources: Vec<Source> = (0..64)
        .map(|i| Source {
            key: format!("component:default/svc-{i:02}"),
            name: format!("svc-{:02}", (i * 37) % 64),
            kind: "component".into(),
            owner: Some(format!("group:default/team-{}", i % 16)),
            lifecycle: Some(if i % 2 == 0 { "production" } else { "experimental" }.into()),
            updated_at: DateTime::from_timestamp(1_800_000_000 + (i % 5) * 60, 0).expect("a time"),
            ..Default::default()
        })
        .collect();
    let index = CatalogIndex::build(1, sources, Vec::new());
    for filter in [
        EntityFilter::default(),
        EntityFilter {
            owner: Some("group:default/team-3".into()),
            ..Default::default()
        },
        EntityFilter {
            lifecycle: Some("production".into()),
            ..Default::default()
        },
    ] {
        for sort in [Sort::Name, Sort::Updated] {
            let all = index.page(&filter, None, sort, None, 1_000);
            let order = ordering(sort);
            assert!(all.windows(2).all(|w| order(&w[0], &w[1]) == Ordering::Less));
            let mut walked = Vec::new();
            let mut after: Option<Ranked<'_>> = None;
            loop {
                let mut page = index.page(&filter, None, sort, after.as_ref(), 3);
                let more = page.len() > 3;
                page.truncate(3);
                walked.extend(page.iter().map(|r| r.key));
                after = page.last().copied();
                if !more {
                    break;
                }
            }
            assert_eq!(walked, keys(&all), "{filter:?} {sort:?}");
        }
    }
}

#[test]
fn a_row_reads_back_as_it_was_loaded() {
    let mut source = entity(
        "api:default/d",
        "api",
        "group:default/y",
        "production",
        &["x", "y"],
    );
    source.title = Some("D".into());
    source.spec_type = Some("openapi".into());
    source.orphaned = true;
    let index = CatalogIndex::build(1, [source.clone()], Vec::new());
    let row = index.summary(0);
    assert_eq!(row.key, source.key);
    assert_eq!(row.kind, "api");
    assert_eq!(row.namespace, "default");
    assert_eq!(row.title.as_deref(), Some("D"));
    assert_eq!(row.spec_type.as_deref(), Some("openapi"));
    assert_eq!(row.owner, source.owner);
    assert_eq!(row.business_unit, None);
    assert_eq!(row.tags, ["x", "y"]);
    assert!(row.orphaned);
    assert_eq!(row.updated_at, source.updated_at);
}

#[test]
fn searches_are_remembered_until_their_memory_is_spent_oldest_first() {
    let index = index();
    assert!(index.remembered("go").is_none());
    let hits = Arc::new(vec![(0, 1.0)]);
    index.remember("go", hits.clone());
    assert!(Arc::ptr_eq(&index.remembered("go").expect("kept"), &hits));
    // Each over half the budget: the second pushes out everything older.
    let half = SEARCHES_KEPT / std::mem::size_of::<(u32, f32)>() / 2 + 1;
    let big = Arc::new(vec![(0_u32, 1.0_f32); half]);
    index.remember("a", big.clone());
    assert!(index.remembered("go").is_some());
    index.remember("b", big.clone());
    assert!(index.remembered("go").is_none());
    assert!(index.remembered("a").is_none());
    assert!(index.remembered("b").is_some());
    // One search larger than the whole budget is never kept.
    index.remember("huge", Arc::new(vec![(0, 1.0); half * 2 + 1]));
    assert!(index.remembered("huge").is_none());
    assert!(index.remembered("b").is_some());
}
