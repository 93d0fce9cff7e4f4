//! `/evidence`: pick a business unit (or the enterprise) and a period, read the pack's
//! summary (which controls held, and the rows behind every exception), and download
//! the pack. The URL holds the choice, so a summary is a link; the form is a plain
//! GET form that works without JavaScript.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use parkway_types::views::evidence::{
    ControlResult, EvidenceChoices, EvidenceSummary, ExceptionRow, PackFile,
};

use crate::components::form::GetForm;
use crate::components::loaded::loaded;
use crate::components::page::PageHeader;
use crate::components::style::{CARD, CARD_TITLE, FOCUS_RING, INPUT, LABEL, LINK, PILL, PRIMARY, TD, TERM};
use crate::components::table::{Column, DataTable};
use crate::serverfns::AppError;
use crate::serverfns::evidence::{load_evidence_choices, load_evidence_summary};

#[component]
pub fn EvidencePage() -> impl IntoView {
    let query = use_query_map();
    let field = move |name: &str| query.with(|q| q.get(name)).unwrap_or_default();
    let choices = Resource::new(|| (), |()| load_evidence_choices());
    let asked = move || !field("from").is_empty() || !field("to").is_empty();
    let summary = Resource::new(
        move || (field("business_unit"), field("from"), field("to")),
        |(unit, from, to)| async move {
            if from.is_empty() && to.is_empty() {
                Ok(None)
            } else {
                load_evidence_summary(unit, from, to).await.map(Some)
            }
        },
    );
    view! {
        <PageHeader
            title="Evidence"
            description="A verifiable evidence pack per business unit and period: who could do what, the guardrails in force and who approved them, what changed, what was monitored, how delivery went, and the audit trail with its signed chain head. For security approvers, leaders and platform admins."
        />
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-500">"Loading…"</p> }
        }>
            {move || loaded(async move {
                let choices = choices.await?;
                let or_default = |name: &str, default: &str| {
                    let value = field(name);
                    if value.is_empty() { default.to_owned() } else { value }
                };
                let from = or_default("from", &choices.default_from);
                let to = or_default("to", &choices.default_to);
                let chosen = field("business_unit");
                Ok::<_, AppError>(view! { <PackForm choices chosen from to /> })
            })}
        </Suspense>
        <Suspense fallback=move || {
            asked()
                .then(|| {
                    view! {
                        <p class="mt-6 text-sm text-slate-500">
                            "Reading the period and verifying the audit chain…"
                        </p>
                    }
                })
        }>
            {move || loaded(async move {
                let summary = summary.await?;
                Ok::<
                    _,
                    AppError,
                >(
                    match summary {
                        Some(summary) => view! { <Summary summary /> }.into_any(),
                        None => {
                            view! {
                                <p class="mt-6 max-w-3xl text-sm text-slate-600 dark:text-slate-300">
                                    "Choose a business unit and a period (at most a year), then review the pack: every control it checks, with the rows behind each exception, and the download."
                                </p>
                            }
                                .into_any()
                        }
                    },
                )
            })}
        </Suspense>
    }
}

