use parkway_types::{ErrorKind, Failure};

use super::Denied;
use crate::audit;

/// Why an identity operation failed. Every variant but `Database` and `Audit` carries a
/// message that is safe to show to the caller.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The caller may not do this.
    #[error(transparent)]
    Denied(#[from] Denied),
    /// Input that breaks a rule; `field` names it.
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// Would duplicate something that must be unique.
    #[error("{0}")]
    Conflict(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The person was off-boarded: no sign-in, session or token of theirs works.
    #[error("this account has been deactivated; ask a platform admin if that is a mistake")]
    Deactivated,
    #[error("could not write the audit trail: {0}")]
    Audit(#[from] audit::Error),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl Error {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        match err {
            Error::Denied(denied) => denied.into(),
            Error::Invalid { field, reason } => Failure::at(ErrorKind::Invalid, field, reason),
            Error::Conflict(message) => Failure::new(ErrorKind::Conflict, message),
            Error::NotFound(_) => Failure::new(ErrorKind::NotFound, err.to_string()),
            Error::Deactivated => Failure::new(ErrorKind::Forbidden, err.to_string()),
            Error::Audit(_) | Error::Database(_) => crate::internal(&err),
        }
    }
}

/// The name of the unique or check constraint a database error violated, if any.
pub(crate) fn violated_constraint(err: &sqlx::Error) -> Option<&str> {
    err.as_database_error().and_then(|db| db.constraint())
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
