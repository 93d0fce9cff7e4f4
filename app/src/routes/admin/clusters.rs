//! `/admin/clusters` and `/admin/clusters/{name}`: registered clusters, their health,
//! and what runs on each, live or from the last snapshot.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use parkway_types::url::encode;

use crate::components::badges::{DemoBadge, EnvironmentBadge, Replicas, SourceNote, StatePill, WorkloadName};
use crate::components::form::GetForm;
use crate::components::loaded::loaded;
use crate::components::page::{Crumb, PageHeader};
use crate::components::style::{CARD, CARD_TITLE, FOCUS_RING, INPUT, LABEL, LINK, PRIMARY, SECONDARY, TD};
use crate::components::table::{Column, DataTable};
use crate::serverfns::AppError;
use crate::serverfns::clusters::{ClusterRow, WorkloadRow, WorkloadTable, cluster_workloads, list_clusters};

#[component]
pub fn ClustersPage() -> impl IntoView {
    let clusters = Resource::new(|| (), |()| list_clusters());
    view! {
        <PageHeader
            title="Clusters"
            description="The clusters Parkway reads through watch caches. When one cannot be reached, pages show its last snapshot and say how old it is."
            trail=super::trail()
        />
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-500">"Loading clusters…"</p> }
        }>
            {move || loaded(async move {
                let rows = clusters.await?;
                Ok::<_, AppError>(view! { <ClusterTable rows /> })
            })}
        </Suspense>
    }
}

fn cluster_row(row: ClusterRow) -> impl IntoView {
    let href = format!("/admin/clusters/{}", encode(&row.name));
    view! {
        <tr>
            <td class=TD>
                <span class="flex flex-wrap items-center gap-2">
                    <a href=href class=format!("{LINK} rounded {FOCUS_RING}")>
                        {row.name.clone()}
                    </a>
                    {row.demo.then(|| view! { <DemoBadge /> })}
                </span>
            </td>
            <td class=TD>
                <EnvironmentBadge environment=row.environment />
            </td>
            <td class=TD>
                <StatePill state=row.status />
            </td>
            <td class=format!("{TD} font-mono text-xs")>{row.api_version.unwrap_or_else(|| "—".into())}</td>
            <td class=TD>
                {match (row.last_sync, row.last_sync_age) {
                    (Some(at), Some(age)) => view! { <span title=at>{age}</span> }.into_any(),
                    _ => view! { <span class="text-slate-500 dark:text-slate-400">"never"</span> }.into_any(),
                }}
            </td>
            <td class=format!(
                "{TD} max-w-sm break-words text-red-700 dark:text-red-300",
            )>{row.error.unwrap_or_default()}</td>
        </tr>
    }
}

#[component]
fn ClusterTable(rows: Vec<ClusterRow>) -> impl IntoView {
    let title = match rows.len() {
        0 => "No clusters registered".to_owned(),
        1 => "1 cluster".to_owned(),
        n => format!("{n} clusters"),
    };
    view! {
        <section class=CARD aria-labelledby="clusters-title">
            <h2 id="clusters-title" class=CARD_TITLE>
                {title}
            </h2>
            <DataTable
                caption="Registered clusters"
                columns=Column::new_all(
                    &["Cluster", "Environment", "Health", "API version", "Last snapshot", "Error"],
                )
                rows
                row=cluster_row
                empty="Point Parkway at a kubeconfig with PARKWAY_KUBECONFIG (or KUBECONFIG), or run it inside Kubernetes with a ServiceAccount; the README lists the permissions it needs."
            />
        </section>
    }
}

#[component]
pub fn ClusterPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let name = move || params.with(|p| p.get("name")).unwrap_or_default();
    let filter = move || query.with(|q| q.get("q")).unwrap_or_default();
    let table = Resource::new(move || (name(), filter()), |(name, q)| cluster_workloads(name, q));
    view! {
        {move || {
            view! {
                <PageHeader
                    title=format!("Cluster {}", name())
                    description="What runs here: readiness, restarts, images and policy findings per workload."
                    trail=vec![Crumb::to("Admin", "/admin"), Crumb::to("Clusters", "/admin/clusters")]
                />
            }
        }}
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-500">"Loading workloads…"</p> }
        }>
            {move || loaded(async move {
                let data = table.await?;
                Ok::<_, AppError>(view! { <Workloads data filter=filter() /> })
            })}
        </Suspense>
    }
}

