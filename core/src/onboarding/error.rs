//! What onboarding operations can refuse.

use parkway_types::{ErrorKind, Failure, Problem};

use crate::audit;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request was refused whole; every problem names its field.
    #[error("the request has {} problem{}; nothing was created: {}", problems.len(), if problems.len() == 1 { "" } else { "s" }, problems.iter().map(|(f, r)| format!("{f}: {r}")).collect::<Vec<_>>().join("; "))]
    Invalid { problems: Vec<(String, String)> },
    /// One input that breaks a rule.
    #[error("{field}: {reason}")]
    Field { field: &'static str, reason: String },
    #[error("{0} not found")]
    NotFound(String),
    /// The tenant's state or an existing name does not allow this now.
    #[error("{0}")]
    Conflict(String),
    /// A rule refuses this caller: not in the team, approving one's own request, not
    /// the approver the request waits for.
    #[error("{0}")]
    Refused(String),
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
            Error::Invalid { ref problems } => Failure {
                file: Some("request".into()),
                problems: problems
                    .iter()
                    .map(|(field, reason)| Problem {
                        line: 0,
                        column: 0,
                        field: field.clone(),
                        reason: reason.clone(),
                    })
                    .collect(),
                // One problem names its field; several are each in `problems`.
                field: (problems.len() == 1).then(|| problems[0].0.clone()),
                ..Failure::new(ErrorKind::Invalid, err.to_string())
            },
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
