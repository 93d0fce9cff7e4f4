use leptos::prelude::*;
use leptos_meta::Title;

use super::SECTIONS;
use crate::components::icons::{Icon, Svg};
use crate::components::style::FOCUS_RING;

/// What Parkway is and where to go next.
#[component]
pub fn HomePage() -> impl IntoView {
    let viewer = crate::use_session().viewer;
    view! {
        <Title text="" />
        {viewer.map(|viewer| view! { <Welcome viewer /> })}
        <section class="rounded-2xl bg-gradient-to-br from-emerald-700 to-teal-800 px-6 py-12 text-white shadow-sm sm:px-10">
            <p class="text-sm font-semibold uppercase tracking-wider text-emerald-100">
                "Internal developer portal"
            </p>
            <h1 class="mt-2 max-w-3xl text-3xl font-bold tracking-tight sm:text-4xl">
                "The paved road to production, in one place"
            </h1>
            <p class="mt-4 max-w-3xl text-base leading-7 text-emerald-50 sm:text-lg">
                "Parkway is the front door to our Kubernetes platform. Developers find services and request tenants that come with secure defaults already applied. The Cloud Center of Excellence publishes the guardrails — what is allowed, what needs approval, what is blocked — and shows how well clusters enforce them. Leaders see delivery and risk roll up from service to team to business unit. Every change leaves an audit trail."
            </p>
            <div class="mt-8 flex flex-wrap gap-3">
                <a
                    href="/catalog"
                    class="inline-flex items-center gap-2 rounded-md bg-white px-4 py-2 text-sm font-semibold text-emerald-800 shadow-sm hover:bg-emerald-50 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-white focus-visible:ring-offset-2 focus-visible:ring-offset-emerald-700"
                >
                    "Browse the catalog"
                    <Svg icon=Icon::ArrowRight class="h-4 w-4" />
                </a>
                <a
                    href="/onboarding"
                    class="inline-flex items-center gap-2 rounded-md px-4 py-2 text-sm font-semibold text-white ring-1 ring-inset ring-white/40 hover:bg-white/10 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-white"
                >
                    "Request a tenant"
                </a>
            </div>
        </section>

        <section aria-labelledby="areas" class="mt-10">
            <h2 id="areas" class="text-xl font-semibold tracking-tight text-slate-900 dark:text-white">
                "What you can do here"
            </h2>
            <ul class="mt-4 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
                {SECTIONS
                    .iter()
                    .filter(|section| section.href != "/admin")
                    .map(|section| {
                        // Administration is for a few; the home page shows what everyone does.
                        view! {
                            <li>
                                <a
                                    href=section.href
                                    class=format!(
                                        "group flex h-full flex-col rounded-xl border border-slate-200 bg-white p-5 shadow-sm transition hover:border-emerald-400 hover:shadow-md dark:border-slate-800 dark:bg-slate-900 dark:hover:border-emerald-600 {FOCUS_RING}",
                                    )
                                >
                                    <span class="flex h-10 w-10 items-center justify-center rounded-lg bg-emerald-50 text-emerald-700 dark:bg-emerald-950 dark:text-emerald-300">
                                        <Svg icon=section.icon class="h-5 w-5" />
                                    </span>
                                    <span class="mt-4 flex items-center gap-1 font-semibold text-slate-900 group-hover:text-emerald-700 dark:text-white dark:group-hover:text-emerald-300">
                                        {section.label}
                                        <Svg
                                            icon=Icon::ArrowRight
                                            class="h-4 w-4 opacity-0 transition group-hover:opacity-100"
                                        />
                                    </span>
                                    <span class="mt-1 text-sm leading-6 text-slate-600 dark:text-slate-400">
                                        {section.summary}
                                    </span>
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>

        <section
            aria-labelledby="principles"
            class="mt-10 grid gap-6 rounded-xl border border-slate-200 bg-white p-6 sm:grid-cols-3 dark:border-slate-800 dark:bg-slate-900"
        >
            <h2 id="principles" class="sr-only">
                "How Parkway works"
            </h2>
            <div>
                <h3 class="font-semibold text-slate-900 dark:text-white">"Used"</h3>
                <p class="mt-1 text-sm leading-6 text-slate-600 dark:text-slate-400">
                    "A new tenant arrives with the platform's standards already applied, so the secure way is the easy way."
                </p>
            </div>
            <div>
                <h3 class="font-semibold text-slate-900 dark:text-white">"Enforced"</h3>
                <p class="mt-1 text-sm leading-6 text-slate-600 dark:text-slate-400">
                    "Each guardrail names the cluster policies behind it, and Parkway measures how much of what runs they cover."
                </p>
            </div>
            <div>
                <h3 class="font-semibold text-slate-900 dark:text-white">"Measured"</h3>
                <p class="mt-1 text-sm leading-6 text-slate-600 dark:text-slate-400">
                    "The same four delivery keys and the same policy coverage for every team, from one service up to the enterprise."
                </p>
            </div>
        </section>
    }
}

/// Greets the person and, when none of their groups grants a role, says exactly what
/// to ask for instead of letting every page fail.
#[component]
fn Welcome(viewer: crate::auth::Viewer) -> impl IntoView {
    let first = viewer
        .name
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    let no_role = viewer.roles.is_empty();
    let groups = if viewer.groups.is_empty() {
        "none".to_owned()
    } else {
        viewer.groups.join(", ")
    };
    view! {
        <p class="mb-4 text-lg text-slate-700 dark:text-slate-200" data-testid="welcome">
            {format!("Welcome, {first}.")}
        </p>
        {no_role
            .then(|| {
                view! {
                    <div
                        role="status"
                        class="mb-6 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
                    >
                        <p class="font-semibold">
                            "You are signed in, but none of your groups grants a Parkway role yet."
                        </p>
                        <p class="mt-1">
                            {format!(
                                "Ask a platform admin to map one of your groups to a role. Your groups: {groups}.",
                            )}
                        </p>
                    </div>
                }
            })}
    }
}
