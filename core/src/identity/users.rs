//! People (created on first sign-in from the provider's claims) and service accounts
//! (created by an admin or the CLI for machines).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{Error, PrincipalKind, Result, Role, tokens};
use crate::audit::{self, NewAuditEvent};

/// Issuer recorded for service accounts, which no provider vouches for.
pub const SERVICE_ISSUER: &str = "parkway";

/// What a sign-in tells Parkway about a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    /// Whether the provider says it checked `email` (the `email_verified` claim).
    pub email_verified: bool,
    pub display_name: String,
    pub groups: Vec<String>,
}

impl Identity {
    /// People appear in the audit trail by e-mail address, else by subject. An address
    /// the provider did not verify could be anyone's, so it never becomes the handle.
    pub fn handle(&self) -> &str {
        match &self.email {
            Some(email) if self.email_verified => email,
            _ => &self.subject,
        }
    }
}

/// Creates the person on first sign-in, refreshes name, e-mail and groups on later
/// ones, and mirrors team membership from groups that start with `team_prefix`. A
/// deactivated person is refused ([`Error::Deactivated`]) and nothing about them changes.
pub async fn upsert_person(conn: &mut PgConnection, identity: &Identity, team_prefix: &str) -> Result<Uuid> {
    let id = sqlx::query_scalar!(
        r#"insert into users (id, kind, issuer, subject, handle, display_name, email, email_verified, groups, last_sign_in_at)
           values ($1, 'person', $2, $3, $4, $5, $6, $7, $8, now())
           on conflict on constraint users_issuer_subject_key do update
              set handle = excluded.handle, display_name = excluded.display_name,
                  email = excluded.email, email_verified = excluded.email_verified,
                  groups = excluded.groups, last_sign_in_at = now()
              where users.deactivated_at is null
           returning id"#,
        Uuid::new_v4(),
        identity.issuer,
        identity.subject,
        identity.handle(),
        identity.display_name,
        identity.email,
        identity.email_verified,
        &identity.groups,
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(Error::Deactivated)?;
    let teams: Vec<String> = identity
        .groups
        .iter()
        .filter_map(|group| group.strip_prefix(team_prefix))
        .filter(|team| !team.is_empty())
        .map(str::to_owned)
        .collect();
    sqlx::query!(
        "insert into teams (name) select unnest($1::text[]) on conflict do nothing",
        &teams
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "delete from team_members where user_id = $1 and team <> all($2::text[])",
        id,
        &teams
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "insert into team_members (team, user_id) select unnest($1::text[]), $2 on conflict do nothing",
        &teams,
        id
    )
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// The service account called `name`, created if missing.
pub async fn ensure_service_account(conn: &mut PgConnection, name: &str) -> Result<Uuid> {
    validate_account_name(name)?;
    let id = sqlx::query_scalar!(
        r#"insert into users (id, kind, issuer, subject, handle, display_name)
           values ($1, 'service', $2, $3, $3, $3)
           on conflict on constraint users_issuer_subject_key do update set handle = excluded.handle
           returning id"#,
        Uuid::new_v4(),
        SERVICE_ISSUER,
        name,
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Service-account names become audit actors and URL parts: keep them plain.
pub fn validate_account_name(name: &str) -> Result<()> {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    if name.is_empty() || name.len() > 63 {
        return Err(Error::invalid("name", "must be 1 to 63 characters"));
    }
    if !name.chars().all(ok_char) || name.starts_with('-') || name.ends_with('-') {
        return Err(Error::invalid(
            "name",
            "use lower-case letters, digits and inner hyphens only (like `ci-deployer`)",
        ));
    }
    Ok(())
}

/// The teams a user belongs to, alphabetically (service accounts belong to none).
pub async fn teams_of<'e>(executor: impl sqlx::PgExecutor<'e>, user_id: Uuid) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar!(
        "select team from team_members where user_id = $1 order by team",
        user_id
    )
    .fetch_all(executor)
    .await?)
}

/// Someone Parkway knows, as the people admin page and `GET /api/v1/users` list them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UserInfo {
    pub id: Uuid,
    pub kind: PrincipalKind,
    pub handle: String,
    pub display_name: String,
    /// `dev` for the development sign-in, `parkway` for service accounts, else the
    /// provider's issuer URL.
    pub issuer: String,
    pub roles: Vec<Role>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub deactivated_at: Option<DateTime<Utc>>,
    pub deactivated_by: Option<String>,
    pub live_sessions: i64,
    pub live_tokens: i64,
}

/// Everyone, people first, most recent sign-in first.
pub async fn list(pool: &PgPool) -> Result<Vec<UserInfo>> {
    select(pool, None).await
}

async fn select<'e>(executor: impl sqlx::PgExecutor<'e>, id: Option<Uuid>) -> Result<Vec<UserInfo>> {
    let rows = sqlx::query!(
        r#"select u.id, u.kind, u.handle, u.display_name, u.issuer, u.last_sign_in_at,
                  u.deactivated_at, u.deactivated_by, roles_of(u.groups) as "roles!",
                  (select count(*) from sessions s where s.user_id = u.id and s.expires_at > now()) as "live_sessions!",
                  (select count(*) from api_tokens t where t.owner_id = u.id and t.revoked_at is null
                      and (t.expires_at is null or t.expires_at > now())) as "live_tokens!"
           from users u
           where $1::uuid is null or u.id = $1
           order by u.kind, u.deactivated_at is not null, u.last_sign_in_at desc nulls last, u.handle"#,
        id
    )
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| UserInfo {
            id: row.id,
            kind: if row.kind == "service" {
                PrincipalKind::Service
            } else {
                PrincipalKind::Person
            },
            handle: row.handle,
            display_name: row.display_name,
            issuer: row.issuer,
            roles: row.roles.iter().filter_map(|r| r.parse().ok()).collect(),
            last_sign_in_at: row.last_sign_in_at,
            deactivated_at: row.deactivated_at,
            deactivated_by: row.deactivated_by,
            live_sessions: row.live_sessions,
            live_tokens: row.live_tokens,
        })
        .collect())
}

