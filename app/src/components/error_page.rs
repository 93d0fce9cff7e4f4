//! What a reader sees when a page fails: a calm explanation instead of a broken page,
//! with the right HTTP status when rendered on the server.

use leptos::prelude::*;
use leptos_meta::Title;

use super::icons::{Icon, Svg};
use super::style::FOCUS_RING;
use crate::serverfns::AppError;

/// Fallback of the layout's error boundary. Error texts shown here come from errors
/// whose messages are safe to show (CONVENTIONS rule 5); internals are logged, not shown.
#[component]
pub fn ErrorPage(errors: ArcRwSignal<Errors>) -> impl IntoView {
    // The most specific status among the errors: a refusal says so, anything else is 500.
    let status = errors
        .read_untracked()
        .iter()
        .filter_map(|(_, error)| {
            error
                .clone()
                .into_inner()
                .downcast_ref::<AppError>()
                .map(|e| e.status())
        })
        .next()
        .unwrap_or(500);
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(
            http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
    let (title, explanation) = match status {
        401 => (
            "Sign in to see this page",
            "Your session has ended. Sign in again to continue.",
        ),
        403 => (
            "You don't have access to this page",
            "Your roles do not include what this page needs. A platform admin can map one of your groups to the right role.",
        ),
        404 => ("Not found", "What this page refers to does not exist (any more)."),
        _ => (
            "Something went wrong",
            "This page could not be shown. Try again in a moment; if it keeps failing, tell the platform team what you were doing.",
        ),
    };
    let messages = move || {
        errors
            .get()
            .into_iter()
            .map(|(_, error)| view! { <li>{error.to_string()}</li> })
            .collect_view()
    };
    view! {
        <Title text=title />
        <section role="alert" class="mx-auto max-w-xl py-16 text-center">
            <span class="mx-auto flex h-12 w-12 items-center justify-center rounded-full bg-amber-50 text-amber-700 dark:bg-amber-950 dark:text-amber-300">
                <Svg icon=Icon::Warning class="h-6 w-6" />
            </span>
            <h1 class="mt-4 text-2xl font-bold tracking-tight text-slate-900 dark:text-white">{title}</h1>
            <p class="mt-2 text-slate-600 dark:text-slate-300">{explanation}</p>
            <ul class="mt-4 list-inside list-disc text-left text-sm text-slate-500 dark:text-slate-400">
                {messages}
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

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use leptos_meta::provide_meta_context;

    #[test]
    fn error_boundary_shows_the_error_page_with_the_safe_message() {
        let owner = Owner::new();
        let html = owner.with(|| {
            provide_meta_context();
            let failing: Result<&str, ServerFnError> = Err(ServerFnError::new("the catalog is unavailable"));
            view! { <ErrorBoundary fallback=|errors| view! { <ErrorPage errors /> }>{failing}</ErrorBoundary> }
                .to_html()
        });
        assert!(html.contains("Something went wrong"), "{html}");
        assert!(html.contains("the catalog is unavailable"), "{html}");
        assert!(
            html.contains("role=\"alert\""),
            "announced to screen readers: {html}"
        );
    }

    #[test]
    fn refusals_explain_themselves() {
        let owner = Owner::new();
        let html = owner.with(|| {
            provide_meta_context();
            let refused: Result<&str, AppError> = Err(AppError(parkway_types::Failure::new(parkway_types::ErrorKind::Forbidden, "none of your roles allows `audit.view`")));
            view! { <ErrorBoundary fallback=|errors| view! { <ErrorPage errors /> }>{refused}</ErrorBoundary> }
                .to_html()
        });
        assert!(
            html.contains("You don&#x27;t have access") || html.contains("You don't have access"),
            "{html}"
        );
        assert!(html.contains("audit.view"), "{html}");
    }

    #[test]
    fn error_boundary_renders_children_when_nothing_failed() {
        let owner = Owner::new();
        let html = owner.with(|| {
            provide_meta_context();
            let fine: Result<&str, ServerFnError> = Ok("all good");
            view! { <ErrorBoundary fallback=|errors| view! { <ErrorPage errors /> }>{fine}</ErrorBoundary> }
                .to_html()
        });
        assert!(html.contains("all good"));
        assert!(!html.contains("Something went wrong"));
    }
}
