//! Which provider groups grant which roles. Platform admins edit this in the UI or the
//! API; configuration can seed it. Every change is audited in the same transaction.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgPool;

use super::{Error, Result, Role, error::violated_constraint};
use crate::audit::{self, NewAuditEvent};

const MAX_GROUP_LEN: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RoleMapping {
    pub id: i64,
    pub group: String,
    pub role: Role,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// Checks a group name as a provider would send it: not blank, no control characters.
pub fn validate_group(group: &str) -> Result<()> {
    if group.trim().is_empty() {
        return Err(Error::invalid("group", "must not be blank"));
    }
    if group.len() > MAX_GROUP_LEN {
        return Err(Error::invalid(
            "group",
            format!("must be at most {MAX_GROUP_LEN} bytes"),
        ));
    }
    if group.trim() != group || group.chars().any(char::is_control) {
        return Err(Error::invalid(
            "group",
            "must not start or end with spaces or contain control characters",
        ));
    }
    Ok(())
}

/// Parses a role name, reporting it against the `role` field.
pub fn parse_role(role: &str) -> Result<Role> {
    role.parse::<Role>()
        .map_err(|err| Error::invalid("role", err.to_string()))
}

/// Parses `PARKWAY_ROLE_MAPPINGS`: `group=role` pairs separated by commas.
pub fn parse_seed(text: &str) -> Result<Vec<(String, Role)>> {
    let mut pairs = Vec::new();
    for (index, item) in text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .enumerate()
    {
        let Some((group, role)) = item.split_once('=') else {
            return Err(Error::invalid(
                "PARKWAY_ROLE_MAPPINGS",
                format!("entry {} (`{item}`) is not `group=role`", index + 1),
            ));
        };
        let (group, role) = (group.trim(), role.trim());
        validate_group(group)?;
        pairs.push((group.to_owned(), parse_role(role)?));
    }
    Ok(pairs)
}

pub async fn list(pool: &PgPool) -> Result<Vec<RoleMapping>> {
    let rows = sqlx::query!(
        "select id, group_name, role, created_by, created_at from role_mappings order by group_name, role"
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(RoleMapping {
                id: row.id,
                group: row.group_name,
                role: row.role.parse().ok()?,
                created_by: row.created_by,
                created_at: row.created_at,
            })
        })
        .collect())
}

/// Adds a mapping. A duplicate is refused (409) and nothing is written.
pub async fn add(
    pool: &PgPool,
    group: &str,
    role: &str,
    actor: &str,
    request_id: Option<&str>,
) -> Result<RoleMapping> {
    validate_group(group)?;
    let role = parse_role(role)?;
    let mut tx = pool.begin().await?;
    let row = sqlx::query!(
        r#"insert into role_mappings (group_name, role, created_by) values ($1, $2, $3)
           returning id, created_at"#,
        group,
        role.as_str(),
        actor
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(|err| match violated_constraint(&err) {
        Some("role_mappings_group_role_key") => {
            Error::Conflict(format!("group `{group}` is already mapped to role `{role}`"))
        }
        _ => Error::Database(err),
    })?;
    let mapping = RoleMapping {
        id: row.id,
        group: group.to_owned(),
        role,
        created_by: actor.to_owned(),
        created_at: row.created_at,
    };
    let mut event = NewAuditEvent::new(actor, "role-mapping.add", format!("role-mapping:{}", mapping.id))
        .with_payload(json!({ "after": { "group": group, "role": role } }));
    event.request_id = request_id.map(str::to_owned);
    audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    Ok(mapping)
}

/// Removes a mapping by id.
pub async fn remove(pool: &PgPool, id: i64, actor: &str, request_id: Option<&str>) -> Result<RoleMapping> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query!(
        "delete from role_mappings where id = $1 returning group_name, role, created_by, created_at",
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NotFound("role mapping"))?;
    let role = parse_role(&row.role)?;
    let mut event = NewAuditEvent::new(actor, "role-mapping.remove", format!("role-mapping:{id}"))
        .with_payload(json!({ "before": { "group": row.group_name, "role": role } }));
    event.request_id = request_id.map(str::to_owned);
    audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    Ok(RoleMapping {
        id,
        group: row.group_name,
        role,
        created_by: row.created_by,
        created_at: row.created_at,
    })
}

/// Adds the configured mappings that are missing; existing ones (even if an admin
/// removed and re-added them) are left alone. Returns how many were added.
pub async fn seed(pool: &PgPool, pairs: &[(String, Role)], actor: &str) -> Result<usize> {
    let mut added = 0;
    let mut tx = pool.begin().await?;
    for (group, role) in pairs {
        let inserted = sqlx::query_scalar!(
            r#"insert into role_mappings (group_name, role, created_by) values ($1, $2, $3)
               on conflict on constraint role_mappings_group_role_key do nothing returning id"#,
            group,
            role.as_str(),
            actor
        )
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = inserted {
            let event = NewAuditEvent::new(actor, "role-mapping.add", format!("role-mapping:{id}"))
                .with_payload(
                    json!({ "after": { "group": group, "role": role }, "source": "configuration" }),
                );
            audit::append(&mut *tx, &event).await?;
            added += 1;
        }
    }
    tx.commit().await?;
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_text_parses_pairs_and_names_the_bad_entry() {
        let pairs = parse_seed(" platform-admins = platform-admin, devs=developer ,").expect("valid");
        assert_eq!(
            pairs,
            vec![
                ("platform-admins".to_owned(), Role::PlatformAdmin),
                ("devs".to_owned(), Role::Developer)
            ]
        );
        let err = parse_seed("a=developer,oops").expect_err("no =").to_string();
        assert!(err.contains("entry 2 (`oops`)"), "{err}");
        let err = parse_seed("a=root").expect_err("bad role").to_string();
        assert!(err.starts_with("role: unknown role `root`"), "{err}");
        assert!(parse_seed("").expect("empty is fine").is_empty());
    }

    #[test]
    fn group_names_are_checked() {
        assert!(validate_group("team-payments").is_ok());
        assert!(validate_group("CN=Admins,OU=Groups").is_ok());
        for bad in ["", "  ", " padded", "tab\there", &"g".repeat(300)] {
            assert!(validate_group(bad).is_err(), "{bad:?}");
        }
    }
}
