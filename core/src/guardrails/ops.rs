//! The guardrails' use cases, one function each: authorize → load → validate → write →
//! audit. The REST handlers, the server functions and the CLI call these.

use std::collections::BTreeMap;

use parkway_types::{
    Action,
    guardrails::{GuardrailId, ReviewStep, ThreatId, VersionState},
    views::guardrails::{
        Choice, CoverageRow, GuardrailChoices, GuardrailCoverage, GuardrailDetail, GuardrailSummary,
        GuardrailVersion, Threat, ThreatLink,
    },
};

pub use super::store::{GuardrailImport, StepOutcome};
use super::{
    error::{Error, Result},
    markdown,
    query::GuardrailFilter,
    review::{self, Person},
    store,
};
use crate::{Ctx, identity::policy::Resource};

/// The caller as the review sees them.
fn person(ctx: &Ctx) -> Person {
    Person {
        id: ctx.caller.as_ref().map(|p| p.user_id),
        actor: ctx.actor(),
    }
}

/// Whether the caller takes part in the review (sees drafts and history in full).
fn reviewer(ctx: &Ctx) -> bool {
    ctx.allows(Action::EditGuardrails, Resource::Guardrails)
        || ctx.allows(Action::ReviewGuardrails, Resource::Guardrails)
}

/// Imports guardrail and threat documents, all or nothing: guardrails become new
/// drafts by the caller (never published by an import), threats are saved.
pub async fn import(ctx: &Ctx, file: &str, text: &str) -> Result<GuardrailImport> {
    let may = store::May {
        draft: ctx.allows(Action::EditGuardrails, Resource::Guardrails),
        record_threats: ctx.allows(Action::EditThreats, Resource::Threats),
        accept: ctx.allows(Action::AcceptThreats, Resource::Threats),
    };
    if !may.draft && !may.record_threats {
        ctx.authorize(Action::EditGuardrails, Resource::Guardrails)?;
    }
    let file = if file.trim().is_empty() {
        "guardrails.yaml"
    } else {
        file.trim()
    };
    let max = ctx.services.import_limit.max_bytes;
    if text.len() > max {
        return Err(Error::TooLarge {
            file: file.to_owned(),
            size: text.len(),
            max,
        });
    }
    if text.trim().is_empty() {
        return Err(Error::Field {
            field: "documents",
            reason: "there are none: paste `Guardrail` or `Threat` documents or choose a file".into(),
        });
    }
    store::import(ctx.pool(), &[(file, text)], &person(ctx), may, ctx.request_id()).await
}

/// A review step on the guardrail's newest version.
pub async fn step(ctx: &Ctx, id: GuardrailId, step: ReviewStep, note: Option<&str>) -> Result<StepOutcome> {
    let action = match step {
        ReviewStep::Submit | ReviewStep::Publish | ReviewStep::Retire => Action::EditGuardrails,
        ReviewStep::Approve | ReviewStep::Reject => Action::ReviewGuardrails,
    };
    ctx.authorize(action, Resource::Guardrails)?;
    let me = person(ctx);
    store::step(
        ctx.pool(),
        id,
        &me,
        note,
        |newest| review::plan(step, newest, &me, note),
        ctx.request_id(),
    )
    .await
}

fn summary(g: &GuardrailVersion, category_title: &str, last_visit: Option<&str>) -> GuardrailSummary {
    let published_at = g.review.published_at.clone();
    GuardrailSummary {
        id: g.id,
        title: g.content.title.clone(),
        objective: g.content.objective.clone(),
        category: g.content.category.clone(),
        category_title: category_title.to_owned(),
        severity: g.content.severity,
        behavior: g.content.behavior,
        guidance: g.content.guidance,
        decisions: g.content.decisions.clone(),
        requestable: g.content.requestable.clone(),
        version: g.review.version,
        state: g.review.state,
        // RFC 3339 in UTC with whole seconds: text order is time order.
        changed_since_last_visit: matches!((last_visit, published_at.as_deref()), (Some(seen), Some(at)) if at > seen),
        published_at,
    }
}

/// The published guardrails matching the filter. `remember_visit` (the page) marks what
/// was published since the caller's previous visit, and records this one.
pub async fn list(
    ctx: &Ctx,
    filter: &GuardrailFilter,
    remember_visit: bool,
) -> Result<Vec<GuardrailSummary>> {
    let caller = ctx.authorize(Action::ViewPortal, Resource::Guardrails)?;
    let listed = store::published(ctx.pool()).await?;
    let last_visit = if remember_visit && caller.kind == crate::identity::policy::PrincipalKind::Person {
        store::visit(ctx.pool(), caller.user_id)
            .await?
            .map(store::rfc3339)
    } else {
        None
    };
    let titles: BTreeMap<GuardrailId, &str> = listed
        .iter()
        .map(|l| (l.version.id, l.category_title.as_str()))
        .collect();
    let versions: Vec<GuardrailVersion> = listed.iter().map(|l| l.version.clone()).collect();
    Ok(filter
        .apply(&versions)
        .into_iter()
        .map(|g| {
            summary(
                g,
                titles.get(&g.id).copied().unwrap_or_default(),
                last_visit.as_deref(),
            )
        })
        .collect())
}

