//! `/guardrails`: the CoE's published guardrails, filterable by category, severity,
//! guidance and the decision for a tier, searchable (typos forgiven), as a list or as
//! a decision matrix (guardrails × tiers). Filters are a GET form, so the URL is the
//! state and everything works before the page is hydrated.

pub mod categories;
pub mod detail;
pub mod diff;
pub mod edit;
pub mod threats;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use parkway_types::guardrails::{Decision, Guidance, Severity};

use crate::components::form::GetForm;
use crate::components::icons::Icon;
use crate::components::loaded::loaded;
use crate::components::page::{EmptyState, PageHeader};
use crate::components::style::{CHIP, FOCUS_RING, INPUT, LABEL, LINK, PRIMARY, SECONDARY, TD};
use crate::components::table::{Column, DataTable};
use crate::serverfns::AppError;
use crate::serverfns::guardrails::{GuardrailList, GuardrailSummary, list_guardrails};

/// How a decision looks: a word and a colour, never the colour alone.
pub fn decision_class(d: Decision) -> &'static str {
    match d {
        Decision::Allowed => {
            "inline-flex rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200"
        }
        Decision::NeedsApproval => {
            "inline-flex rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-950 dark:text-amber-200"
        }
        Decision::Blocked => {
            "inline-flex rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-900 dark:bg-red-950 dark:text-red-200"
        }
    }
}

pub fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "font-semibold text-red-800 dark:text-red-300",
        Severity::High => "font-medium text-orange-800 dark:text-orange-300",
        Severity::Medium => "text-amber-800 dark:text-amber-300",
        Severity::Low => "text-slate-600 dark:text-slate-300",
    }
}

#[derive(Clone, Default, PartialEq)]
struct Params {
    category: String,
    severity: String,
    guidance: String,
    tier: String,
    decision: String,
    q: String,
    matrix: bool,
}

#[component]
pub fn GuardrailsPage() -> impl IntoView {
    let query = use_query_map();
    let params = move || {
        query.with(|q| {
            let get = |k: &str| q.get(k).unwrap_or_default();
            Params {
                category: get("category"),
                severity: get("severity"),
                guidance: get("guidance"),
                tier: get("tier"),
                decision: get("decision"),
                q: get("q"),
                matrix: get("view") == "matrix",
            }
        })
    };
    let some = |s: String| (!s.is_empty()).then_some(s);
    let list = Resource::new(params, move |p| {
        list_guardrails(
            some(p.category),
            some(p.severity),
            some(p.guidance),
            some(p.tier),
            some(p.decision),
            some(p.q),
        )
    });
    view! {
        <PageHeader
            title="Guardrails"
            description="The platform's rules of the road, published by the Cloud Center of Excellence: what is allowed, what needs approval and what is blocked, per risk tier."
        />
        <p class="mt-3 text-sm">
            <a href="/guardrails/threats" class=format!("{LINK} rounded {FOCUS_RING}")>
                "Threat register"
            </a>
            " · "
            <a href="/guardrails/categories" class=format!("{LINK} rounded {FOCUS_RING}")>
                "Categories"
            </a>
            " · "
            <a href="/api/v1/guardrails/export" class=format!("{LINK} rounded {FOCUS_RING}")>
                "Export as YAML"
            </a>
            " · "
            <a href="/guardrails/feed.atom" class=format!("{LINK} rounded {FOCUS_RING}")>
                "Changes as an Atom feed"
            </a>
        </p>
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-500">"Loading…"</p> }
        }>
            {move || loaded(async move {
                let data = list.await?;
                Ok::<_, AppError>(view! { <Listing data p=params() /> })
            })}
        </Suspense>
    }
}

fn options(current: &str, any: &'static str, items: Vec<(String, String)>) -> impl IntoView + use<> {
    let current = current.to_owned();
    view! {
        <option value="" selected=current.is_empty()>
            {any}
        </option>
        {items
            .into_iter()
            .map(|(value, label)| {
                let selected = value == current;
                view! {
                    <option value=value selected=selected>
                        {label}
                    </option>
                }
            })
            .collect_view()}
    }
}

fn words<T: Copy>(
    all: &[T],
    value: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|t| (value(*t).to_owned(), label(*t).to_owned()))
        .collect()
}

