//! The guardrails' use cases, one function each: authorize → load → validate → write →
//! audit. The REST handlers, the server functions and the CLI call these.

use std::collections::BTreeMap;

use parkway_types::{
    Action,
    guardrails::{GuardrailId, ReviewStep, ThreatId, VersionState},
    views::guardrails::{
        Category, Choice, GuardrailChoices, GuardrailContent, GuardrailCoverage, GuardrailDetail,
        GuardrailDiff, GuardrailDraftStart, GuardrailPreview, GuardrailSummary, GuardrailVersion,
        MitigationGap, MitigationGaps, Threat, ThreatGap, ThreatLink, TierDecision,
    },
};

pub use super::store::{GuardrailImport, Saved, StepOutcome};
use super::{
    document::{self, Known},
    error::{Error, Result},
    export, live, markdown,
    query::GuardrailFilter,
    review::{self, Person},
    store,
};
use crate::{Ctx, catalog::yaml, identity::policy::Resource};

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

/// Whether the caller may write guardrail versions (pages offer the editor).
pub fn may_edit(ctx: &Ctx) -> bool {
    ctx.allows(Action::EditGuardrails, Resource::Guardrails)
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

/// A guardrail's versions and its newest version's review facts, or 404.
async fn history(ctx: &Ctx, id: GuardrailId) -> Result<(Vec<GuardrailVersion>, review::Newest)> {
    store::history(ctx.pool(), id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("guardrail {id}")))
}

/// The version a reader is shown: the newest published (or retired) one, or for those
/// in the review the newest when none is.
fn shown(ctx: &Ctx, id: GuardrailId, versions: &[GuardrailVersion]) -> Result<GuardrailVersion> {
    versions
        .iter()
        .rev()
        .find(|v| matches!(v.review.state, VersionState::Published | VersionState::Retired))
        .or_else(|| reviewer(ctx).then(|| versions.last()).flatten())
        .cloned()
        .ok_or_else(|| Error::NotFound(format!("guardrail {id}")))
}

/// A guardrail's page: the published version, or for those in the review the newest
/// when nothing is published yet; with the review steps the caller may take.
pub async fn get(ctx: &Ctx, id: GuardrailId) -> Result<GuardrailDetail> {
    ctx.authorize(Action::ViewPortal, Resource::Guardrails)?;
    let (versions, newest) = history(ctx, id).await?;
    detail(ctx, id, &versions, &newest).await
}

async fn detail(
    ctx: &Ctx,
    id: GuardrailId,
    versions: &[GuardrailVersion],
    newest_review: &review::Newest,
) -> Result<GuardrailDetail> {
    let shown = shown(ctx, id, versions)?;
    let newest = versions
        .last()
        .ok_or_else(|| Error::NotFound(format!("guardrail {id}")))?;
    let categories: BTreeMap<String, String> = store::categories(ctx.pool()).await?.into_iter().collect();
    let titles = store::threat_titles(ctx.pool(), &shown.content.threats).await?;
    let steps = review::offered(
        newest_review,
        &person(ctx),
        ctx.allows(Action::EditGuardrails, Resource::Guardrails),
        ctx.allows(Action::ReviewGuardrails, Resource::Guardrails),
    );
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
        newest: (reviewer(ctx) && newest.review.version != shown.review.version)
            .then(|| newest.review.clone()),
        steps,
        may_edit: may_edit(ctx),
        shown,
    })
}

