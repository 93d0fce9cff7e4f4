//! `/catalog/{kind}/{namespace}/{name}`: one entity — who owns it, what it relates to
//! (graph and lists), what a group owns with health roll-ups, and a Runtime tab with
//! its workloads in every cluster (live, or the snapshot and its age when a cluster
//! cannot be read). Tabs are links (`?tab=runtime`), so they work without script.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::graph::RelationGraph;
use crate::components::badges::{DemoBadge, EnvironmentBadge, StatePill};
use crate::components::form::{CARD, TABLE, TD, TH};
use crate::components::form::{DANGER, FormError, SECONDARY};
use crate::components::layout::FOCUS_RING;
use crate::components::page::Crumb;
use crate::serverfns::AppError;
use crate::serverfns::catalog::{
    EntityView, HealthRollup, RefLink, RemoveCatalogEntity, RuntimeCluster, TeamRollup, catalog_entity,
};

const LINK: &str = "font-medium text-emerald-800 underline-offset-2 hover:underline dark:text-emerald-300";
const CHIP: &str = "inline-flex items-center rounded-full bg-slate-100 px-2 py-0.5 text-xs text-slate-700 dark:bg-slate-800 dark:text-slate-200";
const TRAIL: &[Crumb] = &[Crumb {
    label: "Catalog",
    href: "/catalog",
}];

/// How a relation reads in a heading.
fn relation_label(relation: &str) -> &str {
    match relation {
        "ownedBy" => "Owned by",
        "ownerOf" => "Owns",
        "partOf" => "Part of",
        "hasPart" => "Has parts",
        "dependsOn" => "Depends on",
        "dependencyOf" => "Depended on by",
        "providesApi" => "Provides APIs",
        "apiProvidedBy" => "Provided by",
        "consumesApi" => "Consumes APIs",
        "apiConsumedBy" => "Consumed by",
        "memberOf" => "Member of",
        "hasMember" => "Members",
        "parentOf" => "Parent of",
        "childOf" => "Child of",
        other => other,
    }
}

#[component]
pub fn EntityPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let part = move |k: &str| params.with(|p| p.get(k)).unwrap_or_default();
    let tab = move || query.with(|q| q.get("tab")).unwrap_or_default();
    let entity = Resource::new(
        move || (part("kind"), part("namespace"), part("name")),
        |(kind, namespace, name)| catalog_entity(kind, namespace, name),
    );
    view! {
        <Suspense fallback=|| view! { <p class="mt-6 text-sm text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let e = entity.await?;
                Ok::<_, AppError>(view! { <Entity e tab=tab() /> })
            })}
        </Suspense>
    }
}

