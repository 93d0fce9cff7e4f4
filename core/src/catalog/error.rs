//! What catalog operations can refuse.

use parkway_types::{ErrorKind, Failure, UnknownSort};

use super::model::Problem;
use crate::audit;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The descriptors were refused whole: every problem, each with its position.
    #[error("{file} has {} problem{}; nothing was imported:\n{}", problems.len(), if problems.len() == 1 { "" } else { "s" }, problems.iter().map(|p| p.render(file)).collect::<Vec<_>>().join("\n"))]
    Invalid { file: String, problems: Vec<Problem> },
    /// Larger than an import may be (`max` is `PARKWAY_IMPORT_MAX_MB` in bytes).
    #[error("{file} is {size} bytes; an import may be at most {max} bytes ({} MiB, set by PARKWAY_IMPORT_MAX_MB); nothing was imported", max / (1024 * 1024))]
    TooLarge { file: String, size: usize, max: usize },
    /// An input that breaks a rule (a missing source, no descriptors); `field` names it.
    #[error("{field}: {reason}")]
    Field { field: &'static str, reason: String },
    #[error("{0} not found")]
    NotFound(String),
    /// A query parameter that cannot be used, e.g. a cursor from elsewhere; `field`
    /// names it, so a form can show the reason beside it.
    #[error("{field}: {reason}")]
    BadRequest { field: &'static str, reason: String },
    /// The caller may not make this change (ownership decided it).
    #[error(transparent)]
    Denied(#[from] crate::identity::Denied),
    #[error("could not write the audit trail: {0}")]
    Audit(#[from] audit::Error),
    /// Reading the caller's teams failed.
    #[error(transparent)]
    Identity(#[from] crate::identity::Error),
    /// Reading the clusters' workloads failed.
    #[error(transparent)]
    Cluster(#[from] crate::cluster::ClusterError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl From<UnknownSort> for Error {
    fn from(err: UnknownSort) -> Self {
        Error::BadRequest {
            field: "sort",
            reason: err.to_string(),
        }
    }
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
            Error::BadRequest { field, reason } => Failure::at(ErrorKind::BadRequest, field, reason),
            Error::Denied(denied) => denied.into(),
            Error::Identity(inner) => inner.into(),
            Error::Cluster(inner) => inner.into(),
            Error::Audit(_) | Error::Database(_) => crate::internal(&err),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
