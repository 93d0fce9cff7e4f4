//! Onboarding's use cases, one function each: authorize → load → validate → write →
//! audit, the write and its audit event in one transaction.

use std::collections::BTreeMap;

use parkway_types::{
    Role,
    onboarding::{Approver, StepOp, TenantEnvironment, TenantState},
    views::onboarding::{
        ClusterPlan, Decide, OptionChoice, OptionDecision, Quotas, RequestChoices, Routing, StepView,
        TeamChoice, TenantActions, TenantDetail, TenantEvent, TenantPreview, TenantRequest, TenantSummary,
        TierRule, TierRuleSpec,
    },
};
use serde_json::json;
use sqlx::PgConnection;

use super::{
    error::{Error, Result},
    manifests::{self, Manifest, TenantSpec},
    rules::{self, Requestable},
    store::{self, NewStep, StepRow, TenantRow},
};
use crate::{
    Ctx, audit,
    cluster::Environment,
    guardrails,
    identity::{Action, Principal, policy::Resource},
};

/// The longest list a page or the API gets in one answer.
pub const LIST_LIMIT: i64 = 500;

const GROUP_PREFIX: &str = "group:default/";

/// Refuses text Postgres cannot store (a NUL character), naming the field.
fn storable(field: &'static str, text: &str) -> Result<()> {
    if text.contains('\0') {
        return Err(Error::Field {
            field,
            reason: "contains a NUL character".into(),
        });
    }
    Ok(())
}

/// A name from a path: one with a NUL names nothing (and could not be looked up).
fn named(what: &str, name: &str) -> Result<()> {
    if name.contains('\0') {
        return Err(Error::NotFound(format!("{what} `{}`", name.replace('\0', "\\0"))));
    }
    Ok(())
}

/// The team's catalog name from its reference (`group:default/payments` → `payments`).
fn team_name(team: &str) -> &str {
    team.strip_prefix(GROUP_PREFIX).unwrap_or(team)
}

fn in_team(who: &Principal, team: &str) -> bool {
    let name = team_name(team);
    who.teams.iter().any(|t| t.eq_ignore_ascii_case(name))
}

fn admin(who: &Principal) -> bool {
    who.roles.contains(&Role::PlatformAdmin)
}

/// Whether `who` may operate the tenants of `team`: a team-owner in it, or a platform admin.
fn operates(who: &Principal, team: &str) -> bool {
    admin(who) || (who.roles.contains(&Role::TeamOwner) && in_team(who, team))
}

/// The environments that have at least one configured cluster, with those clusters.
fn clusters_by_environment(ctx: &Ctx) -> Vec<(TenantEnvironment, Vec<String>)> {
    TenantEnvironment::ALL
        .iter()
        .map(|env| {
            let names = ctx
                .services
                .clusters
                .configs()
                .into_iter()
                .filter(|c| c.environment.as_str() == env.as_str())
                .map(|c| c.name)
                .collect();
            (*env, names)
        })
        .collect()
}

fn environment_of(ctx: &Ctx, cluster: &str) -> TenantEnvironment {
    let env = ctx
        .services
        .clusters
        .get(cluster)
        .map_or(Environment::Dev, |c| c.config.environment);
    env.as_str().parse().unwrap_or(TenantEnvironment::Dev)
}

/// The published guardrails tenants can request.
async fn requestable(ctx: &Ctx) -> Result<Vec<Requestable>> {
    let published = guardrails::store::published(ctx.pool())
        .await
        .map_err(|e| Error::Internal(format!("reading the published guardrails: {e}")))?;
    Ok(published
        .into_iter()
        .filter_map(|l| {
            let v = l.version;
            let label = v.content.requestable.clone()?;
            Some(Requestable {
                id: v.id,
                label,
                title: v.content.title.clone(),
                decisions: v
                    .content
                    .decisions
                    .iter()
                    .map(|d| (d.tier.clone(), d.decision))
                    .collect(),
            })
        })
        .collect())
}

/// A team from the catalog: (key, title, business unit key).
async fn team(conn: &mut PgConnection, key: &str) -> Result<Option<(String, String, Option<String>)>> {
    let row = sqlx::query!(
        "select key, coalesce(title, name) as \"title!\", business_unit from catalog_entities
         where key = $1 and kind = 'group' and orphaned_at is null",
        key.to_ascii_lowercase()
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| (r.key, r.title, r.business_unit)))
}