#[component]
fn Entity(e: EntityView, tab: String) -> impl IntoView {
    let runtime_tab = tab == "runtime" && !e.runtime.is_empty();
    let base = e.link.href.clone();
    let heading = e.title.clone().unwrap_or_else(|| e.link.label.clone());
    let tab_class = |on: bool| {
        if on {
            format!(
                "rounded-t-md border-b-2 border-emerald-600 px-3 py-2 text-sm font-semibold text-emerald-800 dark:text-emerald-300 {FOCUS_RING}"
            )
        } else {
            format!(
                "rounded-t-md border-b-2 border-transparent px-3 py-2 text-sm text-slate-600 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white {FOCUS_RING}"
            )
        }
    };
    let demo = e.runtime.iter().any(|r| r.demo);
    let has_runtime = !e.runtime.is_empty();
    view! {
        <Title text=format!("{} · Catalog", e.link.label) />
        <nav aria-label="Breadcrumb" class="mb-3 text-sm text-slate-500 dark:text-slate-400">
            <ol class="flex flex-wrap items-center gap-1">
                <li><a href="/" class=format!("rounded hover:underline {FOCUS_RING}")>"Home"</a></li>
                {TRAIL.iter().map(|c| view! { <li aria-hidden="true">"/"</li><li><a href=c.href class=format!("rounded hover:underline {FOCUS_RING}")>{c.label}</a></li> }).collect_view()}
                <li aria-hidden="true">"/"</li>
                <li aria-current="page" class="text-slate-900 dark:text-white">{e.link.label.clone()}</li>
            </ol>
        </nav>
        <header>
            <p class="text-xs font-semibold uppercase tracking-wide text-emerald-700 dark:text-emerald-400">{e.kind_label.clone()}{e.spec_type.clone().map(|t| format!(" · {t}"))}</p>
            <h1 class="mt-1 flex flex-wrap items-center gap-3 text-3xl font-bold tracking-tight text-slate-900 dark:text-white">
                {heading}
                {e.orphaned.then(|| view! { <span class="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-950 dark:text-amber-200">"orphaned: its source no longer lists it"</span> })}
            </h1>
            {e.can_edit.then(|| view! {
                <div class="mt-3 flex flex-wrap items-center gap-3">
                    <a href=format!("{}/edit", e.link.href) class=SECONDARY>"Edit descriptor"</a>
                    {e.orphaned.then(|| view! { <RemoveOrphan link=e.link.clone() /> })}
                </div>
            })}
            {e.description.clone().map(|d| view! { <p class="mt-2 max-w-3xl text-slate-600 dark:text-slate-300">{d}</p> })}
            <dl class="mt-4 flex flex-wrap gap-x-8 gap-y-2 text-sm">
                {e.owner.clone().map(|o| view! { <div><dt class="text-slate-500 dark:text-slate-400">"Owner"</dt><dd><a href=o.href class=format!("{LINK} rounded {FOCUS_RING}")>{o.label}</a></dd></div> })}
                {e.business_unit.clone().map(|b| view! { <div><dt class="text-slate-500 dark:text-slate-400">"Business unit"</dt><dd><a href=b.href class=format!("{LINK} rounded {FOCUS_RING}")>{b.label}</a></dd></div> })}
                {e.lifecycle.clone().map(|l| view! { <div><dt class="text-slate-500 dark:text-slate-400">"Lifecycle"</dt><dd class="text-slate-900 dark:text-white">{l}</dd></div> })}
                {e.tier.clone().map(|t| view! { <div><dt class="text-slate-500 dark:text-slate-400">"Tier"</dt><dd class="text-slate-900 dark:text-white">{t}</dd></div> })}
                {(!e.links.is_empty()).then(|| view! {
                    <div><dt class="text-slate-500 dark:text-slate-400">"Links"</dt><dd class="flex gap-3">
                        {e.links.clone().into_iter().map(|(title, url)| view! { <a href=url class=format!("{LINK} rounded {FOCUS_RING}") rel="noopener noreferrer">{title}</a> }).collect_view()}
                    </dd></div>
                })}
            </dl>
        </header>
        <nav aria-label="Entity views" class="mt-6 flex gap-2 border-b border-slate-200 dark:border-slate-800">
            <a href=base.clone() class=tab_class(!runtime_tab) aria-current=(!runtime_tab).then_some("page")>"Overview"</a>
            {has_runtime.then(|| view! {
                <a href=format!("{base}?tab=runtime") class=tab_class(runtime_tab) aria-current=runtime_tab.then_some("page")>
                    "Runtime"
                </a>
            })}
            {demo.then(|| view! { <span class="ml-auto self-center"><DemoBadge /></span> })}
        </nav>
        {if runtime_tab {
            view! { <Runtime clusters=e.runtime id=e.kubernetes_id /> }.into_any()
        } else {
            view! { <Overview e /> }.into_any()
        }}
    }
}

