//! Shared form styling: one look for inputs, buttons, tables and messages.

use leptos::prelude::*;

pub const INPUT: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm focus:border-emerald-600 focus:outline-none focus:ring-2 focus:ring-emerald-500 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100";
pub const LABEL: &str = "block text-sm font-medium text-slate-700 dark:text-slate-200";
pub const PRIMARY: &str = "inline-flex items-center justify-center gap-2 rounded-md bg-emerald-700 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-emerald-800 disabled:opacity-60 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500 focus-visible:ring-offset-2 dark:focus-visible:ring-offset-slate-900";
pub const SECONDARY: &str = "inline-flex items-center justify-center gap-2 rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-200 dark:hover:bg-slate-700";
pub const DANGER: &str = "inline-flex items-center justify-center rounded-md px-2 py-1 text-sm font-medium text-red-700 hover:bg-red-50 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-red-500 dark:text-red-300 dark:hover:bg-red-950";
pub const CARD: &str =
    "mt-6 rounded-xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900";
pub const TABLE: &str = "min-w-full divide-y divide-slate-200 text-left text-sm dark:divide-slate-800";
pub const TH: &str = "px-3 py-2 font-semibold text-slate-700 dark:text-slate-200";
pub const TD: &str = "px-3 py-2 align-top text-slate-700 dark:text-slate-300";

/// A message next to a field, announced to screen readers.
#[component]
pub fn FieldError(id: &'static str, message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message.get().map(|text| {
            view! {
                <p id=id role="alert" class="mt-1 text-sm text-red-700 dark:text-red-300">{text}</p>
            }
        })
    }
}

/// An error that belongs to no single field.
#[component]
pub fn FormError(message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message.get().map(|text| {
            view! {
                <p role="alert" class="mt-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">{text}</p>
            }
        })
    }
}

/// Counts successful submissions of a form's action, for [`cleared`].
pub fn success_count(succeeded: impl Fn() -> bool + Send + Sync + 'static) -> RwSignal<usize> {
    let count = RwSignal::new(0usize);
    Effect::new(move |_| {
        if succeeded() {
            count.update(|n| *n += 1);
        }
    });
    count
}

/// For an input's `prop:value`: empties the field after each success counted by
/// `successes`, and leaves it alone otherwise, so a refused submission keeps what was
/// typed, for correcting.
pub fn cleared(successes: RwSignal<usize>) -> String {
    successes.track();
    String::new()
}