/// The versions the caller may see, oldest first: all of them for those in the
/// review, the published and retired ones for everyone else.
fn visible(ctx: &Ctx, id: GuardrailId, all: Vec<GuardrailVersion>) -> Result<Vec<GuardrailVersion>> {
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

/// A guardrail's versions, oldest first: all of them for those in the review, the
/// published and retired ones for everyone else.
pub async fn versions(ctx: &Ctx, id: GuardrailId) -> Result<Vec<GuardrailVersion>> {
    ctx.authorize(Action::ViewPortal, Resource::Guardrails)?;
    let (all, _) = history(ctx, id).await?;
    visible(ctx, id, all)
}

/// Everything a guardrail's page shows, from one read of its history: what
/// [`get`], [`versions`] and [`coverage`] answer one by one.
pub async fn page(
    ctx: &Ctx,
    id: GuardrailId,
) -> Result<(GuardrailDetail, Vec<GuardrailVersion>, GuardrailCoverage)> {
    ctx.authorize(Action::ViewPortal, Resource::Guardrails)?;
    let (all, newest) = history(ctx, id).await?;
    let detail = detail(ctx, id, &all, &newest).await?;
    let coverage = live_coverage(ctx, id, &detail.shown.content.implementations);
    Ok((detail, visible(ctx, id, all)?, coverage))
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

/// A guardrail id from a page's URL, in any case (`gr-001` is GR-001: the router's
/// GET forms lower-case their action); one no guardrail can have names none.
pub fn parse_guardrail_id(text: &str) -> Result<GuardrailId> {
    text.to_ascii_uppercase()
        .parse()
        .map_err(|_| Error::NotFound(format!("guardrail {text}")))
}

/// A threat id from a page's URL, in any case; one no threat can have names none.
pub fn parse_threat_id(text: &str) -> Result<ThreatId> {
    text.to_ascii_uppercase()
        .parse()
        .map_err(|_| Error::NotFound(format!("threat {text}")))
}

pub fn parse_step(text: &str) -> Result<ReviewStep> {
    text.parse()
        .map_err(|e: parkway_types::guardrails::NotOneOf| Error::Field {
            field: "step",
            reason: e.to_string(),
        })
}

/// A guardrail's live coverage in every cluster this replica can read now: of the
/// published version's implementations (for those in the review, the newest's when
/// none is published).
pub async fn coverage(ctx: &Ctx, id: GuardrailId) -> Result<GuardrailCoverage> {
    ctx.authorize(Action::ViewPortal, Resource::Guardrails)?;
    let (versions, _) = history(ctx, id).await?;
    let shown = versions
        .iter()
        .rev()
        .find(|v| v.review.state == VersionState::Published)
        .or_else(|| reviewer(ctx).then(|| versions.last()).flatten())
        .ok_or_else(|| Error::NotFound(format!("guardrail {id}")))?;
    Ok(live_coverage(ctx, id, &shown.content.implementations))
}

fn live_coverage(
    ctx: &Ctx,
    id: GuardrailId,
    implementations: &[parkway_types::views::guardrails::Implementation],
) -> GuardrailCoverage {
    live::coverage_of(
        ctx.services.clusters.all(),
        &ctx.services.guardrail_coverage,
        id,
        implementations,
        chrono::Utc::now().timestamp(),
    )
}

/// Publications the Atom feed carries.
const FEED_ENTRIES: i64 = 100;

/// The Atom feed of published changes, with links under `base` (the public URL).
pub async fn feed(ctx: &Ctx, base: &str) -> Result<String> {
    ctx.authorize(Action::ViewPortal, Resource::Guardrails)?;
    let publications = store::publications(ctx.pool(), FEED_ENTRIES).await?;
    Ok(super::feed::atom(base, &publications))
}

/// The file name the editor's problems are reported against.
const EDITOR_FILE: &str = "guardrail.yaml";

/// Where the browser editor starts: the newest version of `id` as its document, or for
/// a new guardrail a template with the next free id that already reads as valid.
pub async fn edit_start(ctx: &Ctx, id: Option<GuardrailId>) -> Result<GuardrailDraftStart> {
    ctx.authorize(Action::EditGuardrails, Resource::Guardrails)?;
    let mut yaml = String::new();
    match id {
        Some(id) => {
            let (versions, _) = history(ctx, id).await?;
            let newest = versions
                .last()
                .ok_or_else(|| Error::NotFound(format!("guardrail {id}")))?;
            export::guardrail(&mut yaml, id, &newest.content);
            Ok(GuardrailDraftStart {
                id: Some(id),
                based_on: Some(newest.review.version),
                yaml,
            })
        }
        None => {
            let next = store::next_guardrail_id(ctx.pool()).await?;
            let known = store::known_now(ctx.pool()).await?;
            export::guardrail(&mut yaml, next, &template(&known));
            Ok(GuardrailDraftStart {
                id: None,
                based_on: None,
                yaml,
            })
        }
    }
}

/// A new guardrail's starting point: every tier needs approval until decided.
fn template(known: &Known) -> GuardrailContent {
    use parkway_types::guardrails::{Behavior, Decision, Guidance, Severity};
    GuardrailContent {
        title: "A short rule of the road".into(),
        objective: "One sentence: what always holds.".into(),
        body: "## Why\n\nThe risk this guardrail answers.\n\n## How to comply\n\nWhat a team does, with an example.\n"
            .into(),
        category: known
            .categories
            .iter()
            .next()
            .cloned()
            .unwrap_or_else(|| "secure-defaults".into()),
        severity: Severity::Medium,
        behavior: Behavior::Preventive,
        guidance: Guidance::StronglyRecommended,
        decisions: known
            .tiers
            .iter()
            .map(|tier| TierDecision {
                tier: tier.clone(),
                decision: Decision::NeedsApproval,
            })
            .collect(),
        requestable: None,
        implementations: Vec::new(),
        frameworks: Vec::new(),
        threats: Vec::new(),
        owner: None,
        review_due: None,
    }
}

fn editor_text<'t>(ctx: &Ctx, text: &'t str) -> Result<&'t str> {
    let max = ctx.services.import_limit.max_bytes;
    if text.len() > max {
        return Err(Error::TooLarge {
            file: EDITOR_FILE.into(),
            size: text.len(),
            max,
        });
    }
    Ok(text)
}

