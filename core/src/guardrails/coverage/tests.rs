//! Coverage against a fixture computed by hand: five workloads, a Kyverno policy with
//! an exclusion and a per-namespace override, a Gatekeeper constraint in dry run, an
//! annotated audit-only policy, a missing policy and a truncated violation list.

use std::sync::Arc;

use kube::api::DynamicObject;
use serde_json::json;

use super::*;

fn object(value: serde_json::Value) -> Arc<DynamicObject> {
    Arc::new(serde_json::from_value(value).expect("an object"))
}

fn workloads() -> Vec<Workload> {
    vec![
        ("shop".into(), WorkloadKind::Deployment, "web".into()),
        ("shop".into(), WorkloadKind::Deployment, "api".into()),
        ("shop".into(), WorkloadKind::StatefulSet, "db".into()),
        ("legacy".into(), WorkloadKind::Deployment, "old".into()),
        ("kube-system".into(), WorkloadKind::DaemonSet, "agent".into()),
    ]
}

fn kyverno() -> Vec<Arc<DynamicObject>> {
    vec![
        object(json!({
            "apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy",
            "metadata": {"name": "restrict-privileged"},
            "spec": {"rules": [
                {"name": "privileged",
                 "match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
                 "exclude": {"any": [{"resources": {"namespaces": ["kube-*"]}}]},
                 "validate": {"failureAction": "Enforce",
                              "failureActionOverrides": [{"action": "Audit", "namespaces": ["legacy"]}]}},
                {"name": "unrelated",
                 "match": {"any": [{"resources": {"kinds": ["DaemonSet"]}}]},
                 "validate": {"failureAction": "Enforce"}}
            ]}
        })),
        object(json!({
            "apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy",
            "metadata": {"name": "disallow-latest", "annotations": {"parkway.io/guardrail": "GR-002"}},
            "spec": {"validationFailureAction": "Audit", "rules": [
                {"name": "tag", "match": {"resources": {"kinds": ["Deployment"]}}, "validate": {"message": "no latest"}}
            ]}
        })),
    ]
}

fn reports() -> Vec<Arc<DynamicObject>> {
    vec![object(json!({
        "apiVersion": "wgpolicyk8s.io/v1alpha2", "kind": "PolicyReport",
        "metadata": {"name": "polr-shop", "namespace": "shop"},
        "results": [
            {"policy": "restrict-privileged", "rule": "autogen-privileged", "result": "pass",
             "timestamp": {"seconds": 1_700_000_000},
             "resources": [{"kind": "Deployment", "namespace": "shop", "name": "web"}]},
            {"policy": "restrict-privileged", "rule": "autogen-privileged", "result": "fail",
             "timestamp": {"seconds": 1_700_000_100},
             "resources": [{"kind": "Deployment", "namespace": "shop", "name": "api"}]},
            {"policy": "restrict-privileged", "rule": "privileged", "result": "pass",
             "resources": [{"kind": "Deployment", "namespace": "legacy", "name": "old"}]}
        ]
    }))]
}

fn constraints() -> Vec<Arc<DynamicObject>> {
    vec![
        object(json!({
            "apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sRequiredLabels",
            "metadata": {"name": "must-have-team"},
            "spec": {"enforcementAction": "dryrun",
                     "match": {"kinds": [{"apiGroups": ["apps"], "kinds": ["Deployment"]}],
                               "excludedNamespaces": ["legacy"]}},
            "status": {"auditTimestamp": "2026-11-30T10:00:00Z", "totalViolations": 1,
                       "violations": [{"kind": "Deployment", "namespace": "shop", "name": "web"}]}
        })),
        object(json!({
            "apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sRequiredLabels",
            "metadata": {"name": "ns-cost"},
            "spec": {},
            "status": {"auditTimestamp": "2026-11-30T10:00:00Z", "totalViolations": 3,
                       "violations": [{"kind": "DaemonSet", "namespace": "kube-system", "name": "agent"}]}
        })),
    ]
}

fn run(id: u32, implementations: &[Implementation]) -> Coverage {
    let (k, r, c) = (kyverno(), reports(), constraints());
    let policies = Policies {
        kyverno: &k,
        reports: &r,
        constraints: &c,
    };
    coverage(GuardrailId(id), implementations, &workloads(), &policies)
}

#[test]
fn a_rule_with_an_exclusion_and_an_override_plus_a_dry_run_constraint() {
    let got = run(
        1,
        &[
            Implementation::Kyverno {
                policy: "restrict-privileged".into(),
                rule: Some("privileged".into()),
            },
            Implementation::Gatekeeper {
                kind: "K8sRequiredLabels".into(),
                name: "must-have-team".into(),
            },
        ],
    );
    // In scope: web, api, db, old (agent is excluded). Enforced: web, api, db (old's
    // namespace is overridden to Audit). web fails Gatekeeper, api fails Kyverno, db has
    // no result, old passes.
    assert_eq!(
        (
            got.mode,
            got.workloads,
            got.enforced,
            got.pass,
            got.fail,
            got.unknown
        ),
        (Mode::Enforce, 4, 3, 1, 2, 1)
    );
    assert_eq!(got.ratio(), Some(0.75));
    assert!(got.enforce_reports_only_pass && !got.truncated);
    assert_eq!(got.newest_report, Some(1_700_000_100));
}

#[test]
fn an_annotated_audit_policy_a_missing_one_and_a_truncated_list() {
    let audit = run(2, &[]);
    assert_eq!((audit.mode, audit.workloads, audit.enforced), (Mode::Audit, 3, 0));
    assert_eq!(audit.ratio(), Some(0.0));
    assert_eq!(audit.unknown, 3);

    let missing = run(
        3,
        &[Implementation::Kyverno {
            policy: "not-installed".into(),
            rule: None,
        }],
    );
    assert_eq!(
        (missing.mode, missing.workloads, missing.unknown),
        (Mode::Missing, 5, 5)
    );
    assert_eq!(missing.ratio(), Some(0.0));

    let cut = run(
        4,
        &[Implementation::Gatekeeper {
            kind: "K8sRequiredLabels".into(),
            name: "ns-cost".into(),
        }],
    );
    // Three violations counted, one listed: the agent fails, the others are unknown.
    assert_eq!(
        (cut.mode, cut.workloads, cut.enforced, cut.fail, cut.unknown),
        (Mode::Enforce, 5, 5, 1, 4)
    );
    assert!(cut.truncated);
    assert_eq!(cut.ratio(), Some(1.0));
}
