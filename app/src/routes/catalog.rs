//! `/catalog`: every entity, filtered through the URL (so any view is a link to
//! share), with facet counts, typo-tolerant search and cursor pages. Plain links and
//! GET forms: it works before (and without) the WebAssembly.

pub mod edit;
pub mod entity;
pub mod graph;
pub mod import;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::form::{CARD, INPUT, LABEL, PRIMARY, SECONDARY, TABLE, TD, TH};
use crate::components::icons::Icon;
use crate::components::layout::FOCUS_RING;
use crate::components::page::{EmptyState, PageHeader};
use crate::routes::encode;
use crate::serverfns::AppError;
use crate::serverfns::catalog::{CatalogParams, CatalogView, list_catalog};

const LINK: &str = "font-medium text-emerald-800 underline-offset-2 hover:underline dark:text-emerald-300";
const CHIP: &str = "inline-flex items-center rounded-full bg-slate-100 px-2 py-0.5 text-xs text-slate-700 dark:bg-slate-800 dark:text-slate-200";

/// The URL of the catalog with `params`, optionally one parameter changed.
fn catalog_url(params: &CatalogParams, change: Option<(&str, &str)>) -> String {
    let mut pairs = vec![
        ("kind", params.kind.as_str()),
        ("owner", params.owner.as_str()),
        ("business_unit", params.business_unit.as_str()),
        ("lifecycle", params.lifecycle.as_str()),
        ("tier", params.tier.as_str()),
        ("tag", params.tag.as_str()),
        ("q", params.q.as_str()),
        ("sort", params.sort.as_str()),
    ];
    if let Some((name, value)) = change {
        for pair in &mut pairs {
            if pair.0 == name {
                pair.1 = value;
            }
        }
    }
    let query: Vec<String> = pairs
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    if query.is_empty() {
        "/catalog".to_owned()
    } else {
        format!("/catalog?{}", query.join("&"))
    }
}

/// "1 entity", "3 entities".
fn entities(n: i64) -> String {
    format!("{n} {}", if n == 1 { "entity" } else { "entities" })
}

/// Why descriptors were refused: the summary, then one `file:line:column — field —
/// reason` per line, as a list a screen reader announces.
#[component]
fn Problems(id: &'static str, error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|e| {
            let text = e.for_field("descriptors").unwrap_or_else(|| e.to_string());
            let mut lines = text.lines().map(str::to_owned);
            let summary = lines.next().unwrap_or_default();
            let problems: Vec<String> = lines.collect();
            view! {
                <div id=id role="alert" data-testid="problems" class="rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100">
                    <p class="font-semibold">{summary}</p>
                    {(!problems.is_empty()).then(|| view! {
                        <ul class="mt-2 list-disc space-y-1 pl-5 font-mono text-xs">
                            {problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                        </ul>
                    })}
                </div>
            }
        })
    }
}

#[component]
pub fn CatalogPage() -> impl IntoView {
    let query = use_query_map();
    let params = move || {
        query.with(|q| {
            let get = |k: &str| q.get(k).unwrap_or_default();
            CatalogParams {
                kind: get("kind"),
                owner: get("owner"),
                business_unit: get("business_unit"),
                lifecycle: get("lifecycle"),
                tier: get("tier"),
                tag: get("tag"),
                q: get("q"),
                sort: get("sort"),
            }
        })
    };
    let cursor = move || query.with(|q| q.get("cursor")).unwrap_or_default();
    let page = Resource::new(
        move || (params(), cursor()),
        |(params, cursor)| list_catalog(params, cursor),
    );
    view! {
        <PageHeader
            title="Catalog"
            description="Every service, API, resource and team, with owners, relations and how each is running. Filters live in the URL: share any view as a link."
        />
        <Suspense fallback=|| view! { <p class="mt-6 text-sm text-slate-500">"Loading the catalog…"</p> }>
            {move || Suspend::new(async move {
                let view = page.await?;
                Ok::<_, AppError>(view! { <Catalog view params=params() /> })
            })}
        </Suspense>
    }
}

