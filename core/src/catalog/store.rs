//! Catalog storage: imports applied whole or not at all, lookups, and listing.

use std::collections::{BTreeSet, HashMap, HashSet};

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
use crate::identity::{Action, Principal, PrincipalKind, Resource, authorize};

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

/// Size check, YAML, Backstage rules: the entities of `text` and the problems found
/// so far (references are checked against the database later).
fn parse(file: &str, text: &str) -> Result<(Vec<Entity>, Vec<Problem>)> {
    if text.len() > MAX_IMPORT_BYTES {
        return Err(Error::TooLarge {
            file: file.to_owned(),
            size: text.len(),
            max: MAX_IMPORT_BYTES,
        });
    }
    let documents = yaml::parse(text, Limits::default()).map_err(|e| Error::Invalid {
        file: file.to_owned(),
        problems: vec![Problem::new(e.pos, "(yaml)", e.reason)],
    })?;
    Ok(validate::entities(&documents))
}

/// A problem for every reference that resolves neither in the catalog nor among
/// `entities`.
async fn check_references(
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
                problems.push(Problem::new(
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
async fn existing(
    tx: &mut sqlx::PgConnection,
    keys: &[String],
) -> Result<HashMap<String, (Value, String, bool, Option<String>)>> {
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
async fn upsert(
    tx: &mut sqlx::PgConnection,
    source: &str,
    entities: &[Entity],
    stored: &HashMap<String, (Value, String, bool, Option<String>)>,
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
    let (entities, mut problems) = parse(file, text)?;
    let keys: Vec<String> = entities.iter().map(Entity::key).collect();
    let mut tx = pool.begin().await?;
    check_references(&mut tx, &entities, &mut problems).await?;
    let stored = existing(&mut tx, &keys).await?;
    for e in &entities {
        if let Some((_, other, _, _)) = stored.get(&e.key())
            && other != source
        {
            problems.push(Problem::new(
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

/// Something that may run, for roll-ups: its key, owner, and the id its workloads
/// carry (`backstage.io/kubernetes-id`, else its name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runnable {
    pub key: String,
    pub owner: Option<String>,
    pub kubernetes_id: String,
}

/// The components and resources owned by `owner` (a team page) or, with `unit`, by
/// every group under business unit `unit`.
pub async fn runnables(pool: &PgPool, owner: Option<&str>, unit: Option<&str>) -> Result<Vec<Runnable>> {
    Ok(sqlx::query_as!(
        Runnable,
        r#"select key, owner,
                  coalesce(body->'metadata'->'annotations'->>'backstage.io/kubernetes-id', name) as "kubernetes_id!"
           from catalog_entities
           where kind in ('component', 'resource')
             and ($1::text is null or owner = $1)
             and ($2::text is null or business_unit = $2)
           order by key"#,
        owner,
        unit
    )
    .fetch_all(pool)
    .await?)
}

/// A stored descriptor as YAML again, for editing (keys in stored order).
pub fn descriptor_yaml(body: &Value) -> String {
    serde_yaml::to_string(body).unwrap_or_else(|_| body.to_string())
}

/// Where entities created through `PUT` (not imported from a file) come from.
pub const API_SOURCE: &str = "api";

/// The owners an edit is between, for the caller's authorization decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditOwners {
    /// The stored entity's owner; `None` when the edit creates it (or it had none).
    pub before: Option<String>,
    pub exists: bool,
    /// The owner the new descriptor names.
    pub after: Option<String>,
}

/// The check `put` and `delete` run with the rows locked: a team owner's edit must
/// stay within their `teams`, anything else needs `catalog.edit`.
pub fn edit_allowed<'a>(
    who: Option<&'a Principal>,
    teams: &'a [String],
) -> impl FnOnce(&EditOwners) -> Result<()> + 'a {
    move |owners| {
        Ok(authorize(
            who,
            Action::EditTeamCatalog,
            Resource::CatalogEntity {
                team_owned: owners.within(teams),
            },
        )?)
    }
}

/// The teams a caller belongs to: a person's memberships, none for service accounts.
pub async fn teams_of(pool: &PgPool, who: Option<&Principal>) -> Result<Vec<String>> {
    match who {
        Some(p) if p.kind == PrincipalKind::Person => Ok(sqlx::query_scalar!(
            "select team from team_members where user_id = $1 order by team",
            p.user_id
        )
        .fetch_all(pool)
        .await?),
        _ => Ok(Vec::new()),
    }
}

impl EditOwners {
    /// Whether the change stays within `teams` (team names, as team membership records
    /// them): a team of theirs owns the entity now (if it exists) and after the edit.
    /// Team `payments` is catalog group `group:default/payments`.
    pub fn within(&self, teams: &[String]) -> bool {
        let ours = |owner: &Option<String>| {
            owner
                .as_deref()
                .and_then(|o| o.strip_prefix("group:default/"))
                .is_some_and(|group| teams.iter().any(|t| t.eq_ignore_ascii_case(group)))
        };
        (!self.exists || ours(&self.before)) && ours(&self.after)
    }
}

/// Replaces one entity with the single descriptor in `text` (YAML or JSON), creating
/// it when missing. `key` is the entity the URL names; the descriptor must name the
/// same one. `allow` decides, with the rows locked, whether the caller may make this
/// change (ownership can matter). The entity keeps its import source, so the next
/// import of that source wins; audited with the descriptor before and after.
pub async fn put(
    pool: &PgPool,
    key: &str,
    text: &str,
    actor: &str,
    request_id: Option<&str>,
    allow: impl FnOnce(&EditOwners) -> Result<()>,
) -> Result<(PutResult, StoredEntity)> {
    let file = "(body)";
    let (entities, mut problems) = parse(file, text)?;
    if problems.is_empty() && entities.len() != 1 {
        problems.push(Problem::new(
            yaml::Pos { line: 1, column: 1 },
            "(document)",
            format!("expected exactly one entity descriptor, found {}", entities.len()),
        ));
    }
    if let [entity] = entities.as_slice()
        && entity.key() != key
    {
        problems.push(Problem::new(
            entity.pos,
            "metadata.name",
            format!("the descriptor is `{}` but the URL names `{key}`", entity.key()),
        ));
    }
    let mut tx = pool.begin().await?;
    check_references(&mut tx, &entities, &mut problems).await?;
    if !problems.is_empty() {
        problems.sort();
        return Err(Error::Invalid {
            file: file.to_owned(),
            problems,
        });
    }
    let keys = vec![key.to_owned()];
    let stored = existing(&mut tx, &keys).await?;
    let before = stored.get(key).cloned();
    allow(&EditOwners {
        before: before.as_ref().and_then(|b| b.3.clone()),
        exists: before.is_some(),
        after: entities[0].owner.as_ref().map(|o| o.key()),
    })?;
    let source = before.as_ref().map_or(API_SOURCE, |b| b.1.as_str()).to_owned();
    let mut outcome = ImportOutcome::default();
    upsert(&mut tx, &source, &entities, &stored, &mut outcome).await?;
    if outcome.unchanged == 0 {
        if changes_groups(&outcome) {
            recompute_business_units(&mut tx).await?;
        }
        let mut event = NewAuditEvent::new(actor, "catalog.edit", format!("catalog-entity:{key}"))
            .with_payload(json!({
                "before": before.as_ref().map(|b| &b.0),
                "after": entities[0].body,
                "source": source,
            }));
        event.request_id = request_id.map(str::to_owned);
        audit::append(&mut *tx, &event).await?;
    }
    tx.commit().await?;
    let entity = get(pool, key)
        .await?
        .ok_or_else(|| Error::NotFound(format!("entity `{key}`")))?;
    let hint = if before.is_none() {
        PutResult::Created
    } else {
        PutResult::Replaced
    };
    Ok((hint, entity))
}

/// Whether a `put` created the entity or replaced it (201 or 200 over HTTP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutResult {
    Created,
    Replaced,
}

/// Words worth correcting typos against: lower-case letters and digits, three to 40
/// characters, not pure numbers (ids). The same rule as the SQL function
/// `catalog_words_of`, which back-filled the table once.
pub fn catalog_words(text: &str) -> BTreeSet<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| (3..=40).contains(&w.len()) && !w.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned)
        .collect()
}

/// Whether groups were written: only then can entities outside the import change
/// business unit (a group moved under another parent, say), so only then does
/// everyone's business unit need recomputing.
fn changes_groups(outcome: &ImportOutcome) -> bool {
    let group = |key: &String| key.starts_with("group:");
    outcome.created.iter().chain(&outcome.updated).any(group) || outcome.orphaned.iter().any(group)
}

/// The business unit of each entity about to be written, so rows are inserted
/// complete instead of updated afterwards: walk up from its owner (or itself, for a
/// group) through `childOf` to the first `business-unit` group, using the groups and
/// relations stored plus what `entities` declare (which replaces what they declared).
async fn business_units(tx: &mut sqlx::PgConnection, entities: &[Entity]) -> Result<HashMap<String, String>> {
    let keys: Vec<String> = entities.iter().map(Entity::key).collect();
    let mut units: BTreeSet<String> = sqlx::query_scalar!(
        "select key from catalog_entities
         where kind = 'group' and spec_type = 'business-unit' and key <> all($1)",
        &keys
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    let mut parents: HashMap<String, BTreeSet<String>> = HashMap::new();
    for r in sqlx::query!(
        "select source_key, target_key from catalog_relations where type = 'childOf' and origin <> all($1)",
        &keys
    )
    .fetch_all(&mut *tx)
    .await?
    {
        parents.entry(r.source_key).or_default().insert(r.target_key);
    }
    for e in entities {
        if e.entity_ref.kind == super::EntityKind::Group && e.spec_type.as_deref() == Some("business-unit") {
            units.insert(e.key());
        }
        for (a, t, b) in e.relation_pairs() {
            if t == super::RelationType::ChildOf {
                parents.entry(a).or_default().insert(b);
            }
        }
    }
    let mut out = HashMap::new();
    for e in entities {
        let start = if e.entity_ref.kind == super::EntityKind::Group {
            Some(e.key())
        } else {
            e.owner.as_ref().map(|o| o.key())
        };
        let Some(start) = start else { continue };
        let mut seen = BTreeSet::new();
        let mut frontier = vec![start];
        'walk: while !frontier.is_empty() {
            let mut next = Vec::new();
            for group in frontier {
                if units.contains(&group) {
                    out.insert(e.key(), group);
                    break 'walk;
                }
                if seen.insert(group.clone())
                    && let Some(ps) = parents.get(&group)
                {
                    next.extend(ps.iter().cloned());
                }
            }
            frontier = next;
        }
    }
    Ok(out)
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
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
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
    /// The descriptor as imported, unknown fields included.
    #[schema(value_type = Object)]
    pub body: Value,
    pub relations: Vec<Relation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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
pub async fn delete(
    pool: &PgPool,
    key: &str,
    actor: &str,
    request_id: Option<&str>,
    allow: impl FnOnce(&EditOwners) -> Result<()>,
) -> Result<()> {
    let mut tx = pool.begin().await?;
    let owner = existing(&mut tx, &[key.to_owned()])
        .await?
        .remove(key)
        .ok_or_else(|| Error::NotFound(format!("entity `{key}`")))?
        .3;
    allow(&EditOwners {
        before: owner.clone(),
        exists: true,
        after: owner,
    })?;
    let before = sqlx::query!(
        "delete from catalog_entities where key = $1 returning body, source, orphaned_at is not null as \"orphaned!\"",
        key
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!("delete from catalog_relations where origin = $1", key)
        .execute(&mut *tx)
        .await?;
    if key.starts_with("group:") {
        recompute_business_units(&mut tx).await?;
    }
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

#[cfg(test)]
mod tests {
    use super::EditOwners;

    #[test]
    fn team_edits_stay_within_the_callers_teams() {
        let teams = vec!["checkout".to_owned()];
        let owners = |before: Option<&str>, exists, after: Option<&str>| EditOwners {
            before: before.map(str::to_owned),
            exists,
            after: after.map(str::to_owned),
        };
        assert!(
            owners(
                Some("group:default/checkout"),
                true,
                Some("group:default/checkout")
            )
            .within(&teams)
        );
        assert!(owners(None, false, Some("group:default/checkout")).within(&teams));
        // Giving it away, taking another team's, or an ownerless entity: not a team edit.
        assert!(
            !owners(
                Some("group:default/checkout"),
                true,
                Some("group:default/billing")
            )
            .within(&teams)
        );
        assert!(
            !owners(
                Some("group:default/billing"),
                true,
                Some("group:default/checkout")
            )
            .within(&teams)
        );
        assert!(!owners(None, true, Some("group:default/checkout")).within(&teams));
        assert!(!owners(Some("group:other/checkout"), true, Some("group:other/checkout")).within(&teams));
        assert!(!owners(None, false, Some("group:default/checkout")).within(&[]));
    }
}