#[component]
fn Workloads(data: WorkloadTable, filter: String) -> impl IntoView {
    let action = format!("/admin/clusters/{}", encode(&data.cluster));
    let stats = [
        ("Workloads", data.total, "text-slate-900 dark:text-white"),
        ("Healthy", data.healthy, "text-emerald-700 dark:text-emerald-300"),
        ("Degraded", data.degraded, "text-amber-700 dark:text-amber-300"),
        ("Down", data.down, "text-red-700 dark:text-red-300"),
        (
            "Policy failures",
            data.policy_failures,
            "text-red-700 dark:text-red-300",
        ),
    ];
    let shown = data.rows.len();
    view! {
        <section class=CARD aria-labelledby="cluster-title">
            <div class="flex flex-wrap items-center gap-3">
                <h2 id="cluster-title" class="text-xl font-semibold text-slate-900 dark:text-white">
                    {data.cluster.clone()}
                </h2>
                <EnvironmentBadge environment=data.environment.clone() />
                <StatePill state=data.status.clone() />
                {data.demo.then(|| view! { <DemoBadge /> })}
                {data
                    .demo
                    .then(|| {
                        let down = data.status == "unreachable";
                        let (action, label) = if down {
                            ("start", "End the simulated outage")
                        } else {
                            ("stop", "Simulate an outage")
                        };
                        view! {
                            <form
                                method="post"
                                action=format!("/admin/clusters/{}/outage", encode(&data.cluster))
                                class="ml-auto"
                            >
                                <input type="hidden" name="action" value=action />
                                <button
                                    type="submit"
                                    class=SECONDARY
                                    title="Stops or restarts this demo cluster's API endpoint, to see pages fall back to the snapshot"
                                >
                                    {label}
                                </button>
                            </form>
                        }
                    })}
            </div>
            <SourceNote
                live=data.live
                subject="The cluster"
                status=data.status.clone()
                as_of=data.as_of.clone()
                age=data.age.clone()
            />
            <dl class="mt-4 grid grid-cols-2 gap-4 sm:grid-cols-5">
                {stats
                    .into_iter()
                    .map(|(label, value, tone)| {
                        view! {
                            <div>
                                <dt class="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">
                                    {label}
                                </dt>
                                <dd class=format!("mt-1 text-2xl font-semibold {tone}")>{value}</dd>
                            </div>
                        }
                    })
                    .collect_view()}
            </dl>
        </section>
        <section class=CARD aria-labelledby="workloads-title">
            <h2 id="workloads-title" class=CARD_TITLE>
                "Workloads"
            </h2>
            <GetForm action=action.clone() class="mt-3 flex flex-wrap items-end gap-3">
                <div class="min-w-64 flex-1">
                    <label for="workload-filter" class=LABEL>
                        "Filter by namespace, name or team"
                    </label>
                    <input
                        id="workload-filter"
                        name="q"
                        type="search"
                        class=INPUT
                        value=filter.clone()
                        placeholder="e.g. checkout"
                    />
                </div>
                <button type="submit" class=PRIMARY>
                    "Filter"
                </button>
                {(!filter.is_empty())
                    .then(|| {
                        view! {
                            <a href=action.clone() class=SECONDARY>
                                "Clear"
                            </a>
                        }
                    })}
            </GetForm>
            <p class="mt-3 text-sm text-slate-600 dark:text-slate-300">
                {if shown < data.matching {
                    format!(
                        "Showing the first {shown} of {} matching workloads; narrow the filter to see others.",
                        data.matching,
                    )
                } else {
                    format!("{} matching workloads.", data.matching)
                }}
            </p>
            <DataTable
                caption=format!("Workloads in {}", data.cluster)
                columns=Column::new_all(&["Workload", "Team", "Ready", "Restarts", "Images", "Policy"])
                rows=data.rows
                row=workload_row
                empty="Nothing matches. Clear the filter to see every workload."
            />
        </section>
    }
}

fn workload_row(w: WorkloadRow) -> impl IntoView {
    let warnings = w.warnings.join("\n");
    view! {
        <tr>
            <td class=TD>
                <WorkloadName name=w.name kind=w.kind namespace=w.namespace />
            </td>
            <td class=TD>{w.team.unwrap_or_else(|| "—".into())}</td>
            <td class=TD>
                <Replicas ready=w.ready desired=w.desired health=w.health />
                {(!warnings.is_empty())
                    .then(|| {
                        view! {
                            <p class="mt-1 max-w-xs text-xs text-red-700 dark:text-red-300">{warnings}</p>
                        }
                    })}
            </td>
            <td class=format!("{TD} tabular-nums")>{w.restarts}</td>
            <td class=format!(
                "{TD} font-mono text-xs",
            )>
                {w
                    .images
                    .into_iter()
                    .map(|i| {
                        let title = i.clone();
                        view! {
                            <div class="max-w-xs truncate" title=title>
                                {i}
                            </div>
                        }
                    })
                    .collect_view()}
            </td>
            <td class=TD>
                {if w.policy_failures == 0 {
                    view! { <span class="text-emerald-700 dark:text-emerald-300">"pass"</span> }.into_any()
                } else {
                    view! {
                        <span class="font-medium text-red-700 dark:text-red-300">
                            {format!("{} failing", w.policy_failures)}
                        </span>
                    }
                        .into_any()
                }}
            </td>
        </tr>
    }
}
