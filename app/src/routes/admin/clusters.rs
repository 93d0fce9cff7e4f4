//! `/admin/clusters` and `/admin/clusters/{name}`: registered clusters, their health,
//! and what runs on each, live or from the last snapshot.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::badges::{DemoBadge, EnvironmentBadge, StatePill};
use crate::components::form::{CARD, INPUT, LABEL, PRIMARY, SECONDARY, TABLE, TD, TH};
use crate::components::layout::FOCUS_RING;
use crate::components::page::{Crumb, PageHeader};
use crate::routes::encode;
use crate::serverfns::AppError;
use crate::serverfns::clusters::{ClusterRow, WorkloadRow, WorkloadTable, cluster_workloads, list_clusters};

const LINK: &str = "font-medium text-emerald-800 underline-offset-2 hover:underline dark:text-emerald-300";

#[component]
pub fn ClustersPage() -> impl IntoView {
    let clusters = Resource::new(|| (), |()| list_clusters());
    view! {
        <PageHeader
            title="Clusters"
            description="The clusters Parkway reads through watch caches. When one cannot be reached, pages show its last snapshot and say how old it is."
            trail=super::TRAIL
        />
        <Suspense fallback=|| view! { <p class="mt-6 text-sm text-slate-500">"Loading clusters…"</p> }>
            {move || Suspend::new(async move {
                let rows = clusters.await?;
                Ok::<_, AppError>(view! { <ClusterTable rows /> })
            })}
        </Suspense>
    }
}

