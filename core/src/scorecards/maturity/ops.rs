//! Maturity use cases, shared by the REST API and the pages' server functions:
//! authorize → read/validate → write → audit, in one transaction; every save,
//! exemption and request re-evaluates the scorecard so what is shown is what holds.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use parkway_types::views::maturity::{
    EntityMaturity, LevelCount, MaturityDetail, MaturityExemption, MaturityIndex, MaturityPage,
    MaturityRating, MaturityRule, MaturityRun, MaturityScorecard, RuleVerdict,
};
use serde::{Deserialize, Serialize};

use super::{
    document::{self, Rule},
    evaluate::rate,
    store::{self, Stored},
};
use crate::{
    Ctx, Services, audit,
    identity::{Action, Resource},
    scorecards::{Error, Result, events::service_ref, governance, ops::page_href},
};

/// Longest an exemption may run.
pub const MAX_EXEMPTION_DAYS: i64 = 366;

/// How often a scorecard is evaluated when nothing asks (`PARKWAY_MATURITY_EVERY`).
pub const DEFAULT_EVERY_HOURS: i64 = 24;

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn not_found(id: &str) -> Error {
    Error::NotFound(format!("maturity scorecard `{id}`"))
}

async fn one(ctx: &Ctx, id: &str) -> Result<Stored> {
    store::latest(ctx.pool(), Some(id), false)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| not_found(id))
}

/// Components per level, highest first, then those holding none.
fn by_level(levels: &[String], held: impl Iterator<Item = Option<String>>) -> Vec<LevelCount> {
    let mut counts: HashMap<Option<String>, u32> = HashMap::new();
    for level in held {
        *counts.entry(level).or_default() += 1;
    }
    levels
        .iter()
        .rev()
        .map(|l| Some(l.clone()))
        .chain([None])
        .map(|level| LevelCount {
            components: counts.get(&level).copied().unwrap_or_default(),
            level,
        })
        .collect()
}

fn summary(s: &Stored, run: Option<&store::Run>, by: Vec<LevelCount>) -> MaturityScorecard {
    MaturityScorecard {
        id: s.id.clone(),
        version: s.version,
        title: s.definition.title.clone(),
        description: s.definition.description.clone(),
        levels: s.definition.levels.clone(),
        rules: s.definition.rules.len() as u32,
        score: s.definition.score,
        applies_to: s.definition.applies_to.words(),
        saved_by: s.saved_by.clone(),
        saved_at: rfc3339(s.saved_at),
        evaluated_at: run.map(|r| rfc3339(r.at)),
        by_level: by,
    }
}

fn rule_view(r: &Rule, counts: (u32, u32, u32)) -> MaturityRule {
    MaturityRule {
        id: r.id.clone(),
        title: r.title.clone(),
        level: r.level.clone(),
        fact: r.fact.to_string(),
        check: r.check.words(),
        applies_to: if r.applies_to.is_everything() {
            "all it rates".to_owned()
        } else {
            r.applies_to.words()
        },
        rationale: r.rationale.clone(),
        remediation: r.remediation.clone(),
        passing: counts.0,
        failing: counts.1,
        exempt: counts.2,
    }
}

fn exemption_view(e: store::Exemption, now: DateTime<Utc>) -> MaturityExemption {
    MaturityExemption {
        in_force: e.revoked_at.is_none() && e.expires_at > now,
        id: e.id,
        scorecard: e.scorecard,
        rule: e.rule,
        entity: e.entity,
        reason: e.reason,
        approved_by: e.approved_by,
        approved_at: rfc3339(e.approved_at),
        expires_at: rfc3339(e.expires_at),
        revoked_at: e.revoked_at.map(rfc3339),
    }
}

/// A stored value in words: "—" when missing.
pub fn value_words(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => "—".to_owned(),
        Some(serde_json::Value::Bool(true)) => "yes".to_owned(),
        Some(serde_json::Value::Bool(false)) => "no".to_owned(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Array(items)) if items.is_empty() => "none".to_owned(),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    }
}

