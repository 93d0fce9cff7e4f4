//! A believable company to populate demo clusters with: six business units, thirty
//! teams, their services as Deployments and StatefulSets with pods, warning events for
//! the unhealthy ones, Kyverno policy reports (mostly passing) and Gatekeeper
//! constraints with violations. Deterministic: the same inputs give the same objects.

use serde_json::{Value, json};

use crate::{status::ApiError, store::Store};

/// Business units and their teams.
pub const BUSINESS_UNITS: &[(&str, [&str; 5])] = &[
    ("payments", ["checkout", "billing", "ledger", "fraud", "payouts"]),
    ("commerce", ["catalog", "search", "cart", "pricing", "reviews"]),
    (
        "logistics",
        ["fulfillment", "shipping", "inventory", "returns", "routing"],
    ),
    (
        "data",
        [
            "analytics",
            "ml-platform",
            "warehouse",
            "reporting",
            "experiments",
        ],
    ),
    (
        "identity",
        ["accounts", "auth", "profiles", "consent", "notifications"],
    ),
    (
        "platform",
        ["observability", "gateway", "delivery", "messaging", "devex"],
    ),
];

pub const ENVIRONMENTS: [&str; 3] = ["dev", "stage", "prod"];

const SERVICES: [&str; 10] = [
    "api",
    "worker",
    "web",
    "db",
    "events",
    "scheduler",
    "gateway",
    "cache",
    "sync",
    "admin",
];

/// One team with its business unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Team {
    pub business_unit: &'static str,
    pub name: &'static str,
}

pub fn teams() -> Vec<Team> {
    BUSINESS_UNITS
        .iter()
        .flat_map(|(bu, teams)| {
            teams.iter().map(|name| Team {
                business_unit: bu,
                name,
            })
        })
        .collect()
}

/// One service of the company, deployed in every environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub team: Team,
    /// `checkout-api`: the workload name, `app.kubernetes.io/name` and
    /// `backstage.io/kubernetes-id`.
    pub name: String,
    pub stateful: bool,
}

/// The first `count` services, spread over the teams round-robin.
pub fn services(count: usize) -> Vec<Service> {
    let teams = teams();
    (0..count)
        .map(|i| {
            let team = teams[i % teams.len()];
            let slot = i / teams.len();
            let base = SERVICES[slot % SERVICES.len()];
            let name = match slot / SERVICES.len() {
                0 => format!("{}-{base}", team.name),
                n => format!("{}-{base}-{n}", team.name),
            };
            Service {
                team,
                name,
                stateful: matches!(base, "db" | "cache"),
            }
        })
        .collect()
}

/// FNV-1a: a stable hash for deterministic "randomness".
fn hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain([0xff]) {
            h ^= u64::from(byte);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

pub fn namespace_of(team: &str, environment: &str) -> String {
    format!("{team}-{environment}")
}

/// What a seeding run created.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub namespaces: usize,
    pub workloads: usize,
    pub unhealthy: usize,
    pub pods: usize,
    pub policy_failures: usize,
}

struct Facts {
    replicas: u64,
    ready: u64,
    restarts: u64,
    image: String,
    latest: bool,
    team_label: bool,
    limits: bool,
}

fn facts(service: &Service, environment: &str) -> Facts {
    let h = hash(&[&service.name, environment]);
    let replicas = match environment {
        "prod" => 3,
        "stage" => 2,
        _ => 1,
    };
    let unhealthy_percent = match environment {
        "prod" => 4,
        "stage" => 8,
        _ => 12,
    };
    let unhealthy = h % 100 < unhealthy_percent;
    let latest = hash(&[&service.name]).is_multiple_of(17);
    Facts {
        replicas,
        ready: if unhealthy { replicas - 1 } else { replicas },
        restarts: if unhealthy {
            5 + (h >> 8) % 40
        } else {
            (h >> 16) % 3
        },
        image: if latest {
            format!(
                "registry.example.com/{}/{}:latest",
                service.team.name, service.name
            )
        } else {
            format!(
                "registry.example.com/{}/{}:1.{}.{}",
                service.team.name,
                service.name,
                (h >> 24) % 20,
                (h >> 32) % 10
            )
        },
        latest,
        team_label: !hash(&[&service.name, "label"]).is_multiple_of(23),
        limits: !hash(&[&service.name, "limits"]).is_multiple_of(11),
    }
}

