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
    parkway_core::catalog::Error
);

/// Runs a server function's body and sets the HTTP status its error calls for.
#[cfg(feature = "ssr")]
pub async fn respond<T>(body: impl std::future::Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    let result = body.await;
    if let Err(err) = &result
        && let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
        && let Ok(status) = http::StatusCode::from_u16(err.status())
    {
        response.set_status(status);
    }
    result
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