/// What the request form offers this caller.
pub async fn choices(ctx: &Ctx) -> Result<RequestChoices> {
    let who = ctx.authorize(Action::RequestTenants, Resource::Tenants)?;
    let mut conn = ctx.pool().acquire().await?;
    let everyone = admin(who);
    let teams: Vec<String> = who
        .teams
        .iter()
        .map(|t| format!("{GROUP_PREFIX}{}", t.to_ascii_lowercase()))
        .collect();
    let rows = sqlx::query!(
        "select key, coalesce(title, name) as \"title!\", business_unit from catalog_entities
         where kind = 'group' and orphaned_at is null and ($1 or key = any($2)) and coalesce(spec_type, '') <> 'business-unit'
         order by key",
        everyone,
        &teams
    )
    .fetch_all(&mut *conn)
    .await?;
    let systems = sqlx::query_scalar!(
        "select key from catalog_entities where kind = 'system' and orphaned_at is null order by key limit 1000"
    )
    .fetch_all(&mut *conn)
    .await?;
    let tiers = store::tier_rules(&mut conn)
        .await?
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    drop(conn);
    let options = requestable(ctx)
        .await?
        .into_iter()
        .map(|r| OptionChoice {
            guardrail: r.id,
            label: r.label,
            title: r.title,
            decisions: r.decisions.into_iter().collect(),
        })
        .collect();
    Ok(RequestChoices {
        teams: rows
            .into_iter()
            .map(|r| TeamChoice {
                team: r.key,
                title: r.title,
                business_unit: r.business_unit,
            })
            .collect(),
        tiers,
        options,
        environments: clusters_by_environment(ctx),
        systems,
    })
}

/// A checked request, ready to be written or previewed.
struct Prepared {
    team: (String, String, Option<String>),
    rule: TierRule,
    routing: Routing,
    options: Vec<OptionDecision>,
}

/// authorize → load → validate, shared by the preview and the request.
async fn prepare(ctx: &Ctx, request: &TenantRequest) -> Result<Prepared> {
    let who = ctx.authorize(Action::RequestTenants, Resource::Tenants)?.clone();
    storable("team", &request.team)?;
    storable("tier", &request.tier)?;
    storable(
        "justification",
        request.justification.as_deref().unwrap_or_default(),
    )?;
    storable("system", request.system.as_deref().unwrap_or_default())?;
    let mut conn = ctx.pool().acquire().await?;
    let Some(team) = team(&mut conn, &request.team).await? else {
        return Err(Error::Refused(format!(
            "team: `{}` is not a team in the catalog (write it as group:default/<name>)",
            request.team
        )));
    };
    if !admin(&who) && !in_team(&who, &team.0) {
        return Err(Error::Refused(format!(
            "team: you are not a member of {}; ask a member of it, or a platform admin",
            team.0
        )));
    }
    let tiers = store::tier_rules(&mut conn).await?;
    if let Some(system) = &request.system {
        let exists = sqlx::query_scalar!(
            r#"select exists(select 1 from catalog_entities where key = $1 and kind = 'system') as "e!""#,
            system.to_ascii_lowercase()
        )
        .fetch_one(&mut *conn)
        .await?;
        if !exists {
            return Err(Error::Invalid {
                problems: vec![(
                    "system".into(),
                    format!("`{system}` is not a System in the catalog"),
                )],
            });
        }
    }
    drop(conn);
    let rule = tiers
        .iter()
        .find(|(t, _)| t.tier == request.tier)
        .map(|(t, _)| t.clone());
    let requestable = requestable(ctx).await?;
    let environments: Vec<TenantEnvironment> = clusters_by_environment(ctx)
        .into_iter()
        .filter(|(_, c)| !c.is_empty())
        .map(|(e, _)| e)
        .collect();
    let checked = rules::check(
        request,
        &rules::Context {
            rule: rule.as_ref().map(|r| &r.rule),
            requestable: &requestable,
            environments: &environments,
        },
    )
    .map_err(|problems| Error::Invalid { problems })?;
    let rule = rule.ok_or_else(|| Error::Internal("a checked request has a tier".into()))?;
    Ok(Prepared {
        team,
        rule,
        routing: checked.routing,
        options: checked.options,
    })
}

fn group_of(ctx: &Ctx, team: &str) -> String {
    format!("{}{}", ctx.services.onboarding.team_group_prefix, team_name(team))
}

