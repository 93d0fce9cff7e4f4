//! `/guardrails/categories`: the CoE-managed list guardrails are filed under. Everyone
//! reads it; coe-editors add categories, rename them (documents keep the slug) and
//! remove those no guardrail version names. Plain forms before hydration.

use leptos::prelude::*;

use crate::components::form::FormError;
use crate::components::loaded::loaded;
use crate::components::page::{Crumb, PageHeader};
use crate::components::style::{CARD, CARD_TITLE, INPUT, LABEL, PRIMARY, SECONDARY, TD};
use crate::components::table::{Column, DataTable};
use crate::serverfns::AppError;
use crate::serverfns::guardrails::{
    AddCategory, Category, CategoryList, RemoveCategory, RenameCategory, list_categories,
};

#[component]
pub fn CategoriesPage() -> impl IntoView {
    view! {
        <PageHeader
            title="Guardrail categories"
            description="The list every guardrail is filed under. Documents name a category by its slug; renaming changes only its title."
            trail=vec![Crumb::to("Guardrails", "/guardrails")]
        />
        <CategoryEditor />
    }
}

/// The list with its forms: plain form posts (no script), answered with a redirect back
/// here, which shows the change, or the refusal (carried in the address).
#[component]
fn CategoryEditor() -> impl IntoView {
    let add = ServerAction::<AddCategory>::new();
    let rename = ServerAction::<RenameCategory>::new();
    let remove = ServerAction::<RemoveCategory>::new();
    let list = Resource::new(
        move || {
            (
                add.version().get(),
                rename.version().get(),
                remove.version().get(),
            )
        },
        |_| list_categories(),
    );
    let error = Signal::derive(move || {
        [
            add.value().get().and_then(Result::err),
            rename.value().get().and_then(Result::err),
            remove.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(|e| e.to_string())
    });
    view! {
        <FormError message=error />
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-500">"Loading…"</p> }
        }>
            {move || loaded(async move {
                let data = list.await?;
                Ok::<_, AppError>(view! { <Categories data add rename remove /> })
            })}
        </Suspense>
    }
}

#[component]
fn Categories(
    data: CategoryList,
    add: ServerAction<AddCategory>,
    rename: ServerAction<RenameCategory>,
    remove: ServerAction<RemoveCategory>,
) -> impl IntoView {
    let CategoryList { categories, may_edit } = data;
    let mut headers = vec!["Title", "Slug", "Guardrail versions"];
    if may_edit {
        headers.extend(["Rename", "Remove"]);
    }
    let row = move |c: Category| {
        let Category {
            slug,
            title,
            versions,
        } = c;
        let manage = may_edit.then(|| manage(slug.clone(), title.clone(), versions, rename, remove));
        view! {
            <tr>
                <td class=format!("{TD} font-medium")>{title}</td>
                <td class=format!("{TD} font-mono text-xs")>{slug}</td>
                <td class=TD>{versions}</td>
                {manage}
            </tr>
        }
    };
    view! {
        <div class=format!("{CARD} mt-6")>
            <DataTable
                caption="Categories, in the order pages list them"
                columns=Column::new_all(&headers)
                rows=categories
                row=row
                empty="No categories: a coe-editor adds the first below."
                testid="categories"
            />
        </div>
        {may_edit
            .then(|| {
                view! {
                    <section class=format!("{CARD} mt-6") aria-labelledby="add-category-title">
                        <h2 id="add-category-title" class=CARD_TITLE>
                            "Add a category"
                        </h2>
                        <ActionForm action=add attr:class="mt-3 grid gap-3 sm:grid-cols-3 sm:items-end">
                            <div>
                                <label for="category-slug" class=LABEL>
                                    "Slug (as documents write it)"
                                </label>
                                <input
                                    id="category-slug"
                                    name="slug"
                                    required
                                    pattern="[a-z][a-z0-9\\-]{0,59}"
                                    placeholder="runtime-security"
                                    class=INPUT
                                />
                            </div>
                            <div>
                                <label for="category-title" class=LABEL>
                                    "Title"
                                </label>
                                <input
                                    id="category-title"
                                    name="title"
                                    required
                                    maxlength="80"
                                    placeholder="Runtime security"
                                    class=INPUT
                                />
                            </div>
                            <div>
                                <button type="submit" class=PRIMARY>
                                    "Add category"
                                </button>
                            </div>
                        </ActionForm>
                    </section>
                }
            })}
    }
}

/// A category row's editing cells: rename, and remove while no version names it.
fn manage(
    slug: String,
    title: String,
    versions: u32,
    rename: ServerAction<RenameCategory>,
    remove: ServerAction<RemoveCategory>,
) -> impl IntoView {
    let field = format!("rename-{slug}");
    let label = format!("New title for {slug}");
    let rename_slug = slug.clone();
    let remove_cell = if versions == 0 {
        let remove_label = format!("Remove {slug}");
        let remove_slug = slug.clone();
        view! {
            <ActionForm action=remove>
                <input type="hidden" name="slug" value=remove_slug.clone() />
                <button type="submit" class=SECONDARY aria-label=remove_label.clone()>
                    "Remove"
                </button>
            </ActionForm>
        }
        .into_any()
    } else {
        view! { <span class="text-sm text-slate-600 dark:text-slate-300">"In use"</span> }.into_any()
    };
    view! {
        <td class=TD>
            <ActionForm action=rename attr:class="flex items-center gap-2">
                <input type="hidden" name="slug" value=rename_slug.clone() />
                <label for=field.clone() class="sr-only">
                    {label.clone()}
                </label>
                <input
                    id=field.clone()
                    name="title"
                    required
                    maxlength="80"
                    value=title.clone()
                    class=format!("{INPUT} mt-0 w-56")
                />
                <button type="submit" class=SECONDARY>
                    "Rename"
                </button>
            </ActionForm>
        </td>
        <td class=TD>{remove_cell}</td>
    }
}
