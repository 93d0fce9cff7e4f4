//! `/admin/roles`: people and roles. Who has signed in (and off-boarding them), and
//! which provider groups map to which roles.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use parkway_types::Role;

use crate::components::form::{FieldError, FormError, cleared, success_count};
use crate::components::loaded::loaded;
use crate::components::page::PageHeader;
use crate::components::resource::island_resource;
use crate::components::style::{
    CARD, CARD_TITLE, CHIP, DANGER, DANGER_SOLID, INPUT, LABEL, PRIMARY, SECONDARY, TD,
};
use crate::components::table::{Column, DataTable};
use crate::serverfns::AppError;
use crate::serverfns::identity::{
    AddRoleMapping, DeactivatePerson, MappingRow, PersonRow, RemoveRoleMapping, list_people,
    list_role_mappings,
};

#[component]
pub fn RoleMappingsPage() -> impl IntoView {
    // Deactivating asks first: `?confirm=<id>` shows that one row's confirm button (a
    // link, so nothing stays open on another row).
    let confirming = use_query_map().with_untracked(|q| q.get("confirm"));
    view! {
        <PageHeader
            title="People and roles"
            description="People get roles through their identity-provider groups. A group may map to several roles; changes apply at the person's next request."
            trail=super::trail()
        />
        <PeopleSection confirming />
        <RoleMappings />
    }
}

/// The mappings and their form: an island, so a change shows without a reload.
#[island]
fn RoleMappings() -> impl IntoView {
    let add = ServerAction::<AddRoleMapping>::new();
    let remove = ServerAction::<RemoveRoleMapping>::new();
    let mappings = island_resource(
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
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-500">"Loading mappings…"</p> }
        }>
            {move || loaded(async move {
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

/// Everyone who has signed in, with the off-boarding control (an island: the outcome
/// shows in place).
#[island]
fn PeopleSection(confirming: Option<String>) -> impl IntoView {
    let deactivate = ServerAction::<DeactivatePerson>::new();
    let people = island_resource(move || deactivate.version().get(), |_| list_people());
    let failed = Signal::derive(move || {
        deactivate
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    });
    let done = move || {
        deactivate.value().get().and_then(Result::ok).map(|d| {
            format!(
                "Deactivated {}: {} ended, {} revoked.",
                d.handle,
                count(i64::try_from(d.sessions_ended).unwrap_or(i64::MAX), "session"),
                count(i64::try_from(d.tokens_revoked).unwrap_or(i64::MAX), "API token"),
            )
        })
    };
    view! {
        <section class=CARD aria-labelledby="people-title">
            <h2 id="people-title" class=CARD_TITLE>
                "People"
            </h2>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-300">
                "Deactivating someone who leaves ends their sessions and revokes their API tokens at once; they cannot sign in again. Their entries in the audit trail stay."
            </p>
            <p role="status" class="mt-2 text-sm text-emerald-800 dark:text-emerald-300">
                {done}
            </p>
            <FormError message=failed />
            <Suspense fallback=|| {
                view! { <p class="mt-3 text-sm text-slate-500">"Loading people…"</p> }
            }>
                {move || {
                    let confirming = confirming.clone();
                    loaded(async move {
                        let rows = people.await?;
                        Ok::<
                            _,
                            AppError,
                        >(
                            view! {
                                <DataTable
                                    caption="People and service accounts"
                                    columns=vec![
                                        Column::new("Person"),
                                        Column::new("Signs in with"),
                                        Column::new("Roles"),
                                        Column::new("Last sign-in"),
                                        Column::new("Access"),
                                        Column::hidden("Actions"),
                                    ]
                                    rows=rows
                                    row=move |row: PersonRow| {
                                        let asked = confirming.as_deref() == Some(row.id.as_str());
                                        person_row(row, deactivate, asked)
                                    }
                                    empty="Nobody has signed in yet."
                                />
                            },
                        )
                    })
                }}
            </Suspense>
        </section>
    }
}

fn person_row(row: PersonRow, deactivate: ServerAction<DeactivatePerson>, confirming: bool) -> impl IntoView {
    let roles = if row.roles.is_empty() {
        "none".to_owned()
    } else {
        row.roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let access = match &row.deactivated {
        Some(when) => format!("Deactivated {when}"),
        None => format!(
            "{}, {}",
            count(row.live_sessions, "session"),
            count(row.live_tokens, "token")
        ),
    };
    let can_deactivate = !row.service_account && !row.you && row.deactivated.is_none();
    let confirm_label = format!("Deactivate {}", row.handle);
    let id = row.id.clone();
    let control = match (can_deactivate, confirming) {
        (false, _) => None,
        (true, false) => Some(
            view! {
                <a
                    href=format!("/admin/roles?confirm={}", row.id)
                    class=DANGER
                    aria-label=format!("Deactivate {}…", row.handle)
                >
                    "Deactivate…"
                </a>
            }
            .into_any(),
        ),
        (true, true) => Some(
            view! {
                <ActionForm action=deactivate attr:class="flex flex-wrap items-center gap-2">
                    <input type="hidden" name="id" value=id />
                    <button type="submit" class=DANGER_SOLID>
                        {confirm_label}
                    </button>
                    <a href="/admin/roles" class=SECONDARY>
                        "Cancel"
                    </a>
                </ActionForm>
            }
            .into_any(),
        ),
    };
    view! {
        <tr class=if row.deactivated.is_some() { "opacity-60" } else { "" }>
            <td class=TD>
                <span class="font-medium text-slate-900 dark:text-white">{row.name.clone()}</span>
                {row.you.then(|| view! { <span class=format!("{CHIP} ml-2")>"you"</span> })}
                <span class="block font-mono text-xs">{row.handle.clone()}</span>
            </td>
            <td class=TD>{row.signs_in_with.clone()}</td>
            <td class=TD>{roles}</td>
            <td class=format!(
                "{TD} whitespace-nowrap",
            )>{row.last_sign_in.clone().unwrap_or_else(|| "never".to_owned())}</td>
            <td class=TD>
                {if row.deactivated.is_some() {
                    view! { <span class=CHIP>{access}</span> }.into_any()
                } else {
                    view! { <span>{access}</span> }.into_any()
                }}
            </td>
            <td class=TD>{control}</td>
        </tr>
    }
}

/// `1 session`, `3 sessions`.
fn count(n: i64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