/// The manifests per configured cluster of the tenant's environments.
fn plan(ctx: &Ctx, t: &TenantRow, rule: &TierRuleSpec) -> Result<Vec<(String, Vec<Manifest>)>> {
    let quotas: Quotas = serde_json::from_value(t.quotas.clone())
        .map_err(|e| Error::Internal(format!("tenant {}: stored quotas: {e}", t.name)))?;
    let options: Vec<OptionDecision> = serde_json::from_value(t.options.clone())
        .map_err(|e| Error::Internal(format!("tenant {}: stored options: {e}", t.name)))?;
    let spec = TenantSpec {
        name: &t.name,
        team: team_name(&t.team),
        business_unit: t.business_unit.as_deref().map(team_name),
        tier: &t.tier,
        quotas: &quotas,
        options: &options,
        rule,
        group: group_of(ctx, &t.team),
    };
    let objects = manifests::manifests(&spec);
    let mut out = Vec::new();
    for (env, clusters) in clusters_by_environment(ctx) {
        if t.environments.iter().any(|e| e == env.as_str()) {
            for cluster in clusters {
                out.push((cluster, objects.clone()));
            }
        }
    }
    Ok(out)
}

fn new_row(ctx: &Ctx, request: &TenantRequest, p: &Prepared) -> Result<TenantRow> {
    let now = chrono::Utc::now();
    Ok(TenantRow {
        name: request.name.clone(),
        team: p.team.0.clone(),
        business_unit: p.team.2.clone(),
        system: request.system.as_ref().map(|s| s.to_ascii_lowercase()),
        tier: request.tier.clone(),
        environments: request
            .environments
            .iter()
            .map(|e| e.as_str().to_owned())
            .collect(),
        quotas: serde_json::to_value(&request.quotas).map_err(|e| Error::Internal(e.to_string()))?,
        options: serde_json::to_value(&p.options).map_err(|e| Error::Internal(e.to_string()))?,
        justification: request
            .justification
            .as_deref()
            .map(str::trim)
            .filter(|j| !j.is_empty())
            .map(str::to_owned),
        approver: p.routing.approver.as_str().to_owned(),
        routing_reasons: p.routing.reasons.clone(),
        tier_rule_version: p.rule.version,
        state: TenantState::Requested.as_str().to_owned(),
        requested_by: ctx.actor(),
        asked_by: ctx.actor(),
        requested_at: now,
        updated_at: now,
        last_error: None,
        drift: json!([]),
        drift_checked_at: None,
    })
}

fn cluster_plans(ctx: &Ctx, planned: Vec<(String, Vec<Manifest>)>) -> Vec<ClusterPlan> {
    planned
        .into_iter()
        .map(|(cluster, objects)| {
            let manifests: Vec<_> = objects.iter().map(Manifest::view).collect();
            ClusterPlan {
                environment: environment_of(ctx, &cluster),
                cluster,
                steps: Vec::new(),
                yaml: join_yaml(&manifests),
                manifests,
            }
        })
        .collect()
}

fn join_yaml(manifests: &[parkway_types::views::onboarding::ObjectManifest]) -> String {
    manifests
        .iter()
        .map(|m| m.yaml.as_str())
        .collect::<Vec<_>>()
        .join("---\n")
}

/// Where a request would go and exactly what would be applied; writes nothing.
pub async fn preview(ctx: &Ctx, request: &TenantRequest) -> Result<TenantPreview> {
    let p = prepare(ctx, request).await?;
    let row = new_row(ctx, request, &p)?;
    let planned = plan(ctx, &row, &p.rule.rule)?;
    Ok(TenantPreview {
        routing: p.routing,
        options: p.options,
        clusters: cluster_plans(ctx, planned),
    })
}

/// Files a request. A request nobody has to approve is approved at once and its
/// provisioning steps written in the same transaction.
pub async fn request(ctx: &Ctx, request: &TenantRequest) -> Result<TenantDetail> {
    let p = prepare(ctx, request).await?;
    let row = new_row(ctx, request, &p)?;
    for cache in ctx.services.clusters.all() {
        if cache.has_namespace(&row.name) {
            return Err(Error::Conflict(format!(
                "the tenant name `{}` is taken: a namespace of that name exists in cluster {}",
                row.name,
                cache.name()
            )));
        }
    }
    let planned = plan(ctx, &row, &p.rule.rule)?;
    let mut tx = ctx.pool().begin().await?;
    store::insert_tenant(&mut tx, &row).await?;
    let actor = ctx.actor();
    store::transition(
        &mut tx,
        &row.name,
        None,
        TenantState::Requested,
        &actor,
        row.justification.as_deref(),
    )
    .await?;
    let event = ctx
        .audit_event("tenant.request", format!("tenant:{}", row.name))
        .with_payload(json!({
            "team": row.team, "tier": row.tier, "environments": row.environments, "quotas": row.quotas,
            "options": row.options, "approver": row.approver, "reasons": row.routing_reasons,
        }));
    audit::append(&mut *tx, &event).await?;
    if p.routing.approver == Approver::Auto {
        start_provisioning(
            &mut tx,
            &row.name,
            TenantState::Requested,
            planned,
            "system:auto-approve",
            Some("nothing beyond the tier's defaults: approved automatically"),
        )
        .await?;
    }
    tx.commit().await?;
    get(ctx, &row.name).await
}

