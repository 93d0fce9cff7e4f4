//! What can go wrong reaching a cluster or its snapshot.

/// Errors from cluster access. Texts name the cluster and never carry credentials.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
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
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

pub type Result<T, E = ClusterError> = std::result::Result<T, E>;
