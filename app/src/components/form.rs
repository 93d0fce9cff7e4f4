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

/// A GET form (a search, a filter) that is a client-side navigation once the page is
/// hydrated and a plain form submission before: the router's `Form`, minus the empty
/// `&=` it would add for an unnamed submit button (leptos appends the submitter's name
/// and value even when the name is empty), so the URL is the one a plain form gives.
#[component]
pub fn GetForm(
    #[prop(into)] action: String,
    #[prop(into)] class: String,
    children: Children,
) -> impl IntoView {
    use leptos_router::components::Form;
    #[cfg(feature = "hydrate")]
    {
        let unnamed_out: std::sync::Arc<dyn Fn(&web_sys::FormData)> =
            std::sync::Arc::new(|data: &web_sys::FormData| data.delete(""));
        view! {
            <Form method="get" action=action on_form_data=unnamed_out attr:class=class attr:role="search">
                {children()}
            </Form>
        }
    }
    #[cfg(not(feature = "hydrate"))]
    view! {
        <Form method="get" action=action attr:class=class attr:role="search">
            {children()}
        </Form>
    }
}