async fn start_provisioning(
    tx: &mut PgConnection,
    name: &str,
    from: TenantState,
    planned: Vec<(String, Vec<Manifest>)>,
    actor: &str,
    comment: Option<&str>,
) -> Result<()> {
    store::transition(tx, name, Some(from), TenantState::Approved, actor, comment).await?;
    let mut steps = Vec::new();
    for (cluster, objects) in planned {
        for (i, m) in objects.into_iter().enumerate() {
            steps.push(NewStep {
                cluster: cluster.clone(),
                position: i32::try_from(i).unwrap_or(i32::MAX),
                op: StepOp::Apply,
                kind: m.kind.to_owned(),
                api_version: m.api_version.to_owned(),
                namespace: m.namespace,
                name: m.name,
                manifest: Some(m.body),
            });
        }
    }
    store::put_steps(tx, name, &steps).await?;
    store::transition(
        tx,
        name,
        Some(TenantState::Approved),
        TenantState::Provisioning,
        "system:provisioner",
        None,
    )
    .await
}

/// Why `who` may not decide a tenant waiting in `state` for `approver`, if they may not.
pub fn approval_refusal(
    who: &Principal,
    actor: &str,
    requester: &str,
    team: &str,
    approver: Approver,
) -> Option<String> {
    if actor == requester {
        return Some(format!(
            "you asked for this ({requester}); someone else must approve it"
        ));
    }
    match approver {
        Approver::Auto => None,
        Approver::TeamOwner if operates(who, team) => None,
        Approver::TeamOwner => Some(format!(
            "this waits for an owner of {team} (a team-owner in that team) or a platform admin"
        )),
        Approver::SecurityApprover if who.roles.contains(&Role::SecurityApprover) => None,
        Approver::SecurityApprover => Some("this waits for a security approver".into()),
    }
}

fn parse_approver(t: &TenantRow) -> Result<Approver> {
    t.approver
        .parse()
        .map_err(|e| Error::Internal(format!("tenant {}: stored approver: {e}", t.name)))
}

/// Approves a waiting request or decommission.
pub async fn approve(ctx: &Ctx, name: &str, decide: &Decide) -> Result<TenantDetail> {
    decide_on(ctx, name, decide, true).await
}

/// Rejects a waiting request (it ends) or decommission (the tenant stays active).
pub async fn reject(ctx: &Ctx, name: &str, decide: &Decide) -> Result<TenantDetail> {
    decide_on(ctx, name, decide, false).await
}

fn comment_of(decide: &Decide) -> Result<Option<String>> {
    storable("comment", decide.comment.as_deref().unwrap_or_default())?;
    let comment = decide
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    if comment.as_ref().is_some_and(|c| c.len() > 4_000) {
        return Err(Error::Field {
            field: "comment",
            reason: "at most 4,000 characters".into(),
        });
    }
    Ok(comment)
}

