//! The governance keys beside the delivery keys: policy coverage and compliance of the
//! scope's workloads in the production clusters, secure-defaults adoption of its tenant
//! namespaces, onboarding lead time and response readiness. Each figure says what it
//! is a share of, so a small denominator is never mistaken for a trend.

use leptos::prelude::*;
use parkway_types::scorecards::{duration_words, percent_words};

use crate::components::style::{CARD, CARD_TITLE, LINK};
use crate::serverfns::scorecards::{Governance, Share};

fn share_words(s: Share) -> String {
    s.ratio().map_or_else(|| "—".to_owned(), percent_words)
}

/// One governance figure: its name, value, what it is made of, and its definition.
#[component]
fn Key(name: &'static str, value: String, detail: String, definition: &'static str) -> impl IntoView {
    view! {
        <div
            class="rounded-md border border-slate-200 p-3 dark:border-slate-700"
            role="group"
            aria-label=name
        >
            <p class="text-sm font-medium text-slate-600 dark:text-slate-300">{name}</p>
            <p class="mt-1 text-xl font-semibold text-slate-900 dark:text-white">{value}</p>
            <p class="mt-1 text-xs text-slate-600 dark:text-slate-300">{detail}</p>
            <p class="mt-2 text-xs text-slate-500 dark:text-slate-400">{definition}</p>
        </div>
    }
}

#[component]
pub fn GovernanceKeys(g: Governance, window_days: i64) -> impl IntoView {
    let unattributed = "Workloads are attributed to teams through their tenant namespaces, not to single services: see the team's page.";
    let (coverage, compliance) = match &g.policy {
        Some(p) => {
            let unreadable = if p.clusters_unreadable.is_empty() {
                String::new()
            } else {
                format!(
                    " Not readable now, not counted: {}.",
                    p.clusters_unreadable.join(", ")
                )
            };
            (
                (
                    share_words(p.coverage()),
                    if p.checks == 0 {
                        format!(
                            "No workload in the readable production clusters is in scope of a guardrail a policy implements.{unreadable}"
                        )
                    } else {
                        format!(
                            "{} of {} guardrail checks enforced, over {} workloads in production clusters.{unreadable}",
                            p.enforced, p.checks, p.workloads
                        )
                    },
                ),
                (
                    share_words(p.compliance()),
                    format!(
                        "{} pass, {} fail of {} checks evaluated; {} unknown (no report yet), shown apart.",
                        p.pass,
                        p.fail,
                        p.pass + p.fail,
                        p.unknown
                    ),
                ),
            )
        }
        None => (
            ("—".to_owned(), unattributed.to_owned()),
            ("—".to_owned(), unattributed.to_owned()),
        ),
    };
    let defaults = match g.secure_defaults {
        Some(s) => {
            let unreadable = match g.namespaces_unreadable {
                0 => String::new(),
                n => format!(" {n} in clusters not readable now, not counted."),
            };
            (
                share_words(s),
                format!("{} of {} live tenant namespaces.{unreadable}", s.part, s.whole),
            )
        }
        None => (
            "—".to_owned(),
            "Tenant namespaces belong to teams: see the team's page.".to_owned(),
        ),
    };
    let lead = match g.onboarding_lead_time_median_seconds {
        Some(s) => (
            duration_words(s),
            match g.tenants_onboarded {
                1 => format!("One tenant became active in the last {window_days} days."),
                n => format!("Median over {n} tenants that became active in the last {window_days} days."),
            },
        ),
        None if g.secure_defaults.is_none() => (
            "—".to_owned(),
            "Tenants belong to teams: see the team's page.".to_owned(),
        ),
        None => (
            "—".to_owned(),
            format!("No tenant became active in the last {window_days} days."),
        ),
    };
    let ready = g.response_readiness;
    view! {
        <section class=format!("{CARD} mt-6") aria-labelledby="governance-title">
            <h2 id="governance-title" class=CARD_TITLE>
                "Governance"
            </h2>
            <div class="mt-3 grid gap-3 sm:grid-cols-2 xl:grid-cols-5" data-testid="governance">
                <Key
                    name="Policy coverage"
                    value=coverage.0
                    detail=coverage.1
                    definition="Workloads in scope under an enforcing policy ÷ workloads in scope, per published guardrail a policy implements, added up over the guardrails."
                />
                <Key
                    name="Compliance"
                    value=compliance.0
                    detail=compliance.1
                    definition="Passing ÷ evaluated, per workload and guardrail; unknown (no report) apart."
                />
                <Key
                    name="Secure defaults"
                    value=defaults.0
                    detail=defaults.1
                    definition="Tenant namespaces with Pod Security restricted enforced and the default-deny NetworkPolicy ÷ tenant namespaces, read live."
                />
                <Key
                    name="Response readiness"
                    value=share_words(ready)
                    detail=format!(
                        "{} of {} service{}.",
                        ready.part,
                        ready.whole,
                        if ready.whole == 1 { "" } else { "s" },
                    )
                    definition="Services whose catalog entry names an on-call, a runbook and alerting ÷ services."
                />
                <Key
                    name="Onboarding lead time"
                    value=lead.0
                    detail=lead.1
                    definition="From a tenant's request to its becoming active, median."
                />
            </div>
            <p class="mt-3 text-xs text-slate-600 dark:text-slate-300">
                "Policy coverage per guardrail and cluster is on each " <a class=LINK href="/guardrails">
                    "guardrail's page"
                </a> "."
            </p>
        </section>
    }
}
