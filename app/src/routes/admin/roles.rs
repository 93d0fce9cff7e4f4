//! `/admin/roles`: map provider groups to roles.

use leptos::prelude::*;

use parkway_types::Role;

use crate::components::form::{FieldError, FormError, cleared, success_count};
use crate::components::page::PageHeader;
use crate::components::style::{CARD, CARD_TITLE, DANGER, INPUT, LABEL, PRIMARY, TD};
use crate::components::table::{Column, DataTable};
use crate::serverfns::AppError;
use crate::serverfns::identity::{AddRoleMapping, MappingRow, RemoveRoleMapping, list_role_mappings};

#[component]
pub fn RoleMappingsPage() -> impl IntoView {
    let add = ServerAction::<AddRoleMapping>::new();
    let remove = ServerAction::<RemoveRoleMapping>::new();
    let mappings = Resource::new(
        move || (add.version().get(), remove.version().get()),
        |_| list_role_mappings(),
    );
    let add_error = move || add.value().get().and_then(Result::err);
    let group_error = Signal::derive(move || add_error().and_then(|e| e.for_field("group")));
    let role_error = Signal::derive(move || add_error().and_then(|e| e.for_field("role")));
    let other_error = Signal::derive(move || {
        add_error()
            .filter(|e| e.for_field("group").is_none() && e.for_field("role").is_none())
            .map(|e| e.to_string())
    });
    let added = success_count(move || matches!(add.value().get(), Some(Ok(_))));
    let remove_error =
        Signal::derive(move || remove.value().get().and_then(Result::err).map(|e| e.to_string()));
    view! {
        <PageHeader
            title="Role mappings"
            description="People get roles through their identity-provider groups. A group may map to several roles; changes apply at the person's next request."
            trail=super::trail()
        />
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-500">"Loading mappings…"</p> }
        }>
            {move || Suspend::new(async move {
                let rows = mappings.await?;
                Ok::<
                    _,
                    AppError,
                >(
                    view! {
                        <section class=CARD aria-labelledby="mappings-title">
                            <h2 id="mappings-title" class=CARD_TITLE>
                                "Current mappings"
                            </h2>
                            <FormError message=remove_error />
                            <DataTable
                                caption="Group to role mappings"
                                columns=vec![
                                    Column::new("Group"),
                                    Column::new("Role"),
                                    Column::new("Added by"),
                                    Column::new("When"),
                                    Column::hidden("Actions"),
                                ]
                                rows=rows
                                row=move |row: MappingRow| {
                                    view! {
                                        <tr>
                                            <td class=format!("{TD} font-mono")>{row.group.clone()}</td>
                                            <td class=TD>{row.role.as_str()}</td>
                                            <td class=TD>{row.created_by}</td>
                                            <td class=TD>{row.created_at}</td>
                                            <td class=TD>
                                                <ActionForm action=remove>
                                                    <input type="hidden" name="id" value=row.id />
                                                    <button
                                                        type="submit"
                                                        class=DANGER
                                                        aria-label=format!("Remove {} → {}", row.group, row.role)
                                                    >
                                                        "Remove"
                                                    </button>
                                                </ActionForm>
                                            </td>
                                        </tr>
                                    }
                                }
                                empty="No group grants any role yet: nobody but API tokens can do anything. Add the first mapping below."
                            />
                        </section>
                    },
                )
            })}
        </Suspense>
        <section class=CARD aria-labelledby="add-title">
            <h2 id="add-title" class=CARD_TITLE>
                "Map a group"
            </h2>
            <ActionForm action=add attr:class="mt-3 grid gap-4 sm:grid-cols-[2fr_1fr_auto] sm:items-start">
                <div>
                    <label for="group" class=LABEL>
                        "Group (as the provider sends it)"
                    </label>
                    <input
                        id="group"
                        name="group"
                        required
                        class=INPUT
                        prop:value=move || cleared(added)
                        placeholder="parkway-admins"
                        aria-describedby="group-error"
                    />
                    <FieldError id="group-error" message=group_error />
                </div>
                <div>
                    <label for="role" class=LABEL>
                        "Role"
                    </label>
                    <select id="role" name="role" class=INPUT aria-describedby="role-error">
                        {Role::ALL
                            .map(|r| view! { <option value=r.as_str()>{r.as_str()}</option> })
                            .collect_view()}
                    </select>
                    <FieldError id="role-error" message=role_error />
                </div>
                <button type="submit" class=format!("{PRIMARY} sm:mt-6")>
                    "Add mapping"
                </button>
            </ActionForm>
            <FormError message=other_error />
        </section>
    }
}