/// The choice of unit and period, filled in with the current one (or the defaults).
#[component]
fn PackForm(choices: EvidenceChoices, chosen: String, from: String, to: String) -> impl IntoView {
    view! {
        <GetForm action="/evidence" class=format!("{CARD} mt-6 grid gap-4 sm:grid-cols-4")>
            <div class="sm:col-span-2">
                <label for="evidence-unit" class=LABEL>
                    "Business unit"
                </label>
                <select id="evidence-unit" name="business_unit" class=INPUT>
                    {choices
                        .units
                        .into_iter()
                        .map(|u| {
                            let selected = u.value == chosen;
                            view! {
                                <option value=u.value selected=selected>
                                    {u.label}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <div>
                <label for="evidence-from" class=LABEL>
                    "From (UTC)"
                </label>
                <input id="evidence-from" name="from" type="date" class=INPUT value=from required />
            </div>
            <div>
                <label for="evidence-to" class=LABEL>
                    "To (UTC, inclusive)"
                </label>
                <input id="evidence-to" name="to" type="date" class=INPUT value=to required />
            </div>
            <div class="sm:col-span-4">
                <button type="submit" class=PRIMARY>
                    "Review pack"
                </button>
            </div>
        </GetForm>
    }
}

#[component]
fn Summary(summary: EvidenceSummary) -> impl IntoView {
    let held = summary.controls.iter().filter(|c| c.held).count();
    let total = summary.controls.len();
    let chain = summary.chain.clone();
    view! {
        <section class=format!("{CARD} mt-6") aria-labelledby="pack-title" data-testid="evidence-summary">
            <div class="flex flex-wrap items-start justify-between gap-4">
                <div>
                    <h2 id="pack-title" class=CARD_TITLE>
                        {format!("{}, {} to {}", summary.scope_title, summary.from, summary.to)}
                    </h2>
                    <p class=format!(
                        "mt-1 text-sm {TERM}",
                    )>
                        {format!("{held} of {total} controls held · ")}
                        {format!(
                            "{} audit events in the period; the whole chain ({} events, head {}) ",
                            chain.events_in_period,
                            chain.rows_verified,
                            chain.head_id,
                        )} {if chain.intact { "verified intact" } else { "FAILED verification" }}
                    </p>
                </div>
                <a href=summary.download.clone() class=PRIMARY download data-testid="evidence-download">
                    "Download evidence pack (.zip)"
                </a>
            </div>
            <p class=format!(
                "mt-3 text-sm {TERM}",
            )>
                "Every file's SHA-256 is in manifest.json, signed with HMAC-SHA256 under PARKWAY_AUDIT_KEY. Check a downloaded pack with "
                <code class="font-mono text-xs">"parkway evidence verify PACK.zip"</code> "."
            </p>
            {summary
                .ephemeral_key
                .then(|| {
                    view! {
                        <p
                            role="note"
                            class="mt-3 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-200"
                        >
                            "This server has no PARKWAY_AUDIT_KEY: it signs with a random key that changes on every start, so a pack's signatures cannot be checked after a restart. Configure the key before relying on packs."
                        </p>
                    }
                })}
        </section>
        <section class="mt-6" aria-labelledby="controls-title">
            <h2 id="controls-title" class=CARD_TITLE>
                "Controls"
            </h2>
            <ul class="mt-3 space-y-4">
                {summary.controls.into_iter().map(|c| view! { <Control control=c /> }).collect_view()}
            </ul>
        </section>
        <section class=format!("{CARD} mt-6") aria-labelledby="files-title">
            <h2 id="files-title" class=CARD_TITLE>
                "Files in the pack"
            </h2>
            <DataTable
                caption="Files in the evidence pack"
                columns=Column::new_all(&["File", "Rows", "Bytes"])
                rows=summary.files
                row=file_row
                empty="The pack has no files."
                testid="evidence-files"
            />
        </section>
    }
}

#[component]
fn Control(control: ControlResult) -> impl IntoView {
    let (tone, word) = if control.held {
        (
            "bg-emerald-50 text-emerald-800 ring-emerald-600/30 dark:bg-emerald-950 dark:text-emerald-200 dark:ring-emerald-400/40",
            "held".to_owned(),
        )
    } else {
        (
            "bg-red-50 text-red-800 ring-red-600/30 dark:bg-red-950 dark:text-red-200 dark:ring-red-400/40",
            format!(
                "{} exception{}",
                control.exceptions_total,
                if control.exceptions_total == 1 { "" } else { "s" }
            ),
        )
    };
    let checked = match control.checked {
        0 => "nothing to check in this period".to_owned(),
        n => format!("{n} checked"),
    };
    let listed = control.exceptions.len() as u64;
    let more = (control.exceptions_total > listed).then(|| {
        format!(
            "The first {listed} of {} are listed; the pack has every row.",
            control.exceptions_total
        )
    });
    let id = control.id.clone();
    view! {
        <li class=CARD data-testid=format!("control-{id}") data-held=control.held.to_string()>
            <div class="flex flex-wrap items-center gap-3">
                <span class=format!("{PILL} {tone}")>
                    <span class="h-1.5 w-1.5 rounded-full bg-current" aria-hidden="true"></span>
                    {word}
                </span>
                <h3 class="font-medium text-slate-900 dark:text-white">{control.title}</h3>
                <span class=format!("text-xs {TERM}")>{checked}</span>
            </div>
            {(!control.exceptions.is_empty())
                .then(|| {
                    view! {
                        <DataTable
                            caption=format!("Exceptions: {id}")
                            columns=Column::new_all(&["Row in the pack", "Exception", ""])
                            rows=control.exceptions
                            row=exception_row
                            empty=""
                        />
                    }
                })}
            {more.map(|m| view! { <p class=format!("mt-2 text-xs {TERM}")>{m}</p> })}
        </li>
    }
}

fn exception_row(row: ExceptionRow) -> impl IntoView {
    let label = format!("Open: {}", row.what);
    view! {
        <tr>
            <td class=format!(
                "{TD} whitespace-nowrap font-mono text-xs",
            )>{format!("{} line {}", row.file, row.line)}</td>
            <td class=TD>{row.what}</td>
            <td class=format!(
                "{TD} whitespace-nowrap",
            )>
                {row
                    .href
                    .map(|href| {
                        view! {
                            <a
                                href=href
                                class=format!("{LINK} {FOCUS_RING} rounded")
                                aria-label=label.clone()
                            >
                                "Open"
                            </a>
                        }
                    })}
            </td>
        </tr>
    }
}

fn file_row(file: PackFile) -> impl IntoView {
    view! {
        <tr>
            <td class=format!("{TD} font-mono text-xs")>{file.path}</td>
            <td class=format!("{TD} tabular-nums")>{file.rows}</td>
            <td class=format!("{TD} tabular-nums")>{file.bytes}</td>
        </tr>
    }
}
