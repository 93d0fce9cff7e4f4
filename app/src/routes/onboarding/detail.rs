//! `/onboarding/{tenant}`: the tenant's timeline, per-cluster progress (the page loads
//! again as provisioning moves), its objects with their manifests, drift against the
//! live objects, and the actions the viewer may take.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use parkway_types::onboarding::StepState;

use super::{state_class, team_href, team_label};
use crate::components::form::{FormError, load_after};
use crate::components::loaded::loaded;
use crate::components::page::{Crumb, PageHeader};
use crate::components::resource::island_resource;
use crate::components::style::{
    CARD, CARD_TITLE, DANGER_SOLID, FOCUS_RING, INPUT, LABEL, LINK, PRIMARY, SECONDARY, TD, TERM,
};
use crate::components::table::{Column, DataTable};
use crate::routes::guardrails::decision_class;
use crate::serverfns::AppError;
use crate::serverfns::onboarding::{
    ClusterPlan, DecideTenant, FieldDrift, StepView, TenantActions, TenantDetail, tenant_page,
    tenant_progress,
};

#[component]
pub fn TenantPage() -> impl IntoView {
    let name = use_params_map()
        .with_untracked(|p| p.get("tenant"))
        .unwrap_or_default();
    let page = Resource::new(move || name.clone(), tenant_page);
    view! {
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-600 dark:text-slate-300">"Loading…"</p> }
        }>
            {move || loaded(async move {
                let t = page.await?;
                Ok::<_, AppError>(view! { <Tenant t /> })
            })}
        </Suspense>
    }
}

/// While the provisioner works, asks every second where it stands and loads the page
/// again when that moved (an island: the page itself is server-rendered).
#[island]
fn FollowProgress(name: String, seen: String) -> impl IntoView {
    let tick = RwSignal::new(0_u64);
    let now = island_resource(move || tick.get(), move |_| tenant_progress(name.clone()));
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || tick.update(|t| *t += 1),
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    load_after(
        move || now.get().and_then(Result::ok).is_some_and(|key| key != seen),
        None,
    );
}