async fn decide_on(ctx: &Ctx, name: &str, decide: &Decide, approve: bool) -> Result<TenantDetail> {
    let who = ctx.authorize(Action::ApproveTenants, Resource::Tenants)?.clone();
    named("tenant", name)?;
    let comment = comment_of(decide)?;
    if !approve && comment.is_none() {
        return Err(Error::Field {
            field: "comment",
            reason: "say why the request is rejected".into(),
        });
    }
    let actor = ctx.actor();
    let mut tx = ctx.pool().begin().await?;
    let t = store::lock(&mut tx, name)
        .await?
        .ok_or_else(|| Error::NotFound(format!("tenant `{name}`")))?;
    let state = t.state()?;
    if !state.awaits_approval() {
        return Err(Error::Conflict(format!(
            "tenant `{name}` is {}: there is nothing to {}",
            state.as_str(),
            if approve { "approve" } else { "reject" }
        )));
    }
    let requester = t.asked_by.clone();
    if let Some(reason) = approval_refusal(&who, &actor, &requester, &t.team, parse_approver(&t)?) {
        return Err(Error::Refused(reason));
    }
    let verb = if approve { "approve" } else { "reject" };
    match (state, approve) {
        (TenantState::Requested, true) => {
            let rule = rule_version(&mut tx, &t).await?;
            let planned = plan(ctx, &t, &rule)?;
            start_provisioning(&mut tx, name, state, planned, &actor, comment.as_deref()).await?;
        }
        (TenantState::Requested, false) => {
            store::transition(
                &mut tx,
                name,
                Some(state),
                TenantState::Rejected,
                &actor,
                comment.as_deref(),
            )
            .await?;
        }
        (_, true) => start_decommission(&mut tx, &t, state, &actor, comment.as_deref()).await?,
        (_, false) => {
            store::transition(
                &mut tx,
                name,
                Some(state),
                TenantState::Active,
                &actor,
                comment.as_deref(),
            )
            .await?;
        }
    }
    let what = if state == TenantState::Requested {
        ""
    } else {
        "-decommission"
    };
    let event = ctx
        .audit_event(format!("tenant.{verb}{what}"), format!("tenant:{name}"))
        .with_payload(json!({ "comment": comment, "approver": t.approver, "requested_by": requester }));
    audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    get(ctx, name).await
}

async fn rule_version(tx: &mut PgConnection, t: &TenantRow) -> Result<TierRuleSpec> {
    let rule = sqlx::query_scalar!(
        r#"select rule as "rule: sqlx::types::Json<TierRuleSpec>" from tier_rules where tier = $1 and version = $2"#,
        t.tier,
        t.tier_rule_version
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::Internal(format!("tenant {}: tier rule version {} is gone", t.name, t.tier_rule_version)))?;
    Ok(rule.0)
}

async fn start_decommission(
    tx: &mut PgConnection,
    t: &TenantRow,
    from: TenantState,
    actor: &str,
    comment: Option<&str>,
) -> Result<()> {
    let clusters: Vec<String> = sqlx::query_scalar!(
        "select distinct cluster from tenant_steps where tenant = $1 and op = 'apply' order by cluster",
        t.name
    )
    .fetch_all(&mut *tx)
    .await?;
    let steps: Vec<NewStep> = clusters
        .into_iter()
        .map(|cluster| NewStep {
            cluster,
            position: 0,
            op: StepOp::Delete,
            kind: "Namespace".into(),
            api_version: "v1".into(),
            namespace: None,
            name: t.name.clone(),
            manifest: None,
        })
        .collect();
    store::retire_pending_applies(tx, &t.name).await?;
    store::put_steps(tx, &t.name, &steps).await?;
    store::transition(
        tx,
        &t.name,
        Some(from),
        TenantState::Decommissioning,
        actor,
        comment,
    )
    .await
}

/// Locks a tenant its team operates (decommission, re-apply): the caller must own the
/// team (or be a platform admin) and the tenant be active or failing; `verb` and
/// `past` word the refusals.
async fn lock_operated(
    tx: &mut PgConnection,
    who: &Principal,
    name: &str,
    verb: &str,
    past: &str,
) -> Result<(TenantRow, TenantState)> {
    let t = store::lock(tx, name)
        .await?
        .ok_or_else(|| Error::NotFound(format!("tenant `{name}`")))?;
    if !operates(who, &t.team) {
        return Err(Error::Refused(format!(
            "only an owner of {} (a team-owner in that team) or a platform admin may {verb} this tenant",
            t.team
        )));
    }
    let state = t.state()?;
    if !matches!(state, TenantState::Active | TenantState::Failed) {
        return Err(Error::Conflict(format!(
            "tenant `{name}` is {}: only an active (or failing) tenant can be {past}",
            state.as_str()
        )));
    }
    Ok((t, state))
}

