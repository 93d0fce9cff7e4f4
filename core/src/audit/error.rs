use crate::db::APPEND_ONLY_SQLSTATE;

/// Why an audit operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The event itself is unusable; `field` names which part and `reason` says why.
    #[error("invalid audit event: {field} {reason}")]
    Invalid {
        field: &'static str,
        reason: &'static str,
    },
    /// Someone tried to change history; the table's trigger refused.
    #[error("the audit log is append-only")]
    AppendOnly,
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

pub type Result<T, E = Error> = std::result::Result<T, E>;