#[component]
fn Tenant(t: TenantDetail) -> impl IntoView {
    let s = t.summary.clone();
    let percent = if s.steps_total > 0 {
        s.steps_done * 100 / s.steps_total
    } else {
        0
    };
    let envs = s
        .environments
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let name = s.name.clone();
    view! {
        <PageHeader
            title=name.clone()
            description="A tenant: its namespaces in each environment, with the platform's secure defaults."
            trail=vec![Crumb::to("Onboarding", "/onboarding")]
        />
        {s.state.in_progress().then(|| view! { <FollowProgress name=name.clone() seen=s.progress_key() /> })}
        <div class="mt-4 flex flex-wrap items-center gap-3">
            <span class=state_class(s.state) data-testid="tenant-state">
                {s.state.label()}
            </span>
            {s
                .drifted
                .then(|| {
                    view! {
                        <span class="rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-900 dark:bg-red-950 dark:text-red-200">
                            "drifted"
                        </span>
                    }
                })}
            {s
                .state
                .awaits_approval()
                .then(|| {
                    view! {
                        <span class="text-sm text-slate-600 dark:text-slate-300">
                            {format!("waits for {}", s.approver.label().to_lowercase())}
                        </span>
                    }
                })}
        </div>
        <dl class="mt-4 flex flex-wrap gap-x-8 gap-y-2 text-sm">
            <div>
                <dt class=TERM>"Team"</dt>
                <dd>
                    <a href=team_href(&s.team) class=format!("{LINK} rounded {FOCUS_RING}")>
                        {team_label(&s.team).to_owned()}
                    </a>
                </dd>
            </div>
            <div>
                <dt class=TERM>"Tier"</dt>
                <dd>{format!("{} (rules v{})", s.tier, t.tier_rule_version)}</dd>
            </div>
            <div>
                <dt class=TERM>"Environments"</dt>
                <dd>{envs}</dd>
            </div>
            <div>
                <dt class=TERM>"Quotas"</dt>
                <dd>
                    {format!(
                        "CPU {}, memory {}, {} pods, storage {}",
                        t.quotas.cpu,
                        t.quotas.memory,
                        t.quotas.pods,
                        t.quotas.storage,
                    )}
                </dd>
            </div>
            <div>
                <dt class=TERM>"Requested by"</dt>
                <dd>{s.requested_by.clone()}</dd>
            </div>
        </dl>
        {(s.steps_total > 0)
            .then(|| {
                view! {
                    <div class="mt-4 max-w-xl">
                        <div class="flex justify-between text-xs text-slate-600 dark:text-slate-300">
                            <span>"Progress"</span>
                            <span class="tabular-nums">
                                {format!("{} of {} steps", s.steps_done, s.steps_total)}
                            </span>
                        </div>
                        <div
                            class="mt-1 h-2 w-full overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800"
                            role="progressbar"
                            aria-label="Provisioning progress"
                            aria-valuemin="0"
                            aria-valuemax="100"
                            aria-valuenow=percent.to_string()
                        >
                            <div class=format!("h-2 bg-emerald-600 {}", width_class(percent))></div>
                        </div>
                    </div>
                }
            })}
        {s
            .last_error
            .clone()
            .map(|e| {
                view! {
                    <p
                        role="alert"
                        class="mt-4 rounded-md bg-red-50 p-3 text-sm text-red-900 dark:bg-red-950 dark:text-red-200"
                    >
                        {format!("Last error (retrying with backoff): {e}")}
                    </p>
                }
            })}
        <Actions name actions=t.actions.clone() />
        <div class="mt-6 grid gap-6 lg:grid-cols-3">
            <section class=format!("{CARD} lg:col-span-2") aria-labelledby="clusters-title">
                <h2 id="clusters-title" class=CARD_TITLE>
                    "Clusters"
                </h2>
                {t.clusters.clone().into_iter().map(|c| view! { <Cluster c /> }).collect_view()}
            </section>
            <div class="space-y-6">
                <Routing t=t.clone() />
                <Timeline t=t.clone() />
            </div>
        </div>
        {s
            .state
            .is_live()
            .then(|| view! { <Drift drift=t.drift.clone() checked=t.drift_checked_at.clone() /> })}
    }
}

/// The decisions the viewer may take: an island, so a refusal shows beside the buttons;
/// a decision loads the page again, which then follows provisioning.
#[island]
fn Actions(name: String, actions: TenantActions) -> impl IntoView {
    let decide = ServerAction::<DecideTenant>::new();
    let error = Signal::derive(move || decide.value().get().and_then(Result::err).map(|e| e.to_string()));
    load_after(move || matches!(decide.value().get(), Some(Ok(_))), None);
    let a = actions;
    let any = a.approve || a.reject || a.decommission || a.reapply;
    view! {
        {a
            .approve_blocked_by
            .clone()
            .map(|why| {
                view! {
                    <p class="mt-4 text-sm text-slate-600 dark:text-slate-300" data-testid="approve-blocked">
                        {format!("You cannot decide this request: {why}.")}
                    </p>
                }
            })}
        {any
            .then(|| {
                view! {
                    <section class=format!("{CARD} mt-6") aria-labelledby="actions-title">
                        <h2 id="actions-title" class=CARD_TITLE>
                            "Actions"
                        </h2>
                        <ActionForm action=decide attr:class="mt-3 space-y-3">
                            <input type="hidden" name="name" value=name.clone() />
                            <div>
                                <label for="comment" class=LABEL>
                                    {if a.reject {
                                        "Comment (required to reject)"
                                    } else {
                                        "Comment (optional)"
                                    }}
                                </label>
                                <textarea id="comment" name="comment" rows="2" class=INPUT></textarea>
                            </div>
                            <div class="flex flex-wrap gap-2">
                                {a
                                    .approve
                                    .then(|| {
                                        view! {
                                            <button type="submit" name="action" value="approve" class=PRIMARY>
                                                "Approve"
                                            </button>
                                        }
                                    })}
                                {a
                                    .reject
                                    .then(|| {
                                        view! {
                                            <button
                                                type="submit"
                                                name="action"
                                                value="reject"
                                                class=SECONDARY
                                            >
                                                "Reject"
                                            </button>
                                        }
                                    })}
                                {a
                                    .reapply
                                    .then(|| {
                                        view! {
                                            <button
                                                type="submit"
                                                name="action"
                                                value="reapply"
                                                class=SECONDARY
                                            >
                                                "Re-apply"
                                            </button>
                                        }
                                    })}
                                {a
                                    .decommission
                                    .then(|| {
                                        view! {
                                            <button
                                                type="submit"
                                                name="action"
                                                value="decommission"
                                                class=DANGER_SOLID
                                            >
                                                "Request decommission"
                                            </button>
                                        }
                                    })}
                            </div>
                        </ActionForm>
                        <FormError message=error />
                    </section>
                }
            })}
    }
}

