//! The frame around every page: skip link, header with navigation, main, footer.

use leptos::prelude::*;
use leptos_router::components::A;

use super::error_page::ErrorPage;
use super::icons::{Icon, Svg};
use super::style::FOCUS_RING;
use super::theme_toggle::ThemeToggle;
use crate::auth::{SignInMode, Viewer};
use crate::routes::SECTIONS;
use crate::serverfns::onboarding::tenant_queue_count;
use crate::use_session;
use parkway_types::Role;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    // The error page may be rendered after the page's data resolved, on whichever thread
    // the server's runtime polls that on, where no owner (or another request's) is
    // current: render it under the layout's owner, so its title and HTTP status reach
    // this request's head and response.
    let owner = Owner::current();
    let fallback = move |errors| match &owner {
        Some(owner) => owner.with(|| view! { <ErrorPage errors /> }),
        None => view! { <ErrorPage errors /> },
    };
    view! {
        <a
            href="#main"
            class="sr-only focus:not-sr-only focus:fixed focus:left-4 focus:top-4 focus:z-50 focus:rounded-md focus:bg-emerald-700 focus:px-4 focus:py-2 focus:text-white focus:shadow-lg"
        >
            "Skip to main content"
        </a>
        <div class="flex min-h-screen flex-col">
            <DevBanner />
            <Header />
            <main
                id="main"
                tabindex="-1"
                class="mx-auto w-full max-w-6xl flex-1 px-4 py-8 focus:outline-none sm:px-6 lg:px-8"
            >
                <ErrorBoundary fallback>{children()}</ErrorBoundary>
            </main>
            <Footer />
        </div>
        <Hydrated />
    }
}

