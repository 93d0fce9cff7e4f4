//! Listing the catalog: URL-style filters, full-text search that forgives typos
//! ([`search`]), keyset pagination ([`cursor`], pure) and facet counts, all answered
//! from the replica's in-memory [`CatalogIndex`](super::index::CatalogIndex).

mod cursor;
mod search;

use parkway_types::Facet;
pub use parkway_types::Sort;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::error::Result;
use super::index::CatalogCache;
use cursor::{Position, cursor_of};
use search::text_hits;

/// Filters, as query parameters and page URLs carry them. Empty strings mean "any".
/// The REST facets endpoint reads it as is, so it documents its own parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default, deny_unknown_fields)]
pub struct EntityFilter {
    /// Entity kind: component, api, resource, system, domain, group, user.
    pub kind: Option<String>,
    /// Owner entity reference, e.g. `group:default/checkout`.
    pub owner: Option<String>,
    /// Business-unit group reference, e.g. `group:default/payments`.
    pub business_unit: Option<String>,
    /// production, experimental, deprecated, …
    pub lifecycle: Option<String>,
    /// tier-1, tier-2, …
    pub tier: Option<String>,
    /// One tag.
    pub tag: Option<String>,
    /// Words to search for in name, title, description and tags.
    pub q: Option<String>,
    /// The order of the listing (facet counts ignore it).
    #[param(inline)]
    pub sort: Option<Sort>,
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
        Sort::effective(self.sort, searching)
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

/// Largest page.
pub const MAX_LIMIT: i64 = 200;

/// One page, in the filter's order (by name, or by relevance when searching).
pub async fn list(
    pool: &PgPool,
    cache: &CatalogCache,
    filter: &EntityFilter,
    limit: i64,
    cursor: Option<&str>,
) -> Result<Page> {
    Ok(page_of(pool, cache, filter, limit, cursor, false).await?.0)
}

/// A catalog page's entities and facet counts together: a search runs once for both.
pub async fn page(
    pool: &PgPool,
    cache: &CatalogCache,
    filter: &EntityFilter,
    limit: i64,
    cursor: Option<&str>,
) -> Result<(Page, Facets)> {
    let (page, facets) = page_of(pool, cache, filter, limit, cursor, true).await?;
    Ok((page, facets.unwrap_or_default()))
}

async fn page_of(
    pool: &PgPool,
    cache: &CatalogCache,
    filter: &EntityFilter,
    limit: i64,
    cursor: Option<&str>,
    with_facets: bool,
) -> Result<(Page, Option<Facets>)> {
    let f = filter.normalised();
    let limit = limit.clamp(1, MAX_LIMIT) as usize;
    let index = cache.index(pool).await?;
    let hits = match &f.q {
        Some(q) => text_hits(pool, cache, &index, q).await?,
        None => None,
    };
    let sort = f.order(hits.is_some());
    let hits = hits.as_deref().map(Vec::as_slice);
    let cursor = cursor_of(cursor, sort)?;
    let after = cursor.as_ref().map(Position::as_ranked);
    let mut rows = index.page(&f, hits, sort, after.as_ref(), limit);
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor = more
        .then(|| rows.last().map(|r| Position::of(sort, r).encode()))
        .flatten();
    let items = rows.iter().map(|r| index.summary(r.row)).collect();
    let facets = with_facets.then(|| index.count(&f, hits));
    Ok((Page { items, next_cursor }, facets))
}

/// How many entities match, per value of each facet (under the other filters).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Facets {
    pub total: i64,
    #[schema(schema_with = value_counts)]
    pub kind: Vec<(String, i64)>,
    #[schema(schema_with = value_counts)]
    pub owner: Vec<(String, i64)>,
    #[schema(schema_with = value_counts)]
    pub business_unit: Vec<(String, i64)>,
    #[schema(schema_with = value_counts)]
    pub lifecycle: Vec<(String, i64)>,
    #[schema(schema_with = value_counts)]
    pub tier: Vec<(String, i64)>,
    #[schema(schema_with = value_counts)]
    pub tag: Vec<(String, i64)>,
}

/// `[[value, count], …]`. utoipa writes a tuple as OpenAPI 3.0 did (`items` as a
/// list), which a 3.1 document may not; each pair is described as two items, each a
/// string or an integer (`prefixItems` would be exact, but schemathesis 4 rewrites it
/// into the same invalid list).
fn value_counts() -> utoipa::openapi::Array {
    use utoipa::openapi::{ArrayBuilder, ObjectBuilder, Type, schema::SchemaType};
    let value_or_count =
        ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Integer]));
    let pair = ArrayBuilder::new()
        .description(Some("[value, count]"))
        .items(value_or_count)
        .min_items(Some(2))
        .max_items(Some(2));
    ArrayBuilder::new().items(pair).build()
}

impl Facets {
    /// The counts of one facet.
    pub fn of(&self, facet: Facet) -> &[(String, i64)] {
        match facet {
            Facet::Kind => &self.kind,
            Facet::Owner => &self.owner,
            Facet::BusinessUnit => &self.business_unit,
            Facet::Lifecycle => &self.lifecycle,
            Facet::Tier => &self.tier,
            Facet::Tag => &self.tag,
        }
    }
}

/// Facet counts under `filter`, from this replica's index.
pub async fn facets(pool: &PgPool, cache: &CatalogCache, filter: &EntityFilter) -> Result<Facets> {
    let f = filter.normalised();
    let index = cache.index(pool).await?;
    let matches = match &f.q {
        Some(q) => text_hits(pool, cache, &index, q).await?,
        None => None,
    };
    Ok(index.count(&f, matches.as_deref().map(Vec::as_slice)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_decides_the_order() {
        let mut f = EntityFilter::default();
        assert_eq!(f.order(false), Sort::Name);
        assert_eq!(f.order(true), Sort::Relevance);
        f.sort = Some(Sort::Updated);
        assert_eq!(f.order(true), Sort::Updated);
    }

    #[test]
    fn blank_filters_are_no_filters() {
        let f = EntityFilter {
            kind: Some(" Component ".into()),
            owner: Some("  ".into()),
            ..EntityFilter::default()
        }
        .normalised();
        assert_eq!(f.kind.as_deref(), Some("component"));
        assert_eq!(f.owner, None);
    }
}
