//! `/guardrails/threats` and `/guardrails/threats/{id}`: the threat register, highest
//! residual risk first, each threat with the published guardrails that mitigate it.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use parkway_types::guardrails::ThreatStatus;

use crate::components::loaded::loaded;
use crate::components::page::{Crumb, PageHeader};
use crate::components::style::{CARD, CARD_TITLE, CHOICE_OFF, CHOICE_ON, FOCUS_RING, LINK, TD, TERM};
use crate::components::table::{Column, DataTable};
use crate::serverfns::AppError;
use crate::serverfns::guardrails::{
    GuardrailLink, MitigationGaps, Threat, ThreatGap, list_threats, threat_gaps, threat_page,
};

fn status_class(s: ThreatStatus) -> &'static str {
    match s {
        ThreatStatus::Open => {
            "inline-flex rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-900 dark:bg-red-950 dark:text-red-200"
        }
        ThreatStatus::Mitigated => {
            "inline-flex rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200"
        }
        ThreatStatus::Accepted => {
            "inline-flex rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-950 dark:text-amber-200"
        }
    }
}

fn guardrail_links(links: &[GuardrailLink]) -> AnyView {
    if links.is_empty() {
        return view! { <span class="text-red-800 dark:text-red-300">"None published"</span> }.into_any();
    }
    links
        .iter()
        .map(|g| {
            view! {
                <a
                    href=format!("/guardrails/{}", g.id)
                    class=format!("{LINK} mr-2 rounded {FOCUS_RING}")
                    title=g.title.clone()
                >
                    {g.id.to_string()}
                </a>
            }
        })
        .collect_view()
        .into_any()
}

/// The register's `view=` for threats mitigated on paper only.
const GAPS_VIEW: &str = "not-really-mitigated";

#[component]
pub fn ThreatsPage() -> impl IntoView {
    let query = use_query_map();
    let gaps = move || query.with(|q| q.get("view")).as_deref() == Some(GAPS_VIEW);
    let toggle = move |on: bool, label: &'static str, href: &'static str| {
        let class = if on { CHOICE_ON } else { CHOICE_OFF };
        view! {
            <a href=href class=format!("{class} {FOCUS_RING}") aria-current=on.then_some("page")>
                {label}
            </a>
        }
    };
    view! {
        <PageHeader
            title="Threat register"
            description="What the platform's guardrails defend against, highest residual risk first."
            trail=vec![Crumb::to("Guardrails", "/guardrails")]
        />
        <nav aria-label="View" class="mt-4 flex gap-2">
            {move || toggle(!gaps(), "All threats", "/guardrails/threats")}
            {move || {
                toggle(gaps(), "Not really mitigated", "/guardrails/threats?view=not-really-mitigated")
            }}
        </nav>
        {move || if gaps() { view! { <Gaps /> }.into_any() } else { view! { <Register /> }.into_any() }}
    }
}

/// Threats whose mitigating guardrails are missing or audit-only in production.
#[component]
fn Gaps() -> impl IntoView {
    let gaps = Resource::new(|| (), |()| threat_gaps());
    view! {
        <p class="mt-4 max-w-3xl text-sm text-slate-600 dark:text-slate-300">
            "Threats that count as mitigated on paper, but where a mitigating guardrail is missing from a production cluster or only audits there: a violation would be admitted."
        </p>
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-500">"Loading…"</p> }
        }>
            {move || loaded(async move {
                let MitigationGaps { threats, unreadable } = gaps.await?;
                let unreadable = (!unreadable.is_empty())
                    .then(|| {
                        format!(
                            "Not readable right now, so gaps there cannot be ruled out: {}.",
                            unreadable.join(", "),
                        )
                    });
                Ok::<
                    _,
                    AppError,
                >(
                    view! {
                        <div class=format!("{CARD} mt-4")>
                            <DataTable
                                caption="Threats not enforced against in production"
                                columns=Column::new_all(
                                    &["ID", "Threat", "Residual", "Status", "Where it is not enforced"],
                                )
                                rows=threats
                                row=|t: ThreatGap| {
                                    view! {
                                        <tr>
                                            <td class=format!(
                                                "{TD} whitespace-nowrap font-mono text-xs",
                                            )>{t.id.to_string()}</td>
                                            <td class=TD>
                                                <a
                                                    href=format!("/guardrails/threats/{}", t.id)
                                                    class=format!("{LINK} rounded {FOCUS_RING}")
                                                >
                                                    {t.title.clone()}
                                                </a>
                                            </td>
                                            <td class=format!("{TD} font-semibold")>{t.residual_risk}</td>
                                            <td class=TD>
                                                <span class=status_class(t.status)>{t.status.label()}</span>
                                            </td>
                                            <td class=TD>
                                                <ul class="space-y-1">
                                                    {t
                                                        .gaps
                                                        .iter()
                                                        .map(|g| {
                                                            view! {
                                                                <li>
                                                                    <a
                                                                        href=format!("/guardrails/{}", g.guardrail)
                                                                        class=format!("{LINK} rounded {FOCUS_RING}")
                                                                        title=g.guardrail_title.clone()
                                                                    >
                                                                        {g.guardrail.to_string()}
                                                                    </a>
                                                                    {format!(
                                                                        " {} in {}",
                                                                        g.mode.label().to_lowercase(),
                                                                        g.cluster,
                                                                    )}
                                                                </li>
                                                            }
                                                        })
                                                        .collect_view()}
                                                </ul>
                                            </td>
                                        </tr>
                                    }
                                }
                                empty="Every mitigating guardrail is enforced in every production cluster."
                                testid="mitigation-gaps"
                            />
                            {unreadable
                                .map(|u| {
                                    view! {
                                        <p class="mt-3 text-sm text-slate-600 dark:text-slate-300">{u}</p>
                                    }
                                })}
                        </div>
                    },
                )
            })}
        </Suspense>
    }
}