/// A Tailwind width for a percentage, in twelfths (inline styles are refused by the
/// Content-Security-Policy).
fn width_class(percent: i64) -> &'static str {
    const WIDTHS: [&str; 13] = [
        "w-0", "w-1/12", "w-2/12", "w-3/12", "w-4/12", "w-5/12", "w-6/12", "w-7/12", "w-8/12", "w-9/12",
        "w-10/12", "w-11/12", "w-full",
    ];
    let twelfths = usize::try_from((percent.clamp(0, 100) * 12 + 50) / 100).unwrap_or(0);
    WIDTHS[twelfths.min(12)]
}

fn step_class(s: StepState) -> &'static str {
    match s {
        StepState::Applied | StepState::Deleted => "text-emerald-800 dark:text-emerald-300",
        StepState::Pending => "text-slate-600 dark:text-slate-300",
        StepState::Retrying => "font-medium text-red-800 dark:text-red-300",
    }
}

#[component]
fn Cluster(c: ClusterPlan) -> impl IntoView {
    let href = format!("/admin/clusters/{}", c.cluster);
    view! {
        <div class="mt-4">
            <h3 class="flex flex-wrap items-center gap-2 text-sm font-semibold text-slate-900 dark:text-white">
                <a href=href class=format!("{LINK} rounded {FOCUS_RING}")>
                    {c.cluster.clone()}
                </a>
                <span class="text-xs font-normal text-slate-600 dark:text-slate-300">
                    {c.environment.label()}
                </span>
            </h3>
            <DataTable
                caption=format!("Steps in {}", c.cluster)
                columns=Column::new_all(&["Object", "Step", "State", "Attempts", "Last error"])
                rows=c.steps.clone()
                empty="Nothing applied yet: the objects below are applied once the request is approved."
                row=|s: StepView| {
                    view! {
                        <tr>
                            <td class=TD>{format!("{} {}", s.kind, s.name)}</td>
                            <td class=TD>{s.op.label()}</td>
                            <td class=format!(
                                "{TD} {}",
                                step_class(s.state),
                            )>
                                {s.state.label()}
                                {s
                                    .next_attempt_at
                                    .map(|n| {
                                        view! {
                                            <span class="block text-xs text-slate-600 dark:text-slate-300">
                                                {format!("next try {}", n.get(11..19).unwrap_or_default())}
                                            </span>
                                        }
                                    })}
                            </td>
                            <td class=format!("{TD} tabular-nums")>{s.attempts}</td>
                            <td class=format!(
                                "{TD} max-w-md break-words text-xs",
                            )>{s.last_error.unwrap_or_default()}</td>
                        </tr>
                    }
                }
            />
            <details class="mt-2 rounded-md border border-slate-200 dark:border-slate-700">
                <summary class="cursor-pointer px-3 py-2 text-sm">
                    {format!("Manifests ({} objects, as sent)", c.manifests.len())}
                </summary>
                <pre class="max-h-96 overflow-auto bg-slate-50 p-3 text-xs leading-5 text-slate-800 dark:bg-slate-950 dark:text-slate-200">
                    {c.yaml}
                </pre>
            </details>
        </div>
    }
}