#[component]
fn Listing(data: GuardrailList, p: Params) -> impl IntoView {
    let GuardrailList {
        rows,
        choices,
        may_edit,
    } = data;
    let new_link = move || {
        may_edit.then(|| {
            view! {
                <a href="/guardrails/new" class=PRIMARY>
                    "New guardrail"
                </a>
            }
        })
    };
    if rows.is_empty() && p == Params::default() {
        return view! {
            <EmptyState icon=Icon::Guardrails title="No guardrails published yet">
                <p>
                    "The Cloud Center of Excellence writes, reviews and publishes guardrails here. Until then, ask the CoE which standards apply to your workload."
                </p>
                <p class="mt-4">{new_link()}</p>
            </EmptyState>
        }
            .into_any();
    }
    let tiers: Vec<(String, String)> = choices
        .tiers
        .iter()
        .map(|c| (c.value.clone(), c.label.clone()))
        .collect();
    let categories: Vec<(String, String)> = choices
        .categories
        .iter()
        .map(|c| (c.value.clone(), c.label.clone()))
        .collect();
    let select = format!("{INPUT} pr-8");
    let field = |id: &'static str, label: &'static str, body: AnyView| {
        view! {
            <div>
                <label for=id class=LABEL>
                    {label}
                </label>
                {body}
            </div>
        }
    };
    let q = p.q.clone();
    let category_options = options(&p.category, "Any category", categories);
    let severity_options = options(
        &p.severity,
        "Any severity",
        words(Severity::ALL, Severity::as_str, Severity::label),
    );
    let guidance_options = options(
        &p.guidance,
        "Any guidance",
        words(Guidance::ALL, Guidance::as_str, Guidance::label),
    );
    let tier_options = options(&p.tier, "Any tier", tiers.clone());
    let decision_options = options(
        &p.decision,
        "Any decision",
        words(Decision::ALL, Decision::as_str, Decision::label),
    );
    let matrix_input = p
        .matrix
        .then(|| view! { <input type="hidden" name="view" value="matrix" /> });
    let clear = if p.matrix {
        "/guardrails?view=matrix"
    } else {
        "/guardrails"
    };
    let filters = view! {
        <GetForm
            action="/guardrails"
            class="mt-6 grid gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-2 lg:grid-cols-5 dark:border-slate-800 dark:bg-slate-900"
        >
            <div class="sm:col-span-2 lg:col-span-5">
                <label for="guardrail-q" class=LABEL>
                    "Search"
                </label>
                <input
                    id="guardrail-q"
                    name="q"
                    type="search"
                    value=q
                    placeholder="e.g. privileged, ingress, registry"
                    class=INPUT
                />
            </div>
            {field(
                "guardrail-category",
                "Category",
                view! {
                    <select id="guardrail-category" name="category" class=select.clone()>
                        {category_options}
                    </select>
                }
                    .into_any(),
            )}
            {field(
                "guardrail-severity",
                "Severity",
                view! {
                    <select id="guardrail-severity" name="severity" class=select.clone()>
                        {severity_options}
                    </select>
                }
                    .into_any(),
            )}
            {field(
                "guardrail-guidance",
                "Guidance",
                view! {
                    <select id="guardrail-guidance" name="guidance" class=select.clone()>
                        {guidance_options}
                    </select>
                }
                    .into_any(),
            )}
            <fieldset class="grid grid-cols-2 gap-2 sm:col-span-2">
                <legend class="sr-only">"Decision for a tier"</legend>
                {field(
                    "guardrail-tier",
                    "Tier",
                    view! {
                        <select id="guardrail-tier" name="tier" class=select.clone()>
                            {tier_options}
                        </select>
                    }
                        .into_any(),
                )}
                {field(
                    "guardrail-decision",
                    "Decision",
                    view! {
                        <select id="guardrail-decision" name="decision" class=select.clone()>
                            {decision_options}
                        </select>
                    }
                        .into_any(),
                )}
            </fieldset>
            {matrix_input}
            <div class="flex items-end gap-2 sm:col-span-2 lg:col-span-5">
                <button type="submit" class=PRIMARY>
                    "Apply"
                </button>
                <a href=clear class=SECONDARY>
                    "Clear"
                </a>
            </div>
        </GetForm>
    };
    let count = rows.len();
    let changed = rows.iter().filter(|r| r.changed_since_last_visit).count();
    let here = |matrix: bool| {
        let mut pairs: Vec<(&str, &str)> = [
            ("q", p.q.as_str()),
            ("category", p.category.as_str()),
            ("severity", p.severity.as_str()),
            ("guidance", p.guidance.as_str()),
            ("tier", p.tier.as_str()),
            ("decision", p.decision.as_str()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
        if matrix {
            pairs.push(("view", "matrix"));
        }
        let query: Vec<String> = pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={}", parkway_types::url::encode(v)))
            .collect();
        if query.is_empty() {
            "/guardrails".to_owned()
        } else {
            format!("/guardrails?{}", query.join("&"))
        }
    };
    let toggle = |on: bool, label: &'static str, href: String| {
        let class = if on {
            crate::components::style::CHOICE_ON
        } else {
            crate::components::style::CHOICE_OFF
        };
        view! {
            <a href=href class=format!("{class} {FOCUS_RING}") aria-current=on.then_some("page")>
                {label}
            </a>
        }
    };
    let table = if p.matrix {
        view! { <Matrix rows tiers /> }.into_any()
    } else {
        view! { <List rows /> }.into_any()
    };
    view! {
        {filters}
        <div class="mt-6 flex flex-wrap items-center justify-between gap-3">
            <p class="text-sm text-slate-600 dark:text-slate-300" data-testid="guardrail-count">
                {format!("{count} guardrail{}", if count == 1 { "" } else { "s" })}
                {(changed > 0).then(|| format!(" · {changed} changed since your last visit"))}
            </p>
            <div class="flex flex-wrap items-center gap-3">
                <nav aria-label="Layout" class="flex gap-2">
                    {toggle(!p.matrix, "List", here(false))}
                    {toggle(p.matrix, "Decision matrix", here(true))}
                </nav>
                {new_link()}
            </div>
        </div>
        {table}
    }
    .into_any()
}

fn title_cell(r: &GuardrailSummary) -> impl IntoView + use<> {
    let href = format!("/guardrails/{}", r.id);
    view! {
        <a href=href class=format!("{LINK} rounded font-medium {FOCUS_RING}")>
            {r.title.clone()}
        </a>
        {r
            .changed_since_last_visit
            .then(|| {
                view! {
                    <span class="ml-2 inline-flex rounded-full bg-sky-100 px-2 py-0.5 text-xs font-medium text-sky-900 dark:bg-sky-950 dark:text-sky-200">
                        "Changed"
                    </span>
                }
            })}
    }
}

#[component]
fn List(rows: Vec<GuardrailSummary>) -> impl IntoView {
    view! {
        <DataTable
            caption="Published guardrails"
            columns=Column::new_all(&["ID", "Guardrail", "Category", "Severity", "Guidance"])
            rows
            row=|r: GuardrailSummary| {
                view! {
                    <tr>
                        <td class=format!("{TD} whitespace-nowrap font-mono text-xs")>{r.id.to_string()}</td>
                        <td class=TD>
                            {title_cell(&r)}
                            <p class="mt-1 text-slate-600 dark:text-slate-300">{r.objective.clone()}</p>
                        </td>
                        <td class=TD>
                            <span class=CHIP>{r.category_title.clone()}</span>
                        </td>
                        <td class=format!("{TD} {}", severity_class(r.severity))>{r.severity.label()}</td>
                        <td class=TD>{r.guidance.label()}</td>
                    </tr>
                }
            }
            empty="No published guardrail matches these filters. Clear a filter, or search for fewer words."
            testid="guardrails"
        />
    }
}

#[component]
fn Matrix(rows: Vec<GuardrailSummary>, tiers: Vec<(String, String)>) -> impl IntoView {
    let mut columns = vec![Column::new("Guardrail")];
    columns.extend(tiers.iter().map(|(_, label)| Column::owned(label.clone())));
    view! {
        <DataTable
            caption="Decision per risk tier"
            columns
            rows
            row=move |r: GuardrailSummary| {
                let cells = tiers
                    .iter()
                    .map(|(tier, _)| {
                        let d = r.decisions.iter().find(|d| &d.tier == tier).map(|d| d.decision);
                        view! {
                            <td class=TD>
                                {d.map(|d| view! { <span class=decision_class(d)>{d.label()}</span> })}
                            </td>
                        }
                    })
                    .collect_view();
                view! {
                    <tr>
                        <td class=TD>
                            <span class="mr-2 font-mono text-xs text-slate-500 dark:text-slate-400">
                                {r.id.to_string()}
                            </span>
                            {title_cell(&r)}
                        </td>
                        {cells}
                    </tr>
                }
            }
            empty="No published guardrail matches these filters."
            testid="decision-matrix"
        />
    }
}
