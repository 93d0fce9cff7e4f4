//! Listing the catalog: URL-style filters, full-text search that forgives typos
//! (`tsvector` plus trigram word similarity), keyset pagination, and facet counts.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::error::{Error, Result};
use super::facets::{FacetCache, FacetIndex, Hit, Ranked};

/// Filters, as query parameters and page URLs carry them. Empty strings mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EntityFilter {
    pub kind: Option<String>,
    pub owner: Option<String>,
    pub business_unit: Option<String>,
    pub lifecycle: Option<String>,
    pub tier: Option<String>,
    pub tag: Option<String>,
    /// Words to search for in name, title, description and tags.
    pub q: Option<String>,
    /// The order of the listing (facet counts ignore it).
    pub sort: Option<Sort>,
}

/// The order of a listing. Each has its own keyset cursor, so a cursor only continues
/// the order it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// By name, then key: the default without words.
    Name,
    /// Most recently imported or edited first.
    Updated,
    /// Best match first, then by name: the default when searching. Without words to
    /// match it is the same as `name`.
    Relevance,
}

impl Sort {
    pub const ALL: [Sort; 3] = [Sort::Relevance, Sort::Name, Sort::Updated];

    /// As URLs spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Name => "name",
            Sort::Updated => "updated",
            Sort::Relevance => "relevance",
        }
    }
}

impl std::str::FromStr for Sort {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Sort::ALL
            .into_iter()
            .find(|sort| sort.as_str() == s)
            .ok_or_else(|| Error::BadRequest {
                field: "sort",
                reason: format!("`{s}` is not an order; use name, updated or relevance"),
            })
    }
}

impl EntityFilter {
    fn clean(value: &Option<String>) -> Option<String> {
        value
            .as_ref()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    fn normalised(&self) -> Self {
        Self {
            kind: Self::clean(&self.kind).map(|k| k.to_ascii_lowercase()),
            owner: Self::clean(&self.owner),
            business_unit: Self::clean(&self.business_unit),
            lifecycle: Self::clean(&self.lifecycle),
            tier: Self::clean(&self.tier),
            tag: Self::clean(&self.tag),
            q: Self::clean(&self.q),
            sort: self.sort,
        }
    }

    /// The order a page is listed in: the one asked for, else relevance when there
    /// are words to match, else name.
    fn order(&self, searching: bool) -> Sort {
        match (self.sort, searching) {
            (Some(Sort::Relevance), false) | (None, false) => Sort::Name,
            (None, true) => Sort::Relevance,
            (Some(sort), _) => sort,
        }
    }
}

/// One row of a catalog listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EntitySummary {
    pub key: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    pub tier: Option<String>,
    pub owner: Option<String>,
    pub business_unit: Option<String>,
    pub tags: Vec<String>,
    pub orphaned: bool,
    /// When an import or edit last changed it.
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Page {
    pub items: Vec<EntitySummary>,
    /// Pass as `cursor` for the next page; absent on the last one.
    pub next_cursor: Option<String>,
}

/// A transaction planned for the actual filters: the listing by name uses
/// `$n is null or …` for optional filters, which a cached generic plan cannot fold
/// away (it would scan for every filter combination).
async fn planned_transaction(pool: &PgPool) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    let mut tx = pool.begin().await?;
    sqlx::query_scalar!("select set_config('plan_cache_mode', 'force_custom_plan', true)")
        .fetch_one(&mut *tx)
        .await?;
    Ok(tx)
}

/// Most words a search looks at.
const MAX_WORDS: usize = 8;
/// Catalog words tried as corrections of one searched word.
const MAX_CORRECTIONS: i64 = 4;

/// The searched words, cut like catalog words: lower-case letters and digits.
fn search_words(q: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for w in q
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let w: String = w.chars().take(40).collect();
        if !words.contains(&w) {
            words.push(w);
        }
    }
    words.truncate(MAX_WORDS);
    words
}

/// The `to_tsquery` text for a search: every word must match, each as a prefix or as
/// one of the catalog words most similar to it (trigram similarity against the small
/// `catalog_words` table, so `invocie` also looks for `invoice`). `None` when the
/// search has no words at all.
async fn text_query(pool: &PgPool, q: &str) -> Result<Option<String>> {
    let words = search_words(q);
    if words.is_empty() {
        return Ok(None);
    }
    let corrections = sqlx::query!(
        r#"select q.w as "w!", c.word as "word!"
           from unnest($1::text[]) as q(w)
           cross join lateral (
               select word from catalog_words
               where length(q.w) >= 3 and word % q.w
               order by similarity(word, q.w) desc, word
               limit $2
           ) as c"#,
        &words,
        MAX_CORRECTIONS,
    )
    .fetch_all(pool)
    .await?;
    let clauses: Vec<String> = words
        .iter()
        .map(|w| {
            let mut alternatives = vec![format!("{w}:*")];
            alternatives.extend(
                corrections
                    .iter()
                    .filter(|c| &c.w == w && &c.word != w)
                    .map(|c| c.word.clone()),
            );
            format!("({})", alternatives.join(" | "))
        })
        .collect();
    Ok(Some(clauses.join(" & ")))
}

