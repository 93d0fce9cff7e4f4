//! `/guardrails/{id}`: what a guardrail says (rendered, sanitized body), its decision
//! per tier, the policies that implement it, the threats it mitigates, its history,
//! and the review steps the caller may take on its newest version.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use parkway_types::guardrails::{Mode, ReviewStep, VersionState};

use super::{decision_class, severity_class};
use crate::components::form::FormError;
use crate::components::loaded::loaded;
use crate::components::page::{Crumb, PageHeader};
use crate::components::style::{
    CARD, CARD_TITLE, CHIP, FOCUS_RING, INPUT, LABEL, LINK, PRIMARY, SECONDARY, TD, TERM,
};
use crate::components::table::{Column, DataTable};
use crate::serverfns::AppError;
use crate::serverfns::guardrails::{
    CoverageRow, GuardrailCoverage, GuardrailPageView, GuardrailVersion, Implementation, ReviewGuardrail,
    VersionReview, guardrail_page,
};

#[component]
pub fn GuardrailDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id")).unwrap_or_default();
    // A review step done in the browser comes back here with `?reviewed`, to show the
    // newest version's state, read afresh, as the step's outcome.
    let reviewed = use_query_map().with_untracked(|q| q.get("reviewed").is_some());
    let page = Resource::new(id, guardrail_page);
    view! {
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-500">"Loading…"</p> }
        }>
            {move || loaded(async move {
                let p = page.await?;
                Ok::<_, AppError>(view! { <Guardrail p reviewed /> })
            })}
        </Suspense>
    }
}

fn state_class(state: VersionState) -> &'static str {
    match state {
        VersionState::Published => {
            "inline-flex rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200"
        }
        VersionState::InReview => {
            "inline-flex rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-950 dark:text-amber-200"
        }
        VersionState::Draft | VersionState::Retired => {
            "inline-flex rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-800 dark:bg-slate-800 dark:text-slate-200"
        }
    }
}

fn review_line(r: &VersionReview) -> String {
    let mut parts = vec![format!("written by {}", r.author)];
    if let Some(by) = &r.approved_by {
        parts.push(format!("approved by {by}"));
    }
    if let (Some(by), Some(at)) = (&r.published_by, &r.published_at) {
        parts.push(format!("published by {by} at {at}"));
    }
    if let (Some(by), Some(at)) = (&r.retired_by, &r.retired_at) {
        parts.push(format!("retired by {by} at {at}"));
    }
    parts.join(", ")
}

