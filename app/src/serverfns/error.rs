//! The error every server function returns: the same [`Failure`] the REST API
//! answers with (one table from domain errors to kind, status and message), made
//! serializable for the browser, which shows its text and puts field errors beside
//! their field.

use std::ops::Deref;

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use parkway_types::{ErrorKind, Failure, RefError, UnknownSort};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(transparent)]
#[error(transparent)]
pub struct AppError(pub Failure);

impl Deref for AppError {
    type Target = Failure;

    fn deref(&self) -> &Failure {
        &self.0
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError(match value {
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::MissingArg(message) => {
                Failure::at(ErrorKind::Invalid, "request", message)
            }
            other => Failure::new(ErrorKind::Internal, other.to_string()),
        })
    }
}

/// Every error reaches the pages through the shared [`Failure`] conversion.
macro_rules! through_failure {
    ($($(#[$cfg:meta])* $error:ty),*) => {$(
        $(#[$cfg])*
        impl From<$error> for AppError {
            fn from(err: $error) -> Self {
                AppError(Failure::from(err))
            }
        }
    )*};
}

through_failure!(
    Failure,
    RefError,
    UnknownSort,
    #[cfg(feature = "ssr")]
    parkway_core::identity::Denied,
    #[cfg(feature = "ssr")]
    parkway_core::identity::Error,
    #[cfg(feature = "ssr")]
    parkway_core::audit::Error,
    #[cfg(feature = "ssr")]
    parkway_core::cluster::ClusterError,
    #[cfg(feature = "ssr")]
    parkway_core::guardrails::Error,
    #[cfg(feature = "ssr")]
    parkway_core::onboarding::Error,
    #[cfg(feature = "ssr")]
    parkway_core::scorecards::Error,
    #[cfg(feature = "ssr")]
    parkway_core::catalog::Error,
    #[cfg(feature = "ssr")]
    parkway_core::evidence::Error
);

/// Runs a server function's body and sets the HTTP status its error calls for.
#[cfg(feature = "ssr")]
pub async fn respond<T>(body: impl std::future::Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    let result = body.await;
    if let Err(err) = &result
        && !plain_form_post()
        && let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
        && let Ok(status) = http::StatusCode::from_u16(err.status())
    {
        response.set_status(status);
    }
    result
}

/// A form posted without script to a server function (a POST that accepts HTML): Leptos
/// answers it with a redirect back to the page, the error carried in the address for the
/// page to show, and a 4xx status would turn that redirect into a bare error body. (A
/// page being rendered calls server functions too, under its own GET request: its
/// errors keep their status.)
#[cfg(feature = "ssr")]
fn plain_form_post() -> bool {
    leptos::prelude::use_context::<http::request::Parts>().is_some_and(|parts| {
        parts.method == http::Method::POST
            && parts
                .headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|accept| accept.contains("text/html"))
    })
}

/// The operation context of this server-function call: the services the server
/// provided, the caller its authentication middleware found, the request id.
#[cfg(feature = "ssr")]
pub fn ctx() -> Result<parkway_core::Ctx, AppError> {
    use crate::auth::server;
    let context =
        server::context().ok_or_else(|| AppError(parkway_core::internal(&"server context missing")))?;
    Ok(parkway_core::Ctx::new(
        context.services,
        server::principal(),
        server::request_id(),
    ))
}
