//! What guardrail and threat operations can refuse.

use parkway_types::{ErrorKind, Failure, Problem};

use crate::audit;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The documents were refused whole: every problem, each with its position.
    #[error("{file} has {} problem{}; nothing was imported:\n{}", problems.len(), if problems.len() == 1 { "" } else { "s" }, problems.iter().map(|p| p.render(file)).collect::<Vec<_>>().join("\n"))]
    Invalid { file: String, problems: Vec<Problem> },
    /// Larger than an import may be (`max` is `PARKWAY_IMPORT_MAX_MB` in bytes).
    #[error("{file} is {size} bytes; an import may be at most {max} bytes; nothing was imported")]
    TooLarge { file: String, size: usize, max: usize },
    /// An input that breaks a rule; `field` names it.
    #[error("{field}: {reason}")]
    Field { field: &'static str, reason: String },
    #[error("{0} not found")]
    NotFound(String),
    /// A review step the version's state does not allow now (submitting a published
    /// version, publishing before approval, …); the reason says what would.
    #[error("{0}")]
    Conflict(String),
    /// A rule of the review refuses this caller: the four-eyes rule, accepting a risk
    /// without the security approver's role. The reason says which.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Denied(#[from] crate::identity::Denied),
    #[error("could not write the audit trail: {0}")]
    Audit(#[from] audit::Error),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Parkway's own failure (a computation that did not finish).
    #[error("{0}")]
    Internal(String),
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        match err {
            Error::Invalid {
                ref file,
                ref problems,
            } => Failure {
                file: Some(file.clone()),
                problems: problems.clone(),
                ..Failure::new(ErrorKind::Invalid, err.to_string())
            },
            Error::TooLarge { .. } => Failure::new(ErrorKind::TooLarge, err.to_string()),
            Error::Field { field, reason } => Failure::at(ErrorKind::Invalid, field, reason),
            Error::NotFound(_) => Failure::new(ErrorKind::NotFound, err.to_string()),
            Error::Conflict(_) => Failure::new(ErrorKind::Conflict, err.to_string()),
            Error::Refused(_) => Failure::new(ErrorKind::Forbidden, err.to_string()),
            Error::Denied(denied) => denied.into(),
            Error::Audit(_) | Error::Database(_) | Error::Internal(_) => crate::internal(&err),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
