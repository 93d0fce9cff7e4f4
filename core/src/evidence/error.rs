//! What an evidence export can refuse.

use parkway_types::{ErrorKind, Failure};

use crate::{audit, guardrails, identity::Denied, scorecards};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Denied(#[from] Denied),
    /// A parameter that cannot be used; `field` names it (400).
    #[error("{field}: {reason}")]
    Field { field: &'static str, reason: String },
    /// The business unit is not in the catalog (404).
    #[error("{0} not found")]
    NotFound(String),
    /// Writing the archive (a temporary file) failed.
    #[error("could not write the evidence pack: {0}")]
    Io(#[source] std::io::Error),
    #[error("could not read the audit trail: {0}")]
    Audit(#[from] audit::Error),
    #[error("could not read the guardrails: {0}")]
    Guardrails(#[from] guardrails::Error),
    #[error("could not compute the delivery figures: {0}")]
    Scorecards(#[from] scorecards::Error),
    #[error("could not encode the pack: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        match err {
            Error::Denied(denied) => denied.into(),
            Error::Field { field, reason } => Failure::at(ErrorKind::BadRequest, field, reason),
            Error::NotFound(_) => Failure::new(ErrorKind::NotFound, err.to_string()),
            Error::Io(_)
            | Error::Audit(_)
            | Error::Guardrails(_)
            | Error::Scorecards(_)
            | Error::Encode(_)
            | Error::Database(_) => crate::internal(&err),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
