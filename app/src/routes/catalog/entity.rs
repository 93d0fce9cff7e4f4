//! `/catalog/{kind}/{namespace}/{name}`: one entity — who owns it, what it relates to
//! (graph and lists), what a group owns with health roll-ups, and a Runtime tab with
//! its workloads in every cluster (live, or the snapshot and its age when a cluster
//! cannot be read). Tabs are links (`?tab=runtime`), so they work without script.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use parkway_types::{EntityRef, Rollup};

use super::graph::RelationGraph;
use crate::components::badges::{DemoBadge, EnvironmentBadge, Replicas, SourceNote, StatePill, WorkloadName};
use crate::components::form::FormError;
use crate::components::loaded::loaded;
use crate::components::page::{Breadcrumb, Crumb};
use crate::components::style::{CARD, CARD_TITLE, DANGER, FOCUS_RING, LINK, SECONDARY, TD, TERM};
use crate::components::table::{Column, DataTable};
use crate::serverfns::AppError;
use crate::serverfns::catalog::{
    EntityView, OwnedRow, RemoveCatalogEntity, RuntimeCluster, TeamRollup, catalog_entity,
};
use crate::serverfns::clusters::WorkloadRow;

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
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-500">"Loading…"</p> }
        }>
            {move || loaded(async move {
                let e = entity.await?;
                Ok::<_, AppError>(view! { <Entity e tab=tab() /> })
            })}
        </Suspense>
    }
}

/// A link to an entity, labelled by its name.
fn entity_link(entity: &EntityRef) -> impl IntoView + use<> {
    view! {
        <a href=entity.href() class=format!("{LINK} rounded {FOCUS_RING}")>
            {entity.label()}
        </a>
    }
}

fn tab_class(on: bool) -> String {
    let tone = if on {
        "border-emerald-600 font-semibold text-emerald-800 dark:text-emerald-300"
    } else {
        "border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white"
    };
    format!("rounded-t-md border-b-2 px-3 py-2 text-sm {tone} {FOCUS_RING}")
}

#[component]
fn Entity(e: EntityView, tab: String) -> impl IntoView {
    let runtime_tab = tab == "runtime" && !e.runtime.is_empty();
    let base = e.entity.href();
    let label = e.entity.label();
    let heading = e.title.clone().unwrap_or_else(|| label.clone());
    let demo = e.runtime.iter().any(|r| r.demo);
    let has_runtime = !e.runtime.is_empty();
    let fact = |term: &'static str, value: Option<String>| {
        value.map(|v| {
            view! {
                <div>
                    <dt class=TERM>{term}</dt>
                    <dd class="text-slate-900 dark:text-white">{v}</dd>
                </div>
            }
        })
    };
    view! {
        <Title text=format!("{label} · Catalog") />
        <Breadcrumb trail=vec![Crumb::to("Catalog", "/catalog")] current=label />
        <header>
            <p class="text-xs font-semibold uppercase tracking-wide text-emerald-700 dark:text-emerald-400">
                {e.entity.kind.as_str()} {e.spec_type.clone().map(|t| format!(" · {t}"))}
            </p>
            <h1 class="mt-1 flex flex-wrap items-center gap-3 text-3xl font-bold tracking-tight text-slate-900 dark:text-white">
                {heading}
                {e
                    .orphaned
                    .then(|| {
                        view! {
                            <span class="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-950 dark:text-amber-200">
                                "orphaned: its source no longer lists it"
                            </span>
                        }
                    })}
            </h1>
            {e
                .can_edit
                .then(|| {
                    view! {
                        <div class="mt-3 flex flex-wrap items-center gap-3">
                            <a href=format!("{base}/edit") class=SECONDARY>
                                "Edit descriptor"
                            </a>
                            {e.orphaned.then(|| view! { <RemoveOrphan entity=e.entity.clone() /> })}
                        </div>
                    }
                })}
            {e
                .description
                .clone()
                .map(|d| view! { <p class="mt-2 max-w-3xl text-slate-600 dark:text-slate-300">{d}</p> })}
            <dl class="mt-4 flex flex-wrap gap-x-8 gap-y-2 text-sm">
                {e
                    .owner
                    .as_ref()
                    .map(|o| {
                        view! {
                            <div>
                                <dt class=TERM>"Owner"</dt>
                                <dd>{entity_link(o)}</dd>
                            </div>
                        }
                    })}
                {e
                    .business_unit
                    .as_ref()
                    .map(|b| {
                        view! {
                            <div>
                                <dt class=TERM>"Business unit"</dt>
                                <dd>{entity_link(b)}</dd>
                            </div>
                        }
                    })} {fact("Lifecycle", e.lifecycle.clone())} {fact("Tier", e.tier.clone())}
                {(!e.links.is_empty())
                    .then(|| {
                        view! {
                            <div>
                                <dt class=TERM>"Links"</dt>
                                <dd class="flex gap-3">
                                    {e
                                        .links
                                        .clone()
                                        .into_iter()
                                        .map(|l| {
                                            view! {
                                                <a
                                                    href=l.url
                                                    class=format!("{LINK} rounded {FOCUS_RING}")
                                                    rel="noopener noreferrer"
                                                >
                                                    {l.title}
                                                </a>
                                            }
                                        })
                                        .collect_view()}
                                </dd>
                            </div>
                        }
                    })}
            </dl>
        </header>
        <nav
            aria-label="Entity views"
            class="mt-6 flex gap-2 border-b border-slate-200 dark:border-slate-800"
        >
            <a href=base.clone() class=tab_class(!runtime_tab) aria-current=(!runtime_tab).then_some("page")>
                "Overview"
            </a>
            {has_runtime
                .then(|| {
                    view! {
                        <a
                            href=format!("{base}?tab=runtime")
                            class=tab_class(runtime_tab)
                            aria-current=runtime_tab.then_some("page")
                        >
                            "Runtime"
                        </a>
                    }
                })}
            {demo
                .then(|| {
                    view! {
                        <span class="ml-auto self-center">
                            <DemoBadge />
                        </span>
                    }
                })}
        </nav>
        {if runtime_tab {
            let team = e.owner.as_ref().map(|o| o.name.clone()).unwrap_or_default();
            view! { <Runtime clusters=e.runtime id=e.kubernetes_id team /> }.into_any()
        } else {
            view! { <Overview e /> }.into_any()
        }}
    }
}

