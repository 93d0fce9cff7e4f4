//! What scorecard operations can refuse.

use parkway_types::{ErrorKind, Failure, Problem};

use crate::audit;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A body that does not parse: the field where it fails (400).
    #[error("the body is not a valid batch{}: {reason}", field.as_ref().map(|f| format!(" at `{f}`")).unwrap_or_default())]
    Malformed { field: Option<String>, reason: String },
    /// A batch refused whole; every problem names its field (422).
    #[error("the batch has {} problem{}; nothing was stored: {}", problems.len(), if problems.len() == 1 { "" } else { "s" }, problems.iter().map(|(f, r)| format!("{f}: {r}")).collect::<Vec<_>>().join("; "))]
    Invalid { problems: Vec<(String, String)> },
    /// A maturity scorecard or exemption refused whole; every problem names its
    /// field (422).
    #[error("{} problem{}; nothing was saved: {}", problems.len(), if problems.len() == 1 { "" } else { "s" }, problems.iter().map(|(f, r)| format!("{f}: {r}")).collect::<Vec<_>>().join("; "))]
    Definition { problems: Vec<(String, String)> },
    /// One parameter that breaks a rule (422).
    #[error("{field}: {reason}")]
    Field { field: &'static str, reason: String },
    /// A parameter that cannot be read (400).
    #[error("{field}: {reason}")]
    BadParameter { field: &'static str, reason: String },
    /// More events than one call may carry (413).
    #[error("{0}")]
    TooLarge(String),
    #[error("{0} not found")]
    NotFound(String),
    /// A name that is taken (409).
    #[error("{0}")]
    Conflict(String),
    /// A webhook whose signature or token matches no configured secret (401).
    #[error("{0}")]
    Unauthenticated(String),
    #[error(transparent)]
    Denied(#[from] crate::identity::Denied),
    #[error("could not write the audit trail: {0}")]
    Audit(#[from] audit::Error),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Stored data Parkway cannot read back (a bug or a hand edit).
    #[error("{0}")]
    Internal(String),
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        match err {
            Error::Malformed { ref field, .. } => Failure {
                field: field.clone(),
                ..Failure::new(ErrorKind::BadRequest, err.to_string())
            },
            Error::Invalid { ref problems } | Error::Definition { ref problems } => Failure {
                file: Some(
                    if matches!(err, Error::Invalid { .. }) {
                        "events"
                    } else {
                        "scorecard"
                    }
                    .into(),
                ),
                problems: problems
                    .iter()
                    .map(|(field, reason)| Problem {
                        line: 0,
                        column: 0,
                        field: field.clone(),
                        reason: reason.clone(),
                    })
                    .collect(),
                field: (problems.len() == 1).then(|| problems[0].0.clone()),
                ..Failure::new(ErrorKind::Invalid, err.to_string())
            },
            Error::Field { field, reason } => Failure::at(ErrorKind::Invalid, field, reason),
            Error::BadParameter { field, reason } => Failure::at(ErrorKind::BadRequest, field, reason),
            Error::TooLarge(_) => Failure::new(ErrorKind::TooLarge, err.to_string()),
            Error::NotFound(_) => Failure::new(ErrorKind::NotFound, err.to_string()),
            Error::Conflict(_) => Failure::new(ErrorKind::Conflict, err.to_string()),
            Error::Unauthenticated(_) => Failure::new(ErrorKind::Unauthenticated, err.to_string()),
            Error::Denied(denied) => denied.into(),
            Error::Audit(_) | Error::Database(_) | Error::Internal(_) => crate::internal(&err),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