fn put(store: &Store, object: Value) -> Result<(), ApiError> {
    store.put(object).map(|_| ())
}

/// Populates `store` as the `environment` cluster with `workloads` services (plus a
/// platform DaemonSet or two), their pods, events and policy results.
pub fn populate(store: &Store, environment: &str, workloads: usize) -> Result<Summary, ApiError> {
    let mut summary = Summary::default();
    // Reports are as fresh as the seed, as a running Kyverno's would be.
    let seeded_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let services = services(workloads);
    let used_teams: Vec<Team> = teams()
        .into_iter()
        .filter(|t| services.iter().any(|s| s.team == *t))
        .collect();
    let mut missing_cost_center = Vec::new();
    for team in &used_teams {
        let ns = namespace_of(team.name, environment);
        let mut labels = json!({
            "parkway.io/team": team.name,
            "parkway.io/business-unit": team.business_unit,
            "parkway.io/environment": environment,
            "pod-security.kubernetes.io/enforce": if hash(&[team.name, "psa"]).is_multiple_of(7) { "baseline" } else { "restricted" },
        });
        if hash(&[team.name, "cost"]).is_multiple_of(6) {
            missing_cost_center.push(ns.clone());
        } else {
            labels["cost-center"] = json!(format!("cc-{}", hash(&[team.business_unit]) % 9000 + 1000));
        }
        put(
            store,
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": labels}}),
        )?;
        summary.namespaces += 1;
    }
    put(
        store,
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "platform-system", "labels": {"parkway.io/team": "observability", "parkway.io/business-unit": "platform", "parkway.io/environment": environment, "cost-center": "cc-1000"}}}),
    )?;
    summary.namespaces += 1;

    let mut reports: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    let mut owner_violations = Vec::new();
    for service in &services {
        let f = facts(service, environment);
        let ns = namespace_of(service.team.name, environment);
        let kind = if service.stateful {
            "StatefulSet"
        } else {
            "Deployment"
        };
        seed_workload(
            store,
            &service.name,
            &ns,
            kind,
            service.team,
            &f,
            environment,
            &mut summary,
        )?;
        if !f.team_label {
            owner_violations.push(json!({"enforcementAction": "deny", "group": "apps", "version": "v1", "kind": kind, "namespace": ns, "name": service.name, "message": "missing required label: parkway.io/team"}));
        }
        let results = reports.entry(ns.clone()).or_default();
        let resource =
            json!([{"apiVersion": "apps/v1", "kind": kind, "name": service.name, "namespace": ns}]);
        for (policy, rule, passed, message) in [
            (
                "require-labels",
                "check-team-label",
                f.team_label,
                "label 'parkway.io/team' is required",
            ),
            (
                "disallow-latest-tag",
                "validate-image-tag",
                !f.latest,
                "using a mutable image tag e.g. 'latest' is not allowed",
            ),
            (
                "require-requests-limits",
                "validate-resources",
                f.limits,
                "CPU and memory resource requests and limits are required",
            ),
            (
                "restrict-privileged",
                "privileged-containers",
                true,
                "privileged mode is disallowed",
            ),
        ] {
            summary.policy_failures += usize::from(!passed);
            results.push(json!({
                "policy": policy, "rule": rule, "result": if passed { "pass" } else { "fail" },
                "message": if passed { format!("validation rule '{rule}' passed.") } else { message.to_owned() },
                "scored": true, "severity": "medium", "category": "Best Practices", "source": "kyverno",
                "timestamp": {"seconds": seeded_at, "nanos": 0},
                "resources": resource,
            }));
        }
    }
    for daemon in ["log-agent", "node-exporter"] {
        let team = Team {
            business_unit: "platform",
            name: "observability",
        };
        let f = Facts {
            replicas: 3,
            ready: 3,
            restarts: 0,
            image: format!("registry.example.com/platform/{daemon}:2.4.1"),
            latest: false,
            team_label: true,
            limits: true,
        };
        seed_workload(
            store,
            daemon,
            "platform-system",
            "DaemonSet",
            team,
            &f,
            environment,
            &mut summary,
        )?;
    }
    for (ns, results) in reports {
        let count = |r: &str| results.iter().filter(|x| x["result"] == r).count();
        let summary_counts =
            json!({"pass": count("pass"), "fail": count("fail"), "warn": 0, "error": 0, "skip": 0});
        put(
            store,
            json!({
                "apiVersion": "wgpolicyk8s.io/v1alpha2", "kind": "PolicyReport",
                "metadata": {"name": format!("polr-ns-{ns}"), "namespace": ns, "labels": {"app.kubernetes.io/managed-by": "kyverno"}},
                "scope": {"kind": "Namespace", "name": ns},
                "summary": summary_counts, "results": results,
            }),
        )?;
    }
    seed_policies(
        store,
        &used_teams,
        environment,
        &missing_cost_center,
        owner_violations,
    )?;
    Ok(summary)
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site per workload kind; a struct would only rename the arguments"
)]
fn seed_workload(
    store: &Store,
    name: &str,
    ns: &str,
    kind: &str,
    team: Team,
    f: &Facts,
    environment: &str,
    summary: &mut Summary,
) -> Result<(), ApiError> {
    let mut labels = json!({
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/part-of": team.name,
        "parkway.io/business-unit": team.business_unit,
    });
    if f.team_label {
        labels["parkway.io/team"] = json!(team.name);
    }
    let mut container = json!({"name": "app", "image": f.image, "ports": [{"containerPort": 8080}]});
    if f.limits {
        container["resources"] = json!({"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}});
    }
    let template = json!({"metadata": {"labels": {"app.kubernetes.io/name": name}}, "spec": {"containers": [container]}});
    let mut spec =
        json!({"selector": {"matchLabels": {"app.kubernetes.io/name": name}}, "template": template});
    let mut status = if kind == "DaemonSet" {
        json!({"desiredNumberScheduled": f.replicas, "currentNumberScheduled": f.replicas, "numberReady": f.ready, "numberAvailable": f.ready, "updatedNumberScheduled": f.replicas, "observedGeneration": 1})
    } else {
        spec["replicas"] = json!(f.replicas);
        if kind == "StatefulSet" {
            spec["serviceName"] = json!(name);
        }
        json!({"replicas": f.replicas, "readyReplicas": f.ready, "availableReplicas": f.ready, "updatedReplicas": f.replicas, "currentReplicas": f.replicas, "observedGeneration": 1})
    };
    let mut annotations = json!({"backstage.io/kubernetes-id": name});
    if kind == "Deployment" {
        // The latest rollout, as the Deployment controller reports it: the revision
        // and when its new ReplicaSet became available (hours ago, per workload).
        let h = hash(&[name, ns, "rollout"]);
        annotations["deployment.kubernetes.io/revision"] = json!((1 + h % 40).to_string());
        let at = chrono::Utc::now() - chrono::Duration::minutes(30 + ((h >> 8) % (72 * 60)) as i64);
        let at = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        status["conditions"] = json!([
            {"type": "Available", "status": if f.ready > 0 { "True" } else { "False" },
             "reason": "MinimumReplicasAvailable", "lastUpdateTime": at, "lastTransitionTime": at},
            {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
             "lastUpdateTime": at, "lastTransitionTime": at},
        ]);
    }
    put(
        store,
        json!({
            "apiVersion": "apps/v1", "kind": kind,
            "metadata": {"name": name, "namespace": ns, "labels": labels, "annotations": annotations},
            "spec": spec, "status": status,
        }),
    )?;
    summary.workloads += 1;
    summary.unhealthy += usize::from(f.ready < f.replicas);
    let template_hash = format!("{:010x}", hash(&[name, ns]) & 0xff_ffff_ffff);
    for replica in 0..f.replicas {
        let (pod, owner_kind, owner) = match kind {
            "StatefulSet" => (format!("{name}-{replica}"), "StatefulSet", name.to_owned()),
            "DaemonSet" => (
                format!("{name}-{:05x}", hash(&[name, &replica.to_string()]) & 0xfffff),
                "DaemonSet",
                name.to_owned(),
            ),
            _ => (
                format!(
                    "{name}-{}-{:05x}",
                    &template_hash[..8],
                    hash(&[name, ns, &replica.to_string()]) & 0xfffff
                ),
                "ReplicaSet",
                format!("{name}-{}", &template_hash[..8]),
            ),
        };
        let ready = replica < f.ready;
        let state = if ready {
            json!({"running": {"startedAt": "2026-11-20T08:00:00Z"}})
        } else {
            json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}})
        };
        put(
            store,
            json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {
                    "name": pod, "namespace": ns,
                    "labels": {"app.kubernetes.io/name": name, "pod-template-hash": &template_hash[..8]},
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": owner_kind, "name": owner, "uid": "", "controller": true}],
                },
                "spec": {"nodeName": format!("node-{}-{}", environment, replica % 3 + 1), "containers": [{"name": "app", "image": f.image}]},
                "status": {
                    "phase": "Running",
                    "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}],
                    "containerStatuses": [{"name": "app", "image": f.image, "ready": ready, "restartCount": if ready { f.restarts.min(2) } else { f.restarts }, "state": state}],
                },
            }),
        )?;
        summary.pods += 1;
        if !ready {
            put(
                store,
                json!({
                    "apiVersion": "v1", "kind": "Event",
                    "metadata": {"name": format!("{pod}.{:016x}", hash(&[&pod, "backoff"])), "namespace": ns},
                    "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": pod, "namespace": ns},
                    "reason": "BackOff", "type": "Warning", "count": f.restarts,
                    "message": format!("Back-off restarting failed container app in pod {pod}"),
                    "firstTimestamp": "2026-11-27T22:00:00Z", "lastTimestamp": "2026-11-28T01:55:00Z",
                    "source": {"component": "kubelet"},
                }),
            )?;
        } else if replica == 0 {
            put(
                store,
                json!({
                    "apiVersion": "v1", "kind": "Event",
                    "metadata": {"name": format!("{pod}.{:016x}", hash(&[&pod, "pulled"])), "namespace": ns},
                    "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": pod, "namespace": ns},
                    "reason": "Pulled", "type": "Normal", "count": 1,
                    "message": format!("Container image \"{}\" already present on machine", f.image),
                    "firstTimestamp": "2026-11-20T08:00:00Z", "lastTimestamp": "2026-11-20T08:00:00Z",
                    "source": {"component": "kubelet"},
                }),
            )?;
        }
    }
    Ok(())
}

