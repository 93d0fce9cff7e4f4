//! `/tokens`: API tokens for scripts and CI/CD. A person manages their own; platform
//! admins also create tokens for service accounts and see everyone's (`?all=1`).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use parkway_types::{Role, views::session::Viewer};

use crate::components::form::{FieldError, FormError, cleared, success_count};
use crate::components::loaded::loaded;
use crate::components::page::PageHeader;
use crate::components::resource::island_resource;
use crate::components::style::{CARD, CARD_TITLE, DANGER, INPUT, LABEL, PRIMARY, SECONDARY, TD};
use crate::components::table::{Column, DataTable};
use crate::serverfns::AppError;
use crate::serverfns::identity::{CreateToken, RevokeToken, TokenRow, list_tokens};
use crate::use_session;

/// Marks the selected view among the "whose tokens" links.
const CURRENT: &str = "aria-[current=page]:border-emerald-500 aria-[current=page]:bg-emerald-50 aria-[current=page]:text-emerald-900 dark:aria-[current=page]:bg-emerald-950 dark:aria-[current=page]:text-emerald-100";

const LIFETIMES: [(&str, &str); 4] = [
    ("7d", "7 days"),
    ("30d", "30 days"),
    ("90d", "90 days"),
    ("366d", "1 year"),
];

#[component]
pub fn TokensPage() -> impl IntoView {
    let is_admin = use_session().viewer.as_ref().is_some_and(Viewer::is_admin);
    let all = is_admin && use_query_map().with_untracked(|q| q.get("all").is_some());
    view! {
        <PageHeader
            title="API tokens"
            description="Tokens let scripts and CI/CD call Parkway's API with an Authorization: Bearer header. A token is shown once, expires, and can be revoked at any time."
        />
        <Tokens is_admin all />
    }
}

