//! Server-side apply, the only way Parkway writes to clusters: declarative, idempotent,
//! and explicit about who owns which field.

use std::fmt::Debug;

use kube::{
    Api, Resource,
    api::{Patch, PatchParams},
};
use serde::{Serialize, de::DeserializeOwned};

/// The field manager Parkway applies as.
pub const FIELD_MANAGER: &str = "parkway";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// Another field manager owns fields this apply would change. Re-applying with
    /// `force` takes them over; usually a person should decide that.
    #[error("{kind} `{name}`: fields are owned by {}: {message}", managers.join(", "))]
    Conflict {
        kind: String,
        name: String,
        managers: Vec<String>,
        message: String,
    },
    /// The API server refused the object (invalid, forbidden, missing namespace, …).
    #[error("{kind} `{name}`: the cluster refused the change ({code} {reason}): {message}")]
    Rejected {
        kind: String,
        name: String,
        code: u16,
        reason: String,
        message: String,
    },
    /// No answer from the cluster.
    #[error("{kind} `{name}`: cannot reach the cluster: {message}")]
    Unreachable {
        kind: String,
        name: String,
        message: String,
    },
}

/// Who applies, and whether to take over conflicting fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyOptions {
    pub manager: String,
    pub force: bool,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        Self {
            manager: FIELD_MANAGER.to_owned(),
            force: false,
        }
    }
}

/// The other managers named in a conflict message. The API server's wording is
/// `conflict with "kubectl" using apps/v1: .spec.replicas` (or `conflicts with …`),
/// one line per manager.
pub fn conflicting_managers(message: &str) -> Vec<String> {
    let mut managers: Vec<String> = Vec::new();
    for part in message.split("with \"").skip(1) {
        if let Some((name, _)) = part.split_once('"')
            && !managers.iter().any(|m| m == name)
        {
            managers.push(name.to_owned());
        }
    }
    managers
}

/// Applies `object` as `options.manager`; returns what the cluster stored.
pub async fn apply<K>(api: &Api<K>, name: &str, object: &K, options: &ApplyOptions) -> Result<K, ApplyError>
where
    K: Resource + Serialize + DeserializeOwned + Clone + Debug,
    K::DynamicType: Default,
{
    let mut params = PatchParams::apply(&options.manager);
    if options.force {
        params = params.force();
    }
    let kind = K::kind(&K::DynamicType::default()).into_owned();
    api.patch(name, &params, &Patch::Apply(object))
        .await
        .map_err(|err| classify(&kind, name, err))
}

/// What a failed write to the cluster was: a conflict, a refusal or no answer.
pub fn classify(kind: &str, name: &str, err: kube::Error) -> ApplyError {
    let (kind, name) = (kind.to_owned(), name.to_owned());
    match err {
        kube::Error::Api(status) if status.code == 409 && status.reason == "Conflict" => {
            ApplyError::Conflict {
                managers: conflicting_managers(&status.message),
                message: status.message,
                kind,
                name,
            }
        }
        kube::Error::Api(status) => ApplyError::Rejected {
            code: status.code,
            reason: status.reason,
            message: status.message,
            kind,
            name,
        },
        other => ApplyError::Unreachable {
            kind,
            name,
            message: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managers_are_read_from_both_wordings() {
        assert_eq!(
            conflicting_managers(
                "Apply failed with 1 conflict: conflict with \"kubectl-edit\" using apps/v1: .spec.replicas"
            ),
            ["kubectl-edit"]
        );
        assert_eq!(
            conflicting_managers(
                "Apply failed with 3 conflicts: conflicts with \"helm\" using v1:\n- .data.a\n- .data.b\nconflict with \"argocd\" using v1: .data.c"
            ),
            ["helm", "argocd"]
        );
        assert!(conflicting_managers("something else").is_empty());
    }
}
