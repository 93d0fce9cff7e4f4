//! Compact projections of the kinds cached in bulk. A typed `k8s_openapi` Pod is over
//! 2 KiB before any of its strings, and clusters hold tens of thousands of pods; these
//! keep only what the summaries read (serde skips the rest while parsing), so every
//! replica's caches stay small. Each implements `kube::Resource` for the real kind, so
//! the watches and reflectors are the ordinary kube-runtime ones.

use std::borrow::Cow;

use k8s_openapi::NamespaceResourceScope;
use kube::{Resource, api::ObjectMeta};
use serde::Deserialize;

macro_rules! namespaced_resource {
    ($ty:ident, $group:literal, $version:literal, $kind:literal, $plural:literal) => {
        impl Resource for $ty {
            type DynamicType = ();
            type Scope = NamespaceResourceScope;

            fn kind(_: &()) -> Cow<'_, str> {
                $kind.into()
            }

            fn group(_: &()) -> Cow<'_, str> {
                $group.into()
            }

            fn version(_: &()) -> Cow<'_, str> {
                $version.into()
            }

            fn plural(_: &()) -> Cow<'_, str> {
                $plural.into()
            }

            fn meta(&self) -> &ObjectMeta {
                &self.metadata
            }

            fn meta_mut(&mut self) -> &mut ObjectMeta {
                &mut self.metadata
            }
        }
    };
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Container {
    pub name: String,
    pub image: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec {
    pub node_name: Option<String>,
    #[serde(default)]
    pub containers: Vec<Container>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Waiting {
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ContainerState {
    pub waiting: Option<Waiting>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStatus {
    pub name: String,
    #[serde(default)]
    pub ready: bool,
    #[serde(default)]
    pub restart_count: i32,
    pub state: Option<ContainerState>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodStatus {
    pub phase: Option<String>,
    #[serde(default)]
    pub conditions: Vec<Condition>,
    #[serde(default)]
    pub container_statuses: Vec<ContainerStatus>,
}

/// A Pod: placement, containers' images, phase, readiness, restarts, waiting reason.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct CachedPod {
    pub metadata: ObjectMeta,
    pub spec: Option<PodSpec>,
    pub status: Option<PodStatus>,
}
namespaced_resource!(CachedPod, "", "v1", "Pod", "pods");

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PodTemplate {
    pub spec: Option<PodSpec>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ReplicatedSpec {
    pub replicas: Option<i32>,
    #[serde(default)]
    pub template: PodTemplate,
}

/// A Deployment's condition, with what the observed-rollout fallback of the scorecards
/// reads: `Progressing` turns to reason `NewReplicaSetAvailable` when a new revision
/// is available, or to `ProgressDeadlineExceeded` when it failed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolloutCondition {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
    pub reason: Option<String>,
    pub last_update_time: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicatedStatus {
    pub ready_replicas: Option<i32>,
    pub observed_generation: Option<i64>,
    #[serde(default)]
    pub conditions: Vec<RolloutCondition>,
}

/// A Deployment: wanted and ready replicas, the pod template's images, the rollout's
/// conditions (its revision is the `deployment.kubernetes.io/revision` annotation).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct CachedDeployment {
    pub metadata: ObjectMeta,
    pub spec: Option<ReplicatedSpec>,
    pub status: Option<ReplicatedStatus>,
}
namespaced_resource!(CachedDeployment, "apps", "v1", "Deployment", "deployments");

/// A StatefulSet, read like a Deployment.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct CachedStatefulSet {
    pub metadata: ObjectMeta,
    pub spec: Option<ReplicatedSpec>,
    pub status: Option<ReplicatedStatus>,
}
namespaced_resource!(CachedStatefulSet, "apps", "v1", "StatefulSet", "statefulsets");

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct DaemonSpec {
    #[serde(default)]
    pub template: PodTemplate,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DaemonStatus {
    #[serde(default)]
    pub desired_number_scheduled: i32,
    #[serde(default)]
    pub number_ready: i32,
}

/// A DaemonSet: nodes it should run on and is ready on.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct CachedDaemonSet {
    pub metadata: ObjectMeta,
    pub spec: Option<DaemonSpec>,
    pub status: Option<DaemonStatus>,
}
namespaced_resource!(CachedDaemonSet, "apps", "v1", "DaemonSet", "daemonsets");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projections_are_far_smaller_than_the_full_types() {
        assert!(
            std::mem::size_of::<CachedPod>() * 3 < std::mem::size_of::<k8s_openapi::api::core::v1::Pod>()
        );
        assert_eq!(
            <CachedDeployment as Resource>::url_path(&(), Some("team")),
            "/apis/apps/v1/namespaces/team/deployments"
        );
        assert_eq!(<CachedPod as Resource>::url_path(&(), None), "/api/v1/pods");
    }

    #[test]
    fn unknown_fields_are_skipped() {
        let pod: CachedPod = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "n"},
            "spec": {"nodeName": "node-1", "volumes": [{"name": "v"}], "containers": [{"name": "app", "image": "img:1", "env": [{"name": "A"}]}]},
            "status": {"phase": "Running", "podIP": "10.0.0.1", "containerStatuses": [{"name": "app", "ready": true, "restartCount": 2, "imageID": "x"}]}
        }))
        .expect("parses");
        assert_eq!(
            pod.spec.map(|s| s.containers[0].image.clone()),
            Some(Some("img:1".into()))
        );
        assert_eq!(pod.status.map(|s| s.container_statuses[0].restart_count), Some(2));
    }
}