/// Evaluates one scorecard over every catalog component and stores every verdict.
async fn run(services: &Services, s: &Stored, reason: &str) -> Result<MaturityRun> {
    let mut components = store::components(&services.pool).await?;
    let teams = governance::by_team(services).await?;
    let exempt = store::exempt_now(&services.pool, &s.id, Utc::now()).await?;
    let mut ratings = Vec::new();
    for c in &mut components {
        if let Some(values) = c.owner.as_ref().and_then(|o| teams.get(o)) {
            c.team = values.clone();
        }
        if let Some(r) = rate(&s.definition, c, |rule| {
            exempt.contains(&(c.key.clone(), rule.to_owned()))
        }) {
            ratings.push((c.key.clone(), r));
        }
    }
    let mut tx = services.pool.begin().await?;
    let id = store::write_run(&mut tx, &s.id, s.version, reason, &ratings).await?;
    tx.commit().await?;
    Ok(MaturityRun {
        run: id,
        scorecard: s.id.clone(),
        version: s.version,
        components: ratings.len() as u32,
        evaluations: ratings.iter().map(|(_, r)| r.verdicts.len() as u32).sum(),
        by_level: by_level(&s.definition.levels, ratings.iter().map(|(_, r)| r.level.clone())),
    })
}

/// Evaluates every scorecard whose latest evaluation is older than `every` (or that
/// has none): the refresher's work, so history accrues without anyone asking.
pub async fn evaluate_due(services: &Services, now: DateTime<Utc>, every: Duration) -> Result<usize> {
    // One replica at a time; the others find the fresh runs next time they look.
    let mut turn = services.pool.begin().await?;
    let mine = sqlx::query_scalar!(
        "select pg_try_advisory_xact_lock(hashtext('maturity:evaluate-due')) as \"mine!\""
    )
    .fetch_one(&mut *turn)
    .await?;
    if !mine {
        return Ok(0);
    }
    let runs = store::latest_runs(&services.pool).await?;
    let mut done = 0;
    for s in store::latest(&services.pool, None, false).await? {
        let due = runs
            .get(&s.id)
            .is_none_or(|r| r.version != s.version || r.at + every <= now);
        if due {
            run(services, &s, "schedule").await?;
            done += 1;
        }
    }
    turn.commit().await?;
    Ok(done)
}

/// The scorecards, each with its level distribution at its latest evaluation.
pub async fn list(ctx: &Ctx) -> Result<Vec<MaturityScorecard>> {
    ctx.authorize(Action::ViewPortal, Resource::Scorecards)?;
    let all = store::latest(ctx.pool(), None, false).await?;
    let runs = store::latest_runs(ctx.pool()).await?;
    let ids: Vec<i64> = runs.values().map(|r| r.id).collect();
    let levels = sqlx::query!(
        "select run, level from maturity_ratings where run = any($1)",
        &ids
    )
    .fetch_all(ctx.pool())
    .await?;
    let mut by_run: HashMap<i64, Vec<Option<String>>> = HashMap::new();
    for l in levels {
        by_run.entry(l.run).or_default().push(l.level);
    }
    Ok(all
        .iter()
        .map(|s| {
            let run = runs.get(&s.id);
            let held = run.and_then(|r| by_run.get(&r.id)).cloned().unwrap_or_default();
            summary(s, run, by_level(&s.definition.levels, held.into_iter()))
        })
        .collect())
}

/// The list page: the scorecards, and whether the caller may define them.
pub async fn index(ctx: &Ctx) -> Result<MaturityIndex> {
    Ok(MaturityIndex {
        scorecards: list(ctx).await?,
        can_edit: ctx.allows(Action::EditScorecards, Resource::Scorecards),
    })
}

/// One scorecard's page, with what the caller may do there, holding one page of its
/// ratings from `from` (lowest level first; past the end gives an empty page that
/// still says how many there are).
pub async fn page(ctx: &Ctx, id: &str, from: usize) -> Result<MaturityPage> {
    let mut detail = detail(ctx, id).await?;
    let ratings_total = detail.ratings.len();
    let ratings_from = from.min(ratings_total);
    detail.ratings = detail
        .ratings
        .drain(ratings_from..)
        .take(MaturityPage::RATINGS_PAGE)
        .collect();
    Ok(MaturityPage {
        detail,
        can_edit: ctx.allows(Action::EditScorecards, Resource::Scorecards),
        can_exempt: ctx.allows(Action::ExemptScorecards, Resource::Scorecards),
        ratings_from,
        ratings_total,
    })
}

/// One table of a scorecard's page, as CSV, to whoever may read the page.
pub async fn export_table(
    ctx: &Ctx,
    id: &str,
    which: parkway_types::scorecards::MaturityTable,
) -> Result<crate::csv::Table> {
    Ok(crate::scorecards::export::maturity_table(
        &detail(ctx, id).await?,
        which,
    ))
}

