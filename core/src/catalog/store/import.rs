//! Imports: a file of descriptors applied as one source, whole or not at all.
//!
//! The text is read one document at a time into compact rows ([`rows`]), then written
//! in batches of [`BATCH`] rows, each batch one statement for the entities (and their
//! search vectors) and one for their relations, all in one transaction. Whether an
//! entity changed is decided by Postgres as it writes (`on conflict … where`), so the
//! stored descriptors are never read back into memory.

mod rows;

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Serialize;
use serde_json::{Value, json};
use sqlx::PgPool;

use super::super::{
    error::{Error, Result},
    model::{Problem, problem},
};
use super::business_units::{Units, changes_groups, recompute_business_units};
use crate::audit::{self, NewAuditEvent};

pub(super) use rows::{Parsed, Row};

/// What a stored entity is, as an edit compares against it:
/// `(body, source, orphaned, owner)`.
pub(super) type Stored = (Value, String, bool, Option<String>);

/// The import size limit when none is configured (`PARKWAY_IMPORT_MAX_MB`, 64): room
/// for a generated catalog of 100,000 descriptors in one file, whose cross references
/// keep it from being split.
pub const DEFAULT_IMPORT_MAX_BYTES: usize = 64 * 1024 * 1024;

/// The largest import a replica accepts (`PARKWAY_IMPORT_MAX_MB`): what one file may
/// cost in memory and time. The operations and the CLI check it before reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportLimit {
    pub max_bytes: usize,
}

impl Default for ImportLimit {
    fn default() -> Self {
        Self {
            max_bytes: DEFAULT_IMPORT_MAX_BYTES,
        }
    }
}

impl ImportLimit {
    pub const fn from_mib(mib: usize) -> Self {
        Self {
            max_bytes: mib * 1024 * 1024,
        }
    }

    /// Refuses `size` bytes of `file` when over the limit, naming both and the setting.
    pub fn check(&self, file: &str, size: usize) -> Result<()> {
        if size > self.max_bytes {
            return Err(Error::TooLarge {
                file: file.to_owned(),
                size,
                max: self.max_bytes,
            });
        }
        Ok(())
    }
}

/// Rows per write statement: large enough that a round trip costs little per row,
/// small enough that one batch's columns (bodies included) stay a few megabytes.
const BATCH: usize = 1_000;

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportOutcome {
    pub source: String,
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: usize,
    /// Entities this source had before and no longer contains.
    pub orphaned: Vec<String>,
}

/// YAML, Backstage rules, rows: the rows of `text` and the problems found so far
/// (references are checked against the database later). This is CPU work, so it runs
/// on Tokio's blocking pool, never on the worker thread that serves other requests;
/// `text` is moved there and dropped as soon as it is read. Callers bound its size
/// (the import limit, the HTTP body limits).
pub(super) async fn parse(file: &str, text: String) -> Result<Parsed> {
    let file = file.to_owned();
    match tokio::task::spawn_blocking(move || rows::parse_now(&file, &text)).await {
        Ok(parsed) => parsed,
        // The parser does not panic (see the property tests); if it ever did, the
        // request fails as it would have inline.
        Err(err) => std::panic::resume_unwind(
            err.try_into_panic()
                .unwrap_or_else(|cancelled| Box::new(cancelled.to_string())),
        ),
    }
}

/// A problem for every reference that resolves neither in the catalog nor among
/// `rows`.
pub(super) async fn check_references(
    tx: &mut sqlx::PgConnection,
    rows: &[Row],
    problems: &mut Vec<Problem>,
) -> Result<()> {
    let in_file: HashSet<&str> = rows.iter().map(|r| r.key.as_str()).collect();
    let outside: Vec<String> = rows
        .iter()
        .flat_map(|r| &r.refs)
        .map(|r| r.target.as_str())
        .filter(|target| !in_file.contains(target))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let known: HashSet<String> =
        sqlx::query_scalar!("select key from catalog_entities where key = any($1)", &outside)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
    for row in rows {
        for r in &row.refs {
            if !in_file.contains(r.target.as_str()) && !known.contains(&r.target) {
                problems.push(problem(
                    r.pos,
                    &*r.field,
                    format!("`{}` does not exist in the catalog or in this file", r.target),
                ));
            }
        }
    }
    Ok(())
}

/// What the database holds for some keys: `(body, source, orphaned, owner)`, rows locked.
pub(super) async fn existing(
    tx: &mut sqlx::PgConnection,
    keys: &[String],
) -> Result<HashMap<String, Stored>> {
    Ok(sqlx::query!(
        "select key, body, source, orphaned_at is not null as \"orphaned!\", owner
         from catalog_entities where key = any($1) order by key for update",
        keys
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| (r.key, (r.body, r.source, r.orphaned, r.owner)))
    .collect())
}

