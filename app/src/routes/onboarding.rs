//! `/onboarding`: my teams' tenants, the approval queue, every tenant; filters by state
//! are a GET form, so the URL is the state and everything works before hydration.

pub mod detail;
pub mod new;
pub mod tiers;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use parkway_types::onboarding::TenantState;

use crate::components::form::GetForm;
use crate::components::icons::Icon;
use crate::components::loaded::loaded;
use crate::components::page::{EmptyState, PageHeader};
use crate::components::style::{FOCUS_RING, INPUT, LABEL, LINK, PRIMARY, SECONDARY, TD};
use crate::components::table::{Column, DataTable};
use crate::serverfns::AppError;
use crate::serverfns::onboarding::{TenantList, TenantSummary, list_tenants};

/// How a state looks: a word and a colour, never the colour alone.
pub fn state_class(s: TenantState) -> &'static str {
    match s {
        TenantState::Active => {
            "inline-flex whitespace-nowrap rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200"
        }
        TenantState::Requested | TenantState::DecommissionRequested => {
            "inline-flex whitespace-nowrap rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-950 dark:text-amber-200"
        }
        TenantState::Approved | TenantState::Provisioning | TenantState::Decommissioning => {
            "inline-flex whitespace-nowrap rounded-full bg-sky-100 px-2 py-0.5 text-xs font-medium text-sky-900 dark:bg-sky-950 dark:text-sky-200"
        }
        TenantState::Failed => {
            "inline-flex whitespace-nowrap rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-900 dark:bg-red-950 dark:text-red-200"
        }
        TenantState::Rejected | TenantState::Decommissioned => {
            "inline-flex whitespace-nowrap rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-800 dark:bg-slate-800 dark:text-slate-200"
        }
    }
}

/// The team's name from its reference (`group:default/checkout` → `checkout`).
pub fn team_label(team: &str) -> &str {
    team.rsplit('/').next().unwrap_or(team)
}

/// The catalog page of a team reference.
pub fn team_href(team: &str) -> String {
    format!("/catalog/group/default/{}", team_label(team))
}

/// A table of tenants, shared by the onboarding page and a team's catalog page.
#[component]
pub fn TenantTable(tenants: Vec<TenantSummary>, #[prop(into)] empty: String) -> impl IntoView {
    view! {
        <DataTable
            caption="Tenants"
            columns=Column::new_all(
                &["Tenant", "Team", "Tier", "Environments", "State", "Progress", "Requested"],
            )
            rows=tenants
            empty=empty
            testid="tenants"
            row=|t: TenantSummary| {
                let href = format!("/onboarding/{}", t.name);
                let envs = t.environments.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", ");
                let progress = if t.steps_total == 0 {
                    "—".to_owned()
                } else {
                    format!("{}/{}", t.steps_done, t.steps_total)
                };
                view! {
                    <tr>
                        <td class=TD>
                            <a href=href class=format!("{LINK} rounded font-medium {FOCUS_RING}")>
                                {t.name.clone()}
                            </a>
                            {t
                                .drifted
                                .then(|| {
                                    view! {
                                        <span class="ml-2 rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-900 dark:bg-red-950 dark:text-red-200">
                                            "drifted"
                                        </span>
                                    }
                                })}
                        </td>
                        <td class=TD>
                            <a href=team_href(&t.team) class=format!("{LINK} rounded {FOCUS_RING}")>
                                {team_label(&t.team).to_owned()}
                            </a>
                        </td>
                        <td class=TD>{t.tier.clone()}</td>
                        <td class=TD>{envs}</td>
                        <td class=TD>
                            <span class=state_class(t.state)>{t.state.label()}</span>
                            {t
                                .state
                                .awaits_approval()
                                .then(|| {
                                    view! {
                                        <span class="block text-xs text-slate-500 dark:text-slate-400">
                                            {format!("waits for {}", t.approver.label().to_lowercase())}
                                        </span>
                                    }
                                })}
                        </td>
                        <td class=format!("{TD} tabular-nums")>{progress}</td>
                        <td class=TD>
                            <span class="block">{t.requested_by.trim_start_matches("user:").to_owned()}</span>
                            <span class="block text-xs text-slate-500 dark:text-slate-400">
                                {t.requested_at.get(..16).unwrap_or_default().replace('T', " ")}
                            </span>
                        </td>
                    </tr>
                }
            }
        />
    }
}

