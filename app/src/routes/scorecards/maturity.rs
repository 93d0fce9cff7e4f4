//! `/scorecards/maturity`: the CoE's maturity scorecards. Each rates the components it
//! applies to by rules over typed facts; a component holds the highest level whose
//! rules, and those of every lower level, pass (or are exempt until a date, with an
//! approver). `/scorecards/maturity/{id}` shows the rules, every component's level
//! and score, and the exemptions; CoE editors write scorecards as YAML.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::form::{DocumentField, SaveOrCancel};
use crate::components::loaded::loaded;
use crate::components::page::{Crumb, PageHeader};
use crate::components::style::{
    CARD, CARD_TITLE, DANGER, EMPTY, INPUT, LABEL, LINK, PRIMARY, SECONDARY, TD, TERM,
};
use crate::components::table::{Column, DataTable};
use crate::routes::catalog::Problems;
use crate::serverfns::AppError;
use crate::serverfns::scorecards::{
    EntityMaturity, EvaluateMaturity, GrantMaturityExemption, LevelCount, MaturityExemption, MaturityPage,
    MaturityRating, MaturityRule, MaturityScorecard, RevokeMaturityExemption, SaveMaturity,
    load_maturity_index, load_maturity_page,
};
use parkway_types::scorecards::{MaturityTable, maturity_table_href, page_href};

/// A new scorecard's starting text: every field, so the editor shows the shape.
const TEMPLATE: &str = "title: Production readiness
description: What a service needs before it carries customer traffic.
levels: [Bronze, Silver, Gold]
score: true
applies_to: {type: service}
rules:
  - id: owner
    title: Has an owning team
    level: Bronze
    fact: catalog.owner
    check: present
    rationale: Someone must answer for it when it breaks.
    remediation: https://wiki.example.com/catalog#owner
  - id: on-call
    title: Names an on-call
    level: Silver
    fact: catalog.on_call
    check: present
    rationale: Pages must reach a person.
    remediation: https://wiki.example.com/on-call
  - id: deploys-weekly
    title: Deploys to production at least weekly
    level: Gold
    fact: dora.deploy_days_per_week
    check: {at_least: 1}
    rationale: Small, frequent changes fail less and recover faster.
    remediation: https://wiki.example.com/delivery
";

const FACTS_HELP: &str = "Facts: catalog.owner, catalog.business_unit, catalog.system, catalog.lifecycle, catalog.type, catalog.description, catalog.tier, catalog.tags, catalog.on_call, catalog.runbook, catalog.alerting, catalog.annotation:<name>, catalog.label:<name>, dora.deployments, dora.deploy_days_per_week, dora.lead_time_hours, dora.change_failure_rate (%), dora.recovery_time_hours, dora.rework_rate (%) over 90 days, and the owning team's guardrails.coverage (%), guardrails.compliance (%), tenants.secure_defaults (%), tenants.active. Checks: present, {equals: x}, {one_of: [x, y]}, {contains: x} (tags), {at_least: n}, {at_most: n}. A missing value fails every check.";

fn level_badge(level: Option<&str>) -> impl IntoView + use<> {
    let (text, class) = match level {
        Some(l) => (
            l.to_owned(),
            "rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100",
        ),
        None => (
            "No level".to_owned(),
            "rounded-full bg-slate-100 px-2 py-0.5 text-xs font-semibold text-slate-700 dark:bg-slate-800 dark:text-slate-200",
        ),
    };
    view! { <span class=class>{text}</span> }
}

