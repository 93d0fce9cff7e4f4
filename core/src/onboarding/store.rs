//! Tenants, their timeline, tier rules and provisioning steps in Postgres. No
//! authorization here; the operations decide, these read and write.

use chrono::{DateTime, Utc};
use parkway_types::{
    onboarding::{StepOp, StepState, TenantState},
    views::onboarding::{TierRule, TierRuleSpec},
};
use serde_json::Value;
use sqlx::{PgConnection, PgPool, types::Json};

use super::error::{Error, Result};

/// A tenant as stored.
#[derive(Debug, Clone)]
pub struct TenantRow {
    pub name: String,
    pub team: String,
    pub business_unit: Option<String>,
    pub system: Option<String>,
    pub tier: String,
    pub environments: Vec<String>,
    pub quotas: Value,
    pub options: Value,
    pub justification: Option<String>,
    pub approver: String,
    pub routing_reasons: Vec<String>,
    pub tier_rule_version: i32,
    pub state: String,
    pub requested_by: String,
    pub asked_by: String,
    pub requested_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub drift: Value,
    pub drift_checked_at: Option<DateTime<Utc>>,
}

impl TenantRow {
    pub fn state(&self) -> Result<TenantState> {
        self.state
            .parse()
            .map_err(|e| Error::Internal(format!("tenant {}: stored state: {e}", self.name)))
    }
}

/// A tenant row with its step counts (for lists).
#[derive(Debug, Clone)]
pub struct Listed {
    pub tenant: TenantRow,
    pub steps_done: i64,
    pub steps_total: i64,
}

/// One provisioning step as stored.
#[derive(Debug, Clone)]
pub struct StepRow {
    pub id: i64,
    pub tenant: String,
    pub cluster: String,
    pub position: i32,
    pub op: String,
    pub kind: String,
    pub api_version: String,
    pub namespace: Option<String>,
    pub name: String,
    pub manifest: Option<Value>,
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
    pub applied_at: Option<DateTime<Utc>>,
    pub force: bool,
}

impl StepRow {
    pub fn op(&self) -> StepOp {
        self.op.parse().unwrap_or(StepOp::Apply)
    }

    pub fn state(&self) -> StepState {
        self.state.parse().unwrap_or(StepState::Pending)
    }
}

/// A step about to be written.
#[derive(Debug, Clone)]
pub struct NewStep {
    pub cluster: String,
    pub position: i32,
    pub op: StepOp,
    pub kind: String,
    pub api_version: String,
    pub namespace: Option<String>,
    pub name: String,
    pub manifest: Option<Value>,
}

/// A timeline entry as stored.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub comment: Option<String>,
}

/// Every tier with its newest rule, in the tiers' order, and the tier's position.
pub async fn tier_rules(conn: &mut PgConnection) -> Result<Vec<(TierRule, i32)>> {
    let rows = sqlx::query!(
        r#"select distinct on (t.position) t.name, t.title, t.position, r.version, r.rule as "rule: Json<TierRuleSpec>",
                  r.changed_by, r.changed_at, r.note
           from risk_tiers t join tier_rules r on r.tier = t.name
           order by t.position, r.version desc"#
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                TierRule {
                    tier: r.name,
                    title: r.title,
                    version: r.version,
                    rule: r.rule.0,
                    changed_by: r.changed_by,
                    changed_at: r.changed_at.to_rfc3339(),
                    note: r.note,
                },
                r.position,
            )
        })
        .collect())
}

/// Every version of one tier's rule, newest first.
pub async fn tier_rule_history(pool: &PgPool, tier: &str) -> Result<Vec<TierRule>> {
    let rows = sqlx::query!(
        r#"select t.name, t.title, r.version, r.rule as "rule: Json<TierRuleSpec>", r.changed_by, r.changed_at, r.note
           from risk_tiers t join tier_rules r on r.tier = t.name
           where t.name = $1 order by r.version desc"#,
        tier
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| TierRule {
            tier: r.name,
            title: r.title,
            version: r.version,
            rule: r.rule.0,
            changed_by: r.changed_by,
            changed_at: r.changed_at.to_rfc3339(),
            note: r.note,
        })
        .collect())
}

