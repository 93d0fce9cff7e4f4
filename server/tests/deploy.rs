//! The Kubernetes manifests in `deploy/` (what `kubectl apply -k deploy/` installs):
//! rendered as Kustomize renders them, every object checked against the Kubernetes types
//! with unknown fields refused, every pod against Pod Security `restricted`, the
//! ClusterRole against the one source of the rules in code, configuration keys against
//! the documented variables, and the whole set server-side applied to a demo endpoint.

use std::{collections::BTreeMap, path::PathBuf, sync::Arc};

use k8s_openapi::api::{
    apps::v1::Deployment,
    autoscaling::v2::HorizontalPodAutoscaler,
    batch::v1::Job,
    core::v1::{ConfigMap, Namespace, PodSpec, Secret, Service, ServiceAccount},
    networking::v1::NetworkPolicy,
    policy::v1::PodDisruptionBudget,
    rbac::v1::{ClusterRole, ClusterRoleBinding},
};
use kube::{
    Api, Client,
    api::{ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams},
};
use parkway_core::cluster::access::CLUSTER_ROLE;
use parkway_demo_cluster::{DemoCluster, Store, kinds};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::Value;

fn deploy_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The fields the kustomization may use: the test renders exactly these, so anything
/// else (patches, generators) would be refused rather than silently not rendered.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Kustomization {
    api_version: String,
    kind: String,
    namespace: String,
    #[serde(default)]
    labels: Vec<LabelSet>,
    resources: Vec<String>,
    #[serde(default)]
    images: Vec<ImageOverride>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelSet {
    pairs: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ImageOverride {
    name: String,
    new_name: String,
    new_tag: String,
}

/// One rendered object and the file it came from.
struct Manifest {
    file: String,
    object: Value,
}

impl Manifest {
    fn kind(&self) -> &str {
        self.object["kind"].as_str().unwrap_or_default()
    }

    fn api_version(&self) -> &str {
        self.object["apiVersion"].as_str().unwrap_or_default()
    }

    fn name(&self) -> &str {
        self.object["metadata"]["name"].as_str().unwrap_or_default()
    }

    fn what(&self) -> String {
        format!("{} {}/{}", self.file, self.kind(), self.name())
    }
}

/// `kubectl kustomize deploy/`, for the fields [`Kustomization`] allows: the resources
/// in order, the namespace set on namespaced objects, labels added, images replaced.
fn render() -> (Kustomization, Vec<Manifest>) {
    let dir = deploy_dir();
    let kustomization: Kustomization =
        serde_yaml::from_str(&read(&dir.join("kustomization.yaml"))).expect("kustomization.yaml");
    assert_eq!(kustomization.api_version, "kustomize.config.k8s.io/v1beta1");
    assert_eq!(kustomization.kind, "Kustomization");
    let mut out = Vec::new();
    // The Secrets' example is not applied by the kustomization (operators create them
    // from their secret store) but is checked like the rest: the pods read its keys.
    let files = kustomization
        .resources
        .iter()
        .cloned()
        .chain(["secret.example.yaml".to_owned()]);
    for file in files {
        let text = read(&dir.join(&file));
        for document in serde_yaml::Deserializer::from_str(&text) {
            let mut object = Value::deserialize(document).unwrap_or_else(|e| panic!("{file}: {e}"));
            let file = &file;
            if object.is_null() {
                continue;
            }
            let namespaced = kinds::by_kind(
                object["apiVersion"].as_str().unwrap_or_default(),
                object["kind"].as_str().unwrap_or_default(),
            )
            .map(|i| kinds::KINDS[i].namespaced)
            .unwrap_or_else(|| panic!("{file}: a kind the demo endpoint does not know: {object}"));
            let metadata = object["metadata"].as_object_mut().expect("metadata");
            if namespaced {
                metadata.insert("namespace".into(), kustomization.namespace.clone().into());
            }
            let labels = metadata
                .entry("labels")
                .or_insert_with(|| Value::Object(Default::default()))
                .as_object_mut()
                .expect("labels");
            for set in &kustomization.labels {
                for (key, value) in &set.pairs {
                    labels.insert(key.clone(), value.clone().into());
                }
            }
            replace_images(&mut object, &kustomization.images);
            out.push(Manifest {
                file: file.clone(),
                object,
            });
        }
    }
    (kustomization, out)
}

fn replace_images(value: &mut Value, images: &[ImageOverride]) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if key == "image"
                    && let Some(image) = inner.as_str()
                    && let Some(o) = images.iter().find(|o| o.name == image)
                {
                    *inner = format!("{}:{}", o.new_name, o.new_tag).into();
                } else {
                    replace_images(inner, images);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| replace_images(v, images)),
        _ => {}
    }
}

