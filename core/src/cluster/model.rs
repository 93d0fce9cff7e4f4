//! What a cluster runs, summarised per workload: readiness, images, restarts, recent
//! warnings and policy findings. Pure functions over the cached objects, so the same
//! code serves live pages, snapshots and tests.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

use k8s_openapi::api::core::v1::{Event, Namespace};
use kube::{ResourceExt, api::DynamicObject};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::projection::{CachedDaemonSet, CachedDeployment, CachedPod, CachedStatefulSet, PodSpec};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
}

impl WorkloadKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            WorkloadKind::Deployment,
            WorkloadKind::StatefulSet,
            WorkloadKind::DaemonSet,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Health {
    Healthy,
    /// Some replicas are not ready.
    Degraded,
    /// None of the wanted replicas is ready.
    Down,
    ScaledToZero,
}

impl Health {
    pub const fn as_str(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Degraded => "degraded",
            Health::Down => "down",
            Health::ScaledToZero => "scaled-to-zero",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PodSummary {
    pub name: String,
    pub phase: String,
    pub ready: bool,
    pub restarts: i32,
    /// Why a container is waiting (`CrashLoopBackOff`), if one is.
    pub waiting: Option<String>,
    pub node: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WarningEvent {
    pub object: String,
    pub reason: String,
    pub message: String,
    pub count: i32,
    pub last_seen: Option<String>,
}

/// One policy engine's verdict on a workload.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PolicyFinding {
    /// `kyverno` or `gatekeeper`.
    pub source: String,
    pub policy: String,
    pub rule: Option<String>,
    /// `pass`, `fail`, `warn`, `error` or `skip`.
    pub result: String,
    /// Whether a violation is blocked at admission (Kyverno `Enforce`, Gatekeeper `deny`).
    pub enforced: bool,
    pub message: Option<String>,
}

/// At most this many warnings are kept per workload, newest first.
pub const MAX_WARNINGS: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WorkloadSummary {
    pub namespace: String,
    pub kind: WorkloadKind,
    pub name: String,
    /// `parkway.io/team` on the workload, else on its namespace.
    pub team: Option<String>,
    /// `parkway.io/team` on the workload's namespace only: the team the namespace
    /// belongs to, which decides whose Runtime tab shows the workload (a workload's
    /// own labels are set by whoever deploys it, so they cannot claim a team).
    /// Absent in snapshots written before it existed.
    #[serde(default)]
    pub namespace_team: Option<String>,
    pub business_unit: Option<String>,
    /// `app.kubernetes.io/name`.
    pub app_name: Option<String>,
    /// `backstage.io/kubernetes-id`.
    pub kubernetes_id: Option<String>,
    pub desired: i32,
    pub ready: i32,
    pub restarts: i32,
    pub images: Vec<String>,
    pub pods: Vec<PodSummary>,
    pub warnings: Vec<WarningEvent>,
    pub policies: Vec<PolicyFinding>,
}

impl WorkloadSummary {
    pub fn health(&self) -> Health {
        match (self.desired, self.ready) {
            (0, _) => Health::ScaledToZero,
            (_, 0) => Health::Down,
            (d, r) if r < d => Health::Degraded,
            _ => Health::Healthy,
        }
    }

    pub fn policy_failures(&self) -> usize {
        self.policies.iter().filter(|p| p.result == "fail").count()
    }
}

/// Cluster-wide totals, for the history table and the clusters page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub workloads: i32,
    pub healthy: i32,
    pub degraded: i32,
    pub down: i32,
    pub policy_pass: i32,
    pub policy_fail: i32,
}

pub fn totals(workloads: &[WorkloadSummary]) -> Totals {
    let mut t = Totals::default();
    for w in workloads {
        t.workloads += 1;
        match w.health() {
            Health::Healthy | Health::ScaledToZero => t.healthy += 1,
            Health::Degraded => t.degraded += 1,
            Health::Down => t.down += 1,
        }
        for p in &w.policies {
            match p.result.as_str() {
                "pass" => t.policy_pass += 1,
                "fail" => t.policy_fail += 1,
                _ => {}
            }
        }
    }
    t
}

/// Everything the summaries are computed from: the caches' contents.
#[derive(Default)]
pub struct Inputs {
    pub namespaces: Vec<Arc<Namespace>>,
    pub deployments: Vec<Arc<CachedDeployment>>,
    pub stateful_sets: Vec<Arc<CachedStatefulSet>>,
    pub daemon_sets: Vec<Arc<CachedDaemonSet>>,
    pub pods: Vec<Arc<CachedPod>>,
    pub events: Vec<Arc<Event>>,
    /// `PolicyReport`s and `ClusterPolicyReport`s (wgpolicyk8s.io).
    pub policy_reports: Vec<Arc<DynamicObject>>,
    /// Kyverno `ClusterPolicy`s and `Policy`s.
    pub kyverno_policies: Vec<Arc<DynamicObject>>,
    /// Gatekeeper constraints, of any constraint kind.
    pub constraints: Vec<Arc<DynamicObject>>,
}

type ObjectKey = (String, String, String);

fn key(namespace: &str, kind: &str, name: &str) -> ObjectKey {
    (namespace.to_owned(), kind.to_owned(), name.to_owned())
}

fn text(v: &Value, field: &str) -> Option<String> {
    v.get(field).and_then(Value::as_str).map(str::to_owned)
}

/// Kyverno policies whose failures are blocked at admission.
fn enforced_kyverno(policies: &[Arc<DynamicObject>]) -> HashMap<String, bool> {
    policies
        .iter()
        .map(|p| {
            let spec = p.data.get("spec").cloned().unwrap_or(Value::Null);
            let policy_level = text(&spec, "validationFailureAction");
            let rule_level = spec.get("rules").and_then(Value::as_array).and_then(|rules| {
                rules.iter().find_map(|r| {
                    r.pointer("/validate/failureAction")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
            });
            let action = rule_level.or(policy_level).unwrap_or_default();
            (p.name_any(), action.eq_ignore_ascii_case("enforce"))
        })
        .collect()
}

fn findings_by_object(inputs: &Inputs) -> HashMap<ObjectKey, Vec<PolicyFinding>> {
    let enforced = enforced_kyverno(&inputs.kyverno_policies);
    let mut out: HashMap<ObjectKey, Vec<PolicyFinding>> = HashMap::new();
    for report in &inputs.policy_reports {
        // Kyverno ≥ 1.10 writes one report per resource, naming it in `scope`; older
        // versions list the resources in each result.
        let scope = report.data.get("scope").cloned();
        for result in report
            .data
            .get("results")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let policy = text(result, "policy").unwrap_or_default();
            let finding = PolicyFinding {
                source: text(result, "source").unwrap_or_else(|| "kyverno".into()),
                enforced: enforced.get(&policy).copied().unwrap_or(false),
                policy,
                rule: text(result, "rule"),
                result: text(result, "result").unwrap_or_default(),
                message: text(result, "message"),
            };
            let resources = result
                .get("resources")
                .and_then(Value::as_array)
                .cloned()
                .or_else(|| scope.clone().map(|s| vec![s]))
                .unwrap_or_default();
            for r in resources {
                let ns = text(&r, "namespace")
                    .or_else(|| report.namespace())
                    .unwrap_or_default();
                let k = key(
                    &ns,
                    &text(&r, "kind").unwrap_or_default(),
                    &text(&r, "name").unwrap_or_default(),
                );
                out.entry(k).or_default().push(finding.clone());
            }
        }
    }
    for constraint in &inputs.constraints {
        let action = constraint
            .data
            .pointer("/spec/enforcementAction")
            .and_then(Value::as_str)
            .unwrap_or("deny")
            .to_owned();
        let violations = constraint
            .data
            .pointer("/status/violations")
            .and_then(Value::as_array);
        for v in violations.into_iter().flatten() {
            let k = key(
                &text(v, "namespace").unwrap_or_default(),
                &text(v, "kind").unwrap_or_default(),
                &text(v, "name").unwrap_or_default(),
            );
            out.entry(k).or_default().push(PolicyFinding {
                source: "gatekeeper".into(),
                policy: constraint.name_any(),
                rule: constraint.types.as_ref().map(|t| t.kind.clone()),
                result: "fail".into(),
                enforced: text(v, "enforcementAction").unwrap_or_else(|| action.clone()) == "deny",
                message: text(v, "message"),
            });
        }
    }
    out
}

fn pod_summary(pod: &CachedPod) -> PodSummary {
    let status = pod.status.as_ref();
    let containers = status
        .map(|s| s.container_statuses.as_slice())
        .unwrap_or_default();
    PodSummary {
        name: pod.name_any(),
        phase: status
            .and_then(|s| s.phase.clone())
            .unwrap_or_else(|| "Unknown".into()),
        ready: status.is_some_and(|s| {
            s.conditions
                .iter()
                .any(|c| c.type_ == "Ready" && c.status == "True")
        }),
        restarts: containers.iter().map(|c| c.restart_count).sum(),
        waiting: containers
            .iter()
            .find_map(|c| c.state.as_ref()?.waiting.as_ref()?.reason.clone()),
        node: pod.spec.as_ref().and_then(|s| s.node_name.clone()),
    }
}

/// Which workload a pod belongs to, from its controller reference (a ReplicaSet
/// `<deployment>-<hash>` stands for its Deployment).
fn owner_of(pod: &CachedPod) -> Option<(WorkloadKind, String)> {
    let owner = pod
        .owner_references()
        .iter()
        .find(|o| o.controller == Some(true))?;
    match owner.kind.as_str() {
        "ReplicaSet" => owner
            .name
            .rsplit_once('-')
            .map(|(d, _)| (WorkloadKind::Deployment, d.to_owned())),
        "StatefulSet" => Some((WorkloadKind::StatefulSet, owner.name.clone())),
        "DaemonSet" => Some((WorkloadKind::DaemonSet, owner.name.clone())),
        _ => None,
    }
}

fn images(spec: Option<&PodSpec>) -> Vec<String> {
    let mut images: Vec<String> = spec
        .map(|s| s.containers.iter().filter_map(|c| c.image.clone()).collect())
        .unwrap_or_default();
    images.sort();
    images.dedup();
    images
}

struct Raw<'a> {
    kind: WorkloadKind,
    meta: &'a kube::api::ObjectMeta,
    desired: i32,
    ready: i32,
    spec: Option<&'a PodSpec>,
}

/// One summary per Deployment, StatefulSet and DaemonSet, sorted by namespace, kind
/// and name, with everything inside sorted too, so equal states serialise equally.
pub fn summarize(inputs: &Inputs) -> Vec<WorkloadSummary> {
    let namespace_labels: HashMap<String, &BTreeMap<String, String>> = inputs
        .namespaces
        .iter()
        .filter_map(|n| Some((n.name_any(), n.metadata.labels.as_ref()?)))
        .collect();
    let mut pods: HashMap<(String, WorkloadKind, String), Vec<&CachedPod>> = HashMap::new();
    for pod in &inputs.pods {
        if let Some((kind, name)) = owner_of(pod) {
            pods.entry((pod.namespace().unwrap_or_default(), kind, name))
                .or_default()
                .push(pod);
        }
    }
    let mut warnings: HashMap<(String, String), Vec<&Event>> = HashMap::new();
    for event in inputs
        .events
        .iter()
        .filter(|e| e.type_.as_deref() == Some("Warning"))
    {
        let ns = event
            .involved_object
            .namespace
            .clone()
            .or_else(|| event.namespace())
            .unwrap_or_default();
        if let Some(name) = &event.involved_object.name {
            warnings.entry((ns, name.clone())).or_default().push(event);
        }
    }
    let findings = findings_by_object(inputs);

    let mut raws: Vec<Raw<'_>> = Vec::new();
    for (kind, workloads) in [
        (
            WorkloadKind::Deployment,
            inputs
                .deployments
                .iter()
                .map(|d| (&d.metadata, &d.spec, &d.status))
                .collect::<Vec<_>>(),
        ),
        (
            WorkloadKind::StatefulSet,
            inputs
                .stateful_sets
                .iter()
                .map(|s| (&s.metadata, &s.spec, &s.status))
                .collect(),
        ),
    ] {
        for (meta, spec, status) in workloads {
            raws.push(Raw {
                kind,
                meta,
                desired: spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
                ready: status.as_ref().and_then(|s| s.ready_replicas).unwrap_or(0),
                spec: spec.as_ref().and_then(|s| s.template.spec.as_ref()),
            });
        }
    }
    for d in &inputs.daemon_sets {
        let status = d.status.as_ref();
        raws.push(Raw {
            kind: WorkloadKind::DaemonSet,
            meta: &d.metadata,
            desired: status.map(|s| s.desired_number_scheduled).unwrap_or(0),
            ready: status.map(|s| s.number_ready).unwrap_or(0),
            spec: d.spec.as_ref().and_then(|s| s.template.spec.as_ref()),
        });
    }

    let mut out: Vec<WorkloadSummary> = raws
        .into_iter()
        .map(|raw| {
            let namespace = raw.meta.namespace.clone().unwrap_or_default();
            let name = raw.meta.name.clone().unwrap_or_default();
            let label = |key: &str| {
                raw.meta
                    .labels
                    .as_ref()
                    .and_then(|l| l.get(key))
                    .or_else(|| namespace_labels.get(&namespace).and_then(|l| l.get(key)))
                    .cloned()
            };
            let mut pod_summaries: Vec<PodSummary> = pods
                .get(&(namespace.clone(), raw.kind, name.clone()))
                .map(|ps| ps.iter().map(|p| pod_summary(p)).collect())
                .unwrap_or_default();
            pod_summaries.sort_by(|a, b| a.name.cmp(&b.name));
            let mut events: Vec<WarningEvent> = std::iter::once(name.clone())
                .chain(pod_summaries.iter().map(|p| p.name.clone()))
                .flat_map(|object| {
                    warnings
                        .get(&(namespace.clone(), object))
                        .cloned()
                        .unwrap_or_default()
                })
                .map(|e| WarningEvent {
                    object: e.involved_object.name.clone().unwrap_or_default(),
                    reason: e.reason.clone().unwrap_or_default(),
                    message: e.message.clone().unwrap_or_default(),
                    count: e.count.unwrap_or(1),
                    last_seen: e
                        .last_timestamp
                        .as_ref()
                        .map(|t| t.0.to_string())
                        .or_else(|| e.event_time.as_ref().map(|t| t.0.to_string())),
                })
                .collect();
            events.sort_by(|a, b| {
                b.last_seen
                    .cmp(&a.last_seen)
                    .then(a.object.cmp(&b.object))
                    .then(a.reason.cmp(&b.reason))
            });
            events.truncate(MAX_WARNINGS);
            let mut policies = findings
                .get(&key(&namespace, raw.kind.as_str(), &name))
                .cloned()
                .unwrap_or_default();
            policies.sort();
            WorkloadSummary {
                team: label("parkway.io/team"),
                namespace_team: namespace_labels
                    .get(&namespace)
                    .and_then(|l| l.get("parkway.io/team"))
                    .cloned(),
                business_unit: label("parkway.io/business-unit"),
                app_name: raw
                    .meta
                    .labels
                    .as_ref()
                    .and_then(|l| l.get("app.kubernetes.io/name"))
                    .cloned(),
                kubernetes_id: raw
                    .meta
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get("backstage.io/kubernetes-id"))
                    .cloned(),
                desired: raw.desired,
                ready: raw.ready,
                restarts: pod_summaries.iter().map(|p| p.restarts).sum(),
                images: images(raw.spec),
                pods: pod_summaries,
                warnings: events,
                policies,
                kind: raw.kind,
                namespace,
                name,
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.namespace, a.kind, &a.name).cmp(&(&b.namespace, b.kind, &b.name)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj<T: serde::de::DeserializeOwned>(v: Value) -> Arc<T> {
        Arc::new(serde_json::from_value(v).expect("valid object"))
    }

    fn inputs() -> Inputs {
        Inputs {
            namespaces: vec![obj(
                json!({"metadata": {"name": "shop", "labels": {"parkway.io/team": "cart", "parkway.io/business-unit": "commerce"}}}),
            )],
            deployments: vec![obj(json!({
                "metadata": {"name": "cart-api", "namespace": "shop", "labels": {"app.kubernetes.io/name": "cart-api"}, "annotations": {"backstage.io/kubernetes-id": "cart"}},
                "spec": {"replicas": 2, "selector": {}, "template": {"spec": {"containers": [{"name": "a", "image": "img:2"}, {"name": "b", "image": "img:1"}]}}},
                "status": {"readyReplicas": 1}
            }))],
            pods: vec![
                obj(
                    json!({"metadata": {"name": "cart-api-abc-1", "namespace": "shop", "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "cart-api-abc", "uid": "", "controller": true}]},
                    "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}], "containerStatuses": [{"name": "a", "image": "img:2", "imageID": "", "ready": true, "restartCount": 1}]}}),
                ),
                obj(
                    json!({"metadata": {"name": "cart-api-abc-2", "namespace": "shop", "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "cart-api-abc", "uid": "", "controller": true}]},
                    "status": {"phase": "Running", "containerStatuses": [{"name": "a", "image": "img:2", "imageID": "", "ready": false, "restartCount": 7, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}),
                ),
            ],
            events: vec![
                obj(
                    json!({"metadata": {"name": "e1", "namespace": "shop"}, "involvedObject": {"kind": "Pod", "name": "cart-api-abc-2", "namespace": "shop"}, "type": "Warning", "reason": "BackOff", "message": "Back-off", "count": 7, "lastTimestamp": "2026-11-28T01:00:00Z"}),
                ),
                obj(
                    json!({"metadata": {"name": "e2", "namespace": "shop"}, "involvedObject": {"kind": "Pod", "name": "cart-api-abc-1", "namespace": "shop"}, "type": "Normal", "reason": "Pulled"}),
                ),
            ],
            policy_reports: vec![obj(json!({
                "apiVersion": "wgpolicyk8s.io/v1alpha2", "kind": "PolicyReport", "metadata": {"name": "r", "namespace": "shop"},
                "results": [
                    {"policy": "require-labels", "rule": "team", "result": "pass", "resources": [{"kind": "Deployment", "name": "cart-api", "namespace": "shop"}]},
                    {"policy": "disallow-latest-tag", "rule": "tag", "result": "fail", "resources": [{"kind": "Deployment", "name": "cart-api", "namespace": "shop"}]}
                ]
            }))],
            kyverno_policies: vec![obj(
                json!({"apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy", "metadata": {"name": "disallow-latest-tag"}, "spec": {"validationFailureAction": "Enforce"}}),
            )],
            constraints: vec![obj(json!({
                "apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sRequiredLabels", "metadata": {"name": "must-have-owner"},
                "spec": {"enforcementAction": "dryrun"},
                "status": {"totalViolations": 1, "violations": [{"kind": "Deployment", "name": "cart-api", "namespace": "shop", "message": "missing owner"}]}
            }))],
            ..Inputs::default()
        }
    }

    #[test]
    fn workloads_gather_their_pods_warnings_and_findings() {
        let summaries = summarize(&inputs());
        assert_eq!(summaries.len(), 1);
        let w = &summaries[0];
        assert_eq!(
            (w.team.as_deref(), w.business_unit.as_deref()),
            (Some("cart"), Some("commerce")),
            "inherited from the namespace"
        );
        assert_eq!(w.kubernetes_id.as_deref(), Some("cart"));
        assert_eq!((w.desired, w.ready, w.restarts), (2, 1, 8));
        assert_eq!(w.health(), Health::Degraded);
        assert_eq!(w.images, ["img:1", "img:2"]);
        assert_eq!(w.pods[1].waiting.as_deref(), Some("CrashLoopBackOff"));
        assert_eq!(w.warnings.len(), 1, "normal events are not warnings");
        assert_eq!(w.warnings[0].reason, "BackOff");
        let failed: Vec<(&str, &str, bool)> = w
            .policies
            .iter()
            .filter(|p| p.result == "fail")
            .map(|p| (p.source.as_str(), p.policy.as_str(), p.enforced))
            .collect();
        assert_eq!(
            failed,
            [
                ("gatekeeper", "must-have-owner", false),
                ("kyverno", "disallow-latest-tag", true)
            ]
        );
        let t = totals(&summaries);
        assert_eq!(
            (t.workloads, t.degraded, t.policy_pass, t.policy_fail),
            (1, 1, 1, 2)
        );
    }

    #[test]
    fn equal_inputs_serialise_equally() {
        let a = serde_json::to_vec(&summarize(&inputs())).expect("serialises");
        let mut shuffled = inputs();
        shuffled.pods.reverse();
        let b = serde_json::to_vec(&summarize(&shuffled)).expect("serialises");
        assert_eq!(a, b);
    }

    #[test]
    fn health_follows_readiness() {
        let mut w = summarize(&inputs()).remove(0);
        w.ready = 0;
        assert_eq!(w.health(), Health::Down);
        w.desired = 0;
        assert_eq!(w.health(), Health::ScaledToZero);
        w.desired = 2;
        w.ready = 2;
        assert_eq!(w.health(), Health::Healthy);
    }
}