fn parse_editor(text: &str) -> Result<Vec<crate::catalog::yaml::Node>> {
    yaml::parse(text, yaml::Limits::default()).map_err(|e| Error::Invalid {
        file: EDITOR_FILE.into(),
        problems: vec![crate::catalog::model::problem(e.pos, "(yaml)", e.reason)],
    })
}

/// What the edited document would show, or every problem with its position: the
/// editor's live preview. Writes nothing.
pub async fn preview(ctx: &Ctx, editing: Option<GuardrailId>, text: &str) -> Result<GuardrailPreview> {
    ctx.authorize(Action::EditGuardrails, Resource::Guardrails)?;
    let text = editor_text(ctx, text)?;
    let problems = |problems: Vec<parkway_types::Problem>| GuardrailPreview {
        problems: problems
            .iter()
            .map(|p| {
                format!(
                    "line {}, column {} — {} — {}",
                    p.line, p.column, p.field, p.reason
                )
            })
            .collect(),
        id: None,
        title: String::new(),
        objective: String::new(),
        body_html: String::new(),
        decisions: Vec::new(),
    };
    let nodes = match parse_editor(text) {
        Ok(nodes) => nodes,
        Err(Error::Invalid { problems: p, .. }) => return Ok(problems(p)),
        Err(other) => return Err(other),
    };
    let known = store::known_now(ctx.pool()).await?;
    Ok(match document::one_guardrail(&nodes, &known, editing) {
        Ok((id, content)) => GuardrailPreview {
            problems: Vec::new(),
            id: Some(id),
            body_html: markdown::render(&content.body),
            title: content.title,
            objective: content.objective,
            decisions: content.decisions,
        },
        Err(p) => problems(p),
    })
}