/// Where `original` holds something the typed round trip lost or changed: a field
/// the Kubernetes type does not have (a typo, a wrong level) or a value of the wrong
/// shape. `k8s-openapi` ignores unknown fields when reading; comparing what it writes
/// back refuses them.
fn lost_fields(original: &Value, back: &Value, path: &str, out: &mut Vec<String>) {
    match (original, back) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let here = format!("{path}.{key}");
                match b.get(key) {
                    Some(other) => lost_fields(value, other, &here, out),
                    None => out.push(format!("{here} is not a field of the Kubernetes type")),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                lost_fields(x, y, &format!("{path}[{i}]"), out);
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(format!("{path}: {a} reads back as {b}")),
    }
}

fn typed<K: DeserializeOwned + Serialize>(manifest: &Manifest) -> Result<K, Vec<String>> {
    let object: K = serde_json::from_value(manifest.object.clone()).map_err(|e| vec![e.to_string()])?;
    let back = serde_json::to_value(&object).expect("serializes");
    let mut lost = Vec::new();
    lost_fields(&manifest.object, &back, "", &mut lost);
    if lost.is_empty() { Ok(object) } else { Err(lost) }
}

/// The typed objects, by kind, of everything rendered; any unknown field fails.
#[derive(Default)]
struct Typed {
    deployments: Vec<Deployment>,
    jobs: Vec<Job>,
    config_maps: Vec<ConfigMap>,
    secrets: Vec<Secret>,
    service_accounts: Vec<ServiceAccount>,
    cluster_roles: Vec<ClusterRole>,
    bindings: Vec<ClusterRoleBinding>,
    services: Vec<Service>,
    pdbs: Vec<PodDisruptionBudget>,
    hpas: Vec<HorizontalPodAutoscaler>,
    network_policies: Vec<NetworkPolicy>,
    namespaces: Vec<Namespace>,
}

fn type_all(manifests: &[Manifest]) -> Typed {
    fn push<K: DeserializeOwned + Serialize>(m: &Manifest, into: &mut Vec<K>, problems: &mut Vec<String>) {
        match typed::<K>(m) {
            Ok(object) => into.push(object),
            Err(lost) => problems.extend(lost.into_iter().map(|p| format!("{}: {p}", m.what()))),
        }
    }
    let mut t = Typed::default();
    let mut problems = Vec::new();
    for m in manifests {
        let p = &mut problems;
        match (m.api_version(), m.kind()) {
            ("apps/v1", "Deployment") => push(m, &mut t.deployments, p),
            ("batch/v1", "Job") => push(m, &mut t.jobs, p),
            ("v1", "ConfigMap") => push(m, &mut t.config_maps, p),
            ("v1", "Secret") => push(m, &mut t.secrets, p),
            ("v1", "ServiceAccount") => push(m, &mut t.service_accounts, p),
            ("v1", "Service") => push(m, &mut t.services, p),
            ("v1", "Namespace") => push(m, &mut t.namespaces, p),
            ("rbac.authorization.k8s.io/v1", "ClusterRole") => push(m, &mut t.cluster_roles, p),
            ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding") => push(m, &mut t.bindings, p),
            ("policy/v1", "PodDisruptionBudget") => push(m, &mut t.pdbs, p),
            ("autoscaling/v2", "HorizontalPodAutoscaler") => push(m, &mut t.hpas, p),
            ("networking.k8s.io/v1", "NetworkPolicy") => push(m, &mut t.network_policies, p),
            (version, kind) => problems.push(format!("{}: no check for {version} {kind}", m.file)),
        }
    }
    assert!(
        problems.is_empty(),
        "manifests that are not valid Kubernetes objects:\n{}",
        problems.join("\n")
    );
    t
}

