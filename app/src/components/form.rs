//! Form messages: errors beside their field or for the whole form, and clearing
//! inputs after a successful submission.

use leptos::prelude::*;

/// A message next to a field, announced to screen readers.
#[component]
pub fn FieldError(id: &'static str, message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message.get().map(|text| {
            view! {
                <p id=id role="alert" class="mt-1 text-sm text-red-700 dark:text-red-300">
                    {text}
                </p>
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
                <p
                    role="alert"
                    class="mt-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200"
                >
                    {text}
                </p>
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

/// A GET form (a search, a filter): a plain form, so its URL is the page's address and
/// the result is a server-rendered page like any other.
#[component]
pub fn GetForm(
    #[prop(into)] action: String,
    #[prop(into)] class: String,
    children: Children,
) -> impl IntoView {
    view! {
        <form method="get" action=action class=class role="search">
            {children()}
        </form>
    }
}

/// For an island's form whose success changes what the rest of the server-rendered page
/// shows: once `succeeded` turns true, loads `href`, or this page again when `None`
/// (a refused submission stays, with its messages, for correcting).
pub fn load_after(succeeded: impl Fn() -> bool + Send + Sync + 'static, href: Option<String>) {
    Effect::new(move |_| {
        if succeeded() {
            #[cfg(feature = "hydrate")]
            {
                let location = window().location();
                let _ = match &href {
                    Some(href) => location.set_href(href),
                    None => location.reload(),
                };
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = &href;
        }
    });
}

/// The document field of an editor form (a catalog descriptor, a guardrail, a maturity
/// scorecard): labelled, monospace, not spell-checked, and described by the form's
/// problems list, so every editor reads and announces alike.
#[component]
pub fn DocumentField(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    rows: u32,
    text: String,
    /// Ids of what describes the field: its help, the problems list.
    described_by: &'static str,
    /// Called with the text as it is typed (a live preview).
    #[prop(optional)]
    on_input: Option<Callback<String>>,
) -> impl IntoView {
    use super::style::{INPUT, LABEL};
    view! {
        <label for=id class=LABEL>
            {label}
        </label>
        <textarea
            id=id
            name=name
            rows=rows
            spellcheck="false"
            aria-describedby=described_by
            class=format!("{INPUT} font-mono text-xs")
            on:input=move |ev| {
                if let Some(typed) = on_input {
                    typed.run(event_target_value(&ev));
                }
            }
        >
            {text}
        </textarea>
    }
}

/// The buttons under an editor form: save (submits), or go back to `back` unchanged.
#[component]
pub fn SaveOrCancel(back: String) -> impl IntoView {
    use super::style::{PRIMARY, SECONDARY};
    view! {
        <div class="flex gap-3">
            <button type="submit" class=PRIMARY>
                "Save"
            </button>
            <a href=back class=SECONDARY>
                "Cancel"
            </a>
        </div>
    }
}
