//! Listing the catalog: URL-style filters, full-text search that forgives typos
//! (`tsvector` plus trigram word similarity), keyset pagination, and facet counts.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::error::{Error, Result};
use super::facets::{FacetCache, FacetIndex};

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
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Page {
    pub items: Vec<EntitySummary>,
    /// Pass as `cursor` for the next page; absent on the last one.
    pub next_cursor: Option<String>,
}

/// A transaction planned for the actual filters: the queries below use
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
async fn text_query(conn: &mut sqlx::PgConnection, q: &str) -> Result<Option<String>> {
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
    .fetch_all(&mut *conn)
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

fn encode_cursor(rank: f32, name: &str, key: &str) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::json!([rank, name, key]).to_string())
}

fn decode_cursor(cursor: &str) -> Result<(f32, String, String)> {
    let bad = || Error::BadRequest("cursor: not a cursor this API returned; start again without it".into());
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    serde_json::from_slice::<(f32, String, String)>(&bytes).map_err(|_| bad())
}

/// An entity the searched words match.
struct Hit {
    key: String,
    name: String,
    rank: f32,
}

/// Every entity the words of `q` match, with its relevance: one index scan, shared by
/// the page and its facet counts. `None` when `q` has no words to search for.
async fn text_hits(pool: &PgPool, q: &str) -> Result<Option<Vec<Hit>>> {
    let mut tx = planned_transaction(pool).await?;
    let Some(text) = text_query(&mut tx, q).await? else {
        return Ok(None);
    };
    let hits = sqlx::query_as!(
        Hit,
        r#"select e.key, e.name, ts_rank(e.search, t.query) as "rank!"
           from catalog_entities e, to_tsquery('english', $1) as t(query)
           where e.search @@ t.query"#,
        text
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(hits))
}

/// The entities with these keys, in this order.
async fn summaries(pool: &PgPool, keys: &[String]) -> Result<Vec<EntitySummary>> {
    let mut rows = sqlx::query_as!(
        EntitySummary,
        r#"select key, kind, namespace, name, title, description, spec_type, lifecycle, tier, owner,
                  business_unit, tags, orphaned_at is not null as "orphaned!"
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

type Cursor = Option<(f32, String, String)>;

/// A page of search hits: the facet filters applied through the index, ordered by
/// relevance then name, after `cursor`.
async fn ranked_page(
    pool: &PgPool,
    index: &FacetIndex,
    f: &EntityFilter,
    hits: Vec<Hit>,
    limit: i64,
    cursor: Cursor,
) -> Result<Page> {
    let mut hits = index.matching(f, hits, |h| h.key.as_str());
    hits.sort_by(|a, b| {
        b.rank
            .total_cmp(&a.rank)
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.key.cmp(&b.key))
    });
    let after = |h: &Hit| match &cursor {
        None => true,
        Some((rank, name, key)) => {
            h.rank < *rank
                || (h.rank == *rank && (h.name.as_str(), h.key.as_str()) > (name.as_str(), key.as_str()))
        }
    };
    let chosen: Vec<&Hit> = hits
        .iter()
        .filter(|h| after(h))
        .take(limit as usize + 1)
        .collect();
    let more = chosen.len() as i64 > limit;
    let chosen = &chosen[..chosen.len().min(limit as usize)];
    let keys: Vec<String> = chosen.iter().map(|h| h.key.clone()).collect();
    let items = summaries(pool, &keys).await?;
    let next_cursor = more
        .then(|| chosen.last().map(|h| encode_cursor(h.rank, &h.name, &h.key)))
        .flatten();
    Ok(Page { items, next_cursor })
}

/// A page without words: straight from the indexes, by name.
async fn named_page(pool: &PgPool, f: &EntityFilter, limit: i64, cursor: Cursor) -> Result<Page> {
    let (after_name, after_key) = cursor.map(|(_, n, k)| (n, k)).unzip();
    let mut tx = planned_transaction(pool).await?;
    let mut items = sqlx::query_as!(
        EntitySummary,
        r#"select key, kind, namespace, name, title, description, spec_type, lifecycle, tier, owner,
                  business_unit, tags, orphaned_at is not null as "orphaned!"
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
    .await?;
    tx.commit().await?;
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_cursor = more
        .then(|| items.last().map(|e| encode_cursor(0.0, &e.name, &e.key)))
        .flatten();
    Ok(Page { items, next_cursor })
}

fn cursor_of(cursor: Option<&str>) -> Result<Cursor> {
    cursor.map(decode_cursor).transpose()
}

/// One page, sorted by name (or by relevance when searching).
pub async fn list(
    pool: &PgPool,
    cache: &FacetCache,
    filter: &EntityFilter,
    limit: i64,
    cursor: Option<&str>,
) -> Result<Page> {
    let f = filter.normalised();
    let limit = limit.clamp(1, MAX_LIMIT);
    let cursor = cursor_of(cursor)?;
    match &f.q {
        Some(q) => match text_hits(pool, q).await? {
            Some(hits) => ranked_page(pool, &*cache.index(pool).await?, &f, hits, limit, cursor).await,
            None => named_page(pool, &f, limit, cursor).await,
        },
        None => named_page(pool, &f, limit, cursor).await,
    }
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
    let f = filter.normalised();
    let limit = limit.clamp(1, MAX_LIMIT);
    let cursor = cursor_of(cursor)?;
    let index = cache.index(pool).await?;
    let hits = match &f.q {
        Some(q) => text_hits(pool, q).await?,
        None => None,
    };
    match hits {
        Some(hits) => {
            let keys: Vec<String> = hits.iter().map(|h| h.key.clone()).collect();
            let facets = index.count(&f, Some(&keys));
            Ok((ranked_page(pool, &index, &f, hits, limit, cursor).await?, facets))
        }
        None => Ok((named_page(pool, &f, limit, cursor).await?, index.count(&f, None))),
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
        Some(q) => text_hits(pool, q)
            .await?
            .map(|hits| hits.into_iter().map(|h| h.key).collect::<Vec<_>>()),
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
        let c = encode_cursor(0.123_456_7, "svc", "component:default/svc");
        assert_eq!(
            decode_cursor(&c).expect("ours"),
            (0.123_456_7, "svc".into(), "component:default/svc".into())
        );
        assert!(decode_cursor("bm90IGEgY3Vyc29y").is_err());
    }
}