#[test]
fn every_manifest_is_a_valid_kubernetes_object_and_every_file_is_rendered() {
    let (kustomization, manifests) = render();
    type_all(&manifests);
    // Nothing in deploy/ is forgotten by the kustomization (prometheus/ is not for the cluster).
    let mut files: Vec<String> = std::fs::read_dir(deploy_dir())
        .expect("deploy/")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| {
            name.ends_with(".yaml") && name != "kustomization.yaml" && !name.ends_with(".example.yaml")
        })
        .collect();
    files.sort();
    let mut listed = kustomization.resources.clone();
    listed.sort();
    assert_eq!(
        files, listed,
        "every manifest file is listed in kustomization.yaml"
    );
    for m in &manifests {
        if kinds::by_kind(m.api_version(), m.kind()).is_some_and(|i| kinds::KINDS[i].namespaced) {
            assert_eq!(m.object["metadata"]["namespace"], "parkway", "{}", m.what());
        }
    }
}

#[test]
fn the_round_trip_refuses_unknown_and_misplaced_fields() {
    // The check above could not fail if k8s-openapi kept unknown fields: show it refuses.
    let bad = Manifest {
        file: "inline".into(),
        object: serde_json::json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "x"},
            "spec": {"ports": [{"port": 80, "targetport": "http"}], "selektor": {}}
        }),
    };
    let lost = typed::<Service>(&bad).expect_err("refused");
    assert!(lost.iter().any(|p| p.contains(".spec.selektor")), "{lost:?}");
    assert!(
        lost.iter().any(|p| p.contains(".spec.ports[0].targetport")),
        "{lost:?}"
    );
    let wrong_type = Manifest {
        file: "inline".into(),
        object: serde_json::json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}, "spec": {"ports": "80"}}),
    };
    assert!(typed::<Service>(&wrong_type).is_err());
}

/// Pod Security Standards, `restricted` profile (which includes `baseline`):
/// <https://kubernetes.io/docs/concepts/security/pod-security-standards/>. Returns the
/// violations, each naming the field.
fn pod_security_restricted(spec: &PodSpec) -> Vec<String> {
    let mut out = Vec::new();
    let pod = spec.security_context.clone().unwrap_or_default();
    for (field, on) in [
        ("hostNetwork", spec.host_network),
        ("hostPID", spec.host_pid),
        ("hostIPC", spec.host_ipc),
    ] {
        if on == Some(true) {
            out.push(format!("spec.{field} must not be true"));
        }
    }
    const VOLUMES: &[&str] = &[
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
    ];
    for volume in spec.volumes.iter().flatten() {
        let value = serde_json::to_value(volume).expect("volume");
        for key in value.as_object().expect("object").keys().filter(|k| *k != "name") {
            if !VOLUMES.contains(&key.as_str()) {
                out.push(format!("volume {}: type {key} is not allowed", volume.name));
            }
        }
    }
    const SAFE_SYSCTLS: &[&str] = &[
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    ];
    for sysctl in pod.sysctls.iter().flatten() {
        if !SAFE_SYSCTLS.contains(&sysctl.name.as_str()) {
            out.push(format!("sysctl {} is not allowed", sysctl.name));
        }
    }
    let pod_seccomp = pod.seccomp_profile.as_ref().map(|p| p.type_.clone());
    if pod_seccomp.as_deref() == Some("Unconfined") {
        out.push("spec.securityContext.seccompProfile.type must not be Unconfined".into());
    }
    if pod.run_as_user == Some(0) {
        out.push("spec.securityContext.runAsUser must not be 0".into());
    }
    let containers = spec
        .init_containers
        .iter()
        .flatten()
        .chain(&spec.containers)
        .map(|c| {
            (
                c.name.clone(),
                c.security_context.clone().unwrap_or_default(),
                c.ports.clone(),
            )
        });
    for (name, sc, ports) in containers {
        let at = format!("container {name}: securityContext");
        if sc.privileged == Some(true) {
            out.push(format!("{at}.privileged must not be true"));
        }
        if sc.allow_privilege_escalation != Some(false) {
            out.push(format!("{at}.allowPrivilegeEscalation must be false"));
        }
        if sc.run_as_non_root.or(pod.run_as_non_root) != Some(true) {
            out.push(format!("{at}.runAsNonRoot must be true (here or on the pod)"));
        }
        if sc.run_as_user == Some(0) {
            out.push(format!("{at}.runAsUser must not be 0"));
        }
        let seccomp = sc
            .seccomp_profile
            .as_ref()
            .map(|p| p.type_.clone())
            .or(pod_seccomp.clone());
        if !matches!(seccomp.as_deref(), Some("RuntimeDefault" | "Localhost")) {
            out.push(format!(
                "{at}.seccompProfile.type must be RuntimeDefault or Localhost (here or on the pod)"
            ));
        }
        let capabilities = sc.capabilities.clone().unwrap_or_default();
        if !capabilities.drop.iter().flatten().any(|c| c == "ALL") {
            out.push(format!("{at}.capabilities.drop must include ALL"));
        }
        for added in capabilities
            .add
            .iter()
            .flatten()
            .filter(|c| *c != "NET_BIND_SERVICE")
        {
            out.push(format!("{at}.capabilities.add must not include {added}"));
        }
        if sc.proc_mount.as_deref().is_some_and(|m| m != "Default") {
            out.push(format!("{at}.procMount must be Default"));
        }
        if let Some(se) = &sc.se_linux_options
            && (se.user.is_some() || se.role.is_some())
        {
            out.push(format!("{at}.seLinuxOptions must not set user or role"));
        }
        for port in ports.iter().flatten() {
            if port.host_port.is_some_and(|p| p != 0) {
                out.push(format!("container {name}: hostPort must not be set"));
            }
        }
    }
    out
}

