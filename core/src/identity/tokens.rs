//! API tokens for machines and scripts: shown once, stored as a hash, scoped to actions,
//! expiring, revocable, with the last time they were used.

use std::{collections::BTreeSet, time::Duration};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{
    Action, Error, Principal, PrincipalKind, Result, Role,
    error::violated_constraint,
    secret::{digest, display_prefix, new_token},
    sessions::principal_from_row,
    users,
};
use crate::audit::{self, NewAuditEvent};

/// Lifetime when none is asked for.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(90 * 86_400);
/// Longest lifetime a token may have: long-lived secrets leak.
pub const MAX_LIFETIME: Duration = Duration::from_secs(366 * 86_400);

/// Parses a lifetime such as `30d`, `12h` or `90m`.
pub fn parse_lifetime(text: &str) -> Result<Duration> {
    let text = text.trim();
    let invalid = || {
        Error::invalid(
            "expires",
            format!("`{text}` is not a lifetime like `30d`, `12h` or `90m`"),
        )
    };
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(invalid)?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| invalid())?;
    let seconds = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        _ => return Err(invalid()),
    };
    let lifetime = Duration::from_secs(number.saturating_mul(seconds));
    if lifetime.is_zero() {
        return Err(Error::invalid("expires", "must be longer than zero"));
    }
    if lifetime > MAX_LIFETIME {
        return Err(Error::invalid("expires", "must be at most 366d"));
    }
    Ok(lifetime)
}

/// Checks a token name: what people will recognise it by in listings.
pub fn validate_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::invalid("name", "must not be blank"));
    }
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "name",
            "must be at most 100 characters, without control characters",
        ));
    }
    Ok(())
}

/// Who a new token acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// A person's own token: it acts with the person's current roles.
    Person(Uuid),
    /// A service account (created if missing) acting with one fixed role.
    Service { account: String, role: Role },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    pub name: String,
    pub owner: Owner,
    /// Empty: whatever the role allows.
    pub scopes: Vec<Action>,
    pub lifetime: Duration,
}

/// A token as listings show it; the secret itself is never stored or shown again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: Uuid,
    pub name: String,
    pub owner: String,
    pub owner_kind: PrincipalKind,
    pub role: Option<Role>,
    pub scopes: Vec<Action>,
    pub display_prefix: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A newly created token: `secret` is shown to its creator once.
#[derive(Debug, Clone)]
pub struct CreatedToken {
    pub secret: String,
    pub info: TokenInfo,
}

/// Creates a token and audits it in one transaction.
pub async fn create(
    pool: &PgPool,
    request: &NewToken,
    actor: &str,
    request_id: Option<&str>,
) -> Result<CreatedToken> {
    validate_name(&request.name)?;
    if request.lifetime.is_zero() || request.lifetime > MAX_LIFETIME {
        return Err(Error::invalid(
            "expires",
            "must be between one minute and 366 days",
        ));
    }
    let mut tx = pool.begin().await?;
    let (owner_id, role) = match &request.owner {
        Owner::Person(id) => (*id, None),
        Owner::Service { account, role } => (
            users::ensure_service_account(&mut tx, account).await?,
            Some(*role),
        ),
    };
    let secret = new_token();
    let scopes: Vec<String> = request.scopes.iter().map(|a| a.as_str().to_owned()).collect();
    let id = sqlx::query_scalar!(
        r#"insert into api_tokens (id, name, owner_id, role, scopes, token_hash, display_prefix, created_by, expires_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(secs => $9))
           returning id"#,
        Uuid::new_v4(),
        request.name,
        owner_id,
        role.map(Role::as_str),
        &scopes,
        digest(&secret),
        display_prefix(&secret),
        actor,
        request.lifetime.as_secs_f64(),
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(|err| match violated_constraint(&err) {
        Some("api_tokens_owner_name_key") => {
            Error::Conflict(format!("a token named `{}` already exists for this owner", request.name))
        }
        _ => Error::Database(err),
    })?;
    let info = fetch(&mut tx, id).await?;
    let mut event = NewAuditEvent::new(actor, "token.create", format!("token:{id}")).with_payload(json!({
        "after": { "name": info.name, "owner": info.owner, "role": info.role, "scopes": info.scopes, "expires_at": info.expires_at }
    }));
    event.request_id = request_id.map(str::to_owned);
    audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    Ok(CreatedToken { secret, info })
}

async fn fetch(conn: &mut PgConnection, id: Uuid) -> Result<TokenInfo> {
    let rows = select(conn, Some(id), None).await?;
    rows.into_iter().next().ok_or(Error::NotFound("token"))
}

async fn select(conn: &mut PgConnection, id: Option<Uuid>, owner: Option<Uuid>) -> Result<Vec<TokenInfo>> {
    let rows = sqlx::query!(
        r#"select t.id, t.name, u.handle, u.kind, t.role, t.scopes, t.display_prefix, t.created_by,
                  t.created_at, t.expires_at, t.revoked_at, t.last_used_at
           from api_tokens t join users u on u.id = t.owner_id
           where ($1::uuid is null or t.id = $1) and ($2::uuid is null or t.owner_id = $2)
           order by t.revoked_at is not null, t.created_at desc"#,
        id,
        owner,
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| TokenInfo {
            id: row.id,
            name: row.name,
            owner: row.handle,
            owner_kind: if row.kind == "service" {
                PrincipalKind::Service
            } else {
                PrincipalKind::Person
            },
            role: row.role.and_then(|r| r.parse().ok()),
            scopes: row.scopes.iter().filter_map(|s| s.parse().ok()).collect(),
            display_prefix: row.display_prefix,
            created_by: row.created_by,
            created_at: row.created_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            last_used_at: row.last_used_at,
        })
        .collect())
}

