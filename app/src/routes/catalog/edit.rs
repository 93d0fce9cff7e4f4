//! `/catalog/{kind}/{namespace}/{name}/edit`: change one entity's descriptor as YAML.
//! The same rules as an import apply; every problem is listed with its position and
//! nothing is saved until there are none. Team owners edit what their team owns.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::Problems;
use crate::components::form::{DocumentField, SaveOrCancel};
use crate::components::loaded::loaded;
use crate::components::page::{Crumb, PageHeader};
use crate::components::style::CARD;
use crate::serverfns::AppError;
use crate::serverfns::catalog::{SaveCatalogEntity, catalog_descriptor};

#[component]
pub fn EditPage() -> impl IntoView {
    let params = use_params_map();
    let part = move |k: &str| params.with(|p| p.get(k)).unwrap_or_default();
    let descriptor = Resource::new(
        move || (part("kind"), part("namespace"), part("name")),
        |(kind, namespace, name)| catalog_descriptor(kind, namespace, name),
    );
    let back = move || format!("/catalog/{}/{}/{}", part("kind"), part("namespace"), part("name"));
    view! {
        {move || {
            view! {
                <PageHeader
                    title=format!("Edit {}", part("name"))
                    description="The descriptor as Backstage reads it. Saving replaces the entity and is audited with before and after. An entity imported from a source is overwritten by that source's next import: change the file there too."
                    trail=vec![Crumb::to("Catalog", "/catalog"), Crumb::owned(part("name"), back())]
                />
            }
        }}
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-500">"Loading the descriptor…"</p> }
        }>
            {move || loaded(async move {
                let text = descriptor.await?;
                Ok::<
                    _,
                    AppError,
                >(
                    view! {
                        <EditForm
                            kind=part("kind")
                            namespace=part("namespace")
                            name=part("name")
                            back=back()
                            text
                        />
                    },
                )
            })}
        </Suspense>
    }
}

/// The descriptor form: an island, so problems show beside it without a reload; a save
/// goes on to the entity's page.
#[island]
fn EditForm(kind: String, namespace: String, name: String, back: String, text: String) -> impl IntoView {
    let save = ServerAction::<SaveCatalogEntity>::new();
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    view! {
        <section class=CARD aria-labelledby="edit-title">
            <h2 id="edit-title" class="sr-only">
                "Edit form"
            </h2>
            <ActionForm action=save attr:class="space-y-4">
                <input type="hidden" name="kind" value=kind />
                <input type="hidden" name="namespace" value=namespace />
                <input type="hidden" name="name" value=name />
                <div>
                    <DocumentField
                        id="descriptor"
                        name="descriptor"
                        label="Descriptor (YAML or JSON)"
                        rows=24
                        text
                        described_by="descriptor-problems"
                    />
                </div>
                <Problems id="descriptor-problems" error=error />
                <SaveOrCancel back />
            </ActionForm>
        </section>
    }
}