#[component]
fn Overview(e: EntityView) -> impl IntoView {
    let center = e.link.clone();
    let relations = e.relations.clone();
    view! {
        <div class="grid gap-6 lg:grid-cols-3">
            <section class=format!("{CARD} lg:col-span-2") aria-labelledby="graph-title">
                <h2 id="graph-title" class="text-lg font-semibold text-slate-900 dark:text-white">"Relations"</h2>
                {if relations.is_empty() {
                    view! { <p class="mt-2 text-sm text-slate-600 dark:text-slate-300">"No relations: nothing in its descriptor points elsewhere, and nothing points here."</p> }.into_any()
                } else {
                    view! { <RelationGraph center relations=relations.clone() /> }.into_any()
                }}
            </section>
            <section class=CARD aria-labelledby="about-title">
                <h2 id="about-title" class="text-lg font-semibold text-slate-900 dark:text-white">"About"</h2>
                <dl class="mt-3 space-y-2 text-sm">
                    <div><dt class="text-slate-500 dark:text-slate-400">"Reference"</dt><dd class="font-mono text-xs text-slate-900 dark:text-white">{e.link.key.clone()}</dd></div>
                    <div><dt class="text-slate-500 dark:text-slate-400">"Imported from"</dt><dd class="font-mono text-xs text-slate-900 dark:text-white">{e.source.clone()}</dd></div>
                    {(!e.tags.is_empty()).then(|| view! {
                        <div><dt class="text-slate-500 dark:text-slate-400">"Tags"</dt><dd class="mt-1 flex flex-wrap gap-1">
                            {e.tags.clone().into_iter().map(|t| { let href = format!("/catalog?tag={t}"); view! { <a href=href class=format!("{CHIP} {FOCUS_RING}")>{t}</a> } }).collect_view()}
                        </dd></div>
                    })}
                </dl>
                {relations.into_iter().map(|group| view! {
                    <h3 class="mt-4 text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">{relation_label(&group.relation).to_owned()}</h3>
                    <ul class="mt-1 space-y-1 text-sm">
                        {group.targets.into_iter().map(|t| view! { <li><a href=t.href class=format!("{LINK} rounded {FOCUS_RING}")>{t.label}</a>" "<span class="text-xs text-slate-500 dark:text-slate-400">{t.kind}</span></li> }).collect_view()}
                    </ul>
                }).collect_view()}
            </section>
        </div>
        {e.rollup.clone().map(|r| view! { <RollupCard rollup=r unit=!e.teams.is_empty() /> })}
        {(!e.teams.is_empty()).then(|| view! { <TeamsTable teams=e.teams.clone() /> })}
        {(!e.owned.is_empty()).then(|| view! {
            <section class=CARD aria-labelledby="owned-title">
                <h2 id="owned-title" class="text-lg font-semibold text-slate-900 dark:text-white">{format!("Owns {}", super::entities(e.owned.len() as i64))}</h2>
                <div class="mt-3 overflow-x-auto">
                    <table class=TABLE>
                        <thead><tr><th scope="col" class=TH>"Entity"</th><th scope="col" class=TH>"Kind"</th><th scope="col" class=TH>"Replicas ready (all clusters)"</th></tr></thead>
                        <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                            {e.owned.into_iter().map(|o| {
                                let health = match o.replicas {
                                    None => view! { <span class="text-slate-500 dark:text-slate-400">"not running"</span> }.into_any(),
                                    Some((ready, wanted)) => {
                                        let state = if ready >= wanted { "healthy" } else if ready == 0 { "down" } else { "degraded" };
                                        view! { <span class="flex items-center gap-2"><span class="tabular-nums">{format!("{ready}/{wanted}")}</span><StatePill state=state.to_owned() /></span> }.into_any()
                                    }
                                };
                                view! { <tr><td class=TD><a href=o.link.href class=format!("{LINK} rounded {FOCUS_RING}")>{o.link.label}</a></td><td class=TD>{o.link.kind}</td><td class=TD>{health}</td></tr> }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </section>
        })}
    }
}

/// Entities per state and replicas, summed over every cluster's snapshot.
#[component]
fn RollupCard(rollup: HealthRollup, unit: bool) -> impl IntoView {
    let tile = |label: &'static str, value: i64, tone: &'static str| {
        view! {
            <div class="rounded-lg border border-slate-200 px-4 py-3 dark:border-slate-800">
                <dt class="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">{label}</dt>
                <dd class=format!("mt-1 text-2xl font-semibold tabular-nums {tone}")>{value}</dd>
            </div>
        }
    };
    let title = if unit {
        "Health across the business unit"
    } else {
        "Health of what the team runs"
    };
    view! {
        <section class=CARD aria-labelledby="rollup-title" data-testid="rollup">
            <div class="flex flex-wrap items-center gap-3">
                <h2 id="rollup-title" class="text-lg font-semibold text-slate-900 dark:text-white">{title}</h2>
                <StatePill state=rollup.state.clone() />
            </div>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-300">
                {format!("{} components and resources; {} of {} replicas ready in every cluster (from the latest snapshots).", rollup.entities, rollup.ready, rollup.wanted)}
            </p>
            <dl class="mt-4 grid grid-cols-2 gap-3 sm:grid-cols-4">
                {tile("Healthy", rollup.healthy, "text-emerald-700 dark:text-emerald-300")}
                {tile("Degraded", rollup.degraded, "text-amber-700 dark:text-amber-300")}
                {tile("Down", rollup.down, "text-red-700 dark:text-red-300")}
                {tile("Not running", rollup.not_running, "text-slate-700 dark:text-slate-300")}
            </dl>
        </section>
    }
}

#[component]
fn TeamsTable(teams: Vec<TeamRollup>) -> impl IntoView {
    view! {
        <section class=CARD aria-labelledby="teams-title">
            <h2 id="teams-title" class="text-lg font-semibold text-slate-900 dark:text-white">{format!("{} owners", teams.len())}</h2>
            <div class="mt-3 overflow-x-auto">
                <table class=TABLE data-testid="unit-teams">
                    <thead><tr>
                        <th scope="col" class=TH>"Owner"</th>
                        <th scope="col" class=TH>"Entities"</th>
                        <th scope="col" class=TH>"Healthy"</th>
                        <th scope="col" class=TH>"Degraded"</th>
                        <th scope="col" class=TH>"Down"</th>
                        <th scope="col" class=TH>"Not running"</th>
                        <th scope="col" class=TH>"Replicas ready"</th>
                    </tr></thead>
                    <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                        {teams.into_iter().map(|t| view! {
                            <tr>
                                <td class=TD><span class="flex items-center gap-2"><a href=t.team.href class=format!("{LINK} rounded {FOCUS_RING}")>{t.team.label}</a><StatePill state=t.health.state.clone() /></span></td>
                                <td class=format!("{TD} tabular-nums")>{t.health.entities}</td>
                                <td class=format!("{TD} tabular-nums")>{t.health.healthy}</td>
                                <td class=format!("{TD} tabular-nums")>{t.health.degraded}</td>
                                <td class=format!("{TD} tabular-nums")>{t.health.down}</td>
                                <td class=format!("{TD} tabular-nums")>{t.health.not_running}</td>
                                <td class=format!("{TD} tabular-nums")>{format!("{}/{}", t.health.ready, t.health.wanted)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn Runtime(clusters: Vec<RuntimeCluster>, id: String) -> impl IntoView {
    view! {
        <p class="mt-4 text-sm text-slate-600 dark:text-slate-300">
            "Workloads whose backstage.io/kubernetes-id annotation or app.kubernetes.io/name label is "
            <code class="font-mono text-xs">{id}</code>", per environment."
        </p>
        {clusters.into_iter().map(|c| {
            let source = if c.live {
                view! { <p class="text-sm text-emerald-800 dark:text-emerald-300">"Live from the watch caches."</p> }.into_any()
            } else {
                let when = match (&c.as_of, &c.age) {
                    (Some(at), Some(age)) => format!("the snapshot of {at} ({age})"),
                    _ => "the last snapshot".to_owned(),
                };
                view! {
                    <p role="status" class="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100" data-testid="snapshot-notice">
                        <strong>{format!("{} is {}.", c.cluster, c.status)}</strong>{format!(" Showing {when}.")}
                    </p>
                }.into_any()
            };
            view! {
                <section class=CARD aria-label=format!("Runtime in {}", c.cluster) data-testid="runtime-cluster">
                    <div class="mb-3 flex flex-wrap items-center gap-2">
                        <h2 class="text-lg font-semibold text-slate-900 dark:text-white">{c.cluster.clone()}</h2>
                        <EnvironmentBadge environment=c.environment />
                        <StatePill state=c.status.clone() />
                        {c.demo.then(|| view! { <DemoBadge /> })}
                    </div>
                    {source}
                    <div class="mt-3 overflow-x-auto">
                        <table class=TABLE>
                            <thead><tr>
                                <th scope="col" class=TH>"Workload"</th>
                                <th scope="col" class=TH>"Ready"</th>
                                <th scope="col" class=TH>"Restarts"</th>
                                <th scope="col" class=TH>"Images"</th>
                                <th scope="col" class=TH>"Recent warnings"</th>
                            </tr></thead>
                            <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                                {c.workloads.into_iter().map(|w| view! {
                                    <tr>
                                        <td class=TD>
                                            <div class="font-medium text-slate-900 dark:text-white">{w.name}</div>
                                            <div class="text-xs text-slate-500 dark:text-slate-400">{format!("{} · {}", w.kind, w.namespace)}</div>
                                        </td>
                                        <td class=TD><span class="flex items-center gap-2"><span class="tabular-nums">{format!("{}/{}", w.ready, w.desired)}</span><StatePill state=w.health /></span></td>
                                        <td class=format!("{TD} tabular-nums")>{w.restarts}</td>
                                        <td class=format!("{TD} font-mono text-xs")>{w.images.join(", ")}</td>
                                        <td class=format!("{TD} text-xs text-red-700 dark:text-red-300")>{w.warnings.join("; ")}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                </section>
            }
        }).collect_view()}
    }
}

/// Removes an orphan from the catalog, after the source stopped listing it.
#[component]
fn RemoveOrphan(link: RefLink) -> impl IntoView {
    let remove = ServerAction::<RemoveCatalogEntity>::new();
    let error = Signal::derive(move || remove.value().get().and_then(Result::err).map(|e| e.to_string()));
    let parts: Vec<String> = link
        .href
        .trim_start_matches("/catalog/")
        .split('/')
        .map(str::to_owned)
        .collect();
    let part = move |i: usize| parts.get(i).cloned().unwrap_or_default();
    view! {
        <ActionForm action=remove attr:class="flex items-center gap-3">
            <input type="hidden" name="kind" value=part(0) />
            <input type="hidden" name="namespace" value=part(1) />
            <input type="hidden" name="name" value=part(2) />
            <button type="submit" class=format!("{DANGER} border border-red-300 dark:border-red-800")>"Remove from the catalog"</button>
            <FormError message=error />
        </ActionForm>
    }
}
