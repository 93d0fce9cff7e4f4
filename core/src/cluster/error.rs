//! What can go wrong reaching a cluster or its snapshot.

use parkway_types::{ErrorKind, Failure};

use crate::identity::Denied;

/// Errors from cluster access. Texts name the cluster and never carry credentials.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The caller may not see or control clusters.
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("cannot read kubeconfig: {0}")]
    Kubeconfig(String),
    #[error("kubeconfig has no context named `{0}`")]
    UnknownContext(String),
    #[error("cluster `{cluster}`: cannot build a client: {message}")]
    Client { cluster: String, message: String },
    #[error("invalid cluster environment mapping `{0}`: expected `context=dev|stage|prod`")]
    EnvironmentMapping(String),
    #[error("no cluster named `{0}`")]
    UnknownCluster(String),
    #[error("no demo cluster named `{0}`: only the built-in demo clusters can be stopped and started")]
    NotDemo(String),
    /// A request parameter that cannot be used; `field` names it.
    #[error("{field}: {reason}")]
    BadRequest { field: &'static str, reason: String },
    /// Stopping or restarting a demo endpoint failed.
    #[error("could not {action} the demo cluster `{cluster}`: {message}")]
    DemoControl {
        cluster: String,
        action: &'static str,
        message: String,
    },
    /// The audit event of a change could not be written, so the change was not made.
    #[error("could not audit the change: {0}")]
    Audit(#[from] crate::audit::Error),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<ClusterError> for Failure {
    fn from(err: ClusterError) -> Self {
        match err {
            ClusterError::Denied(denied) => denied.into(),
            ClusterError::UnknownCluster(_) | ClusterError::NotDemo(_) => {
                Failure::new(ErrorKind::NotFound, err.to_string())
            }
            ClusterError::BadRequest { field, reason } => Failure::at(ErrorKind::BadRequest, field, reason),
            ClusterError::Kubeconfig(_)
            | ClusterError::UnknownContext(_)
            | ClusterError::Client { .. }
            | ClusterError::EnvironmentMapping(_)
            | ClusterError::DemoControl { .. }
            | ClusterError::Audit(_)
            | ClusterError::Database(_) => crate::internal(&err),
        }
    }
}

pub type Result<T, E = ClusterError> = std::result::Result<T, E>;