/// The list and the form: an island, so a new token's secret (shown once) and a
/// revocation show at once, without a reload.
#[island]
fn Tokens(is_admin: bool, all: bool) -> impl IntoView {
    let all = move || all;
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = island_resource(
        move || (all(), create.version().get(), revoke.version().get()),
        |(all, _, _)| list_tokens(all),
    );
    let create_result = move || create.value().get();
    let create_error = move || create_result().and_then(Result::err);
    let field_error =
        move |name: &'static str| Signal::derive(move || create_error().and_then(|e| e.for_field(name)));
    let other_error = Signal::derive(move || {
        create_error()
            .filter(|e| {
                ["name", "expires", "scopes", "role"]
                    .iter()
                    .all(|f| e.for_field(f).is_none())
            })
            .map(|e| e.to_string())
    });
    let created = success_count(move || matches!(create.value().get(), Some(Ok(_))));
    let revoke_error =
        Signal::derive(move || revoke.value().get().and_then(Result::err).map(|e| e.to_string()));
    view! {
        {move || {
            create_result()
                .and_then(Result::ok)
                .map(|created| {
                    view! {
                        <section
                            role="status"
                            class="mt-6 rounded-xl border border-emerald-300 bg-emerald-50 p-5 dark:border-emerald-800 dark:bg-emerald-950"
                            data-testid="new-token"
                        >
                            <h2 class="font-semibold text-emerald-900 dark:text-emerald-100">
                                {format!("Token “{}” created", created.token.name)}
                            </h2>
                            <p class="mt-1 text-sm text-emerald-900 dark:text-emerald-100">
                                "Copy it now: Parkway stores only a hash and cannot show it again."
                            </p>
                            <code class="mt-3 block select-all break-all rounded-md bg-white px-3 py-2 font-mono text-sm text-slate-900 dark:bg-slate-900 dark:text-slate-100">
                                {created.secret}
                            </code>
                        </section>
                    }
                })
        }}
        {is_admin
            .then(|| {
                view! {
                    <nav class="mt-6 flex gap-3" aria-label="Whose tokens">
                        <a
                            href="/tokens"
                            class=format!("{SECONDARY} {CURRENT}")
                            aria-current=move || (!all()).then_some("page")
                        >
                            "My tokens"
                        </a>
                        <a
                            href="/tokens?all=1"
                            class=format!("{SECONDARY} {CURRENT}")
                            aria-current=move || all().then_some("page")
                        >
                            "All tokens"
                        </a>
                    </nav>
                }
            })}
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-500">"Loading tokens…"</p> }
        }>
            {move || loaded(async move {
                let rows = tokens.await?;
                Ok::<
                    _,
                    AppError,
                >(
                    view! {
                        <section class=CARD aria-labelledby="tokens-title">
                            <h2 id="tokens-title" class=CARD_TITLE>
                                "Tokens"
                            </h2>
                            <FormError message=revoke_error />
                            <DataTable
                                caption="API tokens"
                                columns=vec![
                                    Column::new("Name"),
                                    Column::new("Owner"),
                                    Column::new("Acts as"),
                                    Column::new("Starts with"),
                                    Column::new("Expires"),
                                    Column::new("Last used"),
                                    Column::hidden("Actions"),
                                ]
                                rows=rows
                                row=move |row: TokenRow| {
                                    view! {
                                        <tr class:opacity-60=row.revoked>
                                            <td class=TD>{row.name.clone()}</td>
                                            <td class=TD>{row.owner.clone()}</td>
                                            <td class=TD>{row.acts_as()}</td>
                                            <td class=format!(
                                                "{TD} font-mono",
                                            )>{format!("{}…", row.display_prefix)}</td>
                                            <td class=format!(
                                                "{TD} whitespace-nowrap",
                                            )>
                                                {row.expires_at.clone().unwrap_or_else(|| "never".to_owned())}
                                            </td>
                                            <td class=format!(
                                                "{TD} whitespace-nowrap",
                                            )>
                                                {row
                                                    .last_used_at
                                                    .clone()
                                                    .unwrap_or_else(|| "never".to_owned())}
                                            </td>
                                            <td class=TD>
                                                {if row.revoked {
                                                    view! {
                                                        <span class="text-sm text-slate-500">"Revoked"</span>
                                                    }
                                                        .into_any()
                                                } else {
                                                    view! {
                                                        <ActionForm action=revoke>
                                                            <input type="hidden" name="id" value=row.id.clone() />
                                                            <button
                                                                type="submit"
                                                                class=DANGER
                                                                aria-label=format!("Revoke {}", row.name)
                                                            >
                                                                "Revoke"
                                                            </button>
                                                        </ActionForm>
                                                    }
                                                        .into_any()
                                                }}
                                            </td>
                                        </tr>
                                    }
                                }
                                empty="No tokens yet. Create one below for a script or pipeline."
                                testid="token-table"
                            />
                        </section>
                    },
                )
            })}
        </Suspense>
        <section class=CARD aria-labelledby="create-title">
            <h2 id="create-title" class=CARD_TITLE>
                "Create a token"
            </h2>
            <ActionForm action=create attr:class="mt-3 grid gap-4 sm:grid-cols-2">
                <div>
                    <label for="token-name" class=LABEL>
                        "Name"
                    </label>
                    <input
                        id="token-name"
                        name="name"
                        required
                        class=INPUT
                        prop:value=move || cleared(created)
                        placeholder="deploy pipeline"
                        aria-describedby="name-error"
                    />
                    <FieldError id="name-error" message=field_error("name") />
                </div>
                <div>
                    <label for="token-expires" class=LABEL>
                        "Expires after"
                    </label>
                    <select id="token-expires" name="expires" class=INPUT aria-describedby="expires-error">
                        {LIFETIMES
                            .iter()
                            .map(|(value, label)| {
                                view! {
                                    <option value=*value selected=*value == "30d">
                                        {*label}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <FieldError id="expires-error" message=field_error("expires") />
                </div>
                <div class="sm:col-span-2">
                    <label for="token-scopes" class=LABEL>
                        "Limit to actions (optional)"
                    </label>
                    <input
                        id="token-scopes"
                        name="scopes"
                        class=INPUT
                        prop:value=move || cleared(created)
                        placeholder="e.g. portal.view audit.view"
                        aria-describedby="scopes-help scopes-error"
                    />
                    <p id="scopes-help" class="mt-1 text-xs text-slate-500 dark:text-slate-400">
                        "Space-separated. Empty: everything the token's role allows."
                    </p>
                    <FieldError id="scopes-error" message=field_error("scopes") />
                </div>
                {is_admin
                    .then(|| {
                        view! {
                            <div>
                                <label for="token-account" class=LABEL>
                                    "For service account (admins; optional)"
                                </label>
                                <input
                                    id="token-account"
                                    name="service_account"
                                    class=INPUT
                                    prop:value=move || cleared(created)
                                    placeholder="ci-deployer"
                                />
                            </div>
                            <div>
                                <label for="token-role" class=LABEL>
                                    "Service account role"
                                </label>
                                <select id="token-role" name="role" class=INPUT aria-describedby="role-error">
                                    <option value="">"—"</option>
                                    {Role::ALL
                                        .map(|r| view! { <option value=r.as_str()>{r.as_str()}</option> })
                                        .collect_view()}
                                </select>
                                <FieldError id="role-error" message=field_error("role") />
                            </div>
                        }
                    })}
                <div class="sm:col-span-2">
                    <button type="submit" class=PRIMARY>
                        "Create token"
                    </button>
                </div>
            </ActionForm>
            <FormError message=other_error />
        </section>
    }
}