#[component]
fn ClusterTable(rows: Vec<ClusterRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! {
            <section class=CARD>
                <h2 class="text-lg font-semibold text-slate-900 dark:text-white">"No clusters registered"</h2>
                <p class="mt-2 text-sm text-slate-600 dark:text-slate-300">
                    "Point Parkway at a kubeconfig with PARKWAY_KUBECONFIG (or KUBECONFIG), or run it inside Kubernetes with a ServiceAccount; the README lists the permissions it needs."
                </p>
            </section>
        }
        .into_any();
    }
    view! {
        <section class=CARD aria-labelledby="clusters-title">
            <h2 id="clusters-title" class="text-lg font-semibold text-slate-900 dark:text-white">{format!("{} clusters", rows.len())}</h2>
            <div class="mt-3 overflow-x-auto">
                <table class=TABLE>
                    <thead><tr>
                        <th scope="col" class=TH>"Cluster"</th>
                        <th scope="col" class=TH>"Environment"</th>
                        <th scope="col" class=TH>"Health"</th>
                        <th scope="col" class=TH>"API version"</th>
                        <th scope="col" class=TH>"Last snapshot"</th>
                        <th scope="col" class=TH>"Error"</th>
                    </tr></thead>
                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                        {rows.into_iter().map(|row| {
                            let href = format!("/admin/clusters/{}", encode(&row.name));
                            view! {
                                <tr>
                                    <td class=TD>
                                        <span class="flex flex-wrap items-center gap-2">
                                            <a href=href class=format!("{LINK} rounded {FOCUS_RING}")>{row.name.clone()}</a>
                                            {row.demo.then(|| view! { <DemoBadge /> })}
                                        </span>
                                    </td>
                                    <td class=TD><EnvironmentBadge environment=row.environment /></td>
                                    <td class=TD><StatePill state=row.status /></td>
                                    <td class=format!("{TD} font-mono text-xs")>{row.api_version.unwrap_or_else(|| "—".into())}</td>
                                    <td class=TD>
                                        {match (row.last_sync, row.last_sync_age) {
                                            (Some(at), Some(age)) => view! { <span title=at>{age}</span> }.into_any(),
                                            _ => view! { <span class="text-slate-500 dark:text-slate-400">"never"</span> }.into_any(),
                                        }}
                                    </td>
                                    <td class=format!("{TD} max-w-sm break-words text-red-700 dark:text-red-300")>{row.error.unwrap_or_default()}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

const CLUSTER_TRAIL: &[Crumb] = &[
    Crumb {
        label: "Admin",
        href: "/admin",
    },
    Crumb {
        label: "Clusters",
        href: "/admin/clusters",
    },
];

#[component]
pub fn ClusterPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let name = move || params.with(|p| p.get("name")).unwrap_or_default();
    let filter = move || query.with(|q| q.get("q")).unwrap_or_default();
    let table = Resource::new(move || (name(), filter()), |(name, q)| cluster_workloads(name, q));
    view! {
        <Title text=move || format!("Cluster {}", name()) />
        <PageHeader
            title="Cluster"
            description="What runs here: readiness, restarts, images and policy findings per workload."
            trail=CLUSTER_TRAIL
        />
        <Suspense fallback=|| view! { <p class="mt-6 text-sm text-slate-500">"Loading workloads…"</p> }>
            {move || Suspend::new(async move {
                let data = table.await?;
                Ok::<_, AppError>(view! { <Workloads data filter=filter() /> })
            })}
        </Suspense>
    }
}

#[component]
fn Workloads(data: WorkloadTable, filter: String) -> impl IntoView {
    let action = format!("/admin/clusters/{}", encode(&data.cluster));
    let source = if data.live {
        view! {
            <p class="mt-3 text-sm text-emerald-800 dark:text-emerald-300">"Live from the watch caches."</p>
        }
        .into_any()
    } else {
        let when = match (&data.as_of, &data.age) {
            (Some(at), Some(age)) => format!("the snapshot of {at} ({age})"),
            _ => "no snapshot: Parkway has not read this cluster yet".to_owned(),
        };
        view! {
            <p role="status" class="mt-3 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100">
                <strong>{format!("The cluster is {}.", data.status)}</strong>
                {format!(" Showing {when}.")}
            </p>
        }
        .into_any()
    };
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
                <h2 id="cluster-title" class="text-xl font-semibold text-slate-900 dark:text-white">{data.cluster.clone()}</h2>
                <EnvironmentBadge environment=data.environment.clone() />
                <StatePill state=data.status.clone() />
                {data.demo.then(|| view! { <DemoBadge /> })}
                {data.demo.then(|| {
                    let down = data.status == "unreachable";
                    let (action, label) = if down { ("start", "End the simulated outage") } else { ("stop", "Simulate an outage") };
                    view! {
                        <form method="post" action=format!("/admin/clusters/{}/outage", encode(&data.cluster)) class="ml-auto">
                            <input type="hidden" name="action" value=action />
                            <button type="submit" class=SECONDARY title="Stops or restarts this demo cluster's API endpoint, to see pages fall back to the snapshot">{label}</button>
                        </form>
                    }
                })}
            </div>
            {source}
            <dl class="mt-4 grid grid-cols-2 gap-4 sm:grid-cols-5">
                {stats.into_iter().map(|(label, value, tone)| view! {
                    <div>
                        <dt class="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">{label}</dt>
                        <dd class=format!("mt-1 text-2xl font-semibold {tone}")>{value}</dd>
                    </div>
                }).collect_view()}
            </dl>
        </section>
        <section class=CARD aria-labelledby="workloads-title">
            <h2 id="workloads-title" class="text-lg font-semibold text-slate-900 dark:text-white">"Workloads"</h2>
            <form method="get" action=action.clone() class="mt-3 flex flex-wrap items-end gap-3" role="search">
                <div class="min-w-64 flex-1">
                    <label for="workload-filter" class=LABEL>"Filter by namespace, name or team"</label>
                    <input id="workload-filter" name="q" type="search" class=INPUT value=filter.clone() placeholder="e.g. checkout" />
                </div>
                <button type="submit" class=PRIMARY>"Filter"</button>
                {(!filter.is_empty()).then(|| view! { <a href=action.clone() class=SECONDARY>"Clear"</a> })}
            </form>
            <p class="mt-3 text-sm text-slate-600 dark:text-slate-300">
                {if shown < data.matching {
                    format!("Showing the first {shown} of {} matching workloads; narrow the filter to see others.", data.matching)
                } else {
                    format!("{} matching workloads.", data.matching)
                }}
            </p>
            {if data.rows.is_empty() {
                view! { <p class="mt-3 text-sm text-slate-600 dark:text-slate-300">"Nothing matches. Clear the filter to see every workload."</p> }.into_any()
            } else {
                view! { <WorkloadRows rows=data.rows /> }.into_any()
            }}
        </section>
    }
}

#[component]
fn WorkloadRows(rows: Vec<WorkloadRow>) -> impl IntoView {
    view! {
        <div class="mt-3 overflow-x-auto">
            <table class=TABLE>
                <thead><tr>
                    <th scope="col" class=TH>"Workload"</th>
                    <th scope="col" class=TH>"Team"</th>
                    <th scope="col" class=TH>"Ready"</th>
                    <th scope="col" class=TH>"Restarts"</th>
                    <th scope="col" class=TH>"Images"</th>
                    <th scope="col" class=TH>"Policy"</th>
                </tr></thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                    {rows.into_iter().map(|w| {
                        let warnings = w.warnings.join("\n");
                        view! {
                            <tr>
                                <td class=TD>
                                    <div class="font-medium text-slate-900 dark:text-white">{w.name}</div>
                                    <div class="text-xs text-slate-500 dark:text-slate-400">{format!("{} · {}", w.kind, w.namespace)}</div>
                                </td>
                                <td class=TD>{w.team.unwrap_or_else(|| "—".into())}</td>
                                <td class=TD>
                                    <span class="flex flex-wrap items-center gap-2">
                                        <span class="tabular-nums">{format!("{}/{}", w.ready, w.desired)}</span>
                                        <StatePill state=w.health />
                                    </span>
                                    {(!warnings.is_empty()).then(|| view! {
                                        <p class="mt-1 max-w-xs text-xs text-red-700 dark:text-red-300">{warnings}</p>
                                    })}
                                </td>
                                <td class=format!("{TD} tabular-nums")>{w.restarts}</td>
                                <td class=format!("{TD} font-mono text-xs")>
                                    {w.images.into_iter().map(|i| { let title = i.clone(); view! { <div class="max-w-xs truncate" title=title>{i}</div> } }).collect_view()}
                                </td>
                                <td class=TD>
                                    {if w.policy_failures == 0 {
                                        view! { <span class="text-emerald-700 dark:text-emerald-300">"pass"</span> }.into_any()
                                    } else {
                                        view! { <span class="font-medium text-red-700 dark:text-red-300">{format!("{} failing", w.policy_failures)}</span> }.into_any()
                                    }}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