/// A team's tenants (from onboarding), on its catalog page.
#[component]
fn TeamTenants(team: String) -> impl IntoView {
    let tenants = Resource::new(move || team.clone(), crate::serverfns::onboarding::team_tenants);
    view! {
        <section class=format!("{CARD} mt-6") aria-labelledby="tenants-title">
            <h2 id="tenants-title" class=CARD_TITLE>
                "Tenants"
            </h2>
            <Suspense fallback=|| {
                view! { <p class="mt-2 text-sm text-slate-500">"Loading…"</p> }
            }>
                {move || loaded(async move {
                    let list = tenants.await?;
                    Ok::<
                        _,
                        AppError,
                    >(
                        view! {
                            <crate::routes::onboarding::TenantTable
                                tenants=list
                                empty="This team has no tenants yet. Its members can request one under Onboarding."
                            />
                        },
                    )
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Overview(e: EntityView) -> impl IntoView {
    let relations = e.relations.clone();
    let team_tenants = (e.entity.kind == parkway_types::EntityKind::Group).then(|| e.entity.to_string());
    view! {
        {team_tenants.map(|team| view! { <TeamTenants team /> })}
        <div class="grid gap-6 lg:grid-cols-3">
            <section class=format!("{CARD} lg:col-span-2") aria-labelledby="graph-title">
                <h2 id="graph-title" class=CARD_TITLE>
                    "Relations"
                </h2>
                {if relations.is_empty() {
                    view! {
                        <p class="mt-2 text-sm text-slate-600 dark:text-slate-300">
                            "No relations: nothing in its descriptor points elsewhere, and nothing points here."
                        </p>
                    }
                        .into_any()
                } else {
                    view! { <RelationGraph center=e.entity.clone() relations=relations.clone() /> }.into_any()
                }}
            </section>
            <section class=CARD aria-labelledby="about-title">
                <h2 id="about-title" class=CARD_TITLE>
                    "About"
                </h2>
                <dl class="mt-3 space-y-2 text-sm">
                    <div>
                        <dt class=TERM>"Reference"</dt>
                        <dd class="font-mono text-xs text-slate-900 dark:text-white">{e.entity.key()}</dd>
                    </div>
                    <div>
                        <dt class=TERM>"Imported from"</dt>
                        <dd class="font-mono text-xs text-slate-900 dark:text-white">{e.source.clone()}</dd>
                    </div>
                    {(!e.tags.is_empty())
                        .then(|| {
                            view! {
                                <div>
                                    <dt class=TERM>"Tags"</dt>
                                    <dd class="mt-1 flex flex-wrap gap-1">
                                        {super::tag_links(e.tags.clone())}
                                    </dd>
                                </div>
                            }
                        })}
                </dl>
                {relations
                    .into_iter()
                    .map(|group| {
                        view! {
                            <h3 class="mt-4 text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">
                                {group.relation.label()}
                            </h3>
                            <ul class="mt-1 space-y-1 text-sm">
                                {group
                                    .targets
                                    .into_iter()
                                    .map(|t| {
                                        view! {
                                            <li>
                                                {entity_link(&t)}" "
                                                <span class="text-xs text-slate-500 dark:text-slate-400">
                                                    {t.kind.key_name()}
                                                </span>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                    })
                    .collect_view()}
            </section>
        </div>
        {e.rollup.map(|r| view! { <RollupCard rollup=r unit=!e.teams.is_empty() /> })}
        {(!e.teams.is_empty()).then(|| view! { <TeamsTable teams=e.teams.clone() /> })}
        {(!e.owned.is_empty()).then(|| view! { <OwnedTable owned=e.owned.clone() /> })}
    }
}

#[component]
fn OwnedTable(owned: Vec<OwnedRow>) -> impl IntoView {
    let title = format!("Owns {}", super::entities(owned.len() as i64));
    view! {
        <section class=CARD aria-labelledby="owned-title">
            <h2 id="owned-title" class=CARD_TITLE>
                {title.clone()}
            </h2>
            <DataTable
                caption=title
                columns=Column::new_all(&["Entity", "Kind", "Replicas ready (all clusters)"])
                rows=owned
                row=|o: OwnedRow| {
                    let health = match o.replicas {
                        None if !o.entity.kind.runs() => {
                            view! {
                                <span class="text-slate-500 dark:text-slate-400">"— (does not run)"</span>
                            }
                                .into_any()
                        }
                        None => {
                            view! { <span class="text-slate-500 dark:text-slate-400">"not running"</span> }
                                .into_any()
                        }
                        Some((ready, wanted)) => {
                            view! {
                                <span class="flex items-center gap-2">
                                    <span class="tabular-nums">{format!("{ready}/{wanted}")}</span>
                                    <StatePill state=o.state.as_str() />
                                </span>
                            }
                                .into_any()
                        }
                    };
                    view! {
                        <tr>
                            <td class=TD>{entity_link(&o.entity)}</td>
                            <td class=TD>{o.entity.kind.key_name()}</td>
                            <td class=TD>{health}</td>
                        </tr>
                    }
                }
                empty="It owns nothing."
            />
        </section>
    }
}

/// Entities per state and replicas, summed over every cluster's snapshot.
#[component]
fn RollupCard(rollup: Rollup, unit: bool) -> impl IntoView {
    let tile = |label: &'static str, value: i64, tone: &'static str| {
        view! {
            <div class="rounded-lg border border-slate-200 px-4 py-3 dark:border-slate-800">
                <dt class="text-xs font-medium uppercase tracking-wide text-slate-500 dark:text-slate-400">
                    {label}
                </dt>
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
                <h2 id="rollup-title" class=CARD_TITLE>
                    {title}
                </h2>
                <StatePill state=rollup.state().as_str() />
            </div>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-300">
                {format!(
                    "{} components and resources; {} of {} replicas ready in every cluster (from the latest snapshots).",
                    rollup.entities,
                    rollup.ready,
                    rollup.wanted,
                )}
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
    let title = format!("{} owners", teams.len());
    let number = format!("{TD} tabular-nums");
    view! {
        <section class=CARD aria-labelledby="teams-title">
            <h2 id="teams-title" class=CARD_TITLE>
                {title.clone()}
            </h2>
            <DataTable
                caption=format!("Health per owner: {title}")
                columns=Column::new_all(
                    &["Owner", "Entities", "Healthy", "Degraded", "Down", "Not running", "Replicas ready"],
                )
                rows=teams
                row=move |t: TeamRollup| {
                    view! {
                        <tr>
                            <td class=TD>
                                <span class="flex items-center gap-2">
                                    {entity_link(&t.team)}<StatePill state=t.health.state().as_str() />
                                </span>
                            </td>
                            <td class=number.clone()>{t.health.entities}</td>
                            <td class=number.clone()>{t.health.healthy}</td>
                            <td class=number.clone()>{t.health.degraded}</td>
                            <td class=number.clone()>{t.health.down}</td>
                            <td class=number.clone()>{t.health.not_running}</td>
                            <td class=number.clone()>{format!("{}/{}", t.health.ready, t.health.wanted)}</td>
                        </tr>
                    }
                }
                empty="No team under this unit owns anything that runs."
                testid="unit-teams"
            />
        </section>
    }
}

fn runtime_row(w: WorkloadRow) -> impl IntoView {
    view! {
        <tr>
            <td class=TD>
                <WorkloadName name=w.name kind=w.kind namespace=w.namespace />
            </td>
            <td class=TD>
                <Replicas ready=w.ready desired=w.desired health=w.health />
            </td>
            <td class=format!("{TD} tabular-nums")>{w.restarts}</td>
            <td class=format!("{TD} font-mono text-xs")>{w.images.join(", ")}</td>
            <td class=format!("{TD} text-xs text-red-700 dark:text-red-300")>{w.warnings.join("; ")}</td>
        </tr>
    }
}

#[component]
fn Runtime(clusters: Vec<RuntimeCluster>, id: String, team: String) -> impl IntoView {
    view! {
        <p class="mt-4 text-sm text-slate-600 dark:text-slate-300">
            "Workloads whose backstage.io/kubernetes-id annotation or app.kubernetes.io/name label is "
            <code class="font-mono text-xs">{id}</code> ", in namespaces labelled "
            <code class="font-mono text-xs">{format!("parkway.io/team={team}")}</code>
            " (the owner team's), per environment."
        </p>
        {clusters
            .into_iter()
            .map(|c| {
                view! {
                    <section
                        class=CARD
                        aria-label=format!("Runtime in {}", c.cluster)
                        data-testid="runtime-cluster"
                    >
                        <div class="mb-3 flex flex-wrap items-center gap-2">
                            <h2 class=CARD_TITLE>{c.cluster.clone()}</h2>
                            <EnvironmentBadge environment=c.environment />
                            <StatePill state=c.status.clone() />
                            {c.demo.then(|| view! { <DemoBadge /> })}
                        </div>
                        <SourceNote
                            live=c.live
                            subject=c.cluster.clone()
                            status=c.status.clone()
                            as_of=c.as_of
                            age=c.age
                        />
                        <DataTable
                            caption=format!("Workloads in {}", c.cluster)
                            columns=Column::new_all(
                                &["Workload", "Ready", "Restarts", "Images", "Recent warnings"],
                            )
                            rows=c.workloads
                            row=runtime_row
                            empty="Nothing of it runs here."
                        />
                    </section>
                }
            })
            .collect_view()}
    }
}

/// Removes an orphan from the catalog, after the source stopped listing it: a plain
/// form (no script); a removal goes on to the catalog, a refusal comes back here with
/// its reason.
#[component]
fn RemoveOrphan(entity: EntityRef) -> impl IntoView {
    let remove = ServerAction::<RemoveCatalogEntity>::new();
    let error = Signal::derive(move || remove.value().get().and_then(Result::err).map(|e| e.to_string()));
    view! {
        <ActionForm action=remove attr:class="flex items-center gap-3">
            <input type="hidden" name="kind" value=entity.kind.key_name() />
            <input type="hidden" name="namespace" value=entity.namespace.clone() />
            <input type="hidden" name="name" value=entity.name.clone() />
            <button type="submit" class=format!("{DANGER} border border-red-300 dark:border-red-800")>
                "Remove from the catalog"
            </button>
            <FormError message=error />
        </ActionForm>
    }
}