/// Saves the edited document as a new version of `editing` (or a new guardrail): a
/// draft, or in review at once when `submit` (the change note is then required).
/// All the import's rules apply, with positions; nothing is written unless all hold.
pub async fn save(
    ctx: &Ctx,
    (editing, based_on): (Option<GuardrailId>, Option<u32>),
    text: &str,
    submit: bool,
    note: Option<&str>,
) -> Result<Saved> {
    ctx.authorize(Action::EditGuardrails, Resource::Guardrails)?;
    let text = editor_text(ctx, text)?;
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if submit && note.is_none() {
        return Err(Error::Field {
            field: "note",
            reason: "required to submit for review: say what changed and why".into(),
        });
    }
    let nodes = parse_editor(text)?;
    store::save_draft(
        ctx.pool(),
        editing,
        based_on,
        |known| {
            document::one_guardrail(&nodes, known, editing).map_err(|problems| Error::Invalid {
                file: EDITOR_FILE.into(),
                problems,
            })
        },
        (&person(ctx), if submit { note } else { None }),
        ctx.request_id(),
    )
    .await
}

/// What changed from version `from` to version `to` (both as the caller may see them).
/// Without `to`, the newest; without `from`, the version before `to` (or `to` itself
/// when it is the first: nothing changed).
pub async fn diff(ctx: &Ctx, id: GuardrailId, from: Option<u32>, to: Option<u32>) -> Result<GuardrailDiff> {
    let visible = versions(ctx, id).await?;
    let find = |n: u32| {
        visible
            .iter()
            .position(|v| v.review.version == n)
            .ok_or_else(|| Error::NotFound(format!("version {n} of guardrail {id}")))
    };
    let to_at = match to {
        Some(n) => find(n)?,
        None => visible.len() - 1,
    };
    let from_at = match from {
        Some(n) => find(n)?,
        None => to_at.saturating_sub(1),
    };
    let (before, after) = (&visible[from_at], &visible[to_at]);
    Ok(GuardrailDiff {
        id,
        from: before.review.clone(),
        to: after.review.clone(),
        fields: super::diff::fields(&before.content, &after.content),
        body_changed: before.content.body != after.content.body,
        body: super::diff::body(&before.content.body, &after.content.body),
    })
}

/// Per guardrail, the production clusters where it is missing or audit-only (guardrails
/// no policy implements anywhere left out), and the production clusters not readable.
type Holes = (
    BTreeMap<GuardrailId, Vec<(String, parkway_types::guardrails::Mode)>>,
    Vec<String>,
);

fn production_holes(
    clusters: &[std::sync::Arc<crate::cluster::ClusterCache>],
    memo: &live::CoverageMemo,
    wanted: &[(GuardrailId, Vec<parkway_types::views::guardrails::Implementation>)],
) -> Holes {
    use parkway_types::guardrails::Mode;
    let production: BTreeMap<&str, bool> = clusters
        .iter()
        .map(|c| {
            (
                c.name(),
                c.config.environment == crate::cluster::Environment::Prod,
            )
        })
        .collect();
    let now = chrono::Utc::now().timestamp();
    let mut unreadable = Vec::new();
    let mut holes = BTreeMap::new();
    for (id, implementations) in wanted {
        let live = live::coverage_of(clusters, memo, *id, implementations, now);
        for name in live.unreadable {
            if production.get(name.as_str()).copied().unwrap_or_default() && !unreadable.contains(&name) {
                unreadable.push(name);
            }
        }
        let enforced_by_policy =
            !implementations.is_empty() || live.clusters.iter().any(|r| r.mode != Mode::Missing);
        if !enforced_by_policy {
            continue;
        }
        let open: Vec<(String, Mode)> = live
            .clusters
            .into_iter()
            .filter(|r| {
                r.mode != Mode::Enforce && production.get(r.cluster.as_str()).copied().unwrap_or_default()
            })
            .map(|r| (r.cluster, r.mode))
            .collect();
        holes.insert(*id, open);
    }
    (holes, unreadable)
}