/// Previous and next links over the ratings: plain links, so paging works without
/// JavaScript.
fn ratings_pager(id: &str, previous: Option<usize>, next: Option<usize>) -> Option<impl IntoView + use<>> {
    if previous.is_none() && next.is_none() {
        return None;
    }
    let href = |from: usize| format!("/scorecards/maturity/{id}?from={from}#ratings-title");
    let (previous, next) = (previous.map(href), next.map(href));
    Some(view! {
        <nav aria-label="Pages of components" class="mt-4 flex justify-end gap-3">
            {previous
                .map(|href| {
                    view! {
                        <a href=href class=SECONDARY rel="prev">
                            "← Previous page"
                        </a>
                    }
                })}
            {next
                .map(|href| {
                    view! {
                        <a href=href class=SECONDARY rel="next">
                            "Next page →"
                        </a>
                    }
                })}
        </nav>
    })
}

fn distribution(counts: &[LevelCount]) -> String {
    counts
        .iter()
        .map(|c| format!("{} {}", c.components, c.level.as_deref().unwrap_or("no level")))
        .collect::<Vec<_>>()
        .join(" · ")
}

fn when(t: &str) -> String {
    t.get(..16).unwrap_or(t).replace('T', " ") + " UTC"
}

#[component]
pub fn MaturityListPage() -> impl IntoView {
    let index = Resource::new(|| (), |()| load_maturity_index());
    view! {
        <PageHeader
            title="Maturity scorecards"
            description="The CoE's scorecards: rules over catalog facts, delivery figures and guardrail adoption, each at a level. A service holds the highest level whose rules, and those of every lower level, all pass; exemptions carry an approver and an expiry. Every evaluation is kept."
            trail=vec![Crumb::to("Scorecards", "/scorecards")]
        />
        <Suspense fallback=|| {
            view! { <p class=EMPTY>"Loading…"</p> }
        }>
            {move || loaded(async move {
                let index = index.await?;
                let columns = vec![
                    Column::new("Scorecard"),
                    Column::new("Levels"),
                    Column::new("Rules"),
                    Column::new("Rates"),
                    Column::new("Components by level"),
                    Column::new("Evaluated"),
                ];
                Ok::<
                    _,
                    AppError,
                >(
                    view! {
                        {index
                            .can_edit
                            .then(|| {
                                view! {
                                    <p class="mt-4">
                                        <a href="/scorecards/maturity/new" class=PRIMARY>
                                            "New scorecard"
                                        </a>
                                    </p>
                                }
                            })}
                        <section class=format!("{CARD} mt-6") aria-labelledby="maturity-list-title">
                            <h2 id="maturity-list-title" class=CARD_TITLE>
                                "Scorecards"
                            </h2>
                            <DataTable
                                caption="Maturity scorecards".to_owned()
                                columns
                                rows=index.scorecards
                                empty="No maturity scorecard yet: CoE editors define them here or through PUT /api/v1/maturity/scorecards/{id}."
                                testid="maturity-scorecards"
                                row=|s: MaturityScorecard| {
                                    view! {
                                        <tr>
                                            <td class=TD>
                                                <a class=LINK href=format!("/scorecards/maturity/{}", s.id)>
                                                    {s.title.clone()}
                                                </a>
                                            </td>
                                            <td class=TD>{s.levels.join(" < ")}</td>
                                            <td class=TD>{s.rules}</td>
                                            <td class=TD>{s.applies_to.clone()}</td>
                                            <td class=TD>{distribution(&s.by_level)}</td>
                                            <td class=TD>
                                                {s
                                                    .evaluated_at
                                                    .as_deref()
                                                    .map(when)
                                                    .unwrap_or_else(|| "not yet".into())}
                                            </td>
                                        </tr>
                                    }
                                }
                            />
                        </section>
                    },
                )
            })}
        </Suspense>
    }
}

