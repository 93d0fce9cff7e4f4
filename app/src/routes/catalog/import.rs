//! `/catalog/import`: paste descriptors or pick `catalog-info.yaml` files and import
//! them as one source, all or nothing, with every problem listed by position.

use leptos::prelude::*;

use super::Problems;
use parkway_types::EntityRef;

use crate::components::form::FieldError;
use crate::components::page::{Crumb, PageHeader};
use crate::components::style::{CARD, CARD_TITLE, FOCUS_RING, INPUT, LABEL, LINK, PRIMARY};
use crate::serverfns::catalog::{ImportCatalog, ImportSummary};

#[component]
pub fn ImportPage() -> impl IntoView {
    view! {
        <PageHeader
            title="Import descriptors"
            description="Backstage catalog-info.yaml files, as they are: paste them or choose files. A file with any problem is refused whole; importing the same source again updates it, and entities it no longer lists become orphans."
            trail=vec![Crumb::to("Catalog", "/catalog")]
        />
        <ImportForm />
    }
}

/// The form and its result: an island, so the summary shows without leaving the page.
#[island]
fn ImportForm() -> impl IntoView {
    let import = ServerAction::<ImportCatalog>::new();
    let error = Signal::derive(move || import.value().get().and_then(Result::err));
    let source_error = Signal::derive(move || error.get().and_then(|e| e.for_field("source")));
    let text = RwSignal::new(String::new());
    let source = RwSignal::new(String::new());
    view! {
        <section class=CARD aria-labelledby="import-title">
            <h2 id="import-title" class="sr-only">
                "Import form"
            </h2>
            <ActionForm action=import attr:class="space-y-4">
                <div class="grid gap-4 sm:grid-cols-2">
                    <div>
                        <label for="source" class=LABEL>
                            "Source"
                        </label>
                        <input
                            id="source"
                            name="source"
                            class=INPUT
                            required
                            bind:value=source
                            placeholder="github.com/acme/shop/catalog-info.yaml"
                            aria-describedby="source-help source-error"
                        />
                        <p id="source-help" class="mt-1 text-xs text-slate-500 dark:text-slate-400">
                            "Where the files live; it names what a later import replaces."
                        </p>
                        <FieldError id="source-error" message=source_error />
                    </div>
                    <div>
                        <label for="files" class=LABEL>
                            "Files (optional)"
                        </label>
                        <FilePicker text source />
                    </div>
                </div>
                <div>
                    <label for="descriptors" class=LABEL>
                        "Descriptors (YAML, several documents separated by ---)"
                    </label>
                    <textarea
                        id="descriptors"
                        name="descriptors"
                        rows="18"
                        spellcheck="false"
                        bind:value=text
                        aria-describedby="descriptors-problems"
                        class=format!("{INPUT} font-mono text-xs")
                        placeholder="apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: checkout\nspec:\n  type: service\n  lifecycle: production\n  owner: team-checkout"
                    ></textarea>
                </div>
                <Problems
                    id="descriptors-problems"
                    error=Signal::derive(move || error.get().filter(|e| e.for_field("source").is_none()))
                />
                <button type="submit" class=PRIMARY>
                    "Import"
                </button>
            </ActionForm>
        </section>
        {move || import.value().get().and_then(Result::ok).map(|summary| view! { <Imported summary /> })}
    }
}

/// Reads chosen files into the text area (their contents joined as documents) and
/// proposes the first file's name as the source. Needs script; pasting does not.
#[component]
fn FilePicker(text: RwSignal<String>, source: RwSignal<String>) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    let on_change = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(files) = input.files() else { return };
        let files: Vec<web_sys::File> = (0..files.length()).filter_map(|i| files.get(i)).collect();
        if let Some(first) = files.first()
            && source.get_untracked().is_empty()
        {
            source.set(first.name());
        }
        leptos::task::spawn_local(async move {
            let mut joined = Vec::new();
            for file in files {
                if let Ok(value) = wasm_bindgen_futures::JsFuture::from(file.text()).await
                    && let Some(content) = value.as_string()
                {
                    joined.push(format!("# {}\n{}", file.name(), content.trim_end()));
                }
            }
            text.set(joined.join("\n---\n"));
        });
    };
    #[cfg(not(feature = "hydrate"))]
    let on_change = move |_: leptos::ev::Event| {
        let _ = (text, source);
    };
    view! {
        <input
            id="files"
            type="file"
            multiple
            accept=".yaml,.yml,application/yaml"
            on:change=on_change
            class="mt-1 block w-full text-sm text-slate-700 file:mr-3 file:rounded-md file:border-0 file:bg-emerald-50 file:px-3 file:py-2 file:text-sm file:font-semibold file:text-emerald-800 hover:file:bg-emerald-100 dark:text-slate-200 dark:file:bg-emerald-950 dark:file:text-emerald-200"
        />
    }
}

#[component]
fn Imported(summary: ImportSummary) -> impl IntoView {
    let list = |title: &'static str, entities: Vec<EntityRef>| {
        (!entities.is_empty()).then(|| {
            view! {
                <div>
                    <h3 class="text-sm font-semibold text-slate-900 dark:text-white">
                        {format!("{title} ({})", entities.len())}
                    </h3>
                    <ul class="mt-1 flex flex-wrap gap-2 text-sm">
                        {entities
                            .into_iter()
                            .take(50)
                            .map(|e| {
                                view! {
                                    <li>
                                        <a href=e.href() class=format!("{LINK} rounded {FOCUS_RING}")>
                                            {e.key()}
                                        </a>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </div>
            }
        })
    };
    view! {
        <section
            role="status"
            class=format!("{CARD} space-y-3")
            aria-labelledby="imported-title"
            data-testid="import-result"
        >
            <h2 id="imported-title" class=CARD_TITLE>
                {format!("Imported {}", summary.source)}
            </h2>
            <p class="text-sm text-slate-600 dark:text-slate-300">
                {format!(
                    "{} created, {} updated, {} unchanged, {} orphaned.",
                    summary.created.len(),
                    summary.updated.len(),
                    summary.unchanged,
                    summary.orphaned.len(),
                )}
            </p>
            {list("Created", summary.created)}
            {list("Updated", summary.updated)}
            {list("Orphaned", summary.orphaned)}
        </section>
    }
}