#[component]
pub fn OnboardingPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.with(|q| q.get(k)).unwrap_or_default();
    let list = Resource::new(
        move || (get("view"), get("state")),
        |(view, state)| list_tenants(view, state),
    );
    view! {
        <PageHeader
            title="Onboarding"
            description="Request a tenant for your team: namespaces in each environment with quotas, default-deny network policy, Pod Security restricted and least-privilege access, applied for you. What a request may contain and who approves it follow the published guardrails for its risk tier."
        />
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-600 dark:text-slate-300">"Loading…"</p> }
        }>
            {move || loaded(async move {
                let l = list.await?;
                Ok::<_, AppError>(view! { <Tenants l view=get("view") state=get("state") /> })
            })}
        </Suspense>
    }
}

fn tab(label: String, href: &'static str, on: bool) -> impl IntoView {
    let tone = if on {
        "border-emerald-600 font-semibold text-emerald-800 dark:text-emerald-300"
    } else {
        "border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white"
    };
    view! {
        <a
            href=href
            class=format!("rounded-t-md border-b-2 px-3 py-2 text-sm {tone} {FOCUS_RING}")
            aria-current=on.then_some("page")
        >
            {label}
        </a>
    }
}

#[component]
fn Tenants(l: TenantList, view: String, state: String) -> impl IntoView {
    let current = match view.as_str() {
        "queue" | "all" => view.clone(),
        _ => "mine".to_owned(),
    };
    let empty = match current.as_str() {
        "queue" => "Nothing waits for your decision.",
        "all" => "No tenant has been requested yet.",
        _ => {
            "Your teams have no tenants yet: request one to get namespaces with the platform's secure defaults."
        }
    };
    // An empty list (no filter) says what a tenant is and how to get one.
    let nothing_at_all = l.tenants.is_empty() && current != "queue" && state.is_empty();
    let empty_title = if current == "all" {
        "No tenant requests yet"
    } else {
        "Your teams have no tenants yet"
    };
    view! {
        <div class="mt-6 flex flex-wrap items-center gap-3">
            {(l.may_request && !nothing_at_all)
                .then(|| {
                    view! {
                        <a href="/onboarding/new" class=PRIMARY>
                            "Request a tenant"
                        </a>
                    }
                })} <a href="/onboarding/tiers" class=SECONDARY>
                "Tier rules"
            </a>
        </div>
        <nav
            aria-label="Tenant lists"
            class="mt-6 flex gap-2 border-b border-slate-200 dark:border-slate-800"
        >
            {tab("My teams".into(), "/onboarding?view=mine", current == "mine")}
            {l
                .may_approve
                .then(|| {
                    tab(format!("Approval queue ({})", l.queue), "/onboarding?view=queue", current == "queue")
                })}
            {tab("All tenants".into(), "/onboarding?view=all", current == "all")}
        </nav>
        <GetForm action="/onboarding" class="mt-4 flex flex-wrap items-end gap-3">
            <input type="hidden" name="view" value=current.clone() />
            <div>
                <label for="state" class=LABEL>
                    "State"
                </label>
                <select id="state" name="state" class=INPUT>
                    <option value="" selected=state.is_empty()>
                        "Any state"
                    </option>
                    {TenantState::ALL
                        .iter()
                        .map(|s| {
                            view! {
                                <option value=s.as_str() selected=state == s.as_str()>
                                    {s.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <button type="submit" class=SECONDARY>
                "Filter"
            </button>
        </GetForm>
        {if nothing_at_all {
            view! {
                <EmptyState
                    icon=Icon::Onboarding
                    title=empty_title
                    action=("Request a tenant", "/onboarding/new")
                >
                    <p>
                        "A tenant is a team's namespaces in dev, stage and prod with quotas, default-deny network policy and least-privilege access already applied. Requests with nothing beyond the tier's defaults are approved at once."
                    </p>
                </EmptyState>
            }
                .into_any()
        } else {
            view! { <TenantTable tenants=l.tenants empty=empty /> }.into_any()
        }}
    }
}