/// Writes a new version of a tier's rule; returns its number.
pub async fn add_tier_rule(
    tx: &mut PgConnection,
    tier: &str,
    rule: &TierRuleSpec,
    actor: &str,
    note: Option<&str>,
) -> Result<i32> {
    // Serialised per tier by locking the tier's row.
    sqlx::query!("select name from risk_tiers where name = $1 for update", tier)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::NotFound(format!("tier `{tier}`")))?;
    let version = sqlx::query_scalar!(
        r#"insert into tier_rules (tier, version, rule, changed_by, note)
           select $1, coalesce(max(version), 0) + 1, $2, $3, $4 from tier_rules where tier = $1
           returning version"#,
        tier,
        Json(rule) as _,
        actor,
        note
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok(version)
}

/// A new tenant; `Conflict` when the name is taken.
pub async fn insert_tenant(tx: &mut PgConnection, t: &TenantRow) -> Result<()> {
    let inserted = sqlx::query_scalar!(
        r#"insert into tenants (name, team, business_unit, system, tier, environments, quotas, options, justification,
                                approver, routing_reasons, tier_rule_version, state, requested_by, asked_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
           on conflict (name) do nothing returning name"#,
        t.name,
        t.team,
        t.business_unit,
        t.system,
        t.tier,
        &t.environments,
        t.quotas,
        t.options,
        t.justification,
        t.approver,
        &t.routing_reasons,
        t.tier_rule_version,
        t.state,
        t.requested_by
    )
    .fetch_optional(&mut *tx)
    .await?;
    if inserted.is_none() {
        return Err(Error::Conflict(format!("the tenant name `{}` is taken", t.name)));
    }
    Ok(())
}

