//! Catalog storage: imports applied whole or not at all, lookups, and listing.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;
use serde_json::{Value, json};
use sqlx::PgPool;

use super::{
    error::{Error, Result},
    model::{Entity, Problem},
    validate,
    yaml::{self, Limits},
};
use crate::audit::{self, NewAuditEvent};

/// Largest descriptor text one import accepts.
pub const MAX_IMPORT_BYTES: usize = 8 * 1024 * 1024;

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    pub source: String,
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: usize,
    /// Entities this source had before and no longer contains.
    pub orphaned: Vec<String>,
}

fn search_text(e: &Entity) -> String {
    let mut text = e.entity_ref.name.replace(['-', '_', '.'], " ");
    for part in [&e.title, &e.description].into_iter().flatten() {
        text.push(' ');
        text.push_str(part);
    }
    for tag in &e.tags {
        text.push(' ');
        text.push_str(tag);
    }
    text
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
    if text.len() > MAX_IMPORT_BYTES {
        return Err(Error::TooLarge {
            file: file.to_owned(),
            size: text.len(),
            max: MAX_IMPORT_BYTES,
        });
    }
    let invalid = |problems: Vec<Problem>| Error::Invalid {
        file: file.to_owned(),
        problems,
    };
    let documents = yaml::parse(text, Limits::default())
        .map_err(|e| invalid(vec![Problem::new(e.pos, "(yaml)", e.reason)]))?;
    let (entities, mut problems) = validate::entities(&documents);

    let keys: Vec<String> = entities.iter().map(Entity::key).collect();
    let targets: Vec<String> = entities
        .iter()
        .flat_map(|e| e.refs.iter().map(|r| r.target.key()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut tx = pool.begin().await?;
    let known: BTreeSet<String> =
        sqlx::query_scalar!("select key from catalog_entities where key = any($1)", &targets)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
    let in_file: BTreeSet<&str> = keys.iter().map(String::as_str).collect();
    for e in &entities {
        for r in &e.refs {
            let target = r.target.key();
            if !in_file.contains(target.as_str()) && !known.contains(&target) {
                problems.push(Problem::new(
                    r.pos,
                    &r.field,
                    format!("`{target}` does not exist in the catalog or in this file"),
                ));
            }
        }
    }
    let existing: HashMap<String, (Value, String, bool)> = sqlx::query!(
        "select key, body, source, orphaned_at is not null as \"orphaned!\" from catalog_entities where key = any($1)",
        &keys
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| (r.key, (r.body, r.source, r.orphaned)))
    .collect();
    for e in &entities {
        if let Some((_, other, _)) = existing.get(&e.key())
            && other != source
        {
            let pos = yaml::Pos {
                line: e.pos.line,
                column: e.pos.column,
            };
            problems.push(Problem::new(
                pos,
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
        return Err(invalid(problems));
    }

    let mut outcome = ImportOutcome {
        source: source.to_owned(),
        ..ImportOutcome::default()
    };
    let mut rows = Vec::new();
    for e in &entities {
        let key = e.key();
        match existing.get(&key) {
            Some((body, _, false)) if *body == e.body => {
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
            "search_text": search_text(e),
        }));
    }
    for chunk in rows.chunks(2_000) {
        sqlx::query!(
            "insert into catalog_entities
                 (key, kind, namespace, name, title, description, spec_type, lifecycle, tier, owner, tags, body, source, search_text)
             select r.key, r.kind, r.namespace, r.name, r.title, r.description, r.spec_type, r.lifecycle, r.tier, r.owner,
                    coalesce(array(select jsonb_array_elements_text(r.tags)), '{}'), r.body, $2, r.search_text
             from jsonb_to_recordset($1::jsonb) as r(key text, kind text, namespace text, name text, title text,
                  description text, spec_type text, lifecycle text, tier text, owner text, tags jsonb, body jsonb, search_text text)
             on conflict on constraint catalog_entities_pkey do update set
                 title = excluded.title, description = excluded.description, spec_type = excluded.spec_type,
                 lifecycle = excluded.lifecycle, tier = excluded.tier, owner = excluded.owner, tags = excluded.tags,
                 body = excluded.body, search_text = excluded.search_text, orphaned_at = null, updated_at = now()",
            Value::Array(chunk.to_vec()),
            source,
        )
        .execute(&mut *tx)
        .await?;
    }
    let changed: Vec<String> = outcome.created.iter().chain(&outcome.updated).cloned().collect();
    sqlx::query!("delete from catalog_relations where origin = any($1)", &changed)
        .execute(&mut *tx)
        .await?;
    let (mut sources, mut types, mut targets, mut origins) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for e in entities.iter().filter(|e| changed.contains(&e.key())) {
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
    outcome.orphaned = sqlx::query_scalar!(
        "update catalog_entities set orphaned_at = now()
         where source = $1 and orphaned_at is null and key <> all($2) returning key",
        source,
        &keys
    )
    .fetch_all(&mut *tx)
    .await?;
    outcome.orphaned.sort();
    if !changed.is_empty() || !outcome.orphaned.is_empty() {
        recompute_business_units(&mut tx).await?;
    }
    let mut event = NewAuditEvent::new(actor, "catalog.import", format!("catalog-source:{source}"))
        .with_payload(json!({
            "file": file,
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

/// Every entity's business unit: the first group of `spec.type: business-unit` found
/// by walking up from its owner (or from itself, for groups) through `childOf`.
async fn recompute_business_units(tx: &mut sqlx::PgConnection) -> Result<()> {
    sqlx::query!(
        "with recursive up(group_key, bu) as (
             select key, key from catalog_entities where kind = 'group' and spec_type = 'business-unit'
             union
             select r.source_key, up.bu from catalog_relations r join up on r.target_key = up.group_key
             where r.type = 'childOf'
         ),
         wanted as (
             select e.key, (select bu from up where up.group_key = case when e.kind = 'group' then e.key else e.owner end limit 1) as bu
             from catalog_entities e
         )
         update catalog_entities e set business_unit = wanted.bu
         from wanted where wanted.key = e.key and e.business_unit is distinct from wanted.bu"
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A stored entity with its relations, as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredEntity {
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
    pub source: String,
    pub orphaned: bool,
    pub body: Value,
    pub relations: Vec<Relation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Relation {
    #[serde(rename = "type")]
    pub type_: String,
    pub target: String,
}

pub async fn get(pool: &PgPool, key: &str) -> Result<Option<StoredEntity>> {
    let Some(row) = sqlx::query!(
        "select key, kind, namespace, name, title, description, spec_type, lifecycle, tier, owner, business_unit,
                tags, source, orphaned_at is not null as \"orphaned!\", body
         from catalog_entities where key = $1",
        key
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let relations = sqlx::query_as!(
        Relation,
        "select distinct type as type_, target_key as target from catalog_relations where source_key = $1 order by 1, 2",
        key
    )
    .fetch_all(pool)
    .await?;
    Ok(Some(StoredEntity {
        key: row.key,
        kind: row.kind,
        namespace: row.namespace,
        name: row.name,
        title: row.title,
        description: row.description,
        spec_type: row.spec_type,
        lifecycle: row.lifecycle,
        tier: row.tier,
        owner: row.owner,
        business_unit: row.business_unit,
        tags: row.tags,
        source: row.source,
        orphaned: row.orphaned,
        body: row.body,
        relations,
    }))
}

/// Removes an entity and the relations its descriptor declared (relations other
/// descriptors declare towards it stay, and show as dangling until those change).
/// Audited with the whole entity as it was.
pub async fn delete(pool: &PgPool, key: &str, actor: &str, request_id: Option<&str>) -> Result<()> {
    let mut tx = pool.begin().await?;
    let before = sqlx::query!(
        "delete from catalog_entities where key = $1 returning body, source, orphaned_at is not null as \"orphaned!\"",
        key
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::NotFound(format!("entity `{key}`")))?;
    sqlx::query!("delete from catalog_relations where origin = $1", key)
        .execute(&mut *tx)
        .await?;
    recompute_business_units(&mut tx).await?;
    let mut event = NewAuditEvent::new(actor, "catalog.delete", format!("catalog-entity:{key}"))
        .with_payload(json!({
            "before": before.body,
            "source": before.source,
            "orphaned": before.orphaned,
        }));
    event.request_id = request_id.map(str::to_owned);
    audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    Ok(())
}