/// A problem for every row already imported from another source than `source`; the
/// stored rows are locked until the transaction ends, so the answer holds.
async fn check_sources(
    tx: &mut sqlx::PgConnection,
    source: &str,
    rows: &[Row],
    keys: &[String],
    problems: &mut Vec<Problem>,
) -> Result<()> {
    let others: HashMap<String, String> = sqlx::query!(
        "select key, source from catalog_entities where key = any($1) order by key for update",
        keys
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .filter(|r| r.source != source)
    .map(|r| (r.key, r.source))
    .collect();
    for row in rows {
        if let Some(other) = others.get(&row.key) {
            problems.push(problem(
                row.pos,
                "metadata.name",
                format!(
                    "`{}` is already imported from `{other}`; remove it there first",
                    row.key
                ),
            ));
        }
    }
    Ok(())
}

/// Writes the rows that differ from what is stored (as `source`), their search
/// vectors, and replaces the relations their descriptors declare; fills
/// `created`/`updated`/`unchanged`. `keys` are the rows' keys; each row's `body` is
/// taken as it is written, so memory falls as the batches go.
pub(super) async fn upsert(
    tx: &mut sqlx::PgConnection,
    source: &str,
    rows: &mut [Row],
    keys: &[String],
    words: &BTreeSet<String>,
    outcome: &mut ImportOutcome,
) -> Result<()> {
    let units = Units::load(tx, rows, keys).await?;
    let words: Vec<String> = words.iter().cloned().collect();
    sqlx::query!(
        "insert into catalog_words (word) select unnest($1::text[]) on conflict do nothing",
        &words
    )
    .execute(&mut *tx)
    .await?;
    for batch in rows.chunks_mut(BATCH) {
        let changed = write_entities(tx, source, batch, &units).await?;
        for row in batch.iter() {
            match changed.get(row.key.as_str()) {
                Some(true) => outcome.created.push(row.key.clone()),
                Some(false) => outcome.updated.push(row.key.clone()),
                None => outcome.unchanged += 1,
            }
        }
        let written: Vec<&Row> = batch
            .iter()
            .filter(|r| changed.contains_key(r.key.as_str()))
            .collect();
        write_relations(tx, &written).await?;
    }
    Ok(())
}

/// One batch of entity rows and their search vectors, in one statement. An existing
/// row is only rewritten when its descriptor changed or it was orphaned; returns the
/// keys written, each with whether it was created. The batch's bodies are released
/// once written.
async fn write_entities(
    tx: &mut sqlx::PgConnection,
    source: &str,
    batch: &mut [Row],
    units: &Units,
) -> Result<HashMap<String, bool>> {
    let unit: Vec<Option<String>> = batch.iter().map(|row| units.of(row)).collect();
    let search_text: Vec<String> = batch.iter().map(Row::search_text).collect();
    // Valid tags have no spaces (`valid_tag`).
    let tags: Vec<String> = batch.iter().map(|row| row.tags.join(" ")).collect();
    let column = |f: fn(&Row) -> &str| batch.iter().map(f).collect::<Vec<&str>>();
    let optional = |f: fn(&Row) -> &Option<String>| {
        batch
            .iter()
            .map(|r| f(r).as_deref())
            .collect::<Vec<Option<&str>>>()
    };
    // The arrays are typed by the casts in the SQL (`as _` skips the macro's check,
    // which knows only `Vec<String>` for `text[]`; borrowing saves copying the batch).
    let written = sqlx::query!(
        "with written as (
             insert into catalog_entities
                 (key, kind, namespace, name, title, description, spec_type, lifecycle, tier, owner, business_unit,
                  tags, body, source, search_text)
             select r.key, r.kind, r.namespace, r.name, r.title, r.description, r.spec_type, r.lifecycle, r.tier,
                    r.owner, r.business_unit, string_to_array(r.tags, ' '), r.body::jsonb, $14, r.search_text
             from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                         $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $15::text[])
                  as r(key, kind, namespace, name, title, description, spec_type, lifecycle, tier, owner,
                       business_unit, tags, body, search_text)
             on conflict on constraint catalog_entities_pkey do update set
                 title = excluded.title, description = excluded.description, spec_type = excluded.spec_type,
                 lifecycle = excluded.lifecycle, tier = excluded.tier, owner = excluded.owner,
                 business_unit = excluded.business_unit, tags = excluded.tags,
                 body = excluded.body, search_text = excluded.search_text, orphaned_at = null, updated_at = now()
             where catalog_entities.body is distinct from excluded.body or catalog_entities.orphaned_at is not null
             returning id, key, search_text, xmax = 0 as created
         ),
         searched as (
             insert into catalog_search (entity_id, search)
             select id, to_tsvector('english', search_text) from written
             on conflict on constraint catalog_search_pkey do update set search = excluded.search
         )
         select key as \"key!\", created as \"created!\" from written",
        column(|r| r.key.as_str()) as _,
        column(|r| r.kind.key_name()) as _,
        column(|r| r.namespace.as_str()) as _,
        column(|r| r.name.as_str()) as _,
        optional(|r| &r.title) as _,
        optional(|r| &r.description) as _,
        optional(|r| &r.spec_type) as _,
        optional(|r| &r.lifecycle) as _,
        optional(|r| &r.tier) as _,
        optional(|r| &r.owner) as _,
        &unit as &[Option<String>],
        &tags,
        column(|r| r.body.as_str()) as _,
        source,
        &search_text,
    )
    .fetch_all(&mut *tx)
    .await?;
    for row in batch.iter_mut() {
        row.body = String::new();
    }
    Ok(written.into_iter().map(|r| (r.key, r.created)).collect())
}