/// A guardrail's page: the published version, or for those in the review the newest
/// when nothing is published yet; with the review steps the caller may take.
pub async fn get(ctx: &Ctx, id: GuardrailId) -> Result<GuardrailDetail> {
    ctx.authorize(Action::ViewPortal, Resource::Guardrails)?;
    let not_found = || Error::NotFound(format!("guardrail {id}"));
    let versions = store::versions(ctx.pool(), id).await?.ok_or_else(not_found)?;
    let in_review = reviewer(ctx);
    let newest = versions.last().ok_or_else(not_found)?.clone();
    let shown = versions
        .iter()
        .rev()
        .find(|v| matches!(v.review.state, VersionState::Published | VersionState::Retired))
        .cloned()
        .or_else(|| in_review.then(|| newest.clone()))
        .ok_or_else(not_found)?;
    let categories: BTreeMap<String, String> = store::categories(ctx.pool()).await?.into_iter().collect();
    let titles = store::threat_titles(ctx.pool(), &shown.content.threats).await?;
    let steps = match store::newest_review(ctx.pool(), id).await? {
        Some(n) => review::offered(
            &n,
            &person(ctx),
            ctx.allows(Action::EditGuardrails, Resource::Guardrails),
            ctx.allows(Action::ReviewGuardrails, Resource::Guardrails),
        ),
        None => Vec::new(),
    };
    Ok(GuardrailDetail {
        category_title: categories
            .get(&shown.content.category)
            .cloned()
            .unwrap_or_else(|| shown.content.category.clone()),
        body_html: markdown::render(&shown.content.body),
        mitigates: shown
            .content
            .threats
            .iter()
            .map(|t| ThreatLink {
                id: *t,
                title: titles.get(t).cloned().unwrap_or_default(),
            })
            .collect(),
        newest: (in_review && newest.review.version != shown.review.version).then_some(newest.review),
        steps,
        shown,
    })
}

/// A guardrail's versions, oldest first: all of them for those in the review, the
/// published and retired ones for everyone else.
pub async fn versions(ctx: &Ctx, id: GuardrailId) -> Result<Vec<GuardrailVersion>> {
    ctx.authorize(Action::ViewPortal, Resource::Guardrails)?;
    let all = store::versions(ctx.pool(), id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("guardrail {id}")))?;
    let in_review = reviewer(ctx);
    let shown: Vec<GuardrailVersion> = all
        .into_iter()
        .filter(|v| in_review || matches!(v.review.state, VersionState::Published | VersionState::Retired))
        .collect();
    if shown.is_empty() {
        return Err(Error::NotFound(format!("guardrail {id}")));
    }
    Ok(shown)
}

/// The published guardrails and every threat as YAML documents that import unchanged.
pub async fn export(ctx: &Ctx) -> Result<String> {
    ctx.authorize(Action::ViewPortal, Resource::Guardrails)?;
    store::export(ctx.pool()).await
}

/// The register, highest residual risk first.
pub async fn threats(ctx: &Ctx) -> Result<Vec<Threat>> {
    ctx.authorize(Action::ViewPortal, Resource::Threats)?;
    store::threats(ctx.pool()).await
}

pub async fn threat(ctx: &Ctx, id: ThreatId) -> Result<Threat> {
    ctx.authorize(Action::ViewPortal, Resource::Threats)?;
    store::threat(ctx.pool(), id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("threat {id}")))
}

/// The tiers and categories the list's filters offer.
pub async fn choices(ctx: &Ctx) -> Result<GuardrailChoices> {
    ctx.authorize(Action::ViewPortal, Resource::Guardrails)?;
    let choice = |(value, label): (String, String)| Choice { value, label };
    Ok(GuardrailChoices {
        tiers: store::tiers(ctx.pool()).await?.into_iter().map(choice).collect(),
        categories: store::categories(ctx.pool())
            .await?
            .into_iter()
            .map(choice)
            .collect(),
    })
}

/// A guardrail id from a page's URL; one no guardrail can have names none.
pub fn parse_guardrail_id(text: &str) -> Result<GuardrailId> {
    text.parse()
        .map_err(|_| Error::NotFound(format!("guardrail {text}")))
}

