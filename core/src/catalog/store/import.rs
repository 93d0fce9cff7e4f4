//! Imports: a file of descriptors applied as one source, whole or not at all.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::super::{
    error::{Error, Result},
    model::{Entity, Problem, problem},
    validate,
    yaml::{self, Limits},
};
use super::{
    business_units::{business_units, changes_groups, recompute_business_units},
    words::{catalog_words, search_text},
};
use crate::audit::{self, NewAuditEvent};

/// What a stored entity is, as an import or edit compares against it:
/// `(body, source, orphaned, owner)`.
pub(super) type Stored = (Value, String, bool, Option<String>);

/// Largest descriptor text one import accepts.
pub const MAX_IMPORT_BYTES: usize = 8 * 1024 * 1024;

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

/// Size check, YAML, Backstage rules: the entities of `text` and the problems found
/// so far (references are checked against the database later). Parsing and validating
/// up to [`MAX_IMPORT_BYTES`] is CPU work, so it runs on Tokio's blocking pool, never
/// on the worker thread that serves other requests.
pub(super) async fn parse(file: &str, text: &str) -> Result<(Vec<Entity>, Vec<Problem>)> {
    if text.len() > MAX_IMPORT_BYTES {
        return Err(Error::TooLarge {
            file: file.to_owned(),
            size: text.len(),
            max: MAX_IMPORT_BYTES,
        });
    }
    let (file, text) = (file.to_owned(), text.to_owned());
    match tokio::task::spawn_blocking(move || parse_now(&file, &text)).await {
        Ok(parsed) => parsed,
        // The parser does not panic (see the property tests); if it ever did, the
        // request fails as it would have inline.
        Err(err) => std::panic::resume_unwind(
            err.try_into_panic()
                .unwrap_or_else(|cancelled| Box::new(cancelled.to_string())),
        ),
    }
}

/// [`parse`] on the calling thread, without the size check.
fn parse_now(file: &str, text: &str) -> Result<(Vec<Entity>, Vec<Problem>)> {
    let documents = yaml::parse(text, Limits::default()).map_err(|e| Error::Invalid {
        file: file.to_owned(),
        problems: vec![problem(e.pos, "(yaml)", e.reason)],
    })?;
    Ok(validate::entities(&documents))
}

