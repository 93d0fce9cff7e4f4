//! Listing the catalog: URL-style filters, full-text search that forgives typos
//! (`tsvector` plus trigram word similarity), keyset pagination, and facet counts.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::error::{Error, Result};

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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    pub items: Vec<EntitySummary>,
    /// Pass as `cursor` for the next page; absent on the last one.
    pub next_cursor: Option<String>,
}

/// How similar a word must be to count as a typo of a catalog word (pg_trgm's word
/// similarity; its default of 0.6 misses one-letter slips in eight-letter words).
const TYPO_THRESHOLD: &str = "0.5";

/// A transaction whose trigram threshold suits typo search.
async fn search_transaction(pool: &PgPool) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    let mut tx = pool.begin().await?;
    sqlx::query_scalar!(
        "select set_config('pg_trgm.word_similarity_threshold', $1, true)",
        TYPO_THRESHOLD
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok(tx)
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

/// One page, sorted by name (or by relevance when searching).
pub async fn list(pool: &PgPool, filter: &EntityFilter, limit: i64, cursor: Option<&str>) -> Result<Page> {
    let f = filter.normalised();
    let limit = limit.clamp(1, MAX_LIMIT);
    let mut tx = search_transaction(pool).await?;
    let (after_rank, after_name, after_key) = match cursor {
        Some(c) => {
            let (rank, name, key) = decode_cursor(c)?;
            (Some(rank), Some(name), Some(key))
        }
        None => (None, None, None),
    };
    let rows = sqlx::query!(
        r#"with matched as (
             select e.*,
                    case when $7::text is null then 0::real
                         else ts_rank(e.search, websearch_to_tsquery('english', $7)) + word_similarity($7, e.search_text)
                    end as rank
             from catalog_entities e
             where ($1::text is null or e.kind = $1)
               and ($2::text is null or e.owner = $2)
               and ($3::text is null or e.business_unit = $3)
               and ($4::text is null or e.lifecycle = $4)
               and ($5::text is null or e.tier = $5)
               and ($6::text is null or e.tags @> array[$6])
               and ($7::text is null or e.search @@ websearch_to_tsquery('english', $7) or $7 <% e.search_text)
           )
           select key as "key!", kind as "kind!", namespace as "namespace!", name as "name!", title, description,
                  spec_type, lifecycle, tier, owner, business_unit, tags as "tags!", orphaned_at is not null as "orphaned!",
                  rank as "rank!"
           from matched
           where $8::real is null or rank < $8 or (rank = $8 and (name, key) > ($9::text, $10::text))
           order by rank desc, name, key
           limit $11"#,
        f.kind,
        f.owner,
        f.business_unit,
        f.lifecycle,
        f.tier,
        f.tag,
        f.q,
        after_rank,
        after_name,
        after_key,
        limit + 1,
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let more = rows.len() as i64 > limit;
    let mut items = Vec::with_capacity(rows.len());
    let mut last = None;
    for r in rows.into_iter().take(limit as usize) {
        last = Some(encode_cursor(r.rank, &r.name, &r.key));
        items.push(EntitySummary {
            key: r.key,
            kind: r.kind,
            namespace: r.namespace,
            name: r.name,
            title: r.title,
            description: r.description,
            spec_type: r.spec_type,
            lifecycle: r.lifecycle,
            tier: r.tier,
            owner: r.owner,
            business_unit: r.business_unit,
            tags: r.tags,
            orphaned: r.orphaned,
        });
    }
    Ok(Page {
        items,
        next_cursor: if more { last } else { None },
    })
}

/// How many entities match, per value of each facet (under the other filters).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    pub total: i64,
    pub kind: Vec<(String, i64)>,
    pub owner: Vec<(String, i64)>,
    pub business_unit: Vec<(String, i64)>,
    pub lifecycle: Vec<(String, i64)>,
    pub tier: Vec<(String, i64)>,
    pub tag: Vec<(String, i64)>,
}

pub async fn facets(pool: &PgPool, filter: &EntityFilter) -> Result<Facets> {
    let f = filter.normalised();
    let mut tx = search_transaction(pool).await?;
    let rows = sqlx::query!(
        r#"with matched as (
             select kind, owner, business_unit, lifecycle, tier, tags from catalog_entities e
             where ($1::text is null or e.kind = $1)
               and ($2::text is null or e.owner = $2)
               and ($3::text is null or e.business_unit = $3)
               and ($4::text is null or e.lifecycle = $4)
               and ($5::text is null or e.tier = $5)
               and ($6::text is null or e.tags @> array[$6])
               and ($7::text is null or e.search @@ websearch_to_tsquery('english', $7) or $7 <% e.search_text)
           ),
           counted as (
             select 'kind' as facet, kind as value, count(*) as n from matched group by kind
             union all select 'owner', owner, count(*) from matched where owner is not null group by owner
             union all select 'business_unit', business_unit, count(*) from matched where business_unit is not null group by business_unit
             union all select 'lifecycle', lifecycle, count(*) from matched where lifecycle is not null group by lifecycle
             union all select 'tier', tier, count(*) from matched where tier is not null group by tier
             union all select 'tag', t, count(*) from matched, unnest(tags) as t group by t
             union all select 'total', null, count(*) from matched
           )
           select facet as "facet!", value, n as "n!" from counted order by facet, n desc, value"#,
        f.kind,
        f.owner,
        f.business_unit,
        f.lifecycle,
        f.tier,
        f.tag,
        f.q,
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut out = Facets::default();
    for r in rows {
        let value = r.value.unwrap_or_default();
        let list = match r.facet.as_str() {
            "total" => {
                out.total = r.n;
                continue;
            }
            "kind" => &mut out.kind,
            "owner" => &mut out.owner,
            "business_unit" => &mut out.business_unit,
            "lifecycle" => &mut out.lifecycle,
            "tier" => &mut out.tier,
            _ => &mut out.tag,
        };
        if list.len() < 25 {
            list.push((value, r.n));
        }
    }
    Ok(out)
}