/// Asks for a tenant's decommission; routed like a request of its tier.
pub async fn decommission(ctx: &Ctx, name: &str, decide: &Decide) -> Result<TenantDetail> {
    let who = ctx.authorize(Action::OperateTenants, Resource::Tenants)?.clone();
    named("tenant", name)?;
    let comment = comment_of(decide)?;
    let actor = ctx.actor();
    let mut tx = ctx.pool().begin().await?;
    let (t, state) = lock_operated(&mut tx, &who, name, "decommission", "decommissioned").await?;
    let rule = store::tier_rules(&mut tx)
        .await?
        .into_iter()
        .find(|(r, _)| r.tier == t.tier)
        .map(|(r, _)| r.rule.approver)
        .unwrap_or(Approver::SecurityApprover);
    store::set_waiting(&mut tx, name, rule.as_str(), &actor).await?;
    store::transition(
        &mut tx,
        name,
        Some(state),
        TenantState::DecommissionRequested,
        &actor,
        comment.as_deref(),
    )
    .await?;
    if rule == Approver::Auto {
        start_decommission(
            &mut tx,
            &t,
            TenantState::DecommissionRequested,
            "system:auto-approve",
            Some("the tier approves decommissions automatically"),
        )
        .await?;
    }
    let event = ctx
        .audit_event("tenant.decommission", format!("tenant:{name}"))
        .with_payload(json!({ "comment": comment, "approver": rule.as_str() }));
    audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    get(ctx, name).await
}

/// Applies a tenant's objects again (after drift), as its team decided: the steps
/// become due at once and take back fields another manager changed (forced, unlike
/// provisioning).
pub async fn reapply(ctx: &Ctx, name: &str, decide: &Decide) -> Result<TenantDetail> {
    let who = ctx.authorize(Action::OperateTenants, Resource::Tenants)?.clone();
    named("tenant", name)?;
    let comment = comment_of(decide)?;
    let actor = ctx.actor();
    let mut tx = ctx.pool().begin().await?;
    let (t, state) = lock_operated(&mut tx, &who, name, "re-apply", "re-applied").await?;
    let steps = store::reapply(&mut tx, name).await?;
    let note = comment.map_or_else(|| "re-apply".to_owned(), |c| format!("re-apply: {c}"));
    store::transition(
        &mut tx,
        name,
        Some(state),
        TenantState::Provisioning,
        &actor,
        Some(&note),
    )
    .await?;
    let event = ctx
        .audit_event("tenant.reapply", format!("tenant:{name}"))
        .with_payload(json!({ "steps": steps, "drift": t.drift }));
    audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    get(ctx, name).await
}

/// Which tenants a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub state: Option<TenantState>,
    /// Only tenants of the caller's teams.
    pub mine: bool,
    /// Only requests waiting for a decision the caller may make.
    pub queue: bool,
    /// Only tenants of this team (`group:default/payments`).
    pub team: Option<String>,
}

/// Tenants, newest first.
pub async fn list(ctx: &Ctx, filter: &ListFilter) -> Result<Vec<TenantSummary>> {
    let who = ctx.authorize(Action::ViewPortal, Resource::Portal)?.clone();
    if filter.team.as_deref().is_some_and(|t| t.contains('\0')) {
        return Ok(Vec::new());
    }
    let teams: Option<Vec<String>> = if filter.mine {
        Some(
            who.teams
                .iter()
                .map(|t| format!("{GROUP_PREFIX}{}", t.to_ascii_lowercase()))
                .collect(),
        )
    } else {
        filter.team.as_ref().map(|t| vec![t.to_ascii_lowercase()])
    };
    let rows = store::list(
        ctx.pool(),
        filter.state,
        teams.as_deref(),
        filter.queue,
        LIST_LIMIT,
    )
    .await?;
    let actor = ctx.actor();
    Ok(rows
        .into_iter()
        .filter(|l| {
            !filter.queue || {
                let t = &l.tenant;
                t.state().is_ok_and(TenantState::awaits_approval)
                    && parse_approver(t)
                        .is_ok_and(|a| approval_refusal(&who, &actor, &t.asked_by, &t.team, a).is_none())
            }
        })
        .map(|l| summary(&l.tenant, l.steps_done, l.steps_total))
        .collect())
}

/// How many requests wait for this caller (the navigation's count).
pub async fn queue_count(ctx: &Ctx) -> Result<usize> {
    ctx.authorize(Action::ViewPortal, Resource::Portal)?;
    if !ctx.allows(Action::ApproveTenants, Resource::Tenants) {
        return Ok(0);
    }
    Ok(list(
        ctx,
        &ListFilter {
            queue: true,
            ..ListFilter::default()
        },
    )
    .await?
    .len())
}