/// The people whose handle is `handle` (one per issuer that vouched for it).
pub async fn people_with_handle(pool: &PgPool, handle: &str) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar!(
        "select id from users where kind = 'person' and handle = $1 order by created_at",
        handle
    )
    .fetch_all(pool)
    .await?)
}

/// What deactivating a person ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Deactivation {
    pub user: UserInfo,
    pub sessions_ended: u64,
    pub tokens_revoked: Vec<Uuid>,
}

/// Off-boards a person in one transaction: marks them deactivated, deletes their
/// sessions, revokes their tokens (and tokens made with those), and audits it. Their
/// next request, from any open page or script, is unauthenticated.
pub async fn deactivate(
    pool: &PgPool,
    id: Uuid,
    actor: &str,
    request_id: Option<&str>,
) -> Result<Deactivation> {
    let mut tx = pool.begin().await?;
    let user = sqlx::query!(
        r#"select kind, handle, deactivated_at is not null as "deactivated!" from users where id = $1 for update"#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NotFound("user"))?;
    if user.kind != "person" {
        return Err(Error::invalid(
            "id",
            format!(
                "`{}` is a service account; revoke its tokens instead",
                user.handle
            ),
        ));
    }
    if user.deactivated {
        return Err(Error::Conflict(format!(
            "`{}` is already deactivated",
            user.handle
        )));
    }
    sqlx::query!(
        "update users set deactivated_at = now(), deactivated_by = $2 where id = $1",
        id,
        actor
    )
    .execute(&mut *tx)
    .await?;
    let sessions_ended = sqlx::query!("delete from sessions where user_id = $1", id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let tokens_revoked = revoke_tokens_of(&mut tx, &[id]).await?;
    let mut event = NewAuditEvent::new(actor, "user.deactivate", format!("user:{id}")).with_payload(json!({
        "handle": user.handle,
        "sessions_ended": sessions_ended,
        "tokens_revoked": tokens_revoked,
    }));
    event.request_id = request_id.map(str::to_owned);
    audit::append(&mut *tx, &event).await?;
    let user = select(&mut *tx, Some(id))
        .await?
        .into_iter()
        .next()
        .ok_or(Error::NotFound("user"))?;
    tx.commit().await?;
    Ok(Deactivation {
        user,
        sessions_ended,
        tokens_revoked,
    })
}

/// Revokes every live token the `owners` hold, and every token made with one of them.
pub(crate) async fn revoke_tokens_of(conn: &mut PgConnection, owners: &[Uuid]) -> Result<Vec<Uuid>> {
    let held = sqlx::query_scalar!("select id from api_tokens where owner_id = any($1)", owners)
        .fetch_all(&mut *conn)
        .await?;
    tokens::revoke_with_descendants(conn, &held).await
}

/// What removing the development sign-in's leftovers took away.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DevCleanup {
    pub sessions_ended: u64,
    pub tokens_revoked: Vec<Uuid>,
    pub mappings_removed: Vec<String>,
}

impl DevCleanup {
    pub fn is_empty(&self) -> bool {
        self.sessions_ended == 0 && self.tokens_revoked.is_empty() && self.mappings_removed.is_empty()
    }
}

/// Run when Parkway starts without development sign-in: the demo users' sessions and
/// tokens, and the `parkway-demo-*` role mappings that gave them their roles, must not
/// outlive the demo. Audited when anything was removed.
pub async fn remove_development_access(pool: &PgPool, dev_issuer: &str, actor: &str) -> Result<DevCleanup> {
    let mut tx = pool.begin().await?;
    let dev_users = sqlx::query_scalar!("select id from users where issuer = $1", dev_issuer)
        .fetch_all(&mut *tx)
        .await?;
    let sessions_ended = sqlx::query!("delete from sessions where user_id = any($1)", &dev_users)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let tokens_revoked = revoke_tokens_of(&mut tx, &dev_users).await?;
    let mappings_removed = sqlx::query_scalar!(
        r#"delete from role_mappings where group_name like 'parkway-demo-%'
           returning group_name || ' → ' || role as "mapping!""#
    )
    .fetch_all(&mut *tx)
    .await?;
    let cleanup = DevCleanup {
        sessions_ended,
        tokens_revoked,
        mappings_removed,
    };
    if !cleanup.is_empty() {
        let event = NewAuditEvent::new(actor, "auth.dev-access.remove", "sign-in:development")
            .with_payload(serde_json::to_value(&cleanup).unwrap_or_default());
        audit::append(&mut *tx, &event).await?;
    }
    tx.commit().await?;
    Ok(cleanup)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_account_names_are_plain() {
        assert!(validate_account_name("ci-deployer").is_ok());
        for bad in [
            "",
            "CI",
            "ci deployer",
            "-ci",
            "ci-",
            "ci_deployer",
            &"a".repeat(64),
        ] {
            assert!(validate_account_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn handle_is_the_email_address_only_when_verified() {
        let mut who = Identity {
            issuer: "https://idp".into(),
            subject: "123".into(),
            email: Some("ada@example.com".into()),
            email_verified: true,
            display_name: "Ada".into(),
            groups: vec![],
        };
        assert_eq!(who.handle(), "ada@example.com");
        who.email_verified = false;
        assert_eq!(who.handle(), "123", "an unverified address is not an identity");
        who.email = None;
        who.email_verified = true;
        assert_eq!(who.handle(), "123");
    }
}