/// A threat id from a page's URL; one no threat can have names none.
pub fn parse_threat_id(text: &str) -> Result<ThreatId> {
    text.parse()
        .map_err(|_| Error::NotFound(format!("threat {text}")))
}

pub fn parse_step(text: &str) -> Result<ReviewStep> {
    text.parse()
        .map_err(|e: parkway_types::guardrails::NotOneOf| Error::Field {
            field: "step",
            reason: e.to_string(),
        })
}

/// Report data older than this is called out.
const STALE_REPORT_MINUTES: i64 = 60;

/// A guardrail's live coverage in every cluster this replica can read now.
pub async fn coverage(ctx: &Ctx, id: GuardrailId) -> Result<GuardrailCoverage> {
    ctx.authorize(Action::ViewPortal, Resource::Guardrails)?;
    let versions = store::versions(ctx.pool(), id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("guardrail {id}")))?;
    let shown = versions
        .iter()
        .rev()
        .find(|v| v.review.state == VersionState::Published)
        .or_else(|| reviewer(ctx).then(|| versions.last()).flatten())
        .ok_or_else(|| Error::NotFound(format!("guardrail {id}")))?;
    Ok(coverage_of(ctx, id, &shown.content.implementations))
}

fn coverage_of(
    ctx: &Ctx,
    id: GuardrailId,
    implementations: &[parkway_types::views::guardrails::Implementation],
) -> GuardrailCoverage {
    use kube::ResourceExt;

    use super::coverage::{Policies, Workload, coverage};
    use crate::cluster::model::WorkloadKind;
    let now = chrono::Utc::now().timestamp();
    let mut out = GuardrailCoverage {
        clusters: Vec::new(),
        unreadable: Vec::new(),
    };
    for cache in ctx.services.clusters.all() {
        let name = cache.name().to_owned();
        if !cache.status().state.serves_live() {
            out.unreadable.push(name);
            continue;
        }
        let inputs = cache.inputs();
        let mut workloads: Vec<Workload> = Vec::new();
        let ns = |o: &dyn Fn() -> Option<String>| o().unwrap_or_default();
        workloads.extend(
            inputs
                .deployments
                .iter()
                .map(|d| (ns(&|| d.namespace()), WorkloadKind::Deployment, d.name_any())),
        );
        workloads.extend(
            inputs
                .stateful_sets
                .iter()
                .map(|d| (ns(&|| d.namespace()), WorkloadKind::StatefulSet, d.name_any())),
        );
        workloads.extend(
            inputs
                .daemon_sets
                .iter()
                .map(|d| (ns(&|| d.namespace()), WorkloadKind::DaemonSet, d.name_any())),
        );
        let policies = Policies {
            kyverno: &inputs.kyverno_policies,
            reports: &inputs.policy_reports,
            constraints: &inputs.constraints,
        };
        let c = coverage(id, implementations, &workloads, &policies);
        let age = c.newest_report.map(|t| (now - t).max(0) / 60);
        let mut warnings = Vec::new();
        match c.mode {
            parkway_types::guardrails::Mode::Missing => {
                warnings.push(format!("no implementing policy in cluster {name}"));
            }
            parkway_types::guardrails::Mode::Audit => {
                warnings.push(format!("audit only in cluster {name}: no enforcing policy"));
            }
            parkway_types::guardrails::Mode::Enforce => {}
        }
        if let Some(age) = age.filter(|a| *a > STALE_REPORT_MINUTES) {
            warnings.push(format!("report data is {age} minutes old"));
        }
        if c.truncated {
            warnings.push("Gatekeeper listed only part of its violations: the rest count as unknown".into());
        }
        out.clusters.push(CoverageRow {
            cluster: name,
            environment: cache.config.environment.as_str().to_owned(),
            mode: c.mode,
            workloads: c.workloads,
            enforced: c.enforced,
            pass: c.pass,
            fail: c.fail,
            unknown: c.unknown,
            coverage: c.ratio(),
            truncated: c.truncated,
            enforce_reports_only_pass: c.enforce_reports_only_pass,
            report_age_minutes: age,
            warnings,
        });
    }
    out
}

/// Publications the Atom feed carries.
const FEED_ENTRIES: i64 = 100;

/// The Atom feed of published changes, with links under `base` (the public URL).
pub async fn feed(ctx: &Ctx, base: &str) -> Result<String> {
    ctx.authorize(Action::ViewPortal, Resource::Guardrails)?;
    let publications = store::publications(ctx.pool(), FEED_ENTRIES).await?;
    Ok(super::feed::atom(base, &publications))
}
