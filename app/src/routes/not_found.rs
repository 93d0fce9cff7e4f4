use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::icons::{Icon, Svg};
use crate::components::style::FOCUS_RING;
use crate::routes::SECTIONS;

/// Shown for any path no route matches; answers with HTTP 404 when rendered on the server.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <section class="mx-auto max-w-xl py-16 text-center">
            <span class="mx-auto flex h-12 w-12 items-center justify-center rounded-full bg-slate-100 text-slate-600 dark:bg-slate-800 dark:text-slate-300">
                <Svg icon=Icon::Compass class="h-6 w-6" />
            </span>
            <p class="mt-4 text-sm font-semibold text-emerald-700 dark:text-emerald-400">"404"</p>
            <h1 class="mt-1 text-3xl font-bold tracking-tight text-slate-900 dark:text-white">
                "Page not found"
            </h1>
            <p class="mt-2 text-slate-600 dark:text-slate-300">
                "There is nothing at this address. It may have moved, or the link may be mistyped."
            </p>
            <ul class="mt-6 flex flex-wrap justify-center gap-2">
                {SECTIONS
                    .iter()
                    .map(|section| {
                        view! {
                            <li>
                                <a
                                    href=section.href
                                    class=format!(
                                        "inline-block rounded-md border border-slate-200 px-3 py-1.5 text-sm font-medium text-slate-700 hover:border-emerald-400 hover:text-emerald-800 dark:border-slate-700 dark:text-slate-200 dark:hover:text-emerald-300 {FOCUS_RING}",
                                    )
                                >
                                    {section.label}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <a
                href="/"
                class=format!(
                    "mt-6 inline-block rounded-md text-sm font-semibold text-emerald-700 hover:underline dark:text-emerald-400 {FOCUS_RING}",
                )
            >
                "Back to the home page"
            </a>
        </section>
    }
}
