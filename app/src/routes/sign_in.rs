//! `/sign-in`: the company's provider, or (development only) a demo user per role.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use parkway_types::url::encode;

use crate::auth::{DEMO_USERS, SignInMode};
use crate::components::page::PageHeader;
use crate::components::style::{CARD, PRIMARY};
use crate::use_session;

#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let next = query
        .with_untracked(|q| q.get("next"))
        .unwrap_or_else(|| "/".to_owned());
    let signed_out = query.with_untracked(|q| q.get("signed_out").is_some());
    let session = use_session();
    let body = match session.mode {
        SignInMode::Provider => {
            let href = format!("/auth/login?next={}", encode(&next));
            view! {
                <p class="text-sm text-slate-600 dark:text-slate-300">
                    "You will be sent to the company's sign-in page and brought back here."
                </p>
                <a href=href rel="external" class=format!("{PRIMARY} mt-4")>
                    "Sign in with your company account"
                </a>
            }
            .into_any()
        }
        SignInMode::Development => view! {
            <p class="text-sm text-slate-600 dark:text-slate-300">
                "No identity provider is configured, so this development build lets you pick a demo user. Each has one role."
            </p>
            <ul class="mt-4 grid gap-3 sm:grid-cols-2">
                {DEMO_USERS
                    .iter()
                    .map(|user| {
                        let next = next.clone();
                        view! {
                            <li>
                                <form method="post" action="/auth/dev">
                                    <input type="hidden" name="user" value=user.key />
                                    <input type="hidden" name="next" value=next />
                                    <button
                                        type="submit"
                                        class="w-full rounded-lg border border-slate-200 px-4 py-3 text-left hover:border-emerald-500 hover:bg-emerald-50 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500 dark:border-slate-700 dark:hover:bg-emerald-950"
                                    >
                                        <span class="block font-medium text-slate-900 dark:text-white">
                                            {format!("Sign in as {}", user.name)}
                                        </span>
                                        <span class="block text-sm text-slate-500 dark:text-slate-400">
                                            {user.role.as_str()}
                                        </span>
                                    </button>
                                </form>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any(),
        SignInMode::NotConfigured => view! {
            <p class="text-sm text-slate-600 dark:text-slate-300">
                "Sign-in is not configured on this server. An operator sets "
                <code class="font-mono">"PARKWAY_OIDC_ISSUER"</code> ", "
                <code class="font-mono">"PARKWAY_OIDC_CLIENT_ID"</code> " and "
                <code class="font-mono">"PARKWAY_OIDC_CLIENT_SECRET"</code>
                " (see the README). API tokens still work."
            </p>
        }
        .into_any(),
    };
    view! {
        <PageHeader
            title="Sign in"
            description="Parkway uses your company account; what you may do comes from your groups."
        />
        {signed_out
            .then(|| {
                view! {
                    <p
                        role="status"
                        class="mt-6 rounded-md bg-emerald-50 px-4 py-2 text-sm text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100"
                    >
                        "You have signed out."
                    </p>
                }
            })}
        {session
            .viewer
            .map(|viewer| {
                view! {
                    <p class="mt-6 text-sm text-slate-600 dark:text-slate-300">
                        {format!("You are already signed in as {}.", viewer.name)}
                    </p>
                }
            })}
        <section class=CARD>{body}</section>
    }
}