fn seed_policies(
    store: &Store,
    teams: &[Team],
    environment: &str,
    missing_cost_center: &[String],
    owner_violations: Vec<Value>,
) -> Result<(), ApiError> {
    for (group, kind, plural, scope, version) in [
        (
            "wgpolicyk8s.io",
            "PolicyReport",
            "policyreports",
            "Namespaced",
            "v1alpha2",
        ),
        (
            "wgpolicyk8s.io",
            "ClusterPolicyReport",
            "clusterpolicyreports",
            "Cluster",
            "v1alpha2",
        ),
        ("kyverno.io", "ClusterPolicy", "clusterpolicies", "Cluster", "v1"),
        ("kyverno.io", "Policy", "policies", "Namespaced", "v1"),
        (
            "templates.gatekeeper.sh",
            "ConstraintTemplate",
            "constrainttemplates",
            "Cluster",
            "v1",
        ),
        (
            "constraints.gatekeeper.sh",
            "K8sRequiredLabels",
            "k8srequiredlabels",
            "Cluster",
            "v1beta1",
        ),
    ] {
        put(
            store,
            json!({
                "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": {"name": format!("{plural}.{group}")},
                "spec": {"group": group, "scope": scope, "names": {"kind": kind, "plural": plural, "singular": kind.to_ascii_lowercase()},
                         "versions": [{"name": version, "served": true, "storage": true, "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]},
                "status": {"conditions": [{"type": "Established", "status": "True"}]},
            }),
        )?;
    }
    // Every coverage state shows somewhere: restrict-privileged enforced everywhere,
    // disallow-latest-tag enforced except in prod (audit only there),
    // restrict-image-registries missing from prod, require-labels linked to its
    // guardrail by the `parkway.io/guardrail` annotation (the others by the guardrail's
    // list of implementations).
    let prod = environment == "prod";
    for (name, rule, action, message, guardrail, kinds) in [
        (
            "require-labels",
            "check-team-label",
            "Enforce",
            "The label 'parkway.io/team' is required.",
            Some("GR-009"),
            json!(["Deployment", "StatefulSet", "DaemonSet"]),
        ),
        (
            "disallow-latest-tag",
            "validate-image-tag",
            if prod { "Audit" } else { "Enforce" },
            "Using a mutable image tag e.g. 'latest' is not allowed.",
            None,
            json!(["Pod"]),
        ),
        (
            "require-requests-limits",
            "validate-resources",
            "Audit",
            "CPU and memory resource requests and limits are required.",
            None,
            json!(["Pod"]),
        ),
        (
            "restrict-privileged",
            "privileged-containers",
            "Enforce",
            "Privileged mode is disallowed.",
            None,
            json!(["Pod"]),
        ),
        (
            "restrict-image-registries",
            "validate-registries",
            "Enforce",
            "Images must come from registry.example.com.",
            None,
            json!(["Pod"]),
        ),
    ] {
        if prod && name == "restrict-image-registries" {
            continue;
        }
        let mut annotations = json!({"policies.kyverno.io/category": "Best Practices"});
        if let Some(id) = guardrail {
            annotations["parkway.io/guardrail"] = json!(id);
        }
        put(
            store,
            json!({
                "apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy",
                "metadata": {"name": name, "annotations": annotations},
                "spec": {"background": true,
                         "rules": [{"name": rule, "match": {"any": [{"resources": {"kinds": kinds}}]},
                                    "exclude": {"any": [{"resources": {"namespaces": ["platform-system"]}}]},
                                    "validate": {"failureAction": action, "message": message}}]},
                "status": {"ready": true},
            }),
        )?;
    }
    let ns_results: Vec<Value> = teams
        .iter()
        .map(|t| namespace_of(t.name, environment))
        .map(|ns| json!({"policy": "require-namespace-owner", "rule": "check-owner", "result": "pass", "source": "kyverno", "message": "validation rule 'check-owner' passed.", "resources": [{"apiVersion": "v1", "kind": "Namespace", "name": ns}]}))
        .collect();
    put(
        store,
        json!({
            "apiVersion": "wgpolicyk8s.io/v1alpha2", "kind": "ClusterPolicyReport",
            "metadata": {"name": "clusterpolicyreport"},
            "summary": {"pass": ns_results.len(), "fail": 0, "warn": 0, "error": 0, "skip": 0},
            "results": ns_results,
        }),
    )?;
    put(
        store,
        json!({
            "apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate",
            "metadata": {"name": "k8srequiredlabels"},
            "spec": {"crd": {"spec": {"names": {"kind": "K8sRequiredLabels"}}}, "targets": [{"target": "admission.k8s.gatekeeper.sh", "rego": "package k8srequiredlabels"}]},
            "status": {"created": true},
        }),
    )?;
    let cost_violations: Vec<Value> = missing_cost_center
        .iter()
        .map(|ns| json!({"enforcementAction": "dryrun", "kind": "Namespace", "name": ns, "message": "you must provide labels: {\"cost-center\"}"}))
        .collect();
    for (name, action, kinds, label, violations) in [
        (
            "namespaces-must-have-cost-center",
            "dryrun",
            json!([{"apiGroups": [""], "kinds": ["Namespace"]}]),
            "cost-center",
            cost_violations,
        ),
        (
            "workloads-must-have-team",
            "deny",
            json!([{"apiGroups": ["apps"], "kinds": ["Deployment", "StatefulSet"]}]),
            "parkway.io/team",
            owner_violations,
        ),
    ] {
        put(
            store,
            json!({
                "apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sRequiredLabels",
                "metadata": {"name": name},
                "spec": {"enforcementAction": action, "match": {"kinds": kinds}, "parameters": {"labels": [label]}},
                "status": {"auditTimestamp": "2026-11-28T01:50:00Z", "totalViolations": violations.len(), "violations": violations},
            }),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::find;

    #[test]
    fn the_company_has_six_units_and_thirty_teams() {
        assert_eq!(BUSINESS_UNITS.len(), 6);
        assert_eq!(teams().len(), 30);
        let names: std::collections::BTreeSet<String> = services(300).into_iter().map(|s| s.name).collect();
        assert_eq!(names.len(), 300, "service names are unique");
    }

    #[test]
    fn a_seeded_cluster_has_some_unhealthy_workloads_and_failing_policies() {
        let store = Store::default();
        let summary = populate(&store, "dev", 100).expect("seeds");
        assert_eq!(summary.workloads, 102, "100 services and two DaemonSets");
        assert!(summary.unhealthy > 0 && summary.unhealthy < 30, "{summary:?}");
        assert!(
            summary.policy_failures > 0 && summary.policy_failures < 60,
            "{summary:?}"
        );
        let deployments = find("apps", "v1", "deployments").expect("kind");
        assert!(store.count(deployments) > 50);
        let again = Store::default();
        assert_eq!(
            populate(&again, "dev", 100).expect("seeds"),
            summary,
            "deterministic"
        );
    }
}
