//! `/guardrails/{id}/diff?from=&to=&view=`: what changed between two versions, the
//! fields that differ as before/after and the body word by word, side by side or
//! inline. The choice of versions and layout is a GET form: the URL is the state.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use parkway_types::guardrails::Change;

use crate::components::form::GetForm;
use crate::components::loaded::loaded;
use crate::components::page::{Crumb, PageHeader};
use crate::components::style::{CARD, CARD_TITLE, LABEL, PRIMARY, TD, TERM};
use crate::components::table::{Column, DataTable};
use crate::serverfns::AppError;
use crate::serverfns::guardrails::{DiffSpan, FieldDiff, GuardrailDiffView, compare_versions};

const ADDED: &str = "rounded-sm bg-emerald-100 text-emerald-950 underline decoration-emerald-600 decoration-2 dark:bg-emerald-900 dark:text-emerald-50";
const REMOVED: &str =
    "rounded-sm bg-red-100 text-red-950 line-through decoration-red-600 dark:bg-red-900 dark:text-red-50";
const SELECT: &str = "mt-1 block rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm focus:border-emerald-600 focus:outline-none focus:ring-2 focus:ring-emerald-500 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100";

#[component]
pub fn GuardrailDiffPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.with(|p| p.get("id")).unwrap_or_default();
    let number = move |k: &str| query.with(|q| q.get(k)).and_then(|v| v.parse::<u32>().ok());
    let inline = move || query.with(|q| q.get("view")).as_deref() == Some("inline");
    let diff = Resource::new(
        move || (id(), number("from"), number("to")),
        |(id, from, to)| compare_versions(id, from, to),
    );
    view! {
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-500">"Loading…"</p> }
        }>
            {move || loaded(async move {
                let d = diff.await?;
                Ok::<_, AppError>(view! { <Diff d inline=inline() /> })
            })}
        </Suspense>
    }
}

/// The spans a side shows: one side leaves out what the other alone has.
fn spans(body: &[DiffSpan], leave_out: Option<Change>) -> impl IntoView + use<> {
    body.iter()
        .filter(|s| Some(s.change) != leave_out)
        .map(|s| match s.change {
            Change::Same => view! { <span>{s.text.clone()}</span> }.into_any(),
            Change::Added => view! { <ins class=ADDED>{s.text.clone()}</ins> }.into_any(),
            Change::Removed => view! { <del class=REMOVED>{s.text.clone()}</del> }.into_any(),
        })
        .collect_view()
}

fn version_options(versions: &[u32], selected: u32) -> impl IntoView + use<> {
    versions
        .iter()
        .map(|v| {
            view! {
                <option value=v.to_string() selected=*v == selected>
                    {format!("v{v}")}
                </option>
            }
        })
        .collect_view()
}

#[component]
fn Diff(d: GuardrailDiffView, inline: bool) -> impl IntoView {
    let GuardrailDiffView {
        title,
        diff,
        versions,
    } = d;
    let id = diff.id.to_string();
    let page = format!("/guardrails/{id}");
    let (from, to) = (diff.from.version, diff.to.version);
    let heading = if from == to {
        format!("Version {to} is the first: nothing to compare it with")
    } else {
        format!("Changes from version {from} to version {to}")
    };
    let pre = "mt-2 whitespace-pre-wrap break-words rounded-md bg-slate-50 p-3 font-mono text-xs leading-relaxed text-slate-900 dark:bg-slate-950 dark:text-slate-100";
    let body = if !diff.body_changed {
        view! { <p class="mt-3 text-sm text-slate-600 dark:text-slate-300">"The body did not change."</p> }
            .into_any()
    } else if inline {
        view! {
            <pre class=pre data-testid="diff-body">
                {spans(&diff.body, None)}
            </pre>
        }
        .into_any()
    } else {
        view! {
            <div class="mt-3 grid gap-4 lg:grid-cols-2" data-testid="diff-body">
                <div>
                    <h3 class="text-sm font-semibold text-slate-700 dark:text-slate-200">
                        {format!("Version {from}")}
                    </h3>
                    <pre class=pre>{spans(&diff.body, Some(Change::Added))}</pre>
                </div>
                <div>
                    <h3 class="text-sm font-semibold text-slate-700 dark:text-slate-200">
                        {format!("Version {to}")}
                    </h3>
                    <pre class=pre>{spans(&diff.body, Some(Change::Removed))}</pre>
                </div>
            </div>
        }
        .into_any()
    };
    let note = diff.to.change_note.clone().map(|n| {
        view! {
            <p class="mt-2 text-sm text-slate-700 dark:text-slate-200">
                <span class=TERM>"Change note: "</span>
                {n}
            </p>
        }
    });
    view! {
        <PageHeader
            title=format!("{id} {title}")
            description="What changed between two versions: fields as before and after, the body word by word."
            trail=vec![Crumb::to("Guardrails", "/guardrails"), Crumb::owned(id.clone(), page.clone())]
        />
        <GetForm
            action=format!("{page}/diff")
            class="mt-6 flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900"
        >
            <div>
                <label for="diff-from" class=LABEL>
                    "From"
                </label>
                <select id="diff-from" name="from" class=SELECT>
                    {version_options(&versions, from)}
                </select>
            </div>
            <div>
                <label for="diff-to" class=LABEL>
                    "To"
                </label>
                <select id="diff-to" name="to" class=SELECT>
                    {version_options(&versions, to)}
                </select>
            </div>
            <div>
                <label for="diff-view" class=LABEL>
                    "Layout"
                </label>
                <select id="diff-view" name="view" class=SELECT>
                    <option value="side" selected=!inline>
                        "Side by side"
                    </option>
                    <option value="inline" selected=inline>
                        "Inline"
                    </option>
                </select>
            </div>
            <button type="submit" class=PRIMARY>
                "Compare"
            </button>
        </GetForm>
        <section class=format!("{CARD} mt-6") aria-labelledby="diff-title">
            <h2 id="diff-title" class=CARD_TITLE>
                {heading}
            </h2>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-300">
                {format!(
                    "v{from} {} by {} · v{to} {} by {}",
                    diff.from.state.label().to_lowercase(),
                    diff.from.author,
                    diff.to.state.label().to_lowercase(),
                    diff.to.author,
                )}
            </p>
            {note}
            <h3 class="mt-5 text-sm font-semibold text-slate-900 dark:text-white">"Fields"</h3>
            <DataTable
                caption="Fields that differ"
                columns=Column::new_all(&["Field", "Before", "After"])
                rows=diff.fields.clone()
                row=|f: FieldDiff| {
                    let shown = |v: &str| if v.is_empty() { "–".to_owned() } else { v.to_owned() };
                    view! {
                        <tr>
                            <td class=format!(
                                "{TD} whitespace-nowrap font-mono text-xs",
                            )>{f.field.clone()}</td>
                            <td class=TD>
                                <del class=REMOVED>{shown(&f.before)}</del>
                            </td>
                            <td class=TD>
                                <ins class=ADDED>{shown(&f.after)}</ins>
                            </td>
                        </tr>
                    }
                }
                empty="No field other than the body changed."
                testid="diff-fields"
            />
            <h3 class="mt-5 text-sm font-semibold text-slate-900 dark:text-white">"Body"</h3>
            {body}
        </section>
    }
}
