use parkway_types::{ErrorKind, Failure};

use crate::{db::APPEND_ONLY_SQLSTATE, identity::Denied};

/// Why an audit operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The caller may not read or export the trail.
    #[error(transparent)]
    Denied(#[from] Denied),
    /// A parameter of a listing or export that cannot be used; `field` names it.
    #[error("{field}: {reason}")]
    BadRequest { field: &'static str, reason: String },
    /// An event Parkway itself built is unusable; `field` names which part and
    /// `reason` says why (a bug, never the caller's input).
    #[error("invalid audit event: {field} {reason}")]
    Invalid {
        field: &'static str,
        reason: &'static str,
    },
    /// Someone tried to change history; the table's trigger refused.
    #[error("the audit log is append-only")]
    AppendOnly,
    #[error("could not encode the export: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        let append_only = err
            .as_database_error()
            .and_then(|db| db.code())
            .is_some_and(|code| code == APPEND_ONLY_SQLSTATE);
        if append_only {
            Self::AppendOnly
        } else {
            Self::Database(err)
        }
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        match err {
            Error::Denied(denied) => denied.into(),
            Error::BadRequest { field, reason } => Failure::at(ErrorKind::BadRequest, field, reason),
            Error::Invalid { .. } | Error::AppendOnly | Error::Encode(_) | Error::Database(_) => {
                crate::internal(&err)
            }
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