/// Marks the document once the WebAssembly has taken over, so tests (and curious people
/// in devtools) can tell a live page from server-rendered HTML. Islands hydrate in
/// document order and this one comes last, so every island before it is live.
#[island]
fn Hydrated() -> impl IntoView {
    Effect::new(move |_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}

#[component]
fn Header() -> impl IntoView {
    let viewer = use_session().viewer;
    let signed_in = viewer.is_some();
    let is_admin = viewer.as_ref().is_some_and(Viewer::is_admin);
    // Approvers see how many tenant requests wait for them beside "Onboarding".
    let approver = viewer.as_ref().is_some_and(|v| {
        [Role::TeamOwner, Role::SecurityApprover, Role::PlatformAdmin]
            .into_iter()
            .any(|r| v.has_role(r))
    });
    let waiting = Resource::new(
        || (),
        move |()| async move {
            if approver {
                tenant_queue_count().await.unwrap_or(0)
            } else {
                0
            }
        },
    );
    let link = format!(
        "flex shrink-0 items-center gap-2 rounded-md px-3 py-2 text-sm font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900 \
         aria-[current=page]:bg-emerald-50 aria-[current=page]:text-emerald-800 \
         dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-white \
         dark:aria-[current=page]:bg-emerald-950 dark:aria-[current=page]:text-emerald-200 {FOCUS_RING}"
    );
    view! {
        <header class="sticky top-0 z-40 border-b border-slate-200 bg-white/90 backdrop-blur dark:border-slate-800 dark:bg-slate-900/90">
            <div class="mx-auto flex max-w-6xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3 sm:px-6 lg:px-8">
                <a
                    href="/"
                    class=format!(
                        "flex items-center gap-2 rounded-md text-lg font-semibold tracking-tight text-slate-900 dark:text-white {FOCUS_RING}",
                    )
                >
                    <span class="flex h-8 w-8 items-center justify-center rounded-lg bg-emerald-600 text-white">
                        <Svg icon=Icon::Logo class="h-5 w-5" />
                    </span>
                    "Parkway"
                </a>
                <div class="ml-auto flex items-center gap-2 md:order-last">
                    <ThemeToggle />
                    {match viewer {
                        Some(viewer) => view! { <UserMenu viewer /> }.into_any(),
                        None => {
                            view! {
                                <a
                                    href="/sign-in"
                                    class=format!(
                                        "rounded-md bg-emerald-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-emerald-800 {FOCUS_RING}",
                                    )
                                >
                                    "Sign in"
                                </a>
                            }
                                .into_any()
                        }
                    }}
                </div>
                <nav aria-label="Main" class="-mx-2 w-full md:mx-0 md:w-auto" class:hidden=!signed_in>
                    <ul class="flex flex-wrap gap-1">
                        {SECTIONS
                            .iter()
                            .filter(|section| section.href != "/admin" || is_admin)
                            .map(|section| {
                                // The admin area is only offered to those who can use it.
                                view! {
                                    <li>
                                        <A href=section.href attr:class=link.clone()>
                                            <Svg icon=section.icon class="h-4 w-4" />
                                            {section.label}
                                            {(section.href == "/onboarding")
                                                .then(|| {
                                                    view! {
                                                        <Suspense>
                                                            {move || Suspend::new(async move {
                                                                let n = waiting.await;
                                                                (n > 0)
                                                                    .then(|| {
                                                                        view! {
                                                                            <span
                                                                                class="rounded-full bg-amber-500 px-1.5 text-xs font-semibold text-white"
                                                                                data-testid="queue-count"
                                                                                title=format!("{n} tenant requests wait for you")
                                                                            >
                                                                                {n}
                                                                                <span class="sr-only">" waiting for you"</span>
                                                                            </span>
                                                                        }
                                                                    })
                                                            })}
                                                        </Suspense>
                                                    }
                                                })}
                                        </A>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </nav>
            </div>
        </header>
    }
}

/// Who is signed in, their roles, and the way out. Sign-out is a POST form, so it
/// works before hydration and cannot be triggered by a link on another site.
#[component]
fn UserMenu(viewer: Viewer) -> impl IntoView {
    let roles = if viewer.roles.is_empty() {
        "no role yet".to_owned()
    } else {
        viewer
            .roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    view! {
        <div class="flex items-center gap-2">
            <a
                href="/tokens"
                title="Your account and API tokens"
                class=format!(
                    "flex items-center gap-2 rounded-md p-1 hover:bg-slate-100 dark:hover:bg-slate-800 {FOCUS_RING}",
                )
                data-testid="user"
            >
                <span
                    aria-hidden="true"
                    class="flex h-8 w-8 items-center justify-center rounded-full bg-slate-200 text-xs font-semibold text-slate-700 dark:bg-slate-700 dark:text-slate-100"
                >
                    {viewer.initials()}
                </span>
                <span class="hidden flex-col leading-tight sm:flex">
                    <span class="text-sm font-medium text-slate-900 dark:text-white" data-testid="user-name">
                        {viewer.name.clone()}
                    </span>
                    <span
                        class="max-w-48 truncate text-xs text-slate-500 dark:text-slate-400"
                        title=roles.clone()
                    >
                        {roles.clone()}
                    </span>
                </span>
                <span class="sr-only sm:hidden">{format!("Signed in as {}", viewer.name)}</span>
            </a>
            <form method="post" action="/auth/logout">
                <button
                    type="submit"
                    class=format!(
                        "rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100 dark:border-slate-600 dark:text-slate-200 dark:hover:bg-slate-800 {FOCUS_RING}",
                    )
                >
                    "Sign out"
                </button>
            </form>
        </div>
    }
}

/// Always visible while development sign-in is on: anyone can be anyone.
#[component]
fn DevBanner() -> impl IntoView {
    (use_session().mode == SignInMode::Development).then(|| {
        view! {
            <div
                role="note"
                class="bg-amber-400 px-4 py-1.5 text-center text-sm font-medium text-amber-950"
                data-testid="dev-banner"
            >
                "Development sign-in is on: anyone can sign in as any demo user. Never use this mode with real data."
            </div>
        }
    })
}

#[component]
fn Footer() -> impl IntoView {
    view! {
        <footer class="border-t border-slate-200 dark:border-slate-800">
            <div class="mx-auto flex max-w-6xl flex-col gap-1 px-4 py-6 text-sm text-slate-500 sm:flex-row sm:justify-between sm:px-6 lg:px-8 dark:text-slate-400">
                <p>"Parkway — the paved road to production."</p>
                <p>{concat!("Version ", env!("CARGO_PKG_VERSION"))}</p>
            </div>
        </footer>
    }
}
