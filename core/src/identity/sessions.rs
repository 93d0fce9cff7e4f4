//! Server-side sessions and pending sign-ins. The browser holds only a random id; this
//! table says who it belongs to and until when.

use std::{collections::BTreeSet, time::Duration};

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{
    Principal, PrincipalKind, Result, Role,
    secret::{digest, random_hex},
};

/// How long sessions live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Ends a session nobody used for this long.
    pub idle: Duration,
    /// Ends every session this long after sign-in, however busy.
    pub absolute: Duration,
}

/// How long a started sign-in may take at the provider before it is void.
pub const LOGIN_FLOW_TTL: Duration = Duration::from_secs(10 * 60);

/// Sessions are marked as seen at most this often, so browsing does not write a row
/// on every request. It is also the longest a replica reuses a loaded session without
/// asking Postgres again ([`ActiveSession::fresh_for`]).
pub const TOUCH_EVERY_SECS: f64 = 60.0;

/// A session as a request sees it.
#[derive(Debug, Clone)]
pub struct ActiveSession {
    pub principal: Principal,
    /// The per-session token forms may carry instead of a same-origin `Origin`.
    pub csrf_token: String,
    /// How long this answer stays true unless the access generation moves: until the
    /// next "last seen" mark is due, the idle limit or the absolute expiry, whichever
    /// comes first.
    pub fresh_for: Duration,
}

/// Starts a session for `user_id` and returns its id, for the cookie only (the table
/// keeps its hash). Always a new id (so a session id planted before sign-in is
/// useless); `previous`, the id the browser presented, is destroyed. `issuer` is who
/// vouched for the sign-in: the session ends if Parkway stops trusting it.
pub async fn create(
    conn: &mut PgConnection,
    user_id: Uuid,
    policy: SessionPolicy,
    previous: Option<&str>,
    issuer: &str,
) -> Result<String> {
    if let Some(previous) = previous {
        sqlx::query!("delete from sessions where id_hash = $1", digest(previous))
            .execute(&mut *conn)
            .await?;
    }
    let id = random_hex();
    sqlx::query!(
        r#"insert into sessions (id_hash, user_id, csrf_token, expires_at, issuer)
           values ($1, $2, $3, now() + make_interval(secs => $4), $5)"#,
        digest(&id),
        user_id,
        random_hex(),
        policy.absolute.as_secs_f64(),
        issuer,
    )
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// The live session for `id`, or `None` when it is unknown, idle too long, past its
/// absolute expiry, its person was deactivated, or it was created by an issuer other
/// than `issuer` (the one configured now; `None` when no sign-in is configured, which
/// ends every session). Marks it as seen.
pub async fn load(
    pool: &PgPool,
    id: &str,
    policy: SessionPolicy,
    issuer: Option<&str>,
) -> Result<Option<ActiveSession>> {
    let id_hash = digest(id);
    let row = sqlx::query!(
        r#"select u.id, u.kind, u.handle, u.display_name, u.groups, s.csrf_token,
                  extract(epoch from now() - s.last_seen_at)::float8 as "idle_secs!",
                  extract(epoch from s.expires_at - now())::float8 as "remaining_secs!",
                  roles_of(u.groups) as "roles!",
                  array(select m.team from team_members m where m.user_id = u.id order by m.team) as "teams!"
           from sessions s join users u on u.id = s.user_id
           where s.id_hash = $1 and s.expires_at > now()
             and s.last_seen_at > now() - make_interval(secs => $2)
             and u.deactivated_at is null and s.issuer = $3"#,
        id_hash,
        policy.idle.as_secs_f64(),
        issuer,
    )
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let mut idle_secs = row.idle_secs;
    if idle_secs > TOUCH_EVERY_SECS {
        sqlx::query!(
            "update sessions set last_seen_at = now() where id_hash = $1",
            id_hash
        )
        .execute(pool)
        .await?;
        idle_secs = 0.0;
    }
    let fresh_for = fresh_for(
        TOUCH_EVERY_SECS.min(policy.idle.as_secs_f64()) - idle_secs,
        row.remaining_secs,
    );
    Ok(Some(ActiveSession {
        principal: principal_from_row(
            UserColumns {
                user_id: row.id,
                kind: row.kind,
                handle: row.handle,
                display_name: row.display_name,
                groups: row.groups,
                teams: row.teams,
            },
            &row.roles,
            None,
        ),
        csrf_token: row.csrf_token,
        fresh_for,
    }))
}

/// The shortest of the remaining times, in seconds, as a duration (none when any has
/// run out).
pub(crate) fn fresh_for(a: f64, b: f64) -> Duration {
    Duration::try_from_secs_f64(a.min(b).max(0.0)).unwrap_or_default()
}

/// Ends the session; returns the user it belonged to, for the audit trail.
pub async fn destroy(conn: &mut PgConnection, id: &str) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar!(
        "delete from sessions where id_hash = $1 returning user_id",
        digest(id)
    )
    .fetch_optional(conn)
    .await?)
}