#[test]
fn pods_pass_pod_security_restricted_and_keep_their_root_filesystem_read_only() {
    let (_, manifests) = render();
    let typed = type_all(&manifests);
    let pods: Vec<(String, PodSpec)> = typed
        .deployments
        .iter()
        .filter_map(|d| {
            Some((
                format!("Deployment {}", d.metadata.name.clone()?),
                d.spec.clone()?.template.spec?,
            ))
        })
        .chain(typed.jobs.iter().filter_map(|j| {
            Some((
                format!("Job {}", j.metadata.name.clone()?),
                j.spec.clone()?.template.spec?,
            ))
        }))
        .collect();
    assert_eq!(pods.len(), 2, "the server Deployment and the migration Job");
    for (what, spec) in &pods {
        let violations = pod_security_restricted(spec);
        assert!(violations.is_empty(), "{what}: {violations:#?}");
        for container in &spec.containers {
            let sc = container.security_context.clone().unwrap_or_default();
            assert_eq!(
                sc.read_only_root_filesystem,
                Some(true),
                "{what}/{}",
                container.name
            );
            let resources = container.resources.clone().unwrap_or_default();
            assert!(
                resources
                    .requests
                    .as_ref()
                    .is_some_and(|r| r.contains_key("cpu") && r.contains_key("memory")),
                "{what}/{}: cpu and memory requests",
                container.name
            );
            assert!(
                resources
                    .limits
                    .as_ref()
                    .is_some_and(|l| l.contains_key("memory")),
                "{what}/{}: a memory limit",
                container.name
            );
        }
    }
    // And the checker itself refuses what restricted refuses.
    let mut loose = pods[0].1.clone();
    loose.host_network = Some(true);
    let container = &mut loose.containers[0];
    let sc = container.security_context.get_or_insert_with(Default::default);
    sc.allow_privilege_escalation = None;
    sc.capabilities = None;
    let violations = pod_security_restricted(&loose);
    for expected in ["hostNetwork", "allowPrivilegeEscalation", "capabilities.drop"] {
        assert!(
            violations.iter().any(|v| v.contains(expected)),
            "{expected}: {violations:?}"
        );
    }
}