/// Largest page.
pub const MAX_LIMIT: i64 = 200;

/// Where a page ended, in the terms of its order: what the next page starts after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "lowercase")]
enum Position {
    Name {
        name: String,
        key: String,
    },
    /// `at`: microseconds since the epoch, exact (a float would round).
    Updated {
        at: i64,
        key: String,
    },
    Relevance {
        rank: f32,
        name: String,
        key: String,
    },
}

impl Position {
    fn sort(&self) -> Sort {
        match self {
            Position::Name { .. } => Sort::Name,
            Position::Updated { .. } => Sort::Updated,
            Position::Relevance { .. } => Sort::Relevance,
        }
    }

    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(cursor: &str) -> Result<Self> {
        let bad = || Error::BadRequest {
            field: "cursor",
            reason: "not a cursor this API returned; start again without it".into(),
        };
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
        serde_json::from_slice(&bytes).map_err(|_| bad())
    }

    /// Where a hit sits in `sort`'s order.
    fn of(sort: Sort, hit: &Ranked<'_>) -> Self {
        let (name, key) = (hit.name.to_owned(), hit.key.to_owned());
        match sort {
            Sort::Name => Position::Name { name, key },
            Sort::Updated => Position::Updated { at: hit.updated, key },
            Sort::Relevance => Position::Relevance {
                rank: hit.rank,
                name,
                key,
            },
        }
    }

    /// The position as a hit, to compare hits against in [`ordering`].
    fn as_ranked(&self) -> Ranked<'_> {
        match self {
            Position::Name { name, key } => Ranked {
                key,
                name,
                rank: 0.0,
                updated: 0,
            },
            Position::Updated { at, key } => Ranked {
                key,
                name: "",
                rank: 0.0,
                updated: *at,
            },
            Position::Relevance { rank, name, key } => Ranked {
                key,
                name,
                rank: *rank,
                updated: 0,
            },
        }
    }
}

/// Every entity the words of `q` match, with its relevance: one index scan of the
/// narrow `catalog_search` table, shared by the page and its facet counts. `None` when
/// `q` has no words to search for.
///
/// No custom plan here (unlike the filtered listing): the query has one shape, the
/// GIN index is always the way in, and planning a prefix search per request cost more
/// than running it.
async fn text_hits(pool: &PgPool, q: &str) -> Result<Option<Vec<Hit>>> {
    let Some(text) = text_query(pool, q).await? else {
        return Ok(None);
    };
    let hits = sqlx::query_as!(
        Hit,
        r#"select s.entity_id as id, ts_rank(s.search, t.query) as "rank!"
           from catalog_search s, to_tsquery('english', $1) as t(query)
           where s.search @@ t.query"#,
        text
    )
    .fetch_all(pool)
    .await?;
    Ok(Some(hits))
}

/// The entities with these keys, in this order.
async fn summaries(pool: &PgPool, keys: &[String]) -> Result<Vec<EntitySummary>> {
    let mut rows = sqlx::query_as!(
        EntitySummary,
        r#"select key, kind, namespace, name, title, description, spec_type, lifecycle, tier, owner,
                  business_unit, tags, orphaned_at is not null as "orphaned!", updated_at
           from catalog_entities where key = any($1)"#,
        keys
    )
    .fetch_all(pool)
    .await?;
    let position: std::collections::HashMap<&str, usize> =
        keys.iter().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
    rows.sort_by_key(|r| position.get(r.key.as_str()).copied().unwrap_or(usize::MAX));
    Ok(rows)
}

/// Search hits in `sort`'s order, the same orders the SQL listings use; each ends
/// with the key, so it is total and cursors never skip or repeat.
fn ordering(sort: Sort) -> impl Fn(&Ranked<'_>, &Ranked<'_>) -> std::cmp::Ordering {
    move |a, b| match sort {
        Sort::Name => a.name.cmp(b.name).then_with(|| a.key.cmp(b.key)),
        Sort::Updated => b.updated.cmp(&a.updated).then_with(|| b.key.cmp(a.key)),
        Sort::Relevance => b
            .rank
            .total_cmp(&a.rank)
            .then_with(|| a.name.cmp(b.name))
            .then_with(|| a.key.cmp(b.key)),
    }
}

