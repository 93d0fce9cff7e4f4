//! Full-text search that forgives typos: each searched word is corrected against the
//! small `catalog_words` table (trigram similarity), then the narrow `catalog_search`
//! table's `tsvector`s are matched; the page's hits are ranked and cut in memory.

use sqlx::PgPool;

use super::super::{
    error::Result,
    facets::{FacetIndex, Hit, Ranked},
};
use super::{
    EntityFilter, EntitySummary, Page, Sort,
    cursor::{Position, ordering},
};

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

/// Every entity the words of `q` match, with its relevance: one index scan of the
/// narrow `catalog_search` table, shared by the page and its facet counts. `None` when
/// `q` has no words to search for.
///
/// No custom plan here (unlike the filtered listing): the query has one shape, the
/// GIN index is always the way in, and planning a prefix search per request cost more
/// than running it.
pub(super) async fn text_hits(pool: &PgPool, q: &str) -> Result<Option<Vec<Hit>>> {
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

/// A page of search hits: the facet filters applied through the index, in `sort`'s
/// order, after `cursor`. Only the page's own rows are sorted: a broad search's
/// thousands of hits are partitioned around the page's end first.
pub(super) async fn ranked_page(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searched_words_are_cut_like_catalog_words() {
        assert_eq!(search_words("Chekout  API, chekout-api!"), ["chekout", "api"]);
        assert!(search_words(" -- ").is_empty());
        assert_eq!(search_words("a b c d e f g h i j").len(), MAX_WORDS);
    }
}
