//! What catalog operations can refuse.

use crate::audit;

use super::model::Problem;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The import was refused whole: every problem, each with its position.
    #[error("{file} has {} problem{}; nothing was imported:\n{}", problems.len(), if problems.len() == 1 { "" } else { "s" }, problems.iter().map(|p| p.render(file)).collect::<Vec<_>>().join("\n"))]
    Invalid { file: String, problems: Vec<Problem> },
    /// Larger than an import may be.
    #[error("{file} is {size} bytes; an import may be at most {max} bytes")]
    TooLarge { file: String, size: usize, max: usize },
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
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