#[test]
fn the_server_runs_two_replicas_with_probes_and_a_budget() {
    let (_, manifests) = render();
    let typed = type_all(&manifests);
    let [deployment] = typed.deployments.as_slice() else {
        panic!("one Deployment")
    };
    let spec = deployment.spec.clone().expect("spec");
    assert_eq!(spec.replicas, Some(2));
    let pod = spec.template.spec.clone().expect("pod");
    let container = &pod.containers[0];
    let path = |probe: &Option<k8s_openapi::api::core::v1::Probe>| {
        probe
            .as_ref()
            .and_then(|p| p.http_get.as_ref())
            .and_then(|h| h.path.clone())
    };
    assert_eq!(path(&container.readiness_probe).as_deref(), Some("/readyz"));
    assert_eq!(path(&container.liveness_probe).as_deref(), Some("/healthz"));
    // Requests in flight get the request timeout (30 s) after SIGTERM and the pre-stop pause.
    assert!(pod.termination_grace_period_seconds.unwrap_or(30) > 30 + 5);
    let labels = spec.selector.match_labels.clone().unwrap_or_default();
    let [pdb] = typed.pdbs.as_slice() else {
        panic!("one PodDisruptionBudget")
    };
    let pdb_spec = pdb.spec.clone().expect("spec");
    assert_eq!(
        pdb_spec.selector.and_then(|s| s.match_labels),
        Some(labels.clone())
    );
    let [hpa] = typed.hpas.as_slice() else {
        panic!("one HorizontalPodAutoscaler")
    };
    let hpa_spec = hpa.spec.clone().expect("spec");
    assert_eq!(
        hpa_spec.scale_target_ref.name,
        deployment.metadata.name.clone().expect("name")
    );
    assert!(hpa_spec.min_replicas >= Some(2), "never fewer than two replicas");
    let [service] = typed.services.as_slice() else {
        panic!("one Service")
    };
    assert_eq!(service.spec.clone().and_then(|s| s.selector), Some(labels));
    // Jobs run `parkway migrate`; the serving pods do not migrate themselves.
    assert_eq!(
        typed.jobs[0]
            .spec
            .clone()
            .expect("spec")
            .template
            .spec
            .expect("pod")
            .containers[0]
            .args,
        Some(vec!["migrate".to_owned()])
    );
    let config = &typed.config_maps[0].data.clone().unwrap_or_default();
    assert_eq!(
        config.get("PARKWAY_MIGRATE_ON_START").map(String::as_str),
        Some("false")
    );
    let [policy] = typed.network_policies.as_slice() else {
        panic!("one NetworkPolicy")
    };
    let types = policy
        .spec
        .clone()
        .and_then(|s| s.policy_types)
        .unwrap_or_default();
    assert_eq!(types, ["Ingress", "Egress"], "deny by default both ways");
}

#[test]
fn the_cluster_role_is_exactly_the_rules_in_code() {
    let (_, manifests) = render();
    let typed = type_all(&manifests);
    let [role] = typed.cluster_roles.as_slice() else {
        panic!("one ClusterRole")
    };
    let rules = role.rules.clone().unwrap_or_default();
    assert_eq!(rules.len(), CLUSTER_ROLE.len(), "{rules:?}");
    for (rule, want) in rules.iter().zip(CLUSTER_ROLE) {
        assert_eq!(
            rule.api_groups.clone().unwrap_or_default(),
            [want.api_group],
            "{rule:?}"
        );
        assert_eq!(
            rule.resources.clone().unwrap_or_default(),
            want.resources,
            "{rule:?}"
        );
        assert_eq!(rule.verbs, want.verbs, "{rule:?}");
        assert_eq!(
            rule.resource_names.clone().unwrap_or_default(),
            want.resource_names,
            "{rule:?}"
        );
    }
    // Bound to the account the server runs as, and to nothing else.
    let [binding] = typed.bindings.as_slice() else {
        panic!("one ClusterRoleBinding")
    };
    assert_eq!(binding.role_ref.name, role.metadata.name.clone().expect("name"));
    let account = typed.deployments[0]
        .spec
        .clone()
        .expect("spec")
        .template
        .spec
        .expect("pod")
        .service_account_name;
    let subjects = binding.subjects.clone().unwrap_or_default();
    assert_eq!(subjects.len(), 1);
    assert_eq!(Some(subjects[0].name.clone()), account);
    assert_eq!(subjects[0].namespace.as_deref(), Some("parkway"));
    assert!(
        typed
            .service_accounts
            .iter()
            .any(|sa| sa.metadata.name == account)
    );
    // The migration Job holds no cluster credentials.
    let job_pod = typed.jobs[0]
        .spec
        .clone()
        .expect("spec")
        .template
        .spec
        .expect("pod");
    assert_ne!(job_pod.service_account_name, account);
    assert_eq!(job_pod.automount_service_account_token, Some(false));
}

/// The variables documented in the README's configuration table.
fn documented_variables() -> Vec<String> {
    let readme = read(&deploy_dir().join("../README.md"));
    let section = readme
        .split("\n## Configuration\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a Configuration section");
    section
        .lines()
        .filter_map(|line| {
            line.strip_prefix("| `")?
                .split_once('`')
                .map(|(name, _)| name.to_owned())
        })
        .collect()
}