#[component]
fn Register() -> impl IntoView {
    let threats = Resource::new(|| (), |()| list_threats());
    view! {
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-500">"Loading…"</p> }
        }>
            {move || loaded(async move {
                let rows = threats.await?;
                Ok::<
                    _,
                    AppError,
                >(
                    view! {
                        <div class=format!("{CARD} mt-4")>
                            <DataTable
                                caption="Threats by residual risk"
                                columns=Column::new_all(
                                    &[
                                        "ID",
                                        "Threat",
                                        "STRIDE",
                                        "Tactic",
                                        "Inherent",
                                        "Residual",
                                        "Status",
                                        "Mitigated by",
                                    ],
                                )
                                rows
                                row=|t: Threat| {
                                    view! {
                                        <tr>
                                            <td class=format!(
                                                "{TD} whitespace-nowrap font-mono text-xs",
                                            )>{t.id.to_string()}</td>
                                            <td class=TD>
                                                <a
                                                    href=format!("/guardrails/threats/{}", t.id)
                                                    class=format!("{LINK} rounded {FOCUS_RING}")
                                                >
                                                    {t.content.title.clone()}
                                                </a>
                                            </td>
                                            <td class=TD>{t.content.stride.label()}</td>
                                            <td class=TD>{t.content.tactic.label()}</td>
                                            <td class=TD>{t.inherent_risk}</td>
                                            <td class=format!(
                                                "{TD} font-semibold",
                                            )>{t.content.residual_risk}</td>
                                            <td class=TD>
                                                <span class=status_class(
                                                    t.content.status,
                                                )>{t.content.status.label()}</span>
                                            </td>
                                            <td class=TD>{guardrail_links(&t.mitigated_by)}</td>
                                        </tr>
                                    }
                                }
                                empty="No threats recorded yet. The CoE imports them with the guardrails (`parkway guardrails import`)."
                                testid="threats"
                            />
                        </div>
                    },
                )
            })}
        </Suspense>
    }
}

#[component]
pub fn ThreatPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id")).unwrap_or_default();
    let threat = Resource::new(id, threat_page);
    view! {
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-500">"Loading…"</p> }
        }>
            {move || loaded(async move {
                let t = threat.await?;
                Ok::<_, AppError>(view! { <ThreatView t /> })
            })}
        </Suspense>
    }
}

#[component]
fn ThreatView(t: Threat) -> impl IntoView {
    let c = t.content.clone();
    let fact = |term: &'static str, value: String| {
        view! {
            <div>
                <dt class=TERM>{term}</dt>
                <dd class="text-slate-900 dark:text-white">{value}</dd>
            </div>
        }
    };
    let accepted = (c.status == ThreatStatus::Accepted).then(|| {
        format!(
            "Accepted by {} until {}.",
            t.accepted_by.clone().unwrap_or_else(|| "–".into()),
            c.accepted_until.clone().unwrap_or_else(|| "–".into())
        )
    });
    view! {
        <PageHeader
            title=format!("{} {}", t.id, c.title)
            description="A threat in the register and the guardrails that mitigate it."
            trail=vec![
                Crumb::to("Guardrails", "/guardrails"),
                Crumb::to("Threat register", "/guardrails/threats"),
            ]
        />
        <div class="mt-3">
            <span class=status_class(c.status)>{c.status.label()}</span>
        </div>
        <div class="mt-6 grid gap-6 lg:grid-cols-3">
            <section class=format!("{CARD} lg:col-span-2") aria-labelledby="threat-description">
                <h2 id="threat-description" class=CARD_TITLE>
                    "Description"
                </h2>
                <p class="mt-3 text-sm whitespace-pre-line text-slate-700 dark:text-slate-300">
                    {c.description.clone()}
                </p>
                {accepted
                    .map(|a| view! { <p class="mt-3 text-sm text-amber-900 dark:text-amber-200">{a}</p> })}
                <h2 class=format!("{CARD_TITLE} mt-6")>"Mitigated by"</h2>
                <p class="mt-2 text-sm">{guardrail_links(&t.mitigated_by)}</p>
            </section>
            <section class=CARD aria-labelledby="threat-facts">
                <h2 id="threat-facts" class=CARD_TITLE>
                    "Risk"
                </h2>
                <dl class="mt-3 grid grid-cols-2 gap-3 text-sm">
                    {fact("STRIDE", c.stride.label().to_owned())}
                    {fact("Tactic", c.tactic.label().to_owned())}
                    {fact("Likelihood", format!("{} of 5", c.likelihood))}
                    {fact("Impact", format!("{} of 5", c.impact))}
                    {fact("Inherent risk", t.inherent_risk.to_string())}
                    {fact("Residual risk", c.residual_risk.to_string())}
                    {fact("Component", c.component.clone().unwrap_or_else(|| "–".into()))}
                    {fact("Owner", c.owner.clone().unwrap_or_else(|| "–".into()))}
                    {fact("Review date", c.review_date.clone().unwrap_or_else(|| "–".into()))}
                    {fact("Updated", format!("{} by {}", t.updated_at, t.updated_by))}
                </dl>
            </section>
        </div>
    }
}