#[component]
fn Guardrail(p: GuardrailPageView, reviewed: bool) -> impl IntoView {
    let GuardrailPageView {
        detail,
        versions,
        coverage,
    } = p;
    let shown = detail.shown.clone();
    let c = shown.content.clone();
    let id = shown.id.to_string();
    let title = format!("{id} {}", c.title);
    let fact = |term: &'static str, value: String| {
        view! {
            <div class="min-w-0">
                <dt class=TERM>{term}</dt>
                <dd class="break-words text-slate-900 dark:text-white">{value}</dd>
            </div>
        }
    };
    let decisions = c
        .decisions
        .iter()
        .map(|d| {
            view! {
                <div class="flex items-center justify-between gap-3 py-1.5">
                    <dt class="text-slate-700 capitalize dark:text-slate-200">{d.tier.clone()}</dt>
                    <dd>
                        <span class=decision_class(d.decision)>{d.decision.label()}</span>
                    </dd>
                </div>
            }
        })
        .collect_view();
    let implementations = if c.implementations.is_empty() {
        view! {
            <p class="text-sm text-slate-600 dark:text-slate-300">
                "No policy implements this guardrail yet: it is followed by review, not enforced in the clusters."
            </p>
        }
            .into_any()
    } else {
        view! {
            <ul class="space-y-1 text-sm">
                {c
                    .implementations
                    .iter()
                    .map(|i| {
                        let kind = match i {
                            Implementation::Kyverno { .. } => "Kyverno policy",
                            Implementation::Gatekeeper { .. } => "Gatekeeper constraint",
                        };
                        view! {
                            <li>
                                <span class=TERM>{kind}</span>
                                " "
                                <code class="font-mono text-slate-900 dark:text-slate-100">
                                    {i.describe()}
                                </code>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    let threats = if detail.mitigates.is_empty() {
        view! { <p class="text-sm text-slate-600 dark:text-slate-300">"None recorded."</p> }.into_any()
    } else {
        view! {
            <ul class="space-y-1 text-sm">
                {detail
                    .mitigates
                    .iter()
                    .map(|t| {
                        view! {
                            <li>
                                <a
                                    href=format!("/guardrails/threats/{}", t.id)
                                    class=format!("{LINK} rounded {FOCUS_RING}")
                                >
                                    {format!("{} {}", t.id, t.title)}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    let newest = detail.newest.clone().map(|n| {
        view! {
            <p class="mt-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100">
                {format!(
                    "Version {} is {} ({}); you are reading version {}.",
                    n.version,
                    n.state.label().to_lowercase(),
                    review_line(&n),
                    shown.review.version,
                )}
            </p>
        }
    });
    view! {
        <PageHeader
            title=title
            description="A guardrail of the Cloud Center of Excellence, as published."
            trail=vec![Crumb::to("Guardrails", "/guardrails")]
        />
        <div class="mt-3 flex flex-wrap items-center gap-2 text-sm">
            <span class=state_class(shown.review.state) data-testid="guardrail-state">
                {format!("{} · version {}", shown.review.state.label(), shown.review.version)}
            </span>
            <span class=CHIP>{detail.category_title.clone()}</span>
            <span class=severity_class(c.severity)>{format!("{} severity", c.severity.label())}</span>
            {detail
                .may_edit
                .then(|| {
                    view! {
                        <a href=format!("/guardrails/{id}/edit") class=format!("{SECONDARY} ml-auto")>
                            "Edit"
                        </a>
                    }
                })}
        </div>
        <p class="mt-4 text-lg text-slate-800 dark:text-slate-100">{c.objective.clone()}</p>
        {newest}
        <div class="mt-6 grid gap-6 lg:grid-cols-3">
            <article class=format!("{CARD} lg:col-span-2")>
                <h2 class=CARD_TITLE>"Rationale and how to comply"</h2>
                <div class="pw-prose mt-3" inner_html=detail.body_html.clone()></div>
            </article>
            <div class="space-y-6">
                <section class=CARD aria-labelledby="decisions-title">
                    <h2 id="decisions-title" class=CARD_TITLE>
                        "Decision per risk tier"
                    </h2>
                    <dl
                        class="mt-3 divide-y divide-slate-100 text-sm dark:divide-slate-800"
                        data-testid="decisions"
                    >
                        {decisions}
                    </dl>
                    {c
                        .requestable
                        .clone()
                        .map(|label| {
                            view! {
                                <p class="mt-3 text-sm text-slate-600 dark:text-slate-300">
                                    {format!("Tenants can request this as “{label}”.")}
                                </p>
                            }
                        })}
                </section>
                <section class=CARD aria-labelledby="facts-title">
                    <h2 id="facts-title" class=CARD_TITLE>
                        "Facts"
                    </h2>
                    <dl class="mt-3 grid grid-cols-2 gap-3 text-sm">
                        {fact("Behavior", c.behavior.label().to_owned())}
                        {fact("Guidance", c.guidance.label().to_owned())}
                        {fact("Owner", c.owner.clone().unwrap_or_else(|| "–".into()))}
                        {fact("Review due", c.review_due.clone().unwrap_or_else(|| "–".into()))}
                        {fact(
                            "Frameworks",
                            if c.frameworks.is_empty() { "–".into() } else { c.frameworks.join(", ") },
                        )}
                    </dl>
                </section>
            </div>
        </div>
        <div class="mt-6 grid gap-6">
            <section class=CARD aria-labelledby="impl-title">
                <h2 id="impl-title" class=CARD_TITLE>
                    "Implemented by"
                </h2>
                <div class="mt-3">{implementations}</div>
                <Coverage coverage />
            </section>
            <section class=CARD aria-labelledby="threats-title">
                <h2 id="threats-title" class=CARD_TITLE>
                    "Mitigates"
                </h2>
                <div class="mt-3">{threats}</div>
            </section>
        </div>
        {reviewed
            .then(|| {
                versions
                    .last()
                    .map(|v| {
                        view! {
                            <p
                                role="status"
                                class="mt-6 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100"
                            >
                                {format!(
                                    "{id} version {}: {}",
                                    v.review.version,
                                    v.review.state.label().to_lowercase(),
                                )}
                            </p>
                        }
                    })
            })}
        <Review id=id.clone() steps=detail.steps.clone() />
        <History id versions />
    }
}

fn mode_class(mode: Mode) -> &'static str {
    match mode {
        Mode::Enforce => {
            "inline-flex rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200"
        }
        Mode::Audit => {
            "inline-flex rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-950 dark:text-amber-200"
        }
        Mode::Missing => {
            "inline-flex rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-900 dark:bg-red-950 dark:text-red-200"
        }
    }
}

/// Live coverage per cluster, with what a reader should act on.
#[component]
fn Coverage(coverage: GuardrailCoverage) -> impl IntoView {
    let only_pass = coverage.clusters.iter().any(|c| c.enforce_reports_only_pass);
    let warnings: Vec<String> = coverage
        .clusters
        .iter()
        .flat_map(|c| c.warnings.clone())
        .collect();
    let unreadable = (!coverage.unreadable.is_empty()).then(|| {
        format!(
            "Not readable right now, so not shown: {}.",
            coverage.unreadable.join(", ")
        )
    });
    view! {
        <h3 class="mt-5 text-sm font-semibold text-slate-900 dark:text-white">"Live coverage"</h3>
        <DataTable
            caption="Coverage per cluster"
            columns=Column::new_all(
                &["Cluster", "Mode", "In scope", "Enforced", "Pass", "Fail", "Unknown", "Coverage"],
            )
            rows=coverage.clusters
            row=|c: CoverageRow| {
                let pct = c.coverage.map_or_else(|| "–".to_owned(), |r| format!("{:.0} %", r * 100.0));
                view! {
                    <tr>
                        <td class=format!("{TD} whitespace-nowrap")>{c.cluster.clone()}</td>
                        <td class=TD>
                            <span class=mode_class(c.mode)>{c.mode.label()}</span>
                        </td>
                        <td class=TD>{c.workloads}</td>
                        <td class=TD>{c.enforced}</td>
                        <td class=TD>{c.pass}</td>
                        <td class=TD>{c.fail}</td>
                        <td class=TD>{c.unknown}</td>
                        <td class=format!("{TD} font-semibold")>{pct}</td>
                    </tr>
                }
            }
            empty="No cluster is configured."
            testid="coverage"
        />
        <ul class="mt-3 space-y-1 text-sm text-amber-900 dark:text-amber-200" data-testid="coverage-warnings">
            {warnings.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}
        </ul>
        {unreadable.map(|u| view! { <p class="mt-2 text-sm text-slate-600 dark:text-slate-300">{u}</p> })}
        {only_pass
            .then(|| {
                view! {
                    <p class="mt-2 text-sm text-slate-600 dark:text-slate-300">
                        "Kyverno reports only pass for rules in Enforce mode: violators are never admitted, so a clean report is not proof that nothing tries."
                    </p>
                }
            })}
    }
}

/// The review steps the viewer may take: a plain form (no script). A step done comes
/// back with `?reviewed`; a refused one comes back with its reason in the address,
/// which `ServerAction` reads for the alert below the buttons.
#[component]
fn Review(id: String, steps: Vec<ReviewStep>) -> impl IntoView {
    let review = ServerAction::<ReviewGuardrail>::new();
    let error = Signal::derive(move || review.value().get().and_then(Result::err).map(|e| e.to_string()));
    if steps.is_empty() {
        return view! { <FormError message=error /> }.into_any();
    }
    let needs_note = steps
        .iter()
        .any(|s| matches!(s, ReviewStep::Submit | ReviewStep::Reject));
    view! {
        <section class=format!("{CARD} mt-6") aria-labelledby="review-title">
            <h2 id="review-title" class=CARD_TITLE>
                "Review"
            </h2>
            <ActionForm action=review attr:class="mt-3 space-y-3">
                <input type="hidden" name="id" value=id />
                <div>
                    <label for="review-note" class=LABEL>
                        {if needs_note { "Note (required to submit or reject)" } else { "Note (optional)" }}
                    </label>
                    <textarea id="review-note" name="note" rows="3" class=INPUT></textarea>
                </div>
                <div class="flex flex-wrap gap-2">
                    {steps
                        .into_iter()
                        .map(|step| {
                            let class = if matches!(step, ReviewStep::Reject | ReviewStep::Retire) {
                                SECONDARY
                            } else {
                                PRIMARY
                            };
                            view! {
                                <button type="submit" name="step" value=step.as_str() class=class>
                                    {step.label()}
                                </button>
                            }
                        })
                        .collect_view()}
                </div>
            </ActionForm>
            <FormError message=error />
        </section>
    }
    .into_any()
}

#[component]
fn History(id: String, versions: Vec<GuardrailVersion>) -> impl IntoView {
    let first = versions.first().map(|v| v.review.version);
    let mut versions = versions;
    versions.reverse();
    view! {
        <section class=format!("{CARD} mt-6") aria-labelledby="history-title">
            <h2 id="history-title" class=CARD_TITLE>
                "History"
            </h2>
            <DataTable
                caption="Versions, newest first"
                columns=Column::new_all(&["Version", "State", "Change note", "Review", "Changes"])
                rows=versions
                row=move |v: GuardrailVersion| {
                    let r = v.review;
                    let compare = (Some(r.version) != first)
                        .then(|| {
                            view! {
                                <a
                                    href=format!("/guardrails/{id}/diff?to={}", r.version)
                                    class=format!("{LINK} rounded whitespace-nowrap {FOCUS_RING}")
                                >
                                    {format!("Changes in v{}", r.version)}
                                </a>
                            }
                        });
                    view! {
                        <tr>
                            <td class=format!("{TD} whitespace-nowrap")>{format!("v{}", r.version)}</td>
                            <td class=TD>
                                <span class=state_class(r.state)>{r.state.label()}</span>
                            </td>
                            <td class=TD>
                                {r.change_note.clone().unwrap_or_default()}
                                {r
                                    .review_comment
                                    .clone()
                                    .map(|c| {
                                        view! {
                                            <p class="mt-1 text-slate-600 dark:text-slate-300">
                                                {format!("Reviewer: {c}")}
                                            </p>
                                        }
                                    })}
                            </td>
                            <td class=format!(
                                "{TD} text-slate-600 dark:text-slate-300",
                            )>{review_line(&r)}</td>
                            <td class=TD>{compare}</td>
                        </tr>
                    }
                }
                empty="No versions."
                testid="versions"
            />
        </section>
    }
}
