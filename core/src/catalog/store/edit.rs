//! Edits: one entity replaced (or created) from a single descriptor, or removed, each
//! audited with what it was.

use serde_json::{Value, json};
use sqlx::PgPool;

use super::super::{
    error::{Error, Result},
    model::problem,
    yaml,
};
use super::{
    business_units::{changes_groups, recompute_business_units},
    import::{ImportOutcome, Parsed, check_references, existing, parse, upsert},
    read::{StoredEntity, get},
};
use crate::audit::{self, NewAuditEvent};

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

impl EditOwners {
    /// An existing entity keeping its owner: whether someone may edit it at all.
    pub fn unchanged(owner: Option<String>) -> Self {
        Self {
            before: owner.clone(),
            exists: true,
            after: owner,
        }
    }

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
    let Parsed {
        mut rows,
        mut problems,
        words,
        ..
    } = parse(file, text.to_owned()).await?;
    if problems.is_empty() && rows.len() != 1 {
        problems.push(problem(
            yaml::Pos { line: 1, column: 1 },
            "(document)",
            format!("expected exactly one entity descriptor, found {}", rows.len()),
        ));
    }
    if let [row] = rows.as_slice()
        && row.key != key
    {
        problems.push(problem(
            row.pos,
            "metadata.name",
            format!("the descriptor is `{}` but the URL names `{key}`", row.key),
        ));
    }
    let mut tx = pool.begin().await?;
    check_references(&mut tx, &rows, &mut problems).await?;
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
        after: rows[0].owner.clone(),
    })?;
    let source = before.as_ref().map_or(API_SOURCE, |b| b.1.as_str()).to_owned();
    // For the audit event; the JSON text is ours, so it always reads back.
    let after: Value = serde_json::from_str(&rows[0].body).unwrap_or_default();
    let mut outcome = ImportOutcome::default();
    upsert(&mut tx, &source, &mut rows, &keys, &words, &mut outcome).await?;
    if outcome.unchanged == 0 {
        if changes_groups(&outcome) {
            recompute_business_units(&mut tx).await?;
        }
        let mut event = NewAuditEvent::new(actor, "catalog.edit", format!("catalog-entity:{key}"))
            .with_payload(json!({
                "before": before.as_ref().map(|b| &b.0),
                "after": after,
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