#[component]
fn Routing(t: TenantDetail) -> impl IntoView {
    view! {
        <section class=CARD aria-labelledby="routing-title">
            <h2 id="routing-title" class=CARD_TITLE>
                "Approval"
            </h2>
            <p class="mt-2 text-sm">{format!("Approver: {}", t.routing.approver.label())}</p>
            <ul class="mt-2 list-disc space-y-1 pl-5 text-sm text-slate-600 dark:text-slate-300">
                {if t.routing.reasons.is_empty() {
                    view! { <li>"Nothing beyond the tier's defaults."</li> }.into_any()
                } else {
                    t.routing.reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view().into_any()
                }}
            </ul>
            {(!t.options.is_empty())
                .then(|| {
                    view! {
                        <h3 class="mt-4 text-sm font-semibold">"Options"</h3>
                        <ul class="mt-1 space-y-1 text-sm">
                            {t
                                .options
                                .into_iter()
                                .map(|o| {
                                    let gr = o.guardrail.to_string();
                                    view! {
                                        <li class="flex flex-wrap items-center gap-2">
                                            {o.label}
                                            <a
                                                href=format!("/guardrails/{gr}")
                                                class=format!("{LINK} text-xs")
                                            >
                                                {gr.clone()}
                                            </a>
                                            <span class=decision_class(o.decision)>{o.decision.label()}</span>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
            {t
                .justification
                .map(|j| {
                    view! {
                        <h3 class="mt-4 text-sm font-semibold">"Justification"</h3>
                        <p class="mt-1 whitespace-pre-line text-sm text-slate-600 dark:text-slate-300">{j}</p>
                    }
                })}
        </section>
    }
}

#[component]
fn Timeline(t: TenantDetail) -> impl IntoView {
    view! {
        <section class=CARD aria-labelledby="timeline-title">
            <h2 id="timeline-title" class=CARD_TITLE>
                "Timeline"
            </h2>
            <ol
                class="mt-3 space-y-3 border-l border-slate-200 pl-4 text-sm dark:border-slate-700"
                data-testid="timeline"
            >
                {t
                    .timeline
                    .into_iter()
                    .map(|e| {
                        view! {
                            <li>
                                <span class=state_class(e.to)>{e.to.label()}</span>
                                <span class="ml-2 text-xs text-slate-600 dark:text-slate-300">
                                    {e.at.get(..19).unwrap_or_default().replace('T', " ")}
                                </span>
                                <span class="block text-slate-700 dark:text-slate-200">{e.actor}</span>
                                {e
                                    .comment
                                    .map(|c| {
                                        view! {
                                            <span class="block text-slate-600 dark:text-slate-300">{c}</span>
                                        }
                                    })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn Drift(drift: Vec<FieldDrift>, checked: Option<String>) -> impl IntoView {
    let note = match checked {
        Some(at) => format!(
            "Compared with the live objects now; the periodic check last ran at {}.",
            at.get(..19).unwrap_or_default().replace('T', " ")
        ),
        None => "Compared with the live objects now.".to_owned(),
    };
    view! {
        <section class=format!("{CARD} mt-6") aria-labelledby="drift-title">
            <h2 id="drift-title" class=CARD_TITLE>
                "Drift"
            </h2>
            <p class="mt-1 text-xs text-slate-600 dark:text-slate-300">{note}</p>
            <DataTable
                caption="Where the live objects differ from what was applied"
                columns=Column::new_all(&["Cluster", "Object", "Field", "Applied", "Live"])
                rows=drift
                empty="No drift: the live objects say what was applied."
                testid="drift"
                row=|d: FieldDrift| {
                    view! {
                        <tr>
                            <td class=TD>{d.cluster}</td>
                            <td class=TD>{format!("{} {}", d.kind, d.name)}</td>
                            <td class=format!(
                                "{TD} font-mono text-xs",
                            )>
                                {if d.field.is_empty() { "(the whole object)".to_owned() } else { d.field }}
                            </td>
                            <td class=format!("{TD} font-mono text-xs")>{d.expected}</td>
                            <td class=format!(
                                "{TD} font-mono text-xs text-red-800 dark:text-red-300",
                            )>{d.actual.unwrap_or_else(|| "missing".to_owned())}</td>
                        </tr>
                    }
                }
            />
        </section>
    }
}