#[component]
fn Catalog(view: CatalogView, params: CatalogParams) -> impl IntoView {
    let filtered = CatalogParams {
        sort: String::new(),
        ..params.clone()
    } != CatalogParams::default();
    let searching = !params.q.trim().is_empty();
    let by_updated = params.sort == "updated";
    // The orders offered: relevance only when there are words to be relevant to.
    let orders: Vec<(&str, &str)> = [
        ("relevance", "Best match"),
        ("name", "Name"),
        ("updated", "Recently updated"),
    ]
    .into_iter()
    .filter(|(value, _)| searching || *value != "relevance")
    .collect();
    let chosen = match params.sort.as_str() {
        "" | "relevance" if !searching => "name".to_owned(),
        "" => "relevance".to_owned(),
        other => other.to_owned(),
    };
    if view.total == 0 && !filtered {
        return view! {
            <EmptyState icon=Icon::Catalog title="The catalog is empty">
                <p>"Entities appear once their catalog-info.yaml descriptors are imported — the same files Backstage uses — from the import page, the API (POST /api/v1/catalog/import) or the CLI (parkway catalog import FILE…)."</p>
                {view.can_import.then(|| view! { <a href="/catalog/import" class=format!("{PRIMARY} mt-4")>"Import descriptors"</a> })}
            </EmptyState>
        }
        .into_any();
    }
    let hidden = [
        ("kind", params.kind.clone()),
        ("owner", params.owner.clone()),
        ("business_unit", params.business_unit.clone()),
        ("lifecycle", params.lifecycle.clone()),
        ("tier", params.tier.clone()),
        ("tag", params.tag.clone()),
        ("sort", params.sort.clone()),
    ];
    let next = view.next_cursor.clone().map(|c| {
        let base = catalog_url(&params, None);
        let join = if base.contains('?') { '&' } else { '?' };
        format!("{base}{join}cursor={}", encode(&c))
    });
    view! {
        <div class="mt-6 grid gap-6 lg:grid-cols-[16rem_1fr]">
            <aside aria-label="Filters" class="space-y-5">
                {view.facets.into_iter().filter(|f| !f.values.is_empty()).map(|facet| {
                    let active = match facet.param.as_str() {
                        "kind" => params.kind.clone(),
                        "owner" => params.owner.clone(),
                        "business_unit" => params.business_unit.clone(),
                        "lifecycle" => params.lifecycle.clone(),
                        "tier" => params.tier.clone(),
                        "tag" => params.tag.clone(),
                        _ => String::new(),
                    };
                    let params = params.clone();
                    let heading_id = format!("facet-{}", facet.param);
                    let labelled_by = heading_id.clone();
                    view! {
                        <section aria-labelledby=labelled_by>
                            <h2 id=heading_id class="text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">{facet.label.clone()}</h2>
                            <ul class="mt-2 space-y-1 text-sm">
                                {facet.values.into_iter().map(|(value, display, count)| {
                                    let on = active == value;
                                    let href = catalog_url(&params, Some((&facet.param, if on { "" } else { &value })));
                                    let class = if on {
                                        format!("flex justify-between rounded px-2 py-1 bg-emerald-50 font-semibold text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100 {FOCUS_RING}")
                                    } else {
                                        format!("flex justify-between rounded px-2 py-1 text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800 {FOCUS_RING}")
                                    };
                                    view! {
                                        <li>
                                            <a href=href class=class aria-current=on.then_some("true")>
                                                <span class="truncate">{display}</span>
                                                <span class="ml-2 tabular-nums text-slate-500 dark:text-slate-400">{count}</span>
                                            </a>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </section>
                    }
                }).collect_view()}
            </aside>
            <section aria-labelledby="results-title">
                <form method="get" action="/catalog" role="search" class=format!("{CARD} !mt-0 flex flex-wrap items-end gap-3")>
                    {hidden.into_iter().filter(|(_, v)| !v.is_empty()).map(|(name, value)| view! { <input type="hidden" name=name value=value /> }).collect_view()}
                    <div class="min-w-64 flex-1">
                        <label for="catalog-search" class=LABEL>"Search names, titles, descriptions and tags"</label>
                        <input id="catalog-search" name="q" type="search" class=INPUT value=params.q.clone() placeholder="e.g. checkout, payments, postgres" />
                    </div>
                    <button type="submit" class=PRIMARY>"Search"</button>
                    {filtered.then(|| view! { <a href="/catalog" class=SECONDARY>"Clear all"</a> })}
                </form>
                <div class="mt-6 flex flex-wrap items-center justify-between gap-3">
                    <h2 id="results-title" class="text-sm text-slate-600 dark:text-slate-300" data-testid="result-count">
                        {entities(view.total)}
                    </h2>
                    <nav aria-label="Order" class="ml-auto flex items-center gap-1 text-sm">
                        <span class="mr-1 text-slate-500 dark:text-slate-400">"Order:"</span>
                        {orders.into_iter().map(|(value, label)| {
                            let on = chosen == value;
                            let href = catalog_url(&params, Some(("sort", value)));
                            let class = if on {
                                format!("rounded px-2 py-1 bg-emerald-50 font-semibold text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100 {FOCUS_RING}")
                            } else {
                                format!("rounded px-2 py-1 text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800 {FOCUS_RING}")
                            };
                            view! { <a href=href class=class aria-current=on.then_some("true")>{label}</a> }
                        }).collect_view()}
                    </nav>
                    {view.can_import.then(|| view! { <a href="/catalog/import" class=SECONDARY>"Import descriptors"</a> })}
                </div>
                {if view.rows.is_empty() {
                    view! { <p class="mt-3 text-sm text-slate-600 dark:text-slate-300">"Nothing matches. Remove a filter or try other words."</p> }.into_any()
                } else {
                    view! {
                        <div class=format!("{CARD} !mt-3 overflow-x-auto")>
                            <table class=TABLE data-testid="catalog-table">
                                <thead><tr>
                                    <th scope="col" class=TH>"Name"</th>
                                    <th scope="col" class=TH>"Kind"</th>
                                    <th scope="col" class=TH>"Owner"</th>
                                    <th scope="col" class=TH>"Lifecycle"</th>
                                    <th scope="col" class=TH>"Tier"</th>
                                    <th scope="col" class=TH>"Tags"</th>
                                    {by_updated.then(|| view! { <th scope="col" class=TH>"Updated"</th> })}
                                </tr></thead>
                                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                                    {view.rows.into_iter().map(|row| view! {
                                        <tr>
                                            <td class=TD>
                                                <a href=row.link.href.clone() class=format!("{LINK} whitespace-nowrap rounded {FOCUS_RING}")>{row.link.label.clone()}</a>
                                                {row.orphaned.then(|| view! { <span class="ml-2 text-xs font-medium text-amber-700 dark:text-amber-300">"orphaned"</span> })}
                                                {row.description.map(|d| view! { <p class="mt-0.5 max-w-md text-xs text-slate-500 dark:text-slate-400">{d}</p> })}
                                            </td>
                                            <td class=TD>{row.link.kind.clone()}</td>
                                            <td class=TD>{row.owner.map(|o| view! { <a href=o.href class=format!("{LINK} rounded {FOCUS_RING}")>{o.label}</a> })}</td>
                                            <td class=TD>{row.lifecycle.unwrap_or_default()}</td>
                                            <td class=format!("{TD} whitespace-nowrap")>{row.tier.unwrap_or_default()}</td>
                                            <td class=TD>
                                                <span class="flex flex-wrap gap-1">
                                                    {row.tags.into_iter().map(|t| view! { <span class=CHIP>{t}</span> }).collect_view()}
                                                </span>
                                            </td>
                                            {by_updated.then(|| view! { <td class=format!("{TD} whitespace-nowrap tabular-nums")>{row.updated.clone()}</td> })}
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                }}
                {next.map(|href| view! {
                    <nav aria-label="Pages" class="mt-4 flex justify-end">
                        <a href=href class=SECONDARY rel="next">"Next page →"</a>
                    </nav>
                })}
            </section>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_entity_is_singular() {
        assert_eq!(super::entities(1), "1 entity");
        assert_eq!(super::entities(0), "0 entities");
        assert_eq!(super::entities(12), "12 entities");
    }
}
