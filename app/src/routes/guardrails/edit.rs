//! `/guardrails/new` and `/guardrails/{id}/edit`: a guardrail as its YAML document
//! (the shape `parkway guardrails import` reads), with a live preview of what it will
//! show and every problem with its line and column. Saving writes a new version — a
//! draft, or in review at once with a change note — and never publishes. The form is
//! a plain POST before hydration; the preview then follows the text as it is typed.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::decision_class;
use crate::components::form::DocumentField;
use crate::components::loaded::loaded;
use crate::components::page::{Crumb, PageHeader};
use crate::components::resource::island_resource;
use crate::components::style::{CARD, CARD_TITLE, INPUT, LABEL, PRIMARY, SECONDARY};
use crate::routes::catalog::Problems;
use crate::serverfns::AppError;
use crate::serverfns::guardrails::{
    GuardrailDraftStart, GuardrailPreview, SaveGuardrail, guardrail_editor, preview_guardrail,
};

/// How long typing must pause before the preview asks again.
#[cfg(feature = "hydrate")]
const PREVIEW_AFTER: std::time::Duration = std::time::Duration::from_millis(300);

#[component]
pub fn GuardrailEditPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id")).unwrap_or_default();
    let start = Resource::new(id, guardrail_editor);
    view! {
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-500">"Loading the editor…"</p> }
        }>
            {move || loaded(async move {
                let start = start.await?;
                Ok::<_, AppError>(view! { <Editor start /> })
            })}
        </Suspense>
    }
}

#[component]
fn Editor(start: GuardrailDraftStart) -> impl IntoView {
    let GuardrailDraftStart { id, based_on, yaml } = start;
    let id_text = id.map(|i| i.to_string()).unwrap_or_default();
    let (title, trail, back) = match id {
        Some(id) => (
            format!("Edit {id}"),
            vec![
                Crumb::to("Guardrails", "/guardrails"),
                Crumb::owned(id.to_string(), format!("/guardrails/{id}")),
            ],
            format!("/guardrails/{id}"),
        ),
        None => (
            "New guardrail".to_owned(),
            vec![Crumb::to("Guardrails", "/guardrails")],
            "/guardrails".to_owned(),
        ),
    };
    let based_on = based_on.map(|v| v.to_string()).unwrap_or_default();
    let describe = if id.is_some() {
        "Saving writes a new version: a draft, or submitted for review with a change note. A second person approves before anyone publishes."
    } else {
        "Write the guardrail as a YAML document. Saving creates it as a draft, or submits it for review with a change note."
    };
    view! {
        <PageHeader title=title description=describe trail=trail />
        <EditorForm id=id_text based_on yaml back />
    }
}

/// The document form beside its live preview: an island, so the preview follows the
/// text as it is typed and problems show without a reload; a save goes on to the
/// guardrail's page.
#[island]
fn EditorForm(id: String, based_on: String, yaml: String, back: String) -> impl IntoView {
    let id_text = id;
    let save = ServerAction::<SaveGuardrail>::new();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    // The text the preview shows: the document as loaded, then as typed (after a pause).
    let (previewed, set_previewed) = signal(yaml.clone());
    let preview_id = id_text.clone();
    let preview = island_resource(
        move || previewed.get(),
        move |text| preview_guardrail(preview_id.clone(), text),
    );
    #[cfg(feature = "hydrate")]
    let typed = {
        let pending = StoredValue::new(None::<leptos::prelude::TimeoutHandle>);
        move |text: String| {
            if let Some(handle) = pending.get_value() {
                handle.clear();
            }
            let handle = set_timeout_with_handle(move || set_previewed.set(text), PREVIEW_AFTER).ok();
            pending.set_value(handle);
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let typed = move |text: String| set_previewed.set(text);
    view! {
        <div class="mt-6 grid gap-6 xl:grid-cols-2">
            <section class=CARD aria-labelledby="editor-title">
                <h2 id="editor-title" class=CARD_TITLE>
                    "Document"
                </h2>
                <ActionForm action=save attr:class="mt-3 space-y-4">
                    <input type="hidden" name="id" value=id_text />
                    <input type="hidden" name="based_on" value=based_on />
                    <div>
                        <DocumentField
                            id="guardrail-yaml"
                            name="yaml"
                            label="Guardrail (YAML, apiVersion parkway.dev/v1)"
                            rows=30
                            text=yaml
                            described_by="guardrail-problems"
                            on_input=Callback::new(typed)
                        />
                    </div>
                    <div>
                        <label for="guardrail-note" class=LABEL>
                            "Change note (required to submit for review)"
                        </label>
                        <textarea id="guardrail-note" name="note" rows="2" class=INPUT></textarea>
                    </div>
                    <Problems id="guardrail-problems" error=error />
                    <div class="flex flex-wrap gap-3">
                        <button type="submit" name="intent" value="submit" class=PRIMARY>
                            "Save and submit for review"
                        </button>
                        <button type="submit" name="intent" value="draft" class=SECONDARY>
                            "Save draft"
                        </button>
                        <a href=back class=SECONDARY>
                            "Cancel"
                        </a>
                    </div>
                </ActionForm>
            </section>
            <section class=CARD aria-labelledby="preview-title" aria-live="polite">
                <h2 id="preview-title" class=CARD_TITLE>
                    "Preview"
                </h2>
                <Transition fallback=|| {
                    view! { <p class="mt-3 text-sm text-slate-500">"Rendering…"</p> }
                }>
                    {move || loaded(async move {
                        let p = preview.await?;
                        Ok::<_, AppError>(view! { <Preview p /> })
                    })}
                </Transition>
            </section>
        </div>
    }
}

#[component]
fn Preview(p: GuardrailPreview) -> impl IntoView {
    if !p.problems.is_empty() {
        return view! {
            <div
                role="status"
                data-testid="preview-problems"
                class="mt-3 rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100"
            >
                <p class="font-semibold">
                    {format!(
                        "{} problem{} to fix before saving",
                        p.problems.len(),
                        if p.problems.len() == 1 { "" } else { "s" },
                    )}
                </p>
                <ul class="mt-2 list-disc space-y-1 pl-5 font-mono text-xs">
                    {p.problems.into_iter().map(|x| view! { <li>{x}</li> }).collect_view()}
                </ul>
            </div>
        }
        .into_any();
    }
    view! {
        <div data-testid="preview">
            <p class="mt-3 text-xl font-semibold text-slate-900 dark:text-white">
                {format!("{} {}", p.id.map(|i| i.to_string()).unwrap_or_default(), p.title)}
            </p>
            <p class="mt-1 text-slate-700 dark:text-slate-200">{p.objective}</p>
            <ul class="mt-3 flex flex-wrap gap-2 text-sm" aria-label="Decision per risk tier">
                {p
                    .decisions
                    .into_iter()
                    .map(|d| {
                        view! {
                            <li class="flex items-center gap-1">
                                <span class="capitalize text-slate-700 dark:text-slate-200">{d.tier}</span>
                                <span class=decision_class(d.decision)>{d.decision.label()}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <div class="pw-prose mt-4" inner_html=p.body_html></div>
        </div>
    }
    .into_any()
}