/// One scorecard: its rules with how many pass, every component's latest rating, and
/// its exemptions.
pub async fn detail(ctx: &Ctx, id: &str) -> Result<MaturityDetail> {
    ctx.authorize(Action::ViewPortal, Resource::Scorecards)?;
    let s = one(ctx, id).await?;
    let runs = store::latest_runs(ctx.pool()).await?;
    let run = runs.get(&s.id);
    let rated = match run {
        Some(r) => store::ratings(ctx.pool(), &[r.id], None).await?,
        None => Vec::new(),
    };
    let mut counts: HashMap<&str, (u32, u32, u32)> = HashMap::new();
    for (_, r) in &rated {
        for v in &r.verdicts {
            let c = counts.entry(v.rule.as_str()).or_default();
            match (v.passed, v.exempt) {
                (true, _) => c.0 += 1,
                (false, true) => c.2 += 1,
                (false, false) => c.1 += 1,
            }
        }
    }
    let keys: Vec<String> = rated.iter().map(|(_, r)| r.entity.clone()).collect();
    let who = sqlx::query!(
        r#"select key, coalesce(title, name) as "title!", owner from catalog_entities where key = any($1)"#,
        &keys
    )
    .fetch_all(ctx.pool())
    .await?;
    let who: HashMap<String, (String, Option<String>)> =
        who.into_iter().map(|w| (w.key, (w.title, w.owner))).collect();
    let mut ratings: Vec<MaturityRating> = rated
        .iter()
        .map(|(_, r)| {
            let (title, owner) = who
                .get(&r.entity)
                .cloned()
                .unwrap_or_else(|| (r.entity.clone(), None));
            MaturityRating {
                entity: r.entity.clone(),
                title,
                owner,
                level: r.level.clone(),
                score: r.score,
                failing: r
                    .verdicts
                    .iter()
                    .filter(|v| !v.passed && !v.exempt)
                    .map(|v| v.rule.clone())
                    .collect(),
            }
        })
        .collect();
    // Lowest level first: what needs attention leads.
    let rank = |l: &Option<String>| l.as_ref().and_then(|l| s.definition.rank(l)).map_or(0, |r| r + 1);
    ratings.sort_by(|a, b| rank(&a.level).cmp(&rank(&b.level)).then(a.entity.cmp(&b.entity)));
    let now = Utc::now();
    let exemptions = store::exemptions(ctx.pool(), Some(&s.id))
        .await?
        .into_iter()
        .map(|e| exemption_view(e, now))
        .collect();
    let held = rated.iter().map(|(_, r)| r.level.clone());
    Ok(MaturityDetail {
        scorecard: summary(&s, run, by_level(&s.definition.levels, held)),
        rules: s
            .definition
            .rules
            .iter()
            .map(|r| rule_view(r, counts.get(r.id.as_str()).copied().unwrap_or_default()))
            .collect(),
        ratings,
        exemptions,
        definition: serde_yaml::to_string(&s.definition).unwrap_or_default(),
    })
}

/// Saves a new version of a scorecard from its YAML or JSON text (every problem
/// reported, nothing saved when there is one), audited, then evaluates it.
pub async fn save(ctx: &Ctx, id: &str, source: &str) -> Result<MaturityDetail> {
    ctx.authorize(Action::EditScorecards, Resource::Scorecards)?;
    if !document::valid_id(id) || id == "new" {
        return Err(Error::Field {
            field: "id",
            reason:
                "lower-case letters, digits and `-`, 1 to 63, not starting or ending with `-` (and not `new`)"
                    .into(),
        });
    }
    let def = document::read(source).map_err(|problems| Error::Definition { problems })?;
    let mut tx = ctx.pool().begin().await?;
    let version = store::save(&mut tx, id, &def, &ctx.actor()).await?;
    let mut event = ctx.audit_event("maturity.save", format!("maturity-scorecard:{id}"));
    event.payload = serde_json::json!({
        "version": version,
        "title": def.title,
        "levels": def.levels,
        "rules": def.rules.iter().map(|r| &r.id).collect::<Vec<_>>(),
    });
    audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    let s = one(ctx, id).await?;
    run(&ctx.services, &s, "save").await?;
    detail(ctx, id).await
}

