//! The error every server function returns: serializable, with a message that is safe
//! to show, and (on the server) the HTTP status it answers with.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    /// Input that breaks a rule; `field` names the form field.
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated(_) => 401,
            AppError::Forbidden(_) => 403,
            AppError::Invalid { .. } => 422,
            AppError::Conflict(_) => 409,
            AppError::NotFound(_) => 404,
            AppError::Internal(_) => 500,
        }
    }

    /// The message for the form field `name`, if this error is about it.
    pub fn for_field(&self, name: &str) -> Option<String> {
        match self {
            AppError::Invalid { field, reason } if field == name => Some(reason.clone()),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::MissingArg(message) => AppError::Invalid {
                field: "request".to_owned(),
                reason: message,
            },
            other => AppError::Internal(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
mod server {
    use parkway_core::{audit, catalog, cluster, identity};

    use super::AppError;

    impl From<identity::Denied> for AppError {
        fn from(denied: identity::Denied) -> Self {
            match denied {
                identity::Denied::Unauthenticated => AppError::Unauthenticated(denied.to_string()),
                other => AppError::Forbidden(other.to_string()),
            }
        }
    }

    impl From<identity::Error> for AppError {
        fn from(err: identity::Error) -> Self {
            match err {
                identity::Error::Invalid { field, reason } => AppError::Invalid {
                    field: field.to_owned(),
                    reason,
                },
                identity::Error::Conflict(message) => AppError::Conflict(message),
                identity::Error::NotFound(what) => AppError::NotFound(format!("{what} not found")),
                other => internal(other),
            }
        }
    }

    /// Descriptor problems go to the `descriptors` field, one `file:line:column — field
    /// — reason` per line.
    impl From<catalog::Error> for AppError {
        fn from(err: catalog::Error) -> Self {
            match err {
                catalog::Error::Invalid { .. } | catalog::Error::TooLarge { .. } => AppError::Invalid {
                    field: "descriptors".to_owned(),
                    reason: err.to_string(),
                },
                catalog::Error::NotFound(what) => AppError::NotFound(format!("{what} not found")),
                catalog::Error::BadRequest { field, reason } => AppError::Invalid {
                    field: field.to_owned(),
                    reason,
                },
                catalog::Error::Denied(denied) => denied.into(),
                other => internal(other),
            }
        }
    }

    impl From<audit::Error> for AppError {
        fn from(err: audit::Error) -> Self {
            internal(err)
        }
    }

    impl From<cluster::ClusterError> for AppError {
        fn from(err: cluster::ClusterError) -> Self {
            match err {
                cluster::ClusterError::UnknownCluster(name) => {
                    AppError::NotFound(format!("no cluster named `{name}`"))
                }
                other => internal(other),
            }
        }
    }

    /// Logs the details once; the caller sees only that something failed.
    pub fn internal(err: impl std::fmt::Display) -> AppError {
        tracing::error!(error = %err, "server function failed");
        AppError::Internal("internal error: the details are in the server log".to_owned())
    }
}

#[cfg(feature = "ssr")]
pub use server::internal;

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
