//! Listings without words: straight from the indexes, by name or by last change,
//! planned for the filters actually given.

use sqlx::PgPool;

use super::super::{error::Result, facets::Ranked};
use super::{EntityFilter, EntitySummary, Page, Sort, cursor::Position};

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

/// A page without words: straight from the indexes, by name or by last change.
pub(super) async fn listed_page(
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
