//! API tokens for machines and scripts: shown once, stored as a hash, scoped to actions,
//! expiring, revocable, with the last time they were used.

use std::{collections::BTreeSet, time::Duration};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{
    Action, Denied, Error, Principal, PrincipalKind, Result, Role, TokenGrant,
    error::violated_constraint,
    secret::{digest, display_prefix, new_token},
    sessions::{UserColumns, principal_from_row},
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
    /// The token this one was created with, if any: revoking it revokes this one.
    pub parent: Option<Uuid>,
}

/// What a token created with another token (`parent`, whose limits are `parent_scopes`)
/// may be: scopes within the parent's and an expiry no later than the parent's. An
/// unstated lifetime shrinks to fit; an explicit one that does not fit is refused, as
/// are scopes beyond the parent's. Returns the lifetime to use.
pub fn within_parent(
    parent: &TokenGrant,
    parent_scopes: Option<&BTreeSet<Action>>,
    scopes: &[Action],
    lifetime: Option<Duration>,
    now: DateTime<Utc>,
) -> std::result::Result<Duration, Denied> {
    if let Some(allowed) = parent_scopes {
        let listed = || allowed.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ");
        if scopes.is_empty() {
            return Err(Denied::BeyondToken(format!(
                "this API token is limited to {}; a token it creates must be limited to some of those scopes too",
                listed()
            )));
        }
        if let Some(extra) = scopes.iter().find(|s| !allowed.contains(s)) {
            return Err(Denied::BeyondToken(format!(
                "scope `{extra}` is beyond this API token's own scopes ({})",
                listed()
            )));
        }
    }
    let Some(parent_expiry) = parent.expires_at else {
        return Ok(lifetime.unwrap_or(DEFAULT_LIFETIME));
    };
    let remaining = (parent_expiry - now).to_std().unwrap_or_default();
    match lifetime {
        None => Ok(DEFAULT_LIFETIME.min(remaining)),
        Some(asked) if asked <= remaining => Ok(asked),
        Some(asked) => Err(Denied::BeyondToken(format!(
            "the new token would expire at {}, after the API token used to create it (it expires at {}); ask for {} or less",
            (now + chrono::Duration::from_std(asked).unwrap_or_default()).format("%Y-%m-%d %H:%M UTC"),
            parent_expiry.format("%Y-%m-%d %H:%M UTC"),
            short_lifetime(remaining),
        ))),
    }
}

/// A lifetime in the largest whole unit `parse_lifetime` reads back.
fn short_lifetime(lifetime: Duration) -> String {
    let secs = lifetime.as_secs();
    if secs >= 86_400 {
        format!("{}d", secs / 86_400)
    } else if secs >= 3_600 {
        format!("{}h", secs / 3_600)
    } else {
        format!("{}m", secs / 60)
    }
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
        r#"insert into api_tokens (id, name, owner_id, role, scopes, token_hash, display_prefix, created_by, expires_at, parent_id)
           values ($1, $2, $3, $4, $5, $6, $7, $8,
                   -- Never past the parent's expiry, whatever the clocks say.
                   least(now() + make_interval(secs => $9),
                         (select p.expires_at from api_tokens p where p.id = $10)),
                   $10)
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
        request.parent,
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
        "after": { "name": info.name, "owner": info.owner, "role": info.role, "scopes": info.scopes, "expires_at": info.expires_at, "parent": request.parent }
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
    let mut descendants = revoke_with_descendants(&mut tx, &[id]).await?;
    descendants.retain(|revoked| *revoked != id);
    let info = fetch(&mut tx, id).await?;
    let mut event = NewAuditEvent::new(actor, "token.revoke", format!("token:{id}")).with_payload(json!({
        "before": { "name": info.name, "owner": info.owner },
        "also_revoked": descendants,
    }));
    event.request_id = request_id.map(str::to_owned);
    audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    Ok(info)
}

/// Revokes the live tokens among `seeds` and every live token made (directly or not)
/// with one of them: a token made with a token does not survive it. Returns what it
/// revoked.
pub(crate) async fn revoke_with_descendants(conn: &mut PgConnection, seeds: &[Uuid]) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar!(
        r#"with recursive made_with (id) as (
               select unnest($1::uuid[])
               union
               select t.id from api_tokens t join made_with m on t.parent_id = m.id
           )
           update api_tokens set revoked_at = now()
           where id in (select id from made_with) and revoked_at is null
           returning id"#,
        seeds
    )
    .fetch_all(conn)
    .await?)
}

/// What a presented bearer token turned out to be.
#[derive(Debug, Clone)]
#[expect(
    clippy::large_enum_variant,
    reason = "made once per request and moved into the request; boxing would only add an allocation"
)]
pub enum TokenCheck {
    Valid {
        principal: Principal,
        token_id: Uuid,
        /// How long this answer stays true unless the access generation moves: until
        /// the next "last used" mark is due, the token's expiry or its owner's idle
        /// limit, whichever comes first.
        fresh_for: Duration,
    },
    Unknown,
    Expired,
    Revoked,
    /// Its owner was deactivated.
    OwnerDeactivated,
    /// Its owner, a person, has not signed in for longer than the idle limit: their
    /// groups (and so their roles) are a snapshot from that sign-in.
    OwnerIdle {
        max_idle_days: u32,
    },
}