/// A problem for every reference that resolves neither in the catalog nor among
/// `entities`.
pub(super) async fn check_references(
    tx: &mut sqlx::PgConnection,
    entities: &[Entity],
    problems: &mut Vec<Problem>,
) -> Result<()> {
    let targets: Vec<String> = entities
        .iter()
        .flat_map(|e| e.refs.iter().map(|r| r.target.key()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let known: BTreeSet<String> =
        sqlx::query_scalar!("select key from catalog_entities where key = any($1)", &targets)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
    let in_file: BTreeSet<String> = entities.iter().map(Entity::key).collect();
    for e in entities {
        for r in &e.refs {
            let target = r.target.key();
            if !in_file.contains(&target) && !known.contains(&target) {
                problems.push(problem(
                    r.pos,
                    &r.field,
                    format!("`{target}` does not exist in the catalog or in this file"),
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

/// Writes the entities that differ from what is stored (as `source`) and replaces the
/// relations their descriptors declare; fills `created`/`updated`/`unchanged`.
pub(super) async fn upsert(
    tx: &mut sqlx::PgConnection,
    source: &str,
    entities: &[Entity],
    stored: &HashMap<String, Stored>,
    outcome: &mut ImportOutcome,
) -> Result<()> {
    let units = business_units(tx, entities).await?;
    let mut words = BTreeSet::new();
    let mut rows = Vec::new();
    for e in entities {
        let key = e.key();
        match stored.get(&key) {
            Some((body, _, false, _)) if *body == e.body => {
                outcome.unchanged += 1;
                continue;
            }
            Some(_) => outcome.updated.push(key.clone()),
            None => outcome.created.push(key.clone()),
        }
        rows.push(json!({
            "key": key, "kind": e.entity_ref.kind.key_name(), "namespace": e.entity_ref.namespace,
            "name": e.entity_ref.name, "title": e.title, "description": e.description,
            "spec_type": e.spec_type, "lifecycle": e.lifecycle, "tier": e.tier,
            "owner": e.owner.as_ref().map(|o| o.key()), "tags": e.tags, "body": e.body,
            "search_text": search_text(e), "business_unit": units.get(&key),
        }));
        words.extend(catalog_words(&search_text(e)));
    }
    let words: Vec<String> = words.into_iter().collect();
    sqlx::query!(
        "insert into catalog_words (word) select unnest($1::text[]) on conflict do nothing",
        &words
    )
    .execute(&mut *tx)
    .await?;
    for chunk in rows.chunks(2_000) {
        sqlx::query!(
            "insert into catalog_entities
                 (key, kind, namespace, name, title, description, spec_type, lifecycle, tier, owner, business_unit, tags, body,
                  source, search_text)
             select r.key, r.kind, r.namespace, r.name, r.title, r.description, r.spec_type, r.lifecycle, r.tier, r.owner,
                    r.business_unit, coalesce(array(select jsonb_array_elements_text(r.tags)), '{}'), r.body, $2, r.search_text
             from jsonb_to_recordset($1::jsonb) as r(key text, kind text, namespace text, name text, title text,
                  description text, spec_type text, lifecycle text, tier text, owner text, business_unit text, tags jsonb,
                  body jsonb, search_text text)
             on conflict on constraint catalog_entities_pkey do update set
                 title = excluded.title, description = excluded.description, spec_type = excluded.spec_type,
                 lifecycle = excluded.lifecycle, tier = excluded.tier, owner = excluded.owner,
                 business_unit = excluded.business_unit, tags = excluded.tags,
                 body = excluded.body, search_text = excluded.search_text, orphaned_at = null, updated_at = now()",
            Value::Array(chunk.to_vec()),
            source,
        )
        .execute(&mut *tx)
        .await?;
    }
    let changed: Vec<String> = outcome.created.iter().chain(&outcome.updated).cloned().collect();
    // The searchable text lives in its own narrow table (see its migration).
    sqlx::query!(
        "insert into catalog_search (entity_id, search)
         select id, to_tsvector('english', search_text) from catalog_entities where key = any($1)
         on conflict on constraint catalog_search_pkey do update set search = excluded.search",
        &changed
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("delete from catalog_relations where origin = any($1)", &changed)
        .execute(&mut *tx)
        .await?;
    let changed: HashSet<&str> = changed.iter().map(String::as_str).collect();
    let (mut sources, mut types, mut targets, mut origins) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for e in entities.iter().filter(|e| changed.contains(e.key().as_str())) {
        for (a, t, b) in e.relation_pairs() {
            sources.push(a);
            types.push(t.as_str().to_owned());
            targets.push(b);
            origins.push(e.key());
        }
    }
    for start in (0..sources.len()).step_by(10_000) {
        let end = (start + 10_000).min(sources.len());
        sqlx::query!(
            "insert into catalog_relations (source_key, type, target_key, origin)
             select * from unnest($1::text[], $2::text[], $3::text[], $4::text[])
             on conflict do nothing",
            &sources[start..end],
            &types[start..end],
            &targets[start..end],
            &origins[start..end],
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Parses and validates `text`, then applies it as `source` in one transaction: every
/// entity upserted, its declared relations replaced, entities the source no longer
/// has marked orphaned, business units recomputed, one audit event. Any problem
/// (syntax, rules, a reference to nothing, an entity owned by another source) refuses
/// the whole file.
pub async fn import(
    pool: &PgPool,
    source: &str,
    file: &str,
    text: &str,
    actor: &str,
    request_id: Option<&str>,
) -> Result<ImportOutcome> {
    let (entities, mut problems) = parse(file, text).await?;
    let keys: Vec<String> = entities.iter().map(Entity::key).collect();
    let mut tx = pool.begin().await?;
    check_references(&mut tx, &entities, &mut problems).await?;
    let stored = existing(&mut tx, &keys).await?;
    for e in &entities {
        if let Some((_, other, _, _)) = stored.get(&e.key())
            && other != source
        {
            problems.push(problem(
                e.pos,
                "metadata.name",
                format!(
                    "`{}` is already imported from `{other}`; remove it there first",
                    e.key()
                ),
            ));
        }
    }
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
    upsert(&mut tx, source, &entities, &stored, &mut outcome).await?;
    outcome.orphaned = sqlx::query_scalar!(
        "update catalog_entities set orphaned_at = now()
         where source = $1 and orphaned_at is null and key <> all($2) returning key",
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
            "sha256": hex::encode(Sha256::digest(text.as_bytes())),
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