fn summary(t: &TenantRow, done: i64, total: i64) -> TenantSummary {
    TenantSummary {
        name: t.name.clone(),
        team: t.team.clone(),
        business_unit: t.business_unit.clone(),
        tier: t.tier.clone(),
        environments: t.environments.iter().filter_map(|e| e.parse().ok()).collect(),
        state: t.state().unwrap_or(TenantState::Failed),
        approver: parse_approver(t).unwrap_or(Approver::SecurityApprover),
        requested_by: t.requested_by.clone(),
        requested_at: t.requested_at.to_rfc3339(),
        updated_at: t.updated_at.to_rfc3339(),
        steps_done: done,
        steps_total: total,
        drifted: t.drift.as_array().is_some_and(|d| !d.is_empty()),
        last_error: t.last_error.clone(),
    }
}

fn step_view(s: &StepRow) -> StepView {
    StepView {
        kind: s.kind.clone(),
        name: s.name.clone(),
        op: s.op(),
        state: s.state(),
        attempts: s.attempts,
        last_error: s.last_error.clone(),
        next_attempt_at: matches!(s.state(), parkway_types::onboarding::StepState::Retrying)
            .then(|| s.next_attempt_at.to_rfc3339()),
        applied_at: s.applied_at.map(|a| a.to_rfc3339()),
    }
}

/// One tenant: its record, timeline, per-cluster steps and manifests, drift and the
/// actions the caller may take.
pub async fn get(ctx: &Ctx, name: &str) -> Result<TenantDetail> {
    let who = ctx.authorize(Action::ViewPortal, Resource::Portal)?.clone();
    named("tenant", name)?;
    let mut conn = ctx.pool().acquire().await?;
    let t = store::get(&mut conn, name)
        .await?
        .ok_or_else(|| Error::NotFound(format!("tenant `{name}`")))?;
    let steps = store::steps(&mut conn, name).await?;
    let events = store::events(&mut conn, name).await?;
    let state = t.state()?;
    let clusters = if steps.is_empty() {
        let rule = rule_version(&mut conn, &t).await?;
        drop(conn);
        cluster_plans(ctx, plan(ctx, &t, &rule)?)
    } else {
        drop(conn);
        let mut by_cluster: BTreeMap<String, Vec<&StepRow>> = BTreeMap::new();
        for s in &steps {
            by_cluster.entry(s.cluster.clone()).or_default().push(s);
        }
        by_cluster
            .into_iter()
            .map(|(cluster, steps)| {
                let manifests: Vec<_> = steps
                    .iter()
                    .filter_map(|s| {
                        s.manifest
                            .as_ref()
                            .map(|m| parkway_types::views::onboarding::ObjectManifest {
                                kind: s.kind.clone(),
                                name: s.name.clone(),
                                namespace: s.namespace.clone(),
                                yaml: manifests::to_yaml(m),
                            })
                    })
                    .collect();
                ClusterPlan {
                    environment: environment_of(ctx, &cluster),
                    yaml: join_yaml(&manifests),
                    manifests,
                    steps: steps.iter().map(|s| step_view(s)).collect(),
                    cluster,
                }
            })
            .collect()
    };
    let mut clusters = clusters;
    clusters.sort_by(|a, b| (a.environment, &a.cluster).cmp(&(b.environment, &b.cluster)));
    let drift = if state.is_live() {
        super::provisioner::drift_of(&ctx.services, &steps)
    } else {
        Vec::new()
    };
    let actor = ctx.actor();
    let approver = parse_approver(&t)?;
    let requester = t.asked_by.clone();
    let may_decide = ctx.allows(Action::ApproveTenants, Resource::Tenants);
    let refusal = approval_refusal(&who, &actor, &requester, &t.team, approver);
    let operator = ctx.allows(Action::OperateTenants, Resource::Tenants) && operates(&who, &t.team);
    let waiting = state.awaits_approval();
    let actions = TenantActions {
        approve: waiting && may_decide && refusal.is_none(),
        reject: waiting && may_decide && refusal.is_none(),
        decommission: operator && matches!(state, TenantState::Active | TenantState::Failed),
        reapply: operator && matches!(state, TenantState::Active | TenantState::Failed),
        approve_blocked_by: waiting.then_some(refusal).flatten(),
    };
    let (done, total) = steps_done(&steps);
    let mut summary = summary(&t, done, total);
    summary.drifted = !drift.is_empty();
    Ok(TenantDetail {
        summary,
        quotas: serde_json::from_value(t.quotas.clone()).unwrap_or_default(),
        options: serde_json::from_value(t.options.clone()).unwrap_or_default(),
        justification: t.justification.clone(),
        system: t.system.clone(),
        routing: Routing {
            approver,
            reasons: t.routing_reasons.clone(),
        },
        tier_rule_version: t.tier_rule_version,
        clusters,
        drift,
        drift_checked_at: t.drift_checked_at.map(|d| d.to_rfc3339()),
        timeline: events
            .into_iter()
            .map(|e| TenantEvent {
                at: e.at.to_rfc3339(),
                actor: e.actor,
                from: e.from_state.and_then(|s| s.parse().ok()),
                to: e.to_state.parse().unwrap_or(TenantState::Failed),
                comment: e.comment,
            })
            .collect(),
        actions,
    })
}