/// Retires a scorecard: no longer listed or evaluated; its history stays. Audited.
pub async fn retire(ctx: &Ctx, id: &str) -> Result<()> {
    ctx.authorize(Action::EditScorecards, Resource::Scorecards)?;
    let mut tx = ctx.pool().begin().await?;
    if !store::retire(&mut tx, id, &ctx.actor()).await? {
        return Err(not_found(id));
    }
    let event = ctx.audit_event("maturity.retire", format!("maturity-scorecard:{id}"));
    audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    Ok(())
}

/// Evaluates a scorecard now (someone asked). Audited.
pub async fn evaluate_now(ctx: &Ctx, id: &str) -> Result<MaturityRun> {
    ctx.authorize(Action::EditScorecards, Resource::Scorecards)?;
    let s = one(ctx, id).await?;
    let done = run(&ctx.services, &s, "request").await?;
    let mut event = ctx.audit_event("maturity.evaluate", format!("maturity-scorecard:{id}"));
    event.payload = serde_json::json!({"run": done.run, "components": done.components});
    audit::append(ctx.pool(), &event).await?;
    Ok(done)
}

/// A component's standing on every scorecard that applies to it.
pub async fn of_entity(ctx: &Ctx, key: &str) -> Result<Vec<EntityMaturity>> {
    ctx.authorize(Action::ViewPortal, Resource::Scorecards)?;
    let all = store::latest(ctx.pool(), None, false).await?;
    let runs = store::latest_runs(ctx.pool()).await?;
    let ids: Vec<i64> = all.iter().filter_map(|s| runs.get(&s.id)).map(|r| r.id).collect();
    let rated: HashMap<i64, store::StoredRating> = store::ratings(ctx.pool(), &ids, Some(key))
        .await?
        .into_iter()
        .collect();
    let mut out = Vec::new();
    for s in &all {
        let Some(run) = runs.get(&s.id) else { continue };
        let Some(r) = rated.get(&run.id) else { continue };
        let by_rule: BTreeMap<&str, &store::StoredVerdict> =
            r.verdicts.iter().map(|v| (v.rule.as_str(), v)).collect();
        let verdicts = s
            .definition
            .rules
            .iter()
            .filter_map(|rule| {
                let v = by_rule.get(rule.id.as_str())?;
                Some(RuleVerdict {
                    rule: rule_view(rule, (0, 0, 0)),
                    value: value_words(v.value.as_ref()),
                    passed: v.passed,
                    exempt: v.exempt,
                })
            })
            .collect();
        out.push(EntityMaturity {
            scorecard: s.id.clone(),
            title: s.definition.title.clone(),
            levels: s.definition.levels.clone(),
            level: r.level.clone(),
            score: r.score,
            evaluated_at: rfc3339(run.at),
            verdicts,
        });
    }
    Ok(out)
}

/// Which stored evaluations to list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct EvaluationQuery {
    /// A scorecard id.
    pub scorecard: Option<String>,
    /// A component ref (`component:default/checkout-api`) or bare name.
    pub entity: Option<String>,
    /// At most this many, newest first (default 500, at most 5,000).
    pub limit: Option<i64>,
}

/// One stored evaluation: entity, rule, value, passed, when (the run's time).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MaturityEvaluation {
    pub run: i64,
    pub at: String,
    pub scorecard: String,
    pub version: i32,
    pub entity: String,
    pub rule: String,
    /// The fact's value as read: text, a list, a boolean, a number, or null when the
    /// component had none.
    pub value: Option<serde_json::Value>,
    pub passed: bool,
    pub exempt: bool,
}

/// Stored evaluations, newest first: entity, rule, value, passed, when.
pub async fn evaluations(ctx: &Ctx, q: &EvaluationQuery) -> Result<Vec<MaturityEvaluation>> {
    ctx.authorize(Action::ViewPortal, Resource::Scorecards)?;
    let entity = q
        .entity
        .as_deref()
        .map(|e| {
            service_ref(e)
                .map(|r| r.key())
                .map_err(|reason| Error::BadParameter {
                    field: "entity",
                    reason,
                })
        })
        .transpose()?;
    let limit = q.limit.unwrap_or(500);
    if !(1..=5_000).contains(&limit) {
        return Err(Error::BadParameter {
            field: "limit",
            reason: "1 to 5000".into(),
        });
    }
    Ok(
        store::evaluations(ctx.pool(), q.scorecard.as_deref(), entity.as_deref(), limit)
            .await?
            .into_iter()
            .map(|e| MaturityEvaluation {
                run: e.run,
                at: rfc3339(e.at),
                scorecard: e.scorecard,
                version: e.version,
                entity: e.entity,
                rule: e.rule,
                value: e.value,
                passed: e.passed,
                exempt: e.exempt,
            })
            .collect(),
    )
}