/// Uses last-used times at minute precision, so busy automation does not write a row
/// per call; also the longest a replica reuses a checked token without asking again.
const TOUCH_EVERY_SECS: f64 = 60.0;

/// Resolves a bearer token to the principal it acts as, recording its use. A person's
/// token stops once the person has not signed in for `max_idle_days`.
pub async fn authenticate(pool: &PgPool, secret: &str, max_idle_days: u32) -> Result<TokenCheck> {
    let row = sqlx::query!(
        r#"select t.id as token_id, t.role, t.scopes, t.expires_at, t.revoked_at,
                  coalesce(extract(epoch from now() - t.last_used_at)::float8, 1e9) as "unused_secs!",
                  t.expires_at <= now() as "expired!",
                  extract(epoch from t.expires_at - now())::float8 as expires_in_secs,
                  case when u.kind = 'person'
                       then extract(epoch from coalesce(u.last_sign_in_at, u.created_at)
                                               + make_interval(days => $2) - now())::float8
                  end as idle_in_secs,
                  u.deactivated_at is not null as "deactivated!",
                  (u.kind = 'person' and coalesce(u.last_sign_in_at, u.created_at)
                      < now() - make_interval(days => $2)) as "idle!",
                  u.id, u.kind, u.handle, u.display_name, u.groups,
                  roles_of(u.groups) as "roles!",
                  array(select m.team from team_members m where m.user_id = u.id order by m.team) as "teams!"
           from api_tokens t join users u on u.id = t.owner_id
           where t.token_hash = $1"#,
        digest(secret),
        i32::try_from(max_idle_days).unwrap_or(i32::MAX),
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
    if row.deactivated {
        return Ok(TokenCheck::OwnerDeactivated);
    }
    if row.idle {
        return Ok(TokenCheck::OwnerIdle { max_idle_days });
    }
    let mut unused_secs = row.unused_secs;
    if unused_secs > TOUCH_EVERY_SECS {
        sqlx::query!(
            "update api_tokens set last_used_at = now() where id = $1",
            row.token_id
        )
        .execute(pool)
        .await?;
        unused_secs = 0.0;
    }
    let fresh_for = super::sessions::fresh_for(
        (TOUCH_EVERY_SECS - unused_secs).min(row.idle_in_secs.unwrap_or(f64::INFINITY)),
        row.expires_in_secs.unwrap_or(f64::INFINITY),
    );
    let roles = match &row.role {
        Some(role) => vec![role.clone()],
        None => row.roles,
    };
    let scopes: BTreeSet<Action> = row.scopes.iter().filter_map(|s| s.parse().ok()).collect();
    let scopes = (!scopes.is_empty()).then_some(scopes);
    let mut principal = principal_from_row(
        UserColumns {
            user_id: row.id,
            kind: row.kind,
            handle: row.handle,
            display_name: row.display_name,
            groups: row.groups,
            teams: row.teams,
        },
        &roles,
        scopes,
    );
    principal.token = Some(TokenGrant {
        id: row.token_id,
        expires_at: row.expires_at,
    });
    Ok(TokenCheck::Valid {
        principal,
        token_id: row.token_id,
        fresh_for,
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

    fn grant(days: i64, now: DateTime<Utc>) -> TokenGrant {
        TokenGrant {
            id: Uuid::nil(),
            expires_at: Some(now + chrono::Duration::days(days)),
        }
    }

    #[test]
    fn a_token_cannot_mint_a_stronger_token() {
        let now = Utc::now();
        let parent = grant(10, now);
        let own: BTreeSet<Action> = [Action::ManageOwnTokens, Action::ViewPortal].into();
        let refused = |scopes: &[Action], lifetime: Option<Duration>| {
            within_parent(&parent, Some(&own), scopes, lifetime, now)
                .expect_err("refused")
                .to_string()
        };
        assert!(refused(&[], None).contains("must be limited to some of those scopes"));
        assert!(refused(&[Action::ViewAudit], None).contains("scope `audit.view` is beyond"));
        let long = refused(&[Action::ViewPortal], Some(MAX_LIFETIME));
        assert!(long.contains("after the API token used to create it"), "{long}");
        assert!(long.contains("ask for 10d or less"), "{long}");
        // Within bounds: the default shrinks to the parent's remaining life.
        let fits = within_parent(&parent, Some(&own), &[Action::ViewPortal], None, now);
        assert_eq!(fits, Ok(Duration::from_secs(10 * 86_400)));
        let short = Some(Duration::from_secs(3_600));
        assert_eq!(
            within_parent(&parent, None, &[], short, now),
            short.ok_or(Denied::Unauthenticated)
        );
        // A long-lived parent leaves the default alone.
        assert_eq!(
            within_parent(&grant(200, now), None, &[], None, now),
            Ok(DEFAULT_LIFETIME)
        );
    }

    #[test]
    fn names_must_be_readable() {
        assert!(validate_name("deploy pipeline").is_ok());
        assert!(validate_name(" ").is_err());
        assert!(validate_name("a\nb").is_err());
        assert!(validate_name(&"x".repeat(101)).is_err());
    }
}