#[test]
fn configuration_keys_are_documented_variables_and_references_resolve() {
    let (_, manifests) = render();
    let typed = type_all(&manifests);
    let documented = documented_variables();
    assert!(documented.contains(&"DATABASE_URL".to_owned()), "{documented:?}");
    let mut keys: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for cm in &typed.config_maps {
        keys.insert(
            cm.metadata.name.clone().expect("name"),
            cm.data.clone().unwrap_or_default().into_keys().collect(),
        );
    }
    for secret in &typed.secrets {
        keys.insert(
            secret.metadata.name.clone().expect("name"),
            secret
                .string_data
                .clone()
                .unwrap_or_default()
                .into_keys()
                .collect(),
        );
    }
    for (name, names) in &keys {
        for key in names {
            assert!(
                documented.contains(key),
                "{name}: {key} is not a variable the README documents"
            );
        }
    }
    let pods = typed
        .deployments
        .iter()
        .filter_map(|d| d.spec.clone()?.template.spec)
        .chain(typed.jobs.iter().filter_map(|j| j.spec.clone()?.template.spec));
    for pod in pods {
        for container in &pod.containers {
            for from in container.env_from.iter().flatten() {
                let name = from
                    .config_map_ref
                    .as_ref()
                    .map(|r| r.name.clone())
                    .or(from.secret_ref.as_ref().map(|r| r.name.clone()))
                    .expect("a reference");
                assert!(
                    keys.contains_key(&name),
                    "{}: envFrom {name} does not exist",
                    container.name
                );
            }
            for var in container.env.iter().flatten() {
                assert!(
                    documented.contains(&var.name),
                    "{}: {} is not documented",
                    container.name,
                    var.name
                );
                if let Some(secret) = var.value_from.as_ref().and_then(|v| v.secret_key_ref.as_ref()) {
                    assert!(
                        keys.get(&secret.name).is_some_and(|k| k.contains(&secret.key)),
                        "{}: {}/{} does not exist",
                        container.name,
                        secret.name,
                        secret.key
                    );
                }
            }
        }
    }
}

#[test]
fn alerting_rules_name_metrics_the_server_exports() {
    let rules = read(&deploy_dir().join("prometheus/parkway-rules.yaml"));
    let parsed: Value = serde_yaml::from_str(&rules).expect("valid YAML");
    let groups = parsed["groups"].as_array().expect("groups");
    assert!(!groups.is_empty());
    let metrics_source = read(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/metrics.rs"));
    let mut named = 0;
    for rule in groups
        .iter()
        .flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default())
    {
        let alert = rule["alert"].as_str().expect("every rule is an alert");
        let expr = rule["expr"].as_str().expect("expr");
        assert!(rule["annotations"]["summary"].is_string(), "{alert}: a summary");
        for metric in expr
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| w.starts_with("parkway_"))
        {
            let base = ["_bucket", "_count", "_sum"]
                .iter()
                .find_map(|s| metric.strip_suffix(s))
                .unwrap_or(metric);
            let base = base.strip_suffix("_total").unwrap_or(base);
            assert!(
                metrics_source.contains(&format!("\"{base}")),
                "{alert}: {metric} is not exported"
            );
            named += 1;
        }
    }
    assert!(named > 5);
}

#[tokio::test]
async fn the_manifests_apply_with_server_side_apply() {
    let (_, manifests) = render();
    let demo = DemoCluster::start(Arc::new(Store::default()))
        .await
        .expect("demo endpoint");
    let client = Client::try_from(kube::Config::new(demo.url().parse().expect("url"))).expect("client");
    let params = PatchParams::apply("parkway-deploy-test");
    let mut versions = Vec::new();
    for manifest in &manifests {
        let api = api_for(&client, manifest);
        let applied = api
            .patch(manifest.name(), &params, &Patch::Apply(&manifest.object))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", manifest.what()));
        versions.push(applied.metadata.resource_version.clone());
    }
    // Applying the same release again changes nothing.
    for (manifest, version) in manifests.iter().zip(&versions) {
        let again = api_for(&client, manifest)
            .patch(manifest.name(), &params, &Patch::Apply(&manifest.object))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", manifest.what()));
        assert_eq!(&again.metadata.resource_version, version, "{}", manifest.what());
        assert_eq!(again.data["spec"], manifest.object["spec"], "{}", manifest.what());
    }
}

fn api_for(client: &Client, manifest: &Manifest) -> Api<DynamicObject> {
    let index = kinds::by_kind(manifest.api_version(), manifest.kind()).expect("known kind");
    let kind = kinds::KINDS[index];
    let gvk = GroupVersionKind::gvk(kind.group, kind.version, kind.kind);
    let resource = ApiResource::from_gvk_with_plural(&gvk, kind.plural);
    match manifest.object["metadata"]["namespace"].as_str() {
        Some(namespace) if kind.namespaced => Api::namespaced_with(client.clone(), namespace, &resource),
        _ => Api::all_with(client.clone(), &resource),
    }
}