/// Replaces the relations `rows` declare (both halves of each) with what they
/// declare now: their old rows deleted, the new ones streamed in with `COPY`.
async fn write_relations(tx: &mut sqlx::PgConnection, rows: &[&Row]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    // Every written origin, created ones too: rows left by a removal outside the
    // import must not collide with the COPY below.
    let origins: Vec<String> = rows.iter().map(|r| r.key.clone()).collect();
    sqlx::query!("delete from catalog_relations where origin = any($1)", &origins)
        .execute(&mut *tx)
        .await?;
    // COPY, the fastest way in: nothing can conflict, as every pair is written once
    // per origin (`relation_pairs` is deduplicated) and the origins' old rows are gone.
    let mut data = String::new();
    for row in rows {
        for (a, t, b) in row.relation_pairs() {
            for (i, field) in [a.as_str(), t.as_str(), b.as_str(), row.key.as_str()]
                .into_iter()
                .enumerate()
            {
                if i > 0 {
                    data.push('\t');
                }
                copy_text(field, &mut data);
            }
            data.push('\n');
        }
    }
    let mut copy = tx
        .copy_in_raw("copy catalog_relations (source_key, type, target_key, origin) from stdin")
        .await?;
    let sent = copy.send(data.into_bytes()).await.map(|_| ());
    if let Err(err) = sent {
        // Ends the COPY on the server before the error goes up.
        let _ = copy.abort(err.to_string()).await;
        return Err(err.into());
    }
    copy.finish().await?;
    Ok(())
}

/// `field` as a column of COPY's text format (backslash escapes). Keys cannot hold
/// these characters today; escaping keeps a future rule change from corrupting rows.
fn copy_text(field: &str, out: &mut String) {
    for c in field.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            other => out.push(other),
        }
    }
}

/// Parses and validates `text`, then applies it as `source` in one transaction: every
/// entity upserted, its declared relations replaced, entities the source no longer
/// has marked orphaned, business units recomputed, one audit event. Any problem
/// (syntax, rules, a reference to nothing, an entity owned by another source) refuses
/// the whole file. The caller bounds the size of `text` (the operations check
/// `PARKWAY_IMPORT_MAX_MB`); an owned `String` is not copied.
pub async fn import(
    pool: &PgPool,
    source: &str,
    file: &str,
    text: impl Into<String>,
    actor: &str,
    request_id: Option<&str>,
) -> Result<ImportOutcome> {
    let Parsed {
        mut rows,
        mut problems,
        words,
        sha256,
    } = parse(file, text.into()).await?;
    let keys: Vec<String> = rows.iter().map(|r| r.key.clone()).collect();
    let mut tx = pool.begin().await?;
    check_references(&mut tx, &rows, &mut problems).await?;
    check_sources(&mut tx, source, &rows, &keys, &mut problems).await?;
    if !problems.is_empty() {
        problems.sort();
        return Err(Error::Invalid {
            file: file.to_owned(),
            problems,
        });
    }

    let mut outcome = ImportOutcome {
        source: source.to_owned(),
        ..ImportOutcome::default()
    };
    upsert(&mut tx, source, &mut rows, &keys, &words, &mut outcome).await?;
    drop(rows);
    // `not in (select unnest …)` is a hashed subplan: one probe per stored row of the
    // source, where `<> all($2)` compared each with every imported key.
    outcome.orphaned = sqlx::query_scalar!(
        "update catalog_entities set orphaned_at = now()
         where source = $1 and orphaned_at is null and key not in (select unnest($2::text[])) returning key",
        source,
        &keys
    )
    .fetch_all(&mut *tx)
    .await?;
    outcome.orphaned.sort();
    if changes_groups(&outcome) {
        recompute_business_units(&mut tx).await?;
    }
    let mut event = NewAuditEvent::new(actor, "catalog.import", format!("catalog-source:{source}"))
        .with_payload(json!({
            "file": file,
            // Which bytes were imported, so the file can be matched to the event later.
            "sha256": sha256,
            "created": outcome.created,
            "updated": outcome.updated,
            "unchanged": outcome.unchanged,
            "orphaned": outcome.orphaned,
        }));
    event.request_id = request_id.map(str::to_owned);
    audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    Ok(outcome)
}

#[cfg(test)]
mod props;
