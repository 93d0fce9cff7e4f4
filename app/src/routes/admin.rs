//! `/admin`: the platform admin's tools.

pub mod audit;
pub mod clusters;
pub mod events;
pub mod roles;

use leptos::prelude::*;

use crate::components::icons::{Icon, Svg};
use crate::components::page::{Crumb, PageHeader};
use crate::components::style::FOCUS_RING;

/// Breadcrumb for pages below `/admin`.
pub fn trail() -> Vec<Crumb> {
    vec![Crumb::to("Admin", "/admin")]
}

const TOOLS: &[(&str, &str, &str)] = &[
    (
        "Clusters",
        "/admin/clusters",
        "Registered clusters, their health and last snapshot, and what runs on each.",
    ),
    (
        "People and roles",
        "/admin/roles",
        "Who has signed in, off-boarding, and which identity-provider groups grant which roles.",
    ),
    (
        "Audit log",
        "/admin/audit",
        "Every sign-in and change, tamper-evident; filter and export as CSV or JSON.",
    ),
    (
        "Delivery events",
        "/admin/events",
        "Webhook sources for GitHub and GitLab deployments, and the events that match no catalog entity.",
    ),
    (
        "API tokens",
        "/tokens?all=1",
        "Tokens for CI/CD and scripts: create for service accounts, see last use, revoke.",
    ),
];

#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <PageHeader
            title="Admin"
            description="Clusters, identity-provider group mappings, delivery event sources, API tokens and the audit log, for platform administrators."
        />
        <ul class="mt-8 grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            {TOOLS
                .iter()
                .map(|(title, href, summary)| {
                    view! {
                        <li>
                            <a
                                href=*href
                                class=format!(
                                    "flex h-full flex-col rounded-xl border border-slate-200 bg-white p-5 shadow-sm hover:border-emerald-500 dark:border-slate-800 dark:bg-slate-900 {FOCUS_RING}",
                                )
                            >
                                <span class="flex items-center gap-2 font-semibold text-slate-900 dark:text-white">
                                    <Svg
                                        icon=Icon::Admin
                                        class="h-5 w-5 text-emerald-700 dark:text-emerald-400"
                                    />
                                    {*title}
                                </span>
                                <span class="mt-2 text-sm text-slate-600 dark:text-slate-300">
                                    {*summary}
                                </span>
                            </a>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