/// One tenant, locked for the rest of the transaction.
pub async fn lock(tx: &mut PgConnection, name: &str) -> Result<Option<TenantRow>> {
    Ok(
        sqlx::query_as!(TenantRow, "select name, team, business_unit, system, tier, environments, quotas, options, justification, approver,
                      routing_reasons, tier_rule_version, state, requested_by, asked_by, requested_at, updated_at, last_error,
                      drift, drift_checked_at
               from tenants where name = $1 for update", name)
            .fetch_optional(&mut *tx)
            .await?,
    )
}

/// One tenant.
pub async fn get(conn: &mut PgConnection, name: &str) -> Result<Option<TenantRow>> {
    Ok(
        sqlx::query_as!(TenantRow, "select name, team, business_unit, system, tier, environments, quotas, options, justification, approver,
                      routing_reasons, tier_rule_version, state, requested_by, asked_by, requested_at, updated_at, last_error,
                      drift, drift_checked_at
               from tenants where name = $1", name)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Tenants, newest first, optionally of one state and/or some teams, with step counts;
/// `waiting`: only tenants that wait for a decision.
pub async fn list(
    pool: &PgPool,
    state: Option<TenantState>,
    teams: Option<&[String]>,
    waiting: bool,
    limit: i64,
) -> Result<Vec<Listed>> {
    let rows = sqlx::query!(
        // The page of tenants first, then their steps counted in one pass over the index
        // (a per-row subquery made a 500-row page cost a second under load).
        r#"with t as (
               select name, team, business_unit, system, tier, environments, quotas, options, justification,
                      approver, routing_reasons, tier_rule_version, state, requested_by, asked_by, requested_at,
                      updated_at, last_error, drift, drift_checked_at
               from tenants
               where ($1::text is null or state = $1) and ($2::text[] is null or team = any($2))
                 and (not $3 or state in ('requested', 'decommission-requested'))
               order by requested_at desc, name
               limit $4
           ), s as (
               select tenant, count(*) filter (where state in ('applied', 'deleted')) as done, count(*) as total
               from tenant_steps where tenant in (select name from t) group by tenant
           )
           select t.name as "name!", t.team as "team!", t.business_unit, t.system, t.tier as "tier!",
                  t.environments as "environments!", t.quotas as "quotas!", t.options as "options!", t.justification,
                  t.approver as "approver!", t.routing_reasons as "routing_reasons!",
                  t.tier_rule_version as "tier_rule_version!", t.state as "state!", t.requested_by as "requested_by!",
                  t.asked_by as "asked_by!", t.requested_at as "requested_at!", t.updated_at as "updated_at!",
                  t.last_error, t.drift as "drift!", t.drift_checked_at,
                  coalesce(s.done, 0) as "done!", coalesce(s.total, 0) as "total!"
           from t left join s on s.tenant = t.name
           order by t.requested_at desc, t.name"#,
        state.map(TenantState::as_str),
        teams as Option<&[String]>,
        waiting,
        limit
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Listed {
            tenant: TenantRow {
                name: r.name,
                team: r.team,
                business_unit: r.business_unit,
                system: r.system,
                tier: r.tier,
                environments: r.environments,
                quotas: r.quotas,
                options: r.options,
                justification: r.justification,
                approver: r.approver,
                routing_reasons: r.routing_reasons,
                tier_rule_version: r.tier_rule_version,
                state: r.state,
                requested_by: r.requested_by,
                asked_by: r.asked_by,
                requested_at: r.requested_at,
                updated_at: r.updated_at,
                last_error: r.last_error,
                drift: r.drift,
                drift_checked_at: r.drift_checked_at,
            },
            steps_done: r.done,
            steps_total: r.total,
        })
        .collect())
}

/// How many requests wait for a decision, by the approver they wait for.
pub async fn waiting_counts(pool: &PgPool) -> Result<Vec<(String, String, i64)>> {
    Ok(sqlx::query!(
        r#"select approver, team, count(*) as "n!" from tenants
           where state in ('requested', 'decommission-requested') group by approver, team"#
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.approver, r.team, r.n))
    .collect())
}

/// Moves a tenant to `to` and records the transition in its timeline.
pub async fn transition(
    tx: &mut PgConnection,
    name: &str,
    from: Option<TenantState>,
    to: TenantState,
    actor: &str,
    comment: Option<&str>,
) -> Result<()> {
    sqlx::query!(
        "update tenants set state = $2, updated_at = now(), last_error = case when $2 = 'failed' then last_error else null end
         where name = $1",
        name,
        to.as_str()
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "insert into tenant_events (tenant, actor, from_state, to_state, comment) values ($1, $2, $3, $4, $5)",
        name,
        actor,
        from.map(TenantState::as_str),
        to.as_str(),
        comment
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Sets who must approve and who asked (a decommission waits for its own approver).
pub async fn set_waiting(tx: &mut PgConnection, name: &str, approver: &str, asked_by: &str) -> Result<()> {
    sqlx::query!(
        "update tenants set approver = $2, asked_by = $3 where name = $1",
        name,
        approver,
        asked_by
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub async fn events(conn: &mut PgConnection, name: &str) -> Result<Vec<EventRow>> {
    Ok(sqlx::query_as!(
        EventRow,
        "select at, actor, from_state, to_state, comment from tenant_events where tenant = $1 order by id",
        name
    )
    .fetch_all(&mut *conn)
    .await?)
}

pub async fn steps(conn: &mut PgConnection, name: &str) -> Result<Vec<StepRow>> {
    Ok(sqlx::query_as!(
        StepRow,
        "select id, tenant, cluster, position, op, kind, api_version, namespace, name, manifest, state, attempts,
                last_error, next_attempt_at, applied_at, force
         from tenant_steps where tenant = $1 order by cluster, op, position",
        name
    )
    .fetch_all(&mut *conn)
    .await?)
}

/// Writes steps; a step that exists (same tenant, cluster, op, kind and name) gets the
/// new manifest and is due again.
pub async fn put_steps(tx: &mut PgConnection, tenant: &str, steps: &[NewStep]) -> Result<()> {
    for s in steps {
        sqlx::query!(
            r#"insert into tenant_steps (tenant, cluster, position, op, kind, api_version, namespace, name, manifest)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
               on conflict (tenant, cluster, op, kind, name) do update
               set manifest = excluded.manifest, position = excluded.position, state = 'pending',
                   next_attempt_at = now(), last_error = null"#,
            tenant,
            s.cluster,
            s.position,
            s.op.as_str(),
            s.kind,
            s.api_version,
            s.namespace,
            s.name,
            s.manifest
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Retires apply steps not done yet (a decommission starts): they must not recreate what
/// the delete steps remove.
pub async fn retire_pending_applies(tx: &mut PgConnection, tenant: &str) -> Result<u64> {
    Ok(sqlx::query!(
        "update tenant_steps set state = 'deleted', last_error = null
         where tenant = $1 and op = 'apply' and state in ('pending', 'retrying')",
        tenant
    )
    .execute(&mut *tx)
    .await?
    .rows_affected())
}

/// Makes every apply step of a tenant due again, forcing (the re-apply after drift a
/// person asked for).
pub async fn reapply(tx: &mut PgConnection, tenant: &str) -> Result<u64> {
    Ok(sqlx::query!(
        "update tenant_steps set state = 'pending', next_attempt_at = now(), last_error = null, force = true
         where tenant = $1 and op = 'apply'",
        tenant
    )
    .execute(&mut *tx)
    .await?
    .rows_affected())
}

/// Claims up to `limit` due steps for this worker: locked until the transaction ends,
/// skipped by every other worker meanwhile. A namespaced object waits until its
/// Namespace step in the same cluster is applied.
pub async fn claim(tx: &mut PgConnection, limit: i64) -> Result<Vec<StepRow>> {
    Ok(sqlx::query_as!(
        StepRow,
        r#"select s.id, s.tenant, s.cluster, s.position, s.op, s.kind, s.api_version, s.namespace, s.name, s.manifest,
                  s.state, s.attempts, s.last_error, s.next_attempt_at, s.applied_at, s.force
           from tenant_steps s
           where s.state in ('pending', 'retrying') and s.next_attempt_at <= now()
             and (s.position = 0 or s.op = 'delete' or exists (
                 select 1 from tenant_steps n
                 where n.tenant = s.tenant and n.cluster = s.cluster and n.op = s.op and n.position = 0 and n.state = 'applied'))
           order by s.next_attempt_at, s.id
           limit $1
           for update of s skip locked"#,
        limit
    )
    .fetch_all(&mut *tx)
    .await?)
}

/// Records a step's success.
pub async fn step_done(tx: &mut PgConnection, id: i64, state: StepState) -> Result<()> {
    sqlx::query!(
        "update tenant_steps set state = $2, attempts = attempts + 1, last_error = null, applied_at = now(), force = false
         where id = $1",
        id,
        state.as_str()
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Records a step's failure and when to try again.
pub async fn step_failed(tx: &mut PgConnection, id: i64, error: &str, retry_in_ms: i64) -> Result<()> {
    sqlx::query!(
        "update tenant_steps set state = 'retrying', attempts = attempts + 1, last_error = $2,
                next_attempt_at = now() + make_interval(secs => $3::float8 / 1000) where id = $1",
        id,
        error,
        retry_in_ms as f64
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A tenant's remaining work: (steps not done, an error of a step not done).
pub async fn remaining(tx: &mut PgConnection, tenant: &str, op: StepOp) -> Result<(i64, Option<String>)> {
    let r = sqlx::query!(
        r#"select count(*) filter (where state not in ('applied', 'deleted')) as "left!",
                  max(cluster || ': ' || last_error) filter (where state = 'retrying') as error
           from tenant_steps where tenant = $1 and op = $2"#,
        tenant,
        op.as_str()
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok((r.left, r.error))
}

pub async fn set_last_error(tx: &mut PgConnection, tenant: &str, error: Option<&str>) -> Result<()> {
    sqlx::query!(
        "update tenants set last_error = $2, updated_at = now() where name = $1",
        tenant,
        error
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Tenants whose namespaces should exist, with their applied apply-steps (for drift).
pub async fn live_tenants(pool: &PgPool) -> Result<Vec<(String, Vec<StepRow>)>> {
    let rows = sqlx::query_as!(
        StepRow,
        r#"select s.id, s.tenant, s.cluster, s.position, s.op, s.kind, s.api_version, s.namespace, s.name, s.manifest,
                  s.state, s.attempts, s.last_error, s.next_attempt_at, s.applied_at, s.force
           from tenant_steps s join tenants t on t.name = s.tenant
           where t.state in ('active', 'decommission-requested') and s.op = 'apply'
           order by s.tenant, s.cluster, s.position"#
    )
    .fetch_all(pool)
    .await?;
    let mut out: Vec<(String, Vec<StepRow>)> = Vec::new();
    for row in rows {
        match out.last_mut() {
            Some((name, steps)) if *name == row.tenant => steps.push(row),
            _ => out.push((row.tenant.clone(), vec![row])),
        }
    }
    Ok(out)
}

/// Stores a drift comparison (only when it changed, so unchanged checks write nothing).
pub async fn set_drift(pool: &PgPool, tenant: &str, drift: &Value) -> Result<()> {
    sqlx::query!(
        "update tenants set drift = $2, drift_checked_at = now() where name = $1",
        tenant,
        drift
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Namespace names taken by tenants (any state but rejected or decommissioned).
pub async fn name_taken(conn: &mut PgConnection, name: &str) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"select exists(select 1 from tenants where name = $1) as "e!""#,
        name
    )
    .fetch_one(&mut *conn)
    .await?)
}
