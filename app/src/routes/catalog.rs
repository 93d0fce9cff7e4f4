//! `/catalog`: every entity, filtered through the URL (so any view is a link to
//! share), with facet counts, typo-tolerant search and cursor pages. Plain links and
//! GET forms: it works before (and without) the WebAssembly.

pub mod edit;
pub mod entity;
pub mod graph;
pub mod import;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use parkway_types::{CatalogParams, Facet, Sort};

use crate::components::form::GetForm;
use crate::components::icons::Icon;
use crate::components::loaded::loaded;
use crate::components::page::{EmptyState, PageHeader};
use crate::components::style::{
    CARD, CHIP, CHOICE_OFF, CHOICE_ON, FOCUS_RING, INPUT, LABEL, LINK, PRIMARY, SECONDARY, TD, choice,
};
use crate::components::table::{Column, DataTable};
use crate::serverfns::AppError;
use crate::serverfns::catalog::{CatalogRow, CatalogView, FacetGroup, list_catalog};
use const_format::concatcp;

/// Classes of what the page repeats per row and per facet value, joined once.
const TAG_LINK: &str = concatcp!(CHIP, " ", FOCUS_RING);
const NAME_LINK: &str = concatcp!(LINK, " whitespace-nowrap rounded ", FOCUS_RING);
const OWNER_LINK: &str = concatcp!(LINK, " rounded ", FOCUS_RING);
const TD_NOWRAP: &str = concatcp!(TD, " whitespace-nowrap");
const TD_TIME: &str = concatcp!(TD, " whitespace-nowrap tabular-nums");
const FACET_ON: &str = concatcp!("flex justify-between ", CHOICE_ON, " ", FOCUS_RING);
const FACET_OFF: &str = concatcp!("flex justify-between ", CHOICE_OFF, " ", FOCUS_RING);

/// Each tag as a link to everything with that tag.
fn tag_links(tags: Vec<String>) -> impl IntoView {
    tags.into_iter()
        .map(|t| {
            let href = CatalogParams::tagged(&t);
            view! {
                <a href=href class=TAG_LINK>
                    {t}
                </a>
            }
        })
        .collect_view()
}

/// "1 entity", "3 entities".
fn entities(n: i64) -> String {
    format!("{n} {}", if n == 1 { "entity" } else { "entities" })
}