/// Removes expired sessions and abandoned sign-ins; returns how many rows went.
pub async fn purge_expired(pool: &PgPool, policy: SessionPolicy) -> Result<u64> {
    let sessions = sqlx::query!(
        "delete from sessions where expires_at <= now() or last_seen_at <= now() - make_interval(secs => $1)",
        policy.idle.as_secs_f64()
    )
    .execute(pool)
    .await?
    .rows_affected();
    let flows = sqlx::query!("delete from login_flows where expires_at <= now()")
        .execute(pool)
        .await?
        .rows_affected();
    Ok(sessions + flows)
}

/// What must survive the round trip to the provider, kept server-side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginFlow {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// Local path to return to after sign-in.
    pub return_to: String,
}

/// Stores a pending sign-in under a new random id (for the browser's cookie).
pub async fn start_login(pool: &PgPool, flow: &LoginFlow) -> Result<String> {
    let id = random_hex();
    sqlx::query!(
        r#"insert into login_flows (id_hash, state, nonce, pkce_verifier, return_to, expires_at)
           values ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))"#,
        digest(&id),
        flow.state,
        flow.nonce,
        flow.pkce_verifier,
        flow.return_to,
        LOGIN_FLOW_TTL.as_secs_f64(),
    )
    .execute(pool)
    .await?;
    Ok(id)
}

/// Takes the pending sign-in for `id` out of the table: each can be completed once.
pub async fn take_login(pool: &PgPool, id: &str) -> Result<Option<LoginFlow>> {
    Ok(sqlx::query_as!(
        LoginFlow,
        r#"delete from login_flows where id_hash = $1 and expires_at > now()
           returning state, nonce, pkce_verifier, return_to"#,
        digest(id)
    )
    .fetch_optional(pool)
    .await?)
}

/// The user columns every credential query selects.
pub(crate) struct UserColumns {
    pub user_id: Uuid,
    pub kind: String,
    pub handle: String,
    pub display_name: String,
    pub groups: Vec<String>,
    pub teams: Vec<String>,
}

/// Builds a principal from the columns every identity query selects. Role names the
/// database holds are guaranteed valid by its check constraint; anything else is skipped.
pub(crate) fn principal_from_row(
    user: UserColumns,
    roles: &[String],
    scopes: Option<BTreeSet<super::Action>>,
) -> Principal {
    let UserColumns {
        user_id,
        kind,
        handle,
        display_name,
        groups,
        teams,
    } = user;
    Principal {
        user_id,
        kind: if kind == "service" {
            PrincipalKind::Service
        } else {
            PrincipalKind::Person
        },
        handle,
        display_name,
        roles: roles
            .iter()
            .filter_map(|role| role.parse::<Role>().ok())
            .collect(),
        scopes,
        groups,
        teams,
        token: None,
    }
}
