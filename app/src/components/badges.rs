//! Small labels for cluster state, shared by every page that shows cluster data.

use leptos::prelude::*;

use super::style::PILL;

/// Marks data that comes from Parkway's built-in demo Kubernetes endpoint, so nobody
/// mistakes it for a real cluster.
#[component]
pub fn DemoBadge() -> impl IntoView {
    view! {
        <span
            class=format!(
                "{PILL} bg-violet-50 text-violet-800 ring-violet-600/30 dark:bg-violet-950 dark:text-violet-200 dark:ring-violet-400/40",
            )
            title="Sample data from Parkway's built-in demo Kubernetes endpoint, not a real cluster"
        >
            "demo cluster"
        </span>
    }
}

/// A cluster or workload state as a coloured pill with a dot and a word (colour is
/// never the only signal).
#[component]
pub fn StatePill(#[prop(into)] state: String) -> impl IntoView {
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
pub fn EnvironmentBadge(#[prop(into)] environment: String) -> impl IntoView {
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

/// Where cluster data on a page comes from: live from the watch caches, or (amber, so
/// nobody mistakes it for the present) the last snapshot and how old it is.
#[component]
pub fn SourceNote(
    live: bool,
    /// What is not live, as the sentence starts: "demo-dev", "The cluster".
    #[prop(into)]
    subject: String,
    #[prop(into)] status: String,
    as_of: Option<String>,
    age: Option<String>,
) -> impl IntoView {
    if live {
        return view! { <p class="mt-3 text-sm text-emerald-800 dark:text-emerald-300">"Live from the watch caches."</p> }
            .into_any();
    }
    let when = match (as_of, age) {
        (Some(at), Some(age)) => format!("Showing the snapshot of {at} ({age})."),
        _ => "No snapshot yet: Parkway has not read this cluster.".to_owned(),
    };
    view! {
        <p
            role="status"
            class="mt-3 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100"
            data-testid="snapshot-notice"
        >
            <strong>{format!("{subject} is {status}.")}</strong>
            {format!(" {when}")}
        </p>
    }
    .into_any()
}

/// A workload's name, with its kind and namespace beneath.
#[component]
pub fn WorkloadName(name: String, kind: String, namespace: String) -> impl IntoView {
    view! {
        <div class="font-medium text-slate-900 dark:text-white">{name}</div>
        <div class="text-xs text-slate-500 dark:text-slate-400">{format!("{kind} · {namespace}")}</div>
    }
}

/// `ready/desired` replicas and the workload's health.
#[component]
pub fn Replicas(ready: i32, desired: i32, #[prop(into)] health: String) -> impl IntoView {
    view! {
        <span class="flex flex-wrap items-center gap-2">
            <span class="tabular-nums">{format!("{ready}/{desired}")}</span>
            <StatePill state=health />
        </span>
    }
}