#[component]
pub fn MaturityDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id")).unwrap_or_default();
    let query = use_query_map();
    let from = move || {
        query
            .with(|q| q.get("from"))
            .and_then(|f| f.parse::<usize>().ok())
            .unwrap_or(0)
    };
    let evaluate = ServerAction::<EvaluateMaturity>::new();
    let revoke = ServerAction::<RevokeMaturityExemption>::new();
    // Read again after each action: its redirect is to this same page.
    let page = Resource::new(
        move || (id(), from(), evaluate.version().get(), revoke.version().get()),
        |(id, from, ..)| load_maturity_page(id, from),
    );
    view! {
        <Suspense fallback=|| {
            view! { <p class=EMPTY>"Loading…"</p> }
        }>
            {move || loaded(async move {
                let p: MaturityPage = page.await?;
                Ok::<_, AppError>(view! { <Detail p evaluate revoke /> })
            })}
        </Suspense>
    }
}

#[component]
fn Detail(
    p: MaturityPage,
    evaluate: ServerAction<EvaluateMaturity>,
    revoke: ServerAction<RevokeMaturityExemption>,
) -> impl IntoView {
    let (next, previous) = (p.next_from(), p.previous_from());
    let shown = if p.ratings_total > p.detail.ratings.len() {
        format!(
            " ({}–{} of {}; the CSV has them all)",
            p.ratings_from + 1,
            p.ratings_from + p.detail.ratings.len(),
            p.ratings_total
        )
    } else {
        String::new()
    };
    let d = p.detail;
    let s = d.scorecard.clone();
    let id = s.id.clone();
    let pager = ratings_pager(&id, previous, next);
    let facts = format!(
        "Levels {} · rates {} · version {} saved by {} on {}{}",
        s.levels.join(" < "),
        s.applies_to,
        s.version,
        s.saved_by,
        when(&s.saved_at),
        if s.score { " · with a 0–100 score" } else { "" }
    );
    let evaluated = s
        .evaluated_at
        .as_deref()
        .map(|t| format!("Evaluated {}: {}.", when(t), distribution(&s.by_level)))
        .unwrap_or_else(|| "Not evaluated yet.".into());
    let rule_ids: Vec<String> = d.rules.iter().map(|r| r.id.clone()).collect();
    let rule_columns = vec![
        Column::new("Rule"),
        Column::new("Level"),
        Column::new("Fact and check"),
        Column::new("Applies to"),
        Column::new("Why"),
        Column::new("Pass / fail / exempt"),
    ];
    let rating_columns = vec![
        Column::new("Component"),
        Column::new("Level"),
        Column::new("Score"),
        Column::new("Failing rules"),
    ];
    let exemption_columns = vec![
        Column::new("Component"),
        Column::new("Rule"),
        Column::new("Reason"),
        Column::new("Approved by"),
        Column::new("Expires"),
        Column::new("State"),
    ];
    let can_exempt = p.can_exempt;
    let show_score = s.score;
    view! {
        <PageHeader
            title=s.title.clone()
            description="A maturity scorecard: its rules, each component's level (the highest whose rules and all lower ones pass) and the exemptions in force."
            trail=vec![Crumb::to("Scorecards", "/scorecards"), Crumb::to("Maturity", "/scorecards/maturity")]
        />
        <p class="mt-3 text-sm text-slate-600 dark:text-slate-300" data-testid="maturity-facts">
            {facts}
        </p>
        {(!s.description.is_empty())
            .then(|| {
                view! {
                    <p class="mt-2 max-w-3xl text-sm text-slate-700 dark:text-slate-200">
                        {s.description.clone()}
                    </p>
                }
            })}
        <p class="mt-2 text-sm text-slate-600 dark:text-slate-300" data-testid="maturity-evaluated">
            {evaluated}
        </p>
        {p
            .can_edit
            .then(|| {
                let id = id.clone();
                view! {
                    <div class="mt-4 flex flex-wrap gap-3">
                        <a href=format!("/scorecards/maturity/{id}/edit") class=SECONDARY>
                            "Edit"
                        </a>
                        <ActionForm action=evaluate>
                            <input type="hidden" name="id" value=id.clone() />
                            <button type="submit" class=SECONDARY>
                                "Evaluate now"
                            </button>
                        </ActionForm>
                    </div>
                }
            })}
        <section class=format!("{CARD} mt-6") aria-labelledby="rules-title">
            <h2 id="rules-title" class=CARD_TITLE>
                "Rules"
            </h2>
            <DataTable
                caption="Rules".to_owned()
                columns=rule_columns
                rows=d.rules.clone()
                empty="No rules."
                testid="maturity-rules"
                csv=maturity_table_href(&id, MaturityTable::Rules)
                row=|r: MaturityRule| {
                    view! {
                        <tr>
                            <td class=TD>
                                <span class="font-medium">{r.title.clone()}</span>
                                <span class=format!("block text-xs {TERM}")>{r.id.clone()}</span>
                            </td>
                            <td class=TD>{r.level.clone()}</td>
                            <td class=TD>
                                <code class="text-xs">{format!("{} {}", r.fact, r.check)}</code>
                            </td>
                            <td class=TD>{r.applies_to.clone()}</td>
                            <td class=TD>
                                {r.rationale.clone()} " " <a class=LINK href=r.remediation.clone()>
                                    "How to fix"
                                </a>
                            </td>
                            <td class=TD>{format!("{} / {} / {}", r.passing, r.failing, r.exempt)}</td>
                        </tr>
                    }
                }
            />
        </section>
        <section class=format!("{CARD} mt-6") aria-labelledby="ratings-title">
            <h2 id="ratings-title" class=CARD_TITLE>
                "Components"
            </h2>
            <DataTable
                caption=format!("Components by level, lowest first{shown}")
                columns=rating_columns
                rows=d.ratings.clone()
                empty="No component is rated yet: the scorecard applies to none, or has not been evaluated."
                testid="maturity-ratings"
                csv=maturity_table_href(&id, MaturityTable::Ratings)
                row=move |r: MaturityRating| {
                    view! {
                        <tr>
                            <td class=TD>
                                <a class=LINK href=page_href("services", &r.entity)>
                                    {r.title.clone()}
                                </a>
                            </td>
                            <td class=TD>{level_badge(r.level.as_deref())}</td>
                            <td class=TD>
                                {if show_score {
                                    r.score.map(|s| s.to_string()).unwrap_or_else(|| "—".into())
                                } else {
                                    "—".into()
                                }}
                            </td>
                            <td class=TD>
                                {if r.failing.is_empty() { "none".to_owned() } else { r.failing.join(", ") }}
                            </td>
                        </tr>
                    }
                }
            />
            {pager}
        </section>
        <section class=format!("{CARD} mt-6") aria-labelledby="exemptions-title">
            <h2 id="exemptions-title" class=CARD_TITLE>
                "Exemptions"
            </h2>
            <DataTable
                caption="Exemptions, newest first".to_owned()
                columns=exemption_columns
                rows=d.exemptions.clone()
                empty="No exemptions."
                testid="maturity-exemptions"
                csv=maturity_table_href(&id, MaturityTable::Exemptions)
                row=move |e: MaturityExemption| {
                    let state = if e.in_force {
                        "in force"
                    } else if e.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "expired"
                    };
                    view! {
                        <tr>
                            <td class=TD>{e.entity.clone()}</td>
                            <td class=TD>{e.rule.clone()}</td>
                            <td class=TD>{e.reason.clone()}</td>
                            <td class=TD>{format!("{} on {}", e.approved_by, when(&e.approved_at))}</td>
                            <td class=TD>{when(&e.expires_at)}</td>
                            <td class=TD>
                                <span class="flex items-center gap-2">
                                    {state}
                                    {(can_exempt && e.in_force)
                                        .then(|| {
                                            view! {
                                                <ActionForm action=revoke>
                                                    <input
                                                        type="hidden"
                                                        name="scorecard"
                                                        value=e.scorecard.clone()
                                                    />
                                                    <input type="hidden" name="id" value=e.id.to_string() />
                                                    <button type="submit" class=DANGER>
                                                        "Revoke"
                                                    </button>
                                                </ActionForm>
                                            }
                                        })}
                                </span>
                            </td>
                        </tr>
                    }
                }
            />
            {can_exempt
                .then(|| {
                    view! {
                        <h3 class="mt-6 text-base font-semibold text-slate-900 dark:text-white">
                            "Grant an exemption"
                        </h3>
                        <p class=EMPTY>
                            "You are recorded as its approver. A failing rule under an exemption in force does not hold the level back; it still shows as failing."
                        </p>
                        <GrantExemption scorecard=id.clone() rules=rule_ids.clone() />
                    }
                })}
        </section>
    }
}

