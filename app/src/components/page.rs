//! The building blocks every page starts with: a titled header with breadcrumbs, and an
//! empty state that tells the reader what to do next.

use std::borrow::Cow;

use leptos::prelude::*;
use leptos_meta::Title;

use super::icons::{Icon, Svg};
use super::style::FOCUS_RING;

/// One step of the breadcrumb trail above the current page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crumb {
    pub label: Cow<'static, str>,
    pub href: Cow<'static, str>,
}

impl Crumb {
    pub const fn to(label: &'static str, href: &'static str) -> Self {
        Self {
            label: Cow::Borrowed(label),
            href: Cow::Borrowed(href),
        }
    }

    /// A step whose label or target is known only at run time (an entity).
    pub fn owned(label: String, href: String) -> Self {
        Self {
            label: Cow::Owned(label),
            href: Cow::Owned(href),
        }
    }
}

/// Where a page sits: Home, then `trail`, then the current page (not a link).
#[component]
pub fn Breadcrumb(#[prop(optional)] trail: Vec<Crumb>, #[prop(into)] current: String) -> impl IntoView {
    let link = format!("rounded hover:text-slate-900 hover:underline dark:hover:text-white {FOCUS_RING}");
    view! {
        <nav aria-label="Breadcrumb" class="mb-3 text-sm text-slate-500 dark:text-slate-400">
            <ol class="flex flex-wrap items-center gap-1">
                <li>
                    <a href="/" class=link.clone()>
                        "Home"
                    </a>
                </li>
                {trail
                    .into_iter()
                    .map(|crumb| {
                        view! {
                            <li aria-hidden="true">"/"</li>
                            <li>
                                <a href=crumb.href class=link.clone()>
                                    {crumb.label}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
                <li aria-hidden="true">"/"</li>
                <li aria-current="page" class="font-medium text-slate-700 dark:text-slate-200">
                    {current}
                </li>
            </ol>
        </nav>
    }
}

/// Page title (also the document title), breadcrumb and one-line description.
#[component]
pub fn PageHeader(
    #[prop(into)] title: String,
    description: &'static str,
    #[prop(optional)] trail: Vec<Crumb>,
) -> impl IntoView {
    view! {
        <Title text=title.clone() />
        <Breadcrumb trail current=title.clone() />
        <h1 class="text-3xl font-bold tracking-tight text-slate-900 dark:text-white">{title}</h1>
        <p class="mt-2 max-w-3xl text-base text-slate-600 dark:text-slate-300">{description}</p>
    }
}

/// What a page shows when it has nothing yet: why, and the next step to take.
#[component]
pub fn EmptyState(
    icon: Icon,
    title: &'static str,
    children: Children,
    #[prop(optional)] action: Option<(&'static str, &'static str)>,
) -> impl IntoView {
    view! {
        <section
            aria-labelledby="empty-title"
            class="mt-8 flex flex-col items-center rounded-xl border-2 border-dashed border-slate-300 bg-white px-6 py-14 text-center dark:border-slate-700 dark:bg-slate-900"
        >
            <span class="flex h-12 w-12 items-center justify-center rounded-full bg-emerald-50 text-emerald-700 dark:bg-emerald-950 dark:text-emerald-300">
                <Svg icon class="h-6 w-6" />
            </span>
            <h2 id="empty-title" class="mt-4 text-lg font-semibold text-slate-900 dark:text-white">
                {title}
            </h2>
            <div class="mt-2 max-w-xl text-sm leading-6 text-slate-600 dark:text-slate-300">{children()}</div>
            {action
                .map(|(label, href)| {
                    view! {
                        <a
                            href=href
                            class=format!(
                                "mt-6 inline-flex items-center gap-2 rounded-md bg-emerald-700 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-emerald-800 {FOCUS_RING}",
                            )
                        >
                            {label}
                            <Svg icon=Icon::ArrowRight class="h-4 w-4" />
                        </a>
                    }
                })}
        </section>
    }
}
