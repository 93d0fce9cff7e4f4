//! Small labels for cluster state, shared by every page that shows cluster data.

use leptos::prelude::*;

const PILL: &str =
    "inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset";

/// Marks data that comes from Parkway's built-in demo Kubernetes endpoint, so nobody
/// mistakes it for a real cluster.
#[component]
pub fn DemoBadge() -> impl IntoView {
    view! {
        <span
            class=format!("{PILL} bg-violet-50 text-violet-800 ring-violet-600/30 dark:bg-violet-950 dark:text-violet-200 dark:ring-violet-400/40")
            title="Sample data from Parkway's built-in demo Kubernetes endpoint, not a real cluster"
        >
            "demo cluster"
        </span>
    }
}

/// A cluster or workload state as a coloured pill with a dot and a word (colour is
/// never the only signal).
#[component]
pub fn StatePill(state: String) -> impl IntoView {
    let tone = match state.as_str() {
        "ready" | "healthy" => {
            "bg-emerald-50 text-emerald-800 ring-emerald-600/30 dark:bg-emerald-950 dark:text-emerald-200 dark:ring-emerald-400/40"
        }
        "degraded" | "syncing" | "connecting" => {
            "bg-amber-50 text-amber-900 ring-amber-600/30 dark:bg-amber-950 dark:text-amber-200 dark:ring-amber-400/40"
        }
        "unreachable" | "down" => {
            "bg-red-50 text-red-800 ring-red-600/30 dark:bg-red-950 dark:text-red-200 dark:ring-red-400/40"
        }
        _ => {
            "bg-slate-100 text-slate-700 ring-slate-500/30 dark:bg-slate-800 dark:text-slate-200 dark:ring-slate-400/40"
        }
    };
    view! {
        <span class=format!("{PILL} {tone}")>
            <span class="h-1.5 w-1.5 rounded-full bg-current" aria-hidden="true"></span>
            {state}
        </span>
    }
}

/// `dev`, `stage` or `prod`.
#[component]
pub fn EnvironmentBadge(environment: String) -> impl IntoView {
    let tone = match environment.as_str() {
        "prod" => {
            "bg-sky-50 text-sky-800 ring-sky-600/30 dark:bg-sky-950 dark:text-sky-200 dark:ring-sky-400/40"
        }
        "stage" => {
            "bg-teal-50 text-teal-800 ring-teal-600/30 dark:bg-teal-950 dark:text-teal-200 dark:ring-teal-400/40"
        }
        _ => {
            "bg-slate-100 text-slate-700 ring-slate-500/30 dark:bg-slate-800 dark:text-slate-200 dark:ring-slate-400/40"
        }
    };
    view! { <span class=format!("{PILL} {tone}")>{environment}</span> }
}