/// The exemption form: an island, so problems show beside it with what was typed
/// kept; a grant loads the page again with the exemption listed.
#[island]
fn GrantExemption(scorecard: String, rules: Vec<String>) -> impl IntoView {
    let grant = ServerAction::<GrantMaturityExemption>::new();
    let error = Signal::derive(move || grant.value().get().and_then(Result::err));
    view! {
        <ActionForm action=grant attr:class="mt-3 grid gap-3 sm:grid-cols-2">
            <input type="hidden" name="scorecard" value=scorecard />
            <div>
                <label for="exempt-entity" class=LABEL>
                    "Component"
                </label>
                <input id="exempt-entity" name="entity" required placeholder="checkout-api" class=INPUT />
            </div>
            <div>
                <label for="exempt-rule" class=LABEL>
                    "Rule"
                </label>
                <select id="exempt-rule" name="rule" class=INPUT>
                    {rules
                        .iter()
                        .map(|r| view! { <option value=r.clone()>{r.clone()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="sm:col-span-2">
                <label for="exempt-reason" class=LABEL>
                    "Reason"
                </label>
                <input id="exempt-reason" name="reason" required class=INPUT />
            </div>
            <div>
                <label for="exempt-expires" class=LABEL>
                    "Expires (end of day, UTC; at most a year)"
                </label>
                <input id="exempt-expires" name="expires_on" type="date" required class=INPUT />
            </div>
            <div class="sm:col-span-2">
                <Problems id="exempt-problems" error=error />
            </div>
            <div>
                <button type="submit" class=PRIMARY>
                    "Grant exemption"
                </button>
            </div>
        </ActionForm>
    }
}

#[component]
pub fn MaturityEditPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id")).unwrap_or_default();
    let existing = Resource::new(id, |id| async move {
        if id.is_empty() {
            Ok(None)
        } else {
            load_maturity_page(id, 0).await.map(Some)
        }
    });
    view! {
        <Suspense fallback=|| {
            view! { <p class=EMPTY>"Loading…"</p> }
        }>
            {move || loaded(async move {
                let existing = existing.await?;
                let (title, text, fixed_id) = match existing {
                    Some(p) => {
                        (
                            format!("Edit {}", p.detail.scorecard.title),
                            p.detail.definition.clone(),
                            Some(p.detail.scorecard.id.clone()),
                        )
                    }
                    None => ("New maturity scorecard".to_owned(), TEMPLATE.to_owned(), None),
                };
                let back = fixed_id
                    .as_ref()
                    .map(|i| format!("/scorecards/maturity/{i}"))
                    .unwrap_or_else(|| "/scorecards/maturity".into());
                Ok::<
                    _,
                    AppError,
                >(
                    view! {
                        <PageHeader
                            title
                            description="A scorecard as YAML. Saving checks the whole document (every problem is listed with its field, nothing is saved until there are none), keeps the previous version, is audited, and evaluates every component at once."
                            trail=vec![
                                Crumb::to("Scorecards", "/scorecards"),
                                Crumb::to("Maturity", "/scorecards/maturity"),
                            ]
                        />
                        <MaturityForm fixed_id text back />
                    },
                )
            })}
        </Suspense>
    }
}

/// The definition form: an island, so every problem shows beside it with the text kept;
/// a save goes on to the scorecard's page.
#[island]
fn MaturityForm(fixed_id: Option<String>, text: String, back: String) -> impl IntoView {
    let save = ServerAction::<SaveMaturity>::new();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    view! {
        <section class=format!("{CARD} mt-6") aria-labelledby="maturity-edit-title">
            <h2 id="maturity-edit-title" class="sr-only">
                "Scorecard form"
            </h2>
            <ActionForm action=save attr:class="space-y-4">
                {match fixed_id {
                    Some(i) => view! { <input type="hidden" name="id" value=i /> }.into_any(),
                    None => {
                        view! {
                            <div>
                                <label for="maturity-id" class=LABEL>
                                    "Id (lower-case letters, digits and -; in its address)"
                                </label>
                                <input
                                    id="maturity-id"
                                    name="id"
                                    required
                                    pattern="[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
                                    class=INPUT
                                />
                            </div>
                        }
                            .into_any()
                    }
                }}
                <div>
                    <DocumentField
                        id="maturity-definition"
                        name="definition"
                        label="Definition (YAML or JSON)"
                        rows=28
                        text
                        described_by="maturity-facts-help maturity-problems"
                    />
                    <p id="maturity-facts-help" class="mt-2 text-xs text-slate-600 dark:text-slate-300">
                        {FACTS_HELP}
                    </p>
                </div>
                <Problems id="maturity-problems" error=error />
                <SaveOrCancel back />
            </ActionForm>
        </section>
    }
}

/// A service's standing on each maturity scorecard, on its scorecard page.
#[component]
pub fn MaturitySection(items: Vec<EntityMaturity>) -> impl IntoView {
    let body = if items.is_empty() {
        view! {
            <p class=EMPTY>
                "No maturity scorecard rates this service yet. " <a class=LINK href="/scorecards/maturity">
                    "Maturity scorecards"
                </a>
            </p>
        }
        .into_any()
    } else {
        items
            .into_iter()
            .map(|m| {
                let headline = match m.score {
                    Some(score) => format!("score {score} / 100 · evaluated {}", when(&m.evaluated_at)),
                    None => format!("evaluated {}", when(&m.evaluated_at)),
                };
                let rows = m.verdicts.clone();
                view! {
                    <div class="mt-4" data-testid="maturity-standing">
                        <h3 class="flex flex-wrap items-center gap-2 text-base font-semibold text-slate-900 dark:text-white">
                            <a class=LINK href=format!("/scorecards/maturity/{}", m.scorecard)>
                                {m.title.clone()}
                            </a>
                            {level_badge(m.level.as_deref())}
                            <span class="text-xs font-normal text-slate-600 dark:text-slate-300">
                                {headline}
                            </span>
                        </h3>
                        <ul class="mt-2 space-y-1 text-sm">
                            {rows
                                .into_iter()
                                .map(|v| {
                                    let (mark, class) = match (v.passed, v.exempt) {
                                        (true, _) => ("Passes", "text-emerald-800 dark:text-emerald-300"),
                                        (false, true) => ("Exempt", "text-amber-800 dark:text-amber-300"),
                                        (false, false) => ("Fails", "text-red-800 dark:text-red-300"),
                                    };
                                    view! {
                                        <li>
                                            <span class=format!("font-semibold {class}")>{mark}</span>
                                            {format!(
                                                " · {} ({}): {} — value {}. ",
                                                v.rule.title,
                                                v.rule.level,
                                                v.rule.check,
                                                v.value,
                                            )}
                                            {(!v.passed)
                                                .then(|| {
                                                    view! {
                                                        <a class=LINK href=v.rule.remediation.clone()>
                                                            "How to fix"
                                                        </a>
                                                    }
                                                })}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    </div>
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <section class=format!("{CARD} mt-6") aria-labelledby="maturity-title">
            <h2 id="maturity-title" class=CARD_TITLE>
                "Maturity"
            </h2>
            {body}
        </section>
    }
}