/// Threats whose mitigating published guardrails are missing or audit-only in some
/// production cluster: "mitigated" on paper, not in the clusters. Highest residual
/// risk first; threats whose every mitigation is enforced everywhere are left out, and
/// so are guardrails no policy implements anywhere (followed by review alone).
pub async fn mitigation_gaps(ctx: &Ctx) -> Result<MitigationGaps> {
    ctx.authorize(Action::ViewPortal, Resource::Threats)?;
    let register = store::threats(ctx.pool()).await?;
    let published = store::published(ctx.pool()).await?;
    let clusters = ctx.services.clusters.all().to_vec();
    let memo = ctx.services.guardrail_coverage.clone();
    let wanted: Vec<(GuardrailId, Vec<parkway_types::views::guardrails::Implementation>)> = published
        .iter()
        .map(|l| (l.version.id, l.version.content.implementations.clone()))
        .collect();
    // Every guardrail in every cluster: CPU work, off the request threads, and one
    // such computation at a time (the others then read what it remembered).
    let turn = memo.one_at_a_time().await;
    let (holes, unreadable) = tokio::task::spawn_blocking(move || {
        let _turn = turn;
        production_holes(&clusters, &memo, &wanted)
    })
    .await
    .map_err(|e| Error::Internal(format!("computing coverage failed: {e}")))?;
    let titles: BTreeMap<GuardrailId, &str> = published
        .iter()
        .map(|l| (l.version.id, l.version.content.title.as_str()))
        .collect();
    let threats = register
        .into_iter()
        .filter_map(|t| {
            let gaps: Vec<MitigationGap> = t
                .mitigated_by
                .iter()
                .flat_map(|g| {
                    holes
                        .get(&g.id)
                        .into_iter()
                        .flatten()
                        .map(|(cluster, mode)| MitigationGap {
                            guardrail: g.id,
                            guardrail_title: titles.get(&g.id).copied().unwrap_or_default().to_owned(),
                            cluster: cluster.clone(),
                            mode: *mode,
                        })
                })
                .collect();
            (!gaps.is_empty()).then_some(ThreatGap {
                id: t.id,
                title: t.content.title,
                status: t.content.status,
                residual_risk: t.content.residual_risk,
                gaps,
            })
        })
        .collect();
    Ok(MitigationGaps { threats, unreadable })
}

/// The category list: slugs and titles in order, and how many versions name each.
pub async fn categories(ctx: &Ctx) -> Result<Vec<Category>> {
    ctx.authorize(Action::ViewPortal, Resource::Guardrails)?;
    store::categories_in_use(ctx.pool()).await
}

/// A category's slug as documents write it, or why not.
fn category_slug(slug: &str) -> Result<&str> {
    let ok = slug.len() <= 60
        && slug.starts_with(|c: char| c.is_ascii_lowercase())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(slug)
    } else {
        Err(Error::Field {
            field: "slug",
            reason: format!(
                "`{slug}` is not a category slug: lower-case letters, digits and `-`, starting with a letter, at most 60"
            ),
        })
    }
}

/// A category's title, trimmed, or why not.
fn category_title(title: &str) -> Result<&str> {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 80 {
        return Err(Error::Field {
            field: "title",
            reason: "required, at most 80 characters".into(),
        });
    }
    Ok(title)
}

/// Adds a category at the end of the list (coe-editors).
pub async fn add_category(ctx: &Ctx, slug: &str, title: &str) -> Result<Category> {
    ctx.authorize(Action::EditGuardrails, Resource::Guardrails)?;
    let slug = category_slug(slug.trim())?;
    let title = category_title(title)?;
    store::add_category(ctx.pool(), slug, title, &ctx.actor(), ctx.request_id()).await
}

/// Renames a category; its slug, which documents use, stays.
pub async fn rename_category(ctx: &Ctx, slug: &str, title: &str) -> Result<Category> {
    ctx.authorize(Action::EditGuardrails, Resource::Guardrails)?;
    let title = category_title(title)?;
    store::rename_category(ctx.pool(), slug, title, &ctx.actor(), ctx.request_id()).await
}

/// Removes a category no guardrail version names.
pub async fn remove_category(ctx: &Ctx, slug: &str) -> Result<Category> {
    ctx.authorize(Action::EditGuardrails, Resource::Guardrails)?;
    store::remove_category(ctx.pool(), slug, &ctx.actor(), ctx.request_id()).await
}