/// Why descriptors were refused: the summary, then one `file:line:column — field —
/// reason` per line, as a list a screen reader announces.
#[component]
pub(crate) fn Problems(id: &'static str, error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|e| {
            let text = e.for_field("descriptors").unwrap_or_else(|| e.to_string());
            let mut lines = text.lines().map(str::to_owned);
            let summary = lines.next().unwrap_or_default();
            let problems: Vec<String> = lines.collect();
            view! {
                <div
                    id=id
                    role="alert"
                    data-testid="problems"
                    class="rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100"
                >
                    <p class="font-semibold">{summary}</p>
                    {(!problems.is_empty())
                        .then(|| {
                            view! {
                                <ul class="mt-2 list-disc space-y-1 pl-5 font-mono text-xs">
                                    {problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                                </ul>
                            }
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
                kind: get(Facet::Kind.param()),
                owner: get(Facet::Owner.param()),
                business_unit: get(Facet::BusinessUnit.param()),
                lifecycle: get(Facet::Lifecycle.param()),
                tier: get(Facet::Tier.param()),
                tag: get(Facet::Tag.param()),
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
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-500">"Loading the catalog…"</p> }
        }>
            {move || loaded(async move {
                let view = page.await?;
                Ok::<_, AppError>(view! { <Catalog view params=params() /> })
            })}
        </Suspense>
    }
}

/// One facet's values as links that choose (or, when chosen, drop) the value.
#[component]
fn FacetList(facet: FacetGroup, params: CatalogParams) -> impl IntoView {
    let chosen = params.facet(facet.facet).to_owned();
    let heading_id = format!("facet-{}", facet.facet.param());
    let labelled_by = heading_id.clone();
    view! {
        <section aria-labelledby=labelled_by>
            <h2
                id=heading_id
                class="text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400"
            >
                {facet.facet.label()}
            </h2>
            <ul class="mt-2 space-y-1 text-sm">
                {facet
                    .values
                    .into_iter()
                    .map(|v| {
                        let on = chosen == v.value;
                        let href = params.url_with_facet(facet.facet, if on { "" } else { &v.value });
                        view! {
                            <li>
                                <a
                                    href=href
                                    class=if on { FACET_ON } else { FACET_OFF }
                                    aria-current=on.then_some("true")
                                >
                                    <span class="truncate">{v.label}</span>
                                    <span class="ml-2 tabular-nums text-slate-500 dark:text-slate-400">
                                        {v.count}
                                    </span>
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

/// The search box: a GET form, a client-side navigation once the page is hydrated,
/// keeping the chosen filters and order.
#[component]
fn SearchForm(params: CatalogParams) -> impl IntoView {
    let kept: Vec<(&'static str, String)> = Facet::ALL
        .into_iter()
        .map(|f| (f.param(), params.facet(f).to_owned()))
        .chain([("sort", params.sort.clone())])
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let narrowed = params.narrowed();
    view! {
        <GetForm action="/catalog" class=format!("{CARD} !mt-0 flex flex-wrap items-end gap-3")>
            {kept
                .into_iter()
                .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
                .collect_view()}
            <div class="min-w-64 flex-1">
                <label for="catalog-search" class=LABEL>
                    "Search names, titles, descriptions and tags"
                </label>
                <input
                    id="catalog-search"
                    name="q"
                    type="search"
                    class=INPUT
                    value=params.q.clone()
                    placeholder="e.g. checkout, payments, postgres"
                />
            </div>
            <button type="submit" class=PRIMARY>
                "Search"
            </button>
            {narrowed
                .then(|| {
                    view! {
                        <a href="/catalog" class=SECONDARY>
                            "Clear all"
                        </a>
                    }
                })}
        </GetForm>
    }
}

fn catalog_row(row: CatalogRow, by_updated: bool) -> impl IntoView {
    view! {
        <tr>
            <td class=TD>
                <a href=row.entity.href() class=NAME_LINK>
                    {row.entity.label()}
                </a>
                {row
                    .orphaned
                    .then(|| {
                        view! {
                            <span class="ml-2 text-xs font-medium text-amber-700 dark:text-amber-300">
                                "orphaned"
                            </span>
                        }
                    })}
                {row
                    .description
                    .map(|d| {
                        view! {
                            <p class="mt-0.5 max-w-md text-xs text-slate-500 dark:text-slate-400">{d}</p>
                        }
                    })}
            </td>
            <td class=TD>{row.entity.kind.key_name()}</td>
            <td class=TD>
                {row
                    .owner
                    .map(|o| {
                        view! {
                            <a href=o.href() class=OWNER_LINK>
                                {o.label()}
                            </a>
                        }
                    })}
            </td>
            <td class=TD>{row.lifecycle.unwrap_or_default()}</td>
            <td class=TD_NOWRAP>{row.tier.unwrap_or_default()}</td>
            <td class=TD>
                <span class="flex flex-wrap gap-1">{tag_links(row.tags)}</span>
            </td>
            {by_updated
                .then(|| {
                    view! { <td class=TD_TIME>{row.updated.clone()}</td> }
                })}
        </tr>
    }
}

#[component]
fn Catalog(view: CatalogView, params: CatalogParams) -> impl IntoView {
    let searching = params.searching();
    let order = params.order();
    let by_updated = order == Sort::Updated;
    if view.total == 0 && !params.narrowed() {
        return view! {
            <EmptyState icon=Icon::Catalog title="The catalog is empty">
                <p>
                    "Entities appear once their catalog-info.yaml descriptors are imported — the same files Backstage uses — from the import page, the API (POST /api/v1/catalog/import) or the CLI (parkway catalog import FILE…)."
                </p>
                {view
                    .can_import
                    .then(|| {
                        view! {
                            <a href="/catalog/import" class=format!("{PRIMARY} mt-4")>
                                "Import descriptors"
                            </a>
                        }
                    })}
            </EmptyState>
        }
        .into_any();
    }
    let next = view.next_cursor.clone().map(|c| {
        let base = params.url();
        let join = if base.contains('?') { '&' } else { '?' };
        format!("{base}{join}cursor={}", parkway_types::url::encode(&c))
    });
    let mut columns =
        vec![Column::new("Name").sorted(params.with_sort(Sort::Name).url(), order == Sort::Name, false)];
    columns.extend(Column::new_all(&["Kind", "Owner", "Lifecycle", "Tier", "Tags"]));
    if by_updated {
        columns.push(Column::new("Updated").sorted(params.with_sort(Sort::Updated).url(), true, true));
    }
    let facets: Vec<FacetGroup> = view.facets.into_iter().filter(|f| !f.values.is_empty()).collect();
    view! {
        <div class="mt-6 grid gap-6 lg:grid-cols-[16rem_1fr]">
            <aside aria-label="Filters" class="space-y-5">
                {facets
                    .into_iter()
                    .map(|facet| view! { <FacetList facet params=params.clone() /> })
                    .collect_view()}
            </aside>
            <section aria-labelledby="results-title">
                <SearchForm params=params.clone() />
                <div class="mt-6 flex flex-wrap items-center justify-between gap-3">
                    <h2
                        id="results-title"
                        class="text-sm text-slate-600 dark:text-slate-300"
                        data-testid="result-count"
                    >
                        {entities(view.total)}
                    </h2>
                    <nav aria-label="Order" class="ml-auto flex items-center gap-1 text-sm">
                        <span class="mr-1 text-slate-500 dark:text-slate-400">"Order:"</span>
                        {Sort::ALL
                            .into_iter()
                            .filter(|sort| sort.offered(searching))
                            .map(|sort| {
                                let on = order == sort;
                                view! {
                                    <a
                                        href=params.with_sort(sort).url()
                                        class=format!("{} {FOCUS_RING}", choice(on))
                                        aria-current=on.then_some("true")
                                    >
                                        {sort.label()}
                                    </a>
                                }
                            })
                            .collect_view()}
                    </nav>
                    {view
                        .can_import
                        .then(|| {
                            view! {
                                <a href="/catalog/import" class=SECONDARY>
                                    "Import descriptors"
                                </a>
                            }
                        })}
                </div>
                <div class=format!("{CARD} !mt-3")>
                    <DataTable
                        caption=format!("Catalog entities, {}", entities(view.total))
                        columns
                        rows=view.rows
                        row=move |row| catalog_row(row, by_updated)
                        empty="Nothing matches. Remove a filter or try other words."
                        testid="catalog-table"
                    />
                </div>
                {next
                    .map(|href| {
                        view! {
                            <nav aria-label="Pages" class="mt-4 flex justify-end">
                                <a href=href class=SECONDARY rel="next">
                                    "Next page →"
                                </a>
                            </nav>
                        }
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