/// A page of search hits: the facet filters applied through the index, in `sort`'s
/// order, after `cursor`. Only the page's own rows are sorted: a broad search's
/// thousands of hits are partitioned around the page's end first.
async fn ranked_page(
    pool: &PgPool,
    index: &FacetIndex,
    f: &EntityFilter,
    hits: &[Hit],
    sort: Sort,
    limit: i64,
    cursor: Option<Position>,
) -> Result<Page> {
    let limit = limit as usize;
    let order = ordering(sort);
    let after = cursor.as_ref().map(Position::as_ranked);
    let mut chosen: Vec<Ranked<'_>> = index
        .passing(f, hits)
        .into_iter()
        .filter(|h| {
            after
                .as_ref()
                .is_none_or(|a| order(a, h) == std::cmp::Ordering::Less)
        })
        .collect();
    if chosen.len() > limit + 1 {
        chosen.select_nth_unstable_by(limit, &order);
        chosen.truncate(limit + 1);
    }
    chosen.sort_unstable_by(&order);
    let more = chosen.len() > limit;
    chosen.truncate(limit);
    let keys: Vec<String> = chosen.iter().map(|h| h.key.to_owned()).collect();
    let items = summaries(pool, &keys).await?;
    let next_cursor = more
        .then(|| chosen.last().map(|h| Position::of(sort, h).encode()))
        .flatten();
    Ok(Page { items, next_cursor })
}

/// A page without words: straight from the indexes, by name or by last change.
async fn listed_page(
    pool: &PgPool,
    f: &EntityFilter,
    sort: Sort,
    limit: i64,
    cursor: Option<Position>,
) -> Result<Page> {
    let mut tx = planned_transaction(pool).await?;
    let mut items = if sort == Sort::Updated {
        let (after_at, after_key) = match cursor {
            Some(Position::Updated { at, key }) => (Some(at), Some(key)),
            _ => (None, None),
        };
        sqlx::query_as!(
            EntitySummary,
            r#"select key, kind, namespace, name, title, description, spec_type, lifecycle, tier, owner,
                      business_unit, tags, orphaned_at is not null as "orphaned!", updated_at
               from catalog_entities e
               where ($1::text is null or e.kind = $1)
                 and ($2::text is null or e.owner = $2)
                 and ($3::text is null or e.business_unit = $3)
                 and ($4::text is null or e.lifecycle = $4)
                 and ($5::text is null or e.tier = $5)
                 and ($6::text is null or e.tags @> array[$6])
                 and ($7::bigint is null
                      or (e.updated_at, e.key) < (timestamptz 'epoch' + $7 * interval '1 microsecond', $8::text))
               order by e.updated_at desc, e.key desc
               limit $9"#,
            f.kind,
            f.owner,
            f.business_unit,
            f.lifecycle,
            f.tier,
            f.tag,
            after_at,
            after_key,
            limit + 1,
        )
        .fetch_all(&mut *tx)
        .await?
    } else {
        let (after_name, after_key) = match cursor {
            Some(Position::Name { name, key }) => (Some(name), Some(key)),
            _ => (None, None),
        };
        sqlx::query_as!(
            EntitySummary,
            r#"select key, kind, namespace, name, title, description, spec_type, lifecycle, tier, owner,
                      business_unit, tags, orphaned_at is not null as "orphaned!", updated_at
               from catalog_entities e
               where ($1::text is null or e.kind = $1)
                 and ($2::text is null or e.owner = $2)
                 and ($3::text is null or e.business_unit = $3)
                 and ($4::text is null or e.lifecycle = $4)
                 and ($5::text is null or e.tier = $5)
                 and ($6::text is null or e.tags @> array[$6])
                 and ($7::text is null or (e.name, e.key) > ($7, $8::text))
               order by e.name, e.key
               limit $9"#,
            f.kind,
            f.owner,
            f.business_unit,
            f.lifecycle,
            f.tier,
            f.tag,
            after_name,
            after_key,
            limit + 1,
        )
        .fetch_all(&mut *tx)
        .await?
    };
    tx.commit().await?;
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_cursor = more
        .then(|| {
            items.last().map(|e| {
                let last = Ranked {
                    key: &e.key,
                    name: &e.name,
                    rank: 0.0,
                    updated: e.updated_at.timestamp_micros(),
                };
                Position::of(sort, &last).encode()
            })
        })
        .flatten();
    Ok(Page { items, next_cursor })
}

/// The cursor, if any, checked against the order it must continue.
fn cursor_of(cursor: Option<&str>, sort: Sort) -> Result<Option<Position>> {
    let Some(position) = cursor.map(Position::decode).transpose()? else {
        return Ok(None);
    };
    if position.sort() != sort {
        return Err(Error::BadRequest {
            field: "cursor",
            reason: format!(
                "it continues the `{}` order, not `{}`; start again without it",
                position.sort().as_str(),
                sort.as_str()
            ),
        });
    }
    Ok(Some(position))
}