/// Where one tenant's provisioning stands, for a tenant page that follows it while it
/// is live: the summary alone, without the manifests, plans and drift `get` assembles,
/// so a poll every second per open page stays cheap. The same access as `get`.
pub async fn progress(ctx: &Ctx, name: &str) -> Result<TenantSummary> {
    ctx.authorize(Action::ViewPortal, Resource::Portal)?;
    named("tenant", name)?;
    let mut conn = ctx.pool().acquire().await?;
    let t = store::get(&mut conn, name)
        .await?
        .ok_or_else(|| Error::NotFound(format!("tenant `{name}`")))?;
    let steps = store::steps(&mut conn, name).await?;
    let (done, total) = steps_done(&steps);
    Ok(summary(&t, done, total))
}

/// Steps applied (or deleted, when decommissioning) and steps in all.
fn steps_done(steps: &[StepRow]) -> (i64, i64) {
    let done = steps
        .iter()
        .filter(|s| {
            matches!(
                s.state(),
                parkway_types::onboarding::StepState::Applied | parkway_types::onboarding::StepState::Deleted
            )
        })
        .count();
    (
        i64::try_from(done).unwrap_or(i64::MAX),
        i64::try_from(steps.len()).unwrap_or(i64::MAX),
    )
}

/// Every tier with its current rules.
pub async fn tier_rules(ctx: &Ctx) -> Result<Vec<TierRule>> {
    ctx.authorize(Action::ViewPortal, Resource::Portal)?;
    let mut conn = ctx.pool().acquire().await?;
    Ok(store::tier_rules(&mut conn)
        .await?
        .into_iter()
        .map(|(t, _)| t)
        .collect())
}

/// Every version of a tier's rules, newest first.
pub async fn tier_rule_history(ctx: &Ctx, tier: &str) -> Result<Vec<TierRule>> {
    ctx.authorize(Action::ViewPortal, Resource::Portal)?;
    named("tier", tier)?;
    let history = store::tier_rule_history(ctx.pool(), tier).await?;
    if history.is_empty() {
        return Err(Error::NotFound(format!("tier `{tier}`")));
    }
    Ok(history)
}

/// A new version of a tier's rules; requests filed before keep the version they were
/// checked against.
pub async fn put_tier_rule(
    ctx: &Ctx,
    tier: &str,
    rule: &TierRuleSpec,
    note: Option<&str>,
) -> Result<TierRule> {
    ctx.authorize(Action::EditTierRules, Resource::TierRules)?;
    named("tier", tier)?;
    storable("note", note.unwrap_or_default())?;
    let mut tx = ctx.pool().begin().await?;
    let current = store::tier_rules(&mut tx)
        .await?
        .into_iter()
        .find(|(t, _)| t.tier == tier)
        .ok_or_else(|| Error::NotFound(format!("tier `{tier}`")))?;
    let problems = rules::rule_problems(rule, current.1);
    if !problems.is_empty() {
        return Err(Error::Invalid { problems });
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    let version = store::add_tier_rule(&mut tx, tier, rule, &ctx.actor(), note).await?;
    let event = ctx
        .audit_event("tier-rule.edit", format!("tier:{tier}"))
        .with_payload(json!({ "version": version, "before": current.0.rule, "after": rule, "note": note }));
    audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    tier_rule_history(ctx, tier)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::NotFound(format!("tier `{tier}`")))
}

/// The YAML of every tier's ClusterRole, for the platform to install in each cluster.
pub async fn cluster_roles(ctx: &Ctx) -> Result<String> {
    let rules = tier_rules(ctx).await?;
    Ok(rules
        .iter()
        .map(|r| manifests::to_yaml(&manifests::tier_cluster_role(&r.tier, r.rule.pod_exec)))
        .collect::<Vec<_>>()
        .join("---\n"))
}
