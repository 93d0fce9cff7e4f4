//! A page's data-dependent part, and what happens when its data cannot be had.
//!
//! A page that is refused (or whose entity is gone, or whose store is down) must show the
//! layout's error page with the reason, every time. Rendering the failure as a `Result`
//! leaves that to Leptos's thread-local error hook, which during async server rendering
//! is not always set on the thread that renders a resolved `Suspend`: now and then the
//! reason vanished and the reader got an empty page with the right status. `loaded`
//! hands the failure to the enclosing error boundary directly, through the hook the
//! boundary provides as context, so the outcome does not depend on which thread renders.

use std::future::Future;
use std::sync::Arc;

use leptos::error::ErrorHook;
use leptos::prelude::*;

use crate::serverfns::AppError;

/// A `Suspend` for a page part that needs loaded data: the part when the load succeeds,
/// the enclosing error boundary's error page when it fails. Without a boundary (inside an
/// island in the browser) the failure is shown in place.
pub fn loaded<V, F>(load: F) -> Suspend<AnyView>
where
    F: Future<Output = Result<V, AppError>> + Send + 'static,
    V: IntoView + Send + 'static,
{
    let boundary = use_context::<Arc<dyn ErrorHook>>();
    Suspend::new(async move {
        match load.await {
            Ok(part) => part.into_view().into_any(),
            Err(error) => match boundary {
                Some(boundary) => {
                    boundary.throw(error.into());
                    ().into_any()
                }
                None => view! {
                    <p
                        role="alert"
                        class="mt-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200"
                    >
                        {error.to_string()}
                    </p>
                }
                    .into_any(),
            },
        }
    })
}