/// One page, in the filter's order (by name, or by relevance when searching).
pub async fn list(
    pool: &PgPool,
    cache: &FacetCache,
    filter: &EntityFilter,
    limit: i64,
    cursor: Option<&str>,
) -> Result<Page> {
    Ok(page_of(pool, cache, filter, limit, cursor, false).await?.0)
}

/// A catalog page's entities and facet counts together: a search scans its matches
/// once for both.
pub async fn page(
    pool: &PgPool,
    cache: &FacetCache,
    filter: &EntityFilter,
    limit: i64,
    cursor: Option<&str>,
) -> Result<(Page, Facets)> {
    let (page, facets) = page_of(pool, cache, filter, limit, cursor, true).await?;
    Ok((page, facets.unwrap_or_default()))
}

async fn page_of(
    pool: &PgPool,
    cache: &FacetCache,
    filter: &EntityFilter,
    limit: i64,
    cursor: Option<&str>,
    with_facets: bool,
) -> Result<(Page, Option<Facets>)> {
    let f = filter.normalised();
    let limit = limit.clamp(1, MAX_LIMIT);
    let hits = match &f.q {
        Some(q) => text_hits(pool, q).await?,
        None => None,
    };
    let sort = f.order(hits.is_some());
    let cursor = cursor_of(cursor, sort)?;
    match hits {
        Some(hits) => {
            let index = cache.index(pool).await?;
            let facets = with_facets.then(|| index.count(&f, Some(&hits)));
            let page = ranked_page(pool, &index, &f, &hits, sort, limit, cursor).await?;
            Ok((page, facets))
        }
        None => {
            let facets = if with_facets {
                Some(cache.index(pool).await?.count(&f, None))
            } else {
                None
            };
            Ok((listed_page(pool, &f, sort, limit, cursor).await?, facets))
        }
    }
}

/// How many entities match, per value of each facet (under the other filters).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Facets {
    pub total: i64,
    pub kind: Vec<(String, i64)>,
    pub owner: Vec<(String, i64)>,
    pub business_unit: Vec<(String, i64)>,
    pub lifecycle: Vec<(String, i64)>,
    pub tier: Vec<(String, i64)>,
    pub tag: Vec<(String, i64)>,
}

/// Facet counts under `filter`, from this replica's [`FacetCache`]; a text search
/// first asks Postgres which entities match.
pub async fn facets(pool: &PgPool, cache: &FacetCache, filter: &EntityFilter) -> Result<Facets> {
    let f = filter.normalised();
    let index = cache.index(pool).await?;
    let matches = match &f.q {
        Some(q) => text_hits(pool, q).await?,
        None => None,
    };
    Ok(index.count(&f, matches.as_deref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searched_words_are_cut_like_catalog_words() {
        assert_eq!(search_words("Chekout  API, chekout-api!"), ["chekout", "api"]);
        assert!(search_words(" -- ").is_empty());
        assert_eq!(search_words("a b c d e f g h i j").len(), MAX_WORDS);
    }

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        for position in [
            Position::Relevance {
                rank: 0.123_456_7,
                name: "svc".into(),
                key: "component:default/svc".into(),
            },
            Position::Updated {
                at: 1_795_000_000_123_456,
                key: "component:default/svc".into(),
            },
        ] {
            let sort = position.sort();
            assert_eq!(
                cursor_of(Some(&position.encode()), sort).expect("ours"),
                Some(position)
            );
        }
        assert!(Position::decode("bm90IGEgY3Vyc29y").is_err());
    }

    #[test]
    fn a_cursor_only_continues_its_own_order() {
        let by_name = Position::Name {
            name: "svc".into(),
            key: "component:default/svc".into(),
        }
        .encode();
        let err = cursor_of(Some(&by_name), Sort::Updated).expect_err("another order");
        assert!(
            err.to_string()
                .contains("continues the `name` order, not `updated`"),
            "{err}"
        );
    }

    #[test]
    fn the_default_order_follows_the_words() {
        let mut f = EntityFilter::default();
        assert_eq!(f.order(false), Sort::Name);
        assert_eq!(f.order(true), Sort::Relevance);
        f.sort = Some(Sort::Relevance);
        assert_eq!(f.order(false), Sort::Name, "nothing to be relevant to");
        f.sort = Some(Sort::Updated);
        assert_eq!(f.order(true), Sort::Updated);
        assert!("newest".parse::<Sort>().is_err());
        assert_eq!("updated".parse::<Sort>().ok(), Some(Sort::Updated));
    }
}