/// The end of a day (`YYYY-MM-DD`, UTC), as a form gives an exemption's expiry.
pub fn end_of_day(day: &str) -> Result<DateTime<Utc>> {
    chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map(|t| t.and_utc())
        .ok_or_else(|| Error::Field {
            field: "expires_at",
            reason: format!("`{day}` is not a date: expected YYYY-MM-DD"),
        })
}

/// An exemption asked for: the caller is its approver.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExemption {
    pub scorecard: String,
    pub rule: String,
    /// A component ref or bare name.
    pub entity: String,
    pub reason: String,
    /// RFC 3339, in the future, at most 366 days ahead.
    pub expires_at: DateTime<Utc>,
}

/// Exempts a component from one rule until a date; the caller approves it. Audited,
/// then the scorecard is evaluated again.
pub async fn grant_exemption(ctx: &Ctx, new: &NewExemption) -> Result<MaturityExemption> {
    ctx.authorize(Action::ExemptScorecards, Resource::Scorecards)?;
    let s = one(ctx, &new.scorecard).await?;
    let mut problems = Vec::new();
    if !s.definition.rules.iter().any(|r| r.id == new.rule) {
        problems.push((
            "rule".to_owned(),
            format!(
                "`{}` is not a rule of `{}`: {}",
                new.rule,
                s.id,
                s.definition
                    .rules
                    .iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let entity = match service_ref(&new.entity) {
        Ok(r) => Some(r.key()),
        Err(reason) => {
            problems.push(("entity".to_owned(), reason));
            None
        }
    };
    let reason = new.reason.trim();
    if reason.is_empty() || reason.chars().count() > 2_000 {
        problems.push((
            "reason".to_owned(),
            "say why, in 1 to 2,000 characters".to_owned(),
        ));
    }
    let now = Utc::now();
    if new.expires_at <= now {
        problems.push(("expires_at".to_owned(), "must be in the future".to_owned()));
    } else if new.expires_at > now + Duration::days(MAX_EXEMPTION_DAYS) {
        problems.push((
            "expires_at".to_owned(),
            format!("at most {MAX_EXEMPTION_DAYS} days ahead: exemptions are reviewed"),
        ));
    }
    if !problems.is_empty() {
        return Err(Error::Definition { problems });
    }
    let entity = entity.unwrap_or_default();
    let known = sqlx::query_scalar!(
        "select exists(select 1 from catalog_entities where key = $1 and orphaned_at is null) as \"known!\"",
        entity
    )
    .fetch_one(ctx.pool())
    .await?;
    if !known {
        return Err(Error::NotFound(format!("catalog entity {entity}")));
    }
    let mut tx = ctx.pool().begin().await?;
    let saved = store::add_exemption(
        &mut tx,
        (&s.id, &new.rule, &entity, reason),
        &ctx.actor(),
        new.expires_at,
    )
    .await?;
    let mut event = ctx.audit_event("maturity.exempt", format!("maturity-scorecard:{}", s.id));
    event.payload = serde_json::json!({
        "exemption": saved.id,
        "rule": new.rule,
        "entity": entity,
        "reason": reason,
        "expires_at": rfc3339(new.expires_at),
    });
    audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    run(&ctx.services, &s, "exemption").await?;
    Ok(exemption_view(saved, now))
}

/// Revokes an exemption in force. Audited, then the scorecard is evaluated again.
pub async fn revoke_exemption(ctx: &Ctx, id: i64) -> Result<()> {
    ctx.authorize(Action::ExemptScorecards, Resource::Scorecards)?;
    let mut tx = ctx.pool().begin().await?;
    let revoked = store::revoke_exemption(&mut tx, id, &ctx.actor())
        .await?
        .ok_or_else(|| Error::NotFound(format!("exemption {id} in force")))?;
    let mut event = ctx.audit_event(
        "maturity.revoke-exemption",
        format!("maturity-scorecard:{}", revoked.scorecard),
    );
    event.payload = serde_json::json!({"exemption": id, "rule": revoked.rule, "entity": revoked.entity});
    audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    if let Ok(s) = one(ctx, &revoked.scorecard).await {
        run(&ctx.services, &s, "exemption").await?;
    }
    Ok(())
}

/// Where a rating's component is shown.
pub fn component_href(key: &str) -> String {
    page_href("services", key)
}