/// Tokens owned by `owner`, or every token when `owner` is `None`; live ones first.
pub async fn list(pool: &PgPool, owner: Option<Uuid>) -> Result<Vec<TokenInfo>> {
    let mut conn = pool.acquire().await?;
    select(&mut conn, None, owner).await
}

/// Revokes a token for good, if `allow` accepts its owner (decided with the row
/// locked, in the same transaction); revoking twice is refused so the trail stays
/// truthful.
pub async fn revoke(
    pool: &PgPool,
    id: Uuid,
    actor: &str,
    request_id: Option<&str>,
    allow: impl FnOnce(Uuid) -> Result<()>,
) -> Result<TokenInfo> {
    let mut tx = pool.begin().await?;
    let token = sqlx::query!(
        r#"select owner_id, revoked_at is not null as "revoked!" from api_tokens where id = $1 for update"#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NotFound("token"))?;
    allow(token.owner_id)?;
    if token.revoked {
        return Err(Error::Conflict("this token is already revoked".to_owned()));
    }
    sqlx::query!("update api_tokens set revoked_at = now() where id = $1", id)
        .execute(&mut *tx)
        .await?;
    let info = fetch(&mut tx, id).await?;
    let mut event = NewAuditEvent::new(actor, "token.revoke", format!("token:{id}"))
        .with_payload(json!({ "before": { "name": info.name, "owner": info.owner } }));
    event.request_id = request_id.map(str::to_owned);
    audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    Ok(info)
}

/// What a presented bearer token turned out to be.
#[derive(Debug, Clone)]
pub enum TokenCheck {
    Valid { principal: Principal, token_id: Uuid },
    Unknown,
    Expired,
    Revoked,
}

/// Uses last-used times at minute precision, so busy automation does not write a row
/// per call.
const TOUCH_EVERY_SECS: f64 = 60.0;

/// Resolves a bearer token to the principal it acts as, recording its use.
pub async fn authenticate(pool: &PgPool, secret: &str) -> Result<TokenCheck> {
    let row = sqlx::query!(
        r#"select t.id as token_id, t.role, t.scopes, t.expires_at, t.revoked_at,
                  coalesce(extract(epoch from now() - t.last_used_at)::float8, 1e9) as "unused_secs!",
                  t.expires_at <= now() as "expired!",
                  u.id, u.kind, u.handle, u.display_name, u.groups,
                  roles_of(u.groups) as "roles!"
           from api_tokens t join users u on u.id = t.owner_id
           where t.token_hash = $1"#,
        digest(secret)
    )
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(TokenCheck::Unknown);
    };
    if row.revoked_at.is_some() {
        return Ok(TokenCheck::Revoked);
    }
    if row.expired {
        return Ok(TokenCheck::Expired);
    }
    if row.unused_secs > TOUCH_EVERY_SECS {
        sqlx::query!(
            "update api_tokens set last_used_at = now() where id = $1",
            row.token_id
        )
        .execute(pool)
        .await?;
    }
    let roles = match &row.role {
        Some(role) => vec![role.clone()],
        None => row.roles,
    };
    let scopes: BTreeSet<Action> = row.scopes.iter().filter_map(|s| s.parse().ok()).collect();
    let scopes = (!scopes.is_empty()).then_some(scopes);
    Ok(TokenCheck::Valid {
        principal: principal_from_row(
            row.id,
            &row.kind,
            row.handle,
            row.display_name,
            row.groups,
            &roles,
            scopes,
        ),
        token_id: row.token_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_parse_in_days_hours_and_minutes() {
        assert_eq!(parse_lifetime("30d").ok(), Some(Duration::from_secs(30 * 86_400)));
        assert_eq!(parse_lifetime("12h").ok(), Some(Duration::from_secs(12 * 3_600)));
        assert_eq!(parse_lifetime("90m").ok(), Some(Duration::from_secs(90 * 60)));
        for bad in [
            "",
            "30",
            "d",
            "30w",
            "-1d",
            "0d",
            "400d",
            "1.5d",
            "99999999999999999999d",
        ] {
            let err = parse_lifetime(bad).expect_err(bad).to_string();
            assert!(err.starts_with("expires:"), "{bad}: {err}");
        }
    }

    #[test]
    fn names_must_be_readable() {
        assert!(validate_name("deploy pipeline").is_ok());
        assert!(validate_name(" ").is_err());
        assert!(validate_name("a\nb").is_err());
        assert!(validate_name(&"x".repeat(101)).is_err());
    }
}
