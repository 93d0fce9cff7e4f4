//! `/admin/audit`: browse, filter and export the audit trail. The URL holds the filter,
//! so any view is a link; the filter form is a plain GET form that works without
//! JavaScript.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use parkway_types::url::encode;

use crate::components::loaded::loaded;
use crate::components::page::PageHeader;
use crate::components::style::{CARD, INPUT, LABEL, PRIMARY, SECONDARY, TD};
use crate::components::table::{Column, DataTable};
use crate::serverfns::AppError;
use crate::serverfns::audit::{AuditRow, list_audit_events};

const FIELDS: [(&str, &str, &str, &str); 5] = [
    ("actor", "Actor", "text", "user:ada@example.com"),
    ("action", "Action starts with", "text", "auth."),
    ("target", "Target starts with", "text", "token:"),
    ("from", "From (UTC)", "date", ""),
    ("to", "To (UTC, inclusive)", "date", ""),
];

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let field = move |name: &str| query.with(|q| q.get(name)).unwrap_or_default();
    let events = Resource::new(
        move || {
            (
                field("actor"),
                field("action"),
                field("target"),
                field("from"),
                field("to"),
                field("before").parse::<i64>().ok(),
            )
        },
        |(actor, action, target, from, to, before)| {
            list_audit_events(actor, action, target, from, to, before)
        },
    );
    // Export links and older pages carry the same filter (without the page position).
    let filters = move || {
        FIELDS
            .iter()
            .map(|(name, _, _, _)| (name, field(name)))
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| format!("&{name}={}", encode(&value)))
            .collect::<String>()
    };
    let export = move |format: &str| format!("/api/v1/audit/export?format={format}{}", filters());
    view! {
        <PageHeader
            title="Audit log"
            description="Every sign-in and every change, newest first. Each entry carries the hash of the one before it, and the parkway audit verify command checks the whole chain."
            trail=super::trail()
        />
        <form
            method="get"
            action="/admin/audit"
            class=format!("{CARD} grid gap-4 sm:grid-cols-5")
            aria-label="Filter audit events"
        >
            {FIELDS
                .iter()
                .map(|(name, label, kind, placeholder)| {
                    let id = format!("filter-{name}");
                    view! {
                        <div>
                            <label for=id.clone() class=LABEL>
                                {*label}
                            </label>
                            <input
                                id=id
                                name=*name
                                type=*kind
                                class=INPUT
                                placeholder=*placeholder
                                value=move || field(name)
                            />
                        </div>
                    }
                })
                .collect_view()}
            <div class="flex flex-wrap items-center gap-3 sm:col-span-5">
                <button type="submit" class=PRIMARY>
                    "Apply filters"
                </button>
                <a href="/admin/audit" class=SECONDARY>
                    "Clear"
                </a>
                <span class="ml-auto flex gap-3">
                    <a href=move || export("csv") class=SECONDARY download>
                        "Export CSV"
                    </a>
                    <a href=move || export("json") class=SECONDARY download>
                        "Export JSON"
                    </a>
                </span>
            </div>
        </form>
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-500">"Loading events…"</p> }
        }>
            {move || loaded(async move {
                let page = events.await?;
                let next = page
                    .next_before
                    .map(|before| format!("/admin/audit?before={before}{}", filters()));
                let paged = !field("before").is_empty();
                Ok::<
                    _,
                    AppError,
                >(
                    view! {
                        <section class=CARD aria-labelledby="events-title">
                            <h2 id="events-title" class="sr-only">
                                "Events"
                            </h2>
                            <DataTable
                                caption="Audit events, newest first"
                                columns=Column::new_all(
                                    &["#", "When", "Actor", "Action", "Target", "Details"],
                                )
                                rows=page.rows
                                row=audit_row
                                empty="No events match these filters. Widen the time range or clear a filter."
                                testid="audit-table"
                            />
                            <nav aria-label="Pages" class="mt-4 flex gap-3">
                                {paged
                                    .then(|| {
                                        view! {
                                            <a href="/admin/audit" class=SECONDARY>
                                                "Newest"
                                            </a>
                                        }
                                    })}
                                {next
                                    .map(|href| {
                                        view! {
                                            <a href=href class=SECONDARY rel="next">
                                                "Older events"
                                            </a>
                                        }
                                    })}
                            </nav>
                        </section>
                    },
                )
            })}
        </Suspense>
    }
}

fn audit_row(row: AuditRow) -> impl IntoView {
    view! {
        <tr>
            <td class=format!("{TD} tabular-nums text-slate-500")>{row.id}</td>
            <td class=format!("{TD} whitespace-nowrap tabular-nums")>{row.occurred_at}</td>
            <td class=format!("{TD} whitespace-nowrap")>{row.actor}</td>
            <td class=format!("{TD} whitespace-nowrap font-mono")>{row.action}</td>
            <td class=format!("{TD} whitespace-nowrap font-mono")>{row.target}</td>
            <td class=format!("{TD} max-w-md break-all font-mono text-xs")>{row.details}</td>
        </tr>
    }
}
