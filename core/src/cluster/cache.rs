//! Watch-backed caches, one per cluster: kube-runtime reflectors for the core kinds and
//! for the policy kinds found by discovery, plus a health probe. Pages read these;
//! when a cluster is unreachable they read its snapshot instead.

use std::{
    collections::BTreeMap,
    fmt::Debug,
    hash::Hash,
    sync::{
        Arc, Mutex, MutexGuard, RwLock, Weak,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Event, Namespace};
use kube::{
    Api, Client, Resource, ResourceExt,
    api::{ApiResource, DynamicObject, GroupVersionKind},
    discovery::{Discovery, verbs},
    runtime::{
        WatchStreamExt,
        reflector::{self, Store, store::Writer},
        watcher,
    },
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use tokio::task::JoinHandle;

use super::{
    model::{self, Inputs, WorkloadSummary},
    projection::{CachedDaemonSet, CachedDeployment, CachedPod, CachedStatefulSet},
    registry::ClusterConfig,
};

/// Timings, shortened by tests.
#[derive(Debug, Clone, Copy)]
pub struct CacheOptions {
    /// How often `/version` is asked, to tell an unreachable cluster quickly.
    pub probe_every: Duration,
    /// Longest wait between reconnection attempts (doubling from a quarter second).
    pub backoff_max: Duration,
}

impl Default for CacheOptions {
    fn default() -> Self {
        Self {
            probe_every: Duration::from_secs(10),
            backoff_max: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClusterState {
    /// Not reached yet since Parkway started.
    Connecting,
    /// Reachable; the first full list of every core kind has not arrived yet.
    Syncing,
    Ready,
    /// Reachable and synced, but a watch failed recently (e.g. a kind it may not read).
    Degraded,
    /// The last health probe failed.
    Unreachable,
}

impl ClusterState {
    pub const fn as_str(self) -> &'static str {
        match self {
            ClusterState::Connecting => "connecting",
            ClusterState::Syncing => "syncing",
            ClusterState::Ready => "ready",
            ClusterState::Degraded => "degraded",
            ClusterState::Unreachable => "unreachable",
        }
    }

    /// Whether the caches are current enough to serve instead of the snapshot.
    pub const fn serves_live(self) -> bool {
        matches!(self, ClusterState::Ready | ClusterState::Degraded)
    }
}

/// What this replica sees of a cluster right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveStatus {
    pub state: ClusterState,
    pub api_version: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Default)]
struct WatchHealth {
    initialised: bool,
    last_error: Option<(String, Instant)>,
}

#[derive(Debug, Default)]
struct Health {
    probe: Option<Result<(), String>>,
    api_version: Option<String>,
    watches: BTreeMap<String, WatchHealth>,
}

/// The custom kinds Parkway understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Custom {
    PolicyReports,
    KyvernoPolicies,
    Constraints,
}

/// The core kinds every cluster has, as `(API group, plural)`; `Syncing` lasts until
/// each has listed once. Each is granted by [`super::access::CLUSTER_ROLE`] (tested).
const CORE_WATCHES: [(&str, &str); 6] = [
    ("", "namespaces"),
    ("apps", "deployments"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("", "pods"),
    ("", "events"),
];

/// The kinds tenants are made of besides their Namespace, as `(kind, API group,
/// version, plural)`: watched with the `parkway.io/tenant` label selector only, so
/// drift is seen without caching every such object of a cluster.
pub const TENANT_WATCHES: [(&str, &str, &str, &str); 5] = [
    ("ServiceAccount", "", "v1", "serviceaccounts"),
    ("ResourceQuota", "", "v1", "resourcequotas"),
    ("LimitRange", "", "v1", "limitranges"),
    ("NetworkPolicy", "networking.k8s.io", "v1", "networkpolicies"),
    ("RoleBinding", "rbac.authorization.k8s.io", "v1", "rolebindings"),
];

/// The API groups discovery looks in for the custom kinds.
const CUSTOM_GROUPS: [&str; 3] = ["wgpolicyk8s.io", "kyverno.io", "constraints.gatekeeper.sh"];

/// Which custom kind a discovered resource is, if Parkway watches it. Every resource it
/// accepts is granted by [`super::access::CLUSTER_ROLE`] (tested).
fn custom_kind(group: &str, plural: &str) -> Option<Custom> {
    match (group, plural) {
        ("wgpolicyk8s.io", "policyreports" | "clusterpolicyreports") => Some(Custom::PolicyReports),
        ("kyverno.io", "clusterpolicies" | "policies") => Some(Custom::KyvernoPolicies),
        ("constraints.gatekeeper.sh", _) => Some(Custom::Constraints),
        _ => None,
    }
}

struct Writers {
    namespaces: Writer<Namespace>,
    deployments: Writer<CachedDeployment>,
    stateful_sets: Writer<CachedStatefulSet>,
    daemon_sets: Writer<CachedDaemonSet>,
    pods: Writer<CachedPod>,
    events: Writer<Event>,
}

/// One cluster's caches and health.
pub struct ClusterCache {
    pub config: ClusterConfig,
    options: CacheOptions,
    namespaces: Store<Namespace>,
    deployments: Store<CachedDeployment>,
    stateful_sets: Store<CachedStatefulSet>,
    daemon_sets: Store<CachedDaemonSet>,
    pods: Store<CachedPod>,
    events: Store<Event>,
    custom: RwLock<Vec<(Custom, Store<DynamicObject>)>>,
    /// Tenants' objects (labelled `parkway.io/tenant`), for onboarding's drift check.
    tenant_objects: RwLock<Vec<(&'static str, ApiResource, Store<DynamicObject>)>>,
    health: Mutex<Health>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    /// Bumped by every watch event except pods' and events': what is computed from
    /// namespaces, workloads, policies and reports is stale when it moved.
    generation: AtomicU64,
}

/// Reconnection delays: a quarter second, doubling up to the configured maximum, and
/// back to the start once a watch succeeds.
struct Backoff {
    next: Duration,
    max: Duration,
}

const FIRST_RETRY: Duration = Duration::from_millis(250);

impl Iterator for Backoff {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        let current = self.next;
        self.next = (self.next * 2).min(self.max);
        Some(current)
    }
}

impl kube::runtime::utils::Backoff for Backoff {
    fn reset(&mut self) {
        self.next = FIRST_RETRY;
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl ClusterCache {
    /// Creates the caches and starts connecting in the background; never blocks on the
    /// cluster, so Parkway starts even when every cluster is down.
    pub fn start(config: ClusterConfig, options: CacheOptions) -> Arc<Self> {
        let (namespaces, ns_writer) = reflector::store();
        let (deployments, deploy_writer) = reflector::store();
        let (stateful_sets, sts_writer) = reflector::store();
        let (daemon_sets, ds_writer) = reflector::store();
        let (pods, pod_writer) = reflector::store();
        let (events, event_writer) = reflector::store();
        let cache = Arc::new(Self {
            config,
            options,
            namespaces,
            deployments,
            stateful_sets,
            daemon_sets,
            pods,
            events,
            custom: RwLock::new(Vec::new()),
            tenant_objects: RwLock::new(Vec::new()),
            health: Mutex::new(Health::default()),
            tasks: Mutex::new(Vec::new()),
            generation: AtomicU64::new(0),
        });
        let writers = Writers {
            namespaces: ns_writer,
            deployments: deploy_writer,
            stateful_sets: sts_writer,
            daemon_sets: ds_writer,
            pods: pod_writer,
            events: event_writer,
        };
        let supervisor = tokio::spawn(supervise(Arc::downgrade(&cache), writers));
        lock(&cache.tasks).push(supervisor);
        cache
    }

    pub fn name(&self) -> &str {
        &self.config.name
    }

    pub fn status(&self) -> LiveStatus {
        let health = lock(&self.health);
        let recent = self.options.backoff_max + self.options.probe_every + Duration::from_secs(2);
        let watch_error = health.watches.iter().find_map(|(kind, w)| {
            w.last_error
                .as_ref()
                .filter(|(_, at)| at.elapsed() < recent)
                .map(|(message, _)| format!("{kind}: {message}"))
        });
        let (state, error) = match &health.probe {
            None => (ClusterState::Connecting, None),
            Some(Err(message)) => (ClusterState::Unreachable, Some(message.clone())),
            Some(Ok(())) => {
                let synced = CORE_WATCHES
                    .iter()
                    .all(|(_, kind)| health.watches.get(*kind).is_some_and(|w| w.initialised));
                match (synced, watch_error) {
                    (false, error) => (ClusterState::Syncing, error),
                    (true, Some(error)) => (ClusterState::Degraded, Some(error)),
                    (true, None) => (ClusterState::Ready, None),
                }
            }
        };
        LiveStatus {
            state,
            api_version: health.api_version.clone(),
            error,
        }
    }

    /// The cached objects, for summaries.
    pub fn inputs(&self) -> Inputs {
        let custom = self.custom.read().unwrap_or_else(|p| p.into_inner());
        let gather = |which: Custom| -> Vec<Arc<DynamicObject>> {
            custom
                .iter()
                .filter(|(c, _)| *c == which)
                .flat_map(|(_, s)| s.state())
                .collect()
        };
        Inputs {
            namespaces: self.namespaces.state(),
            deployments: self.deployments.state(),
            stateful_sets: self.stateful_sets.state(),
            daemon_sets: self.daemon_sets.state(),
            pods: self.pods.state(),
            events: self.events.state(),
            policy_reports: gather(Custom::PolicyReports),
            kyverno_policies: gather(Custom::KyvernoPolicies),
            constraints: gather(Custom::Constraints),
        }
    }

    pub fn workloads(&self) -> Vec<WorkloadSummary> {
        model::summarize(&self.inputs())
    }

    /// How many objects the caches hold, by kind (for the benchmark and the logs).
    pub fn object_counts(&self) -> BTreeMap<&'static str, usize> {
        let inputs = self.inputs();
        BTreeMap::from([
            ("namespaces", inputs.namespaces.len()),
            ("deployments", inputs.deployments.len()),
            ("statefulsets", inputs.stateful_sets.len()),
            ("daemonsets", inputs.daemon_sets.len()),
            ("pods", inputs.pods.len()),
            ("events", inputs.events.len()),
            ("policyreports", inputs.policy_reports.len()),
            ("kyvernopolicies", inputs.kyverno_policies.len()),
            ("constraints", inputs.constraints.len()),
        ])
    }

    fn probe_result(&self, result: Result<Option<String>, String>) {
        let mut health = lock(&self.health);
        match result {
            Ok(version) => {
                if version.is_some() {
                    health.api_version = version;
                }
                if !matches!(health.probe, Some(Ok(()))) {
                    tracing::info!(cluster = %self.config.name, "cluster reachable");
                }
                health.probe = Some(Ok(()));
            }
            Err(message) => {
                if matches!(health.probe, None | Some(Ok(()))) {
                    tracing::warn!(cluster = %self.config.name, error = %message, "cluster unreachable");
                }
                health.probe = Some(Err(message));
            }
        }
    }

    /// Moves on every change to namespaces, workloads and the custom kinds (policies,
    /// reports, constraints), not to pods or events: a key for what is derived from those.
    /// Whether a namespace of this name exists (as far as the cache knows).
    pub fn has_namespace(&self, name: &str) -> bool {
        self.namespaces.get(&reflector::ObjectRef::new(name)).is_some()
    }

    /// A tenant's object as the cache holds it (`Namespace` or one of
    /// [`TENANT_WATCHES`]), as JSON.
    pub fn tenant_object(
        &self,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<serde_json::Value> {
        if kind == "Namespace" {
            return self
                .namespaces
                .get(&reflector::ObjectRef::new(name))
                .and_then(|ns| serde_json::to_value(&*ns).ok());
        }
        let stores = self.tenant_objects.read().unwrap_or_else(|p| p.into_inner());
        let (_, resource, store) = stores.iter().find(|(k, _, _)| *k == kind)?;
        let mut key = reflector::ObjectRef::<DynamicObject>::new_with(name, resource.clone());
        if let Some(ns) = namespace {
            key = key.within(ns);
        }
        store.get(&key).and_then(|o| serde_json::to_value(&*o).ok())
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn watch_event(&self, kind: &str, initialised: bool) {
        if kind != "pods" && kind != "events" && !kind.starts_with("tenant ") {
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
        let mut health = lock(&self.health);
        let watch = health.watches.entry(kind.to_owned()).or_default();
        watch.last_error = None;
        watch.initialised |= initialised;
    }

    fn watch_failed(&self, kind: &str, message: String) {
        let mut health = lock(&self.health);
        let watch = health.watches.entry(kind.to_owned()).or_default();
        tracing::debug!(cluster = %self.config.name, kind, error = %message, "watch failed; retrying");
        watch.last_error = Some((message, Instant::now()));
    }

    /// Wait until every core kind has listed once (for tests and the benchmark).
    pub async fn wait_synced(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.status().state.serves_live() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }
}

impl Drop for ClusterCache {
    fn drop(&mut self) {
        for task in lock(&self.tasks).drain(..) {
            task.abort();
        }
    }
}

/// Asks `/version`: the cheapest request that proves the API server answers.
async fn probe(client: &Client) -> Result<String, String> {
    match tokio::time::timeout(Duration::from_secs(5), client.apiserver_version()).await {
        Ok(Ok(info)) => Ok(info.git_version),
        Ok(Err(err)) => Err(err.to_string()),
        Err(_) => Err("no answer from the API server within 5 s".into()),
    }
}

/// Connects (retrying with backoff), discovers the custom kinds, starts the watches,
/// then probes health until the cache is dropped.
async fn supervise(cache: Weak<ClusterCache>, writers: Writers) {
    let Some(first) = cache.upgrade() else { return };
    let options = first.options;
    let config = first.config.clone();
    drop(first);
    let mut backoff = Backoff {
        next: FIRST_RETRY,
        max: options.backoff_max,
    };
    let (client, custom) = loop {
        let attempt = async {
            let client = config.client().await.map_err(|e| e.to_string())?;
            let version = probe(&client).await?;
            let discovery = Discovery::new(client.clone())
                .filter(&CUSTOM_GROUPS)
                .run()
                .await
                .map_err(|e| format!("discovery failed: {e}"))?;
            Ok::<_, String>((client, version, discovery))
        };
        let result = attempt.await;
        let Some(cache) = cache.upgrade() else { return };
        match result {
            Ok((client, version, discovery)) => {
                cache.probe_result(Ok(Some(version)));
                break (client, discovery);
            }
            Err(message) => cache.probe_result(Err(message)),
        }
        drop(cache);
        tokio::time::sleep(backoff.next().unwrap_or(options.backoff_max)).await;
    };
    let Some(strong) = cache.upgrade() else { return };
    let mut tasks = vec![
        spawn_watch(
            &cache,
            Api::all(client.clone()),
            watcher::Config::default(),
            writers.namespaces,
            "namespaces",
            options,
        ),
        spawn_watch(
            &cache,
            Api::all(client.clone()),
            watcher::Config::default(),
            writers.deployments,
            "deployments",
            options,
        ),
        spawn_watch(
            &cache,
            Api::all(client.clone()),
            watcher::Config::default(),
            writers.stateful_sets,
            "statefulsets",
            options,
        ),
        spawn_watch(
            &cache,
            Api::all(client.clone()),
            watcher::Config::default(),
            writers.daemon_sets,
            "daemonsets",
            options,
        ),
        spawn_watch(
            &cache,
            Api::all(client.clone()),
            watcher::Config::default(),
            writers.pods,
            "pods",
            options,
        ),
        spawn_watch(
            &cache,
            Api::all(client.clone()),
            watcher::Config::default().fields("type=Warning"),
            writers.events,
            "events",
            options,
        ),
    ];
    let mut stores = Vec::new();
    for group in custom.groups() {
        for (resource, capabilities) in group.recommended_resources() {
            let Some(which) = custom_kind(group.name(), &resource.plural) else {
                continue;
            };
            if !capabilities.supports_operation(verbs::WATCH) {
                continue;
            }
            let writer = Writer::new(resource.clone());
            stores.push((which, writer.as_reader()));
            let name = format!("{}.{}", resource.plural, resource.group);
            let api: Api<DynamicObject> = Api::all_with(client.clone(), &resource);
            tasks.push(spawn_watch(
                &cache,
                api,
                watcher::Config::default(),
                writer,
                &name,
                options,
            ));
        }
    }
    let mut tenant_stores = Vec::new();
    for (kind, group, version, plural) in TENANT_WATCHES {
        let resource =
            ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural);
        let writer = Writer::new(resource.clone());
        tenant_stores.push((kind, resource.clone(), writer.as_reader()));
        let api: Api<DynamicObject> = Api::all_with(client.clone(), &resource);
        tasks.push(spawn_watch(
            &cache,
            api,
            watcher::Config::default().labels(crate::onboarding::manifests::TENANT_LABEL),
            writer,
            &format!("tenant {plural}"),
            options,
        ));
    }
    *strong.tenant_objects.write().unwrap_or_else(|p| p.into_inner()) = tenant_stores;
    tracing::info!(cluster = %config.name, custom_kinds = stores.len(), "cluster caches started");
    *strong.custom.write().unwrap_or_else(|p| p.into_inner()) = stores;
    lock(&strong.tasks).extend(tasks);
    drop(strong);
    loop {
        tokio::time::sleep(options.probe_every).await;
        let result = probe(&client).await.map(Some);
        let Some(cache) = cache.upgrade() else { return };
        cache.probe_result(result);
    }
}

fn spawn_watch<K>(
    cache: &Weak<ClusterCache>,
    api: Api<K>,
    config: watcher::Config,
    writer: Writer<K>,
    kind: &str,
    options: CacheOptions,
) -> JoinHandle<()>
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    K::DynamicType: Eq + Hash + Clone + Send + Sync,
{
    let cache = cache.clone();
    let kind = kind.to_owned();
    tokio::spawn(async move {
        let stream = watcher(api, config)
            .backoff(Backoff {
                next: FIRST_RETRY,
                max: options.backoff_max,
            })
            .modify(|object: &mut K| {
                // What nobody reads costs memory in every replica: field ownership and
                // kubectl's copy of the last applied object.
                object.managed_fields_mut().clear();
                object
                    .annotations_mut()
                    .remove("kubectl.kubernetes.io/last-applied-configuration");
            })
            .reflect(writer);
        futures::pin_mut!(stream);
        while let Some(event) = stream.next().await {
            let Some(cache) = cache.upgrade() else { return };
            match event {
                Ok(watcher::Event::InitDone) => cache.watch_event(&kind, true),
                Ok(_) => cache.watch_event(&kind, false),
                Err(err) => cache.watch_failed(&kind, err.to_string()),
            }
        }
    })
}

/// Every registered cluster's cache.
#[derive(Clone, Default)]
pub struct Clusters {
    caches: Vec<Arc<ClusterCache>>,
}

impl Debug for Clusters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.caches.iter().map(|c| &c.config.name))
            .finish()
    }
}

impl Clusters {
    pub fn start(configs: Vec<ClusterConfig>, options: CacheOptions) -> Self {
        Self {
            caches: configs
                .into_iter()
                .map(|c| ClusterCache::start(c, options))
                .collect(),
        }
    }

    pub fn all(&self) -> &[Arc<ClusterCache>] {
        &self.caches
    }

    pub fn get(&self, name: &str) -> Option<&Arc<ClusterCache>> {
        self.caches.iter().find(|c| c.config.name == name)
    }

    pub fn configs(&self) -> Vec<ClusterConfig> {
        self.caches.iter().map(|c| c.config.clone()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.caches.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::access;

    /// The watches the supervisor starts, by the types it starts them with.
    fn typed_core_watches() -> Vec<(String, String)> {
        fn of<K: Resource<DynamicType = ()>>() -> (String, String) {
            (K::group(&()).into_owned(), K::plural(&()).into_owned())
        }
        vec![
            of::<Namespace>(),
            of::<CachedDeployment>(),
            of::<CachedStatefulSet>(),
            of::<CachedDaemonSet>(),
            of::<CachedPod>(),
            of::<Event>(),
        ]
    }

    #[test]
    fn the_cluster_role_grants_exactly_what_the_caches_watch() {
        let core: Vec<(String, String)> = CORE_WATCHES
            .iter()
            .map(|(g, p)| ((*g).to_owned(), (*p).to_owned()))
            .collect();
        assert_eq!(core, typed_core_watches(), "CORE_WATCHES names the typed watches");
        for verb in ["list", "watch"] {
            for (group, plural) in &core {
                assert!(access::grants(group, plural, verb), "{verb} {group}/{plural}");
            }
        }
        // Every rule is used: its resources are core watches or custom kinds.
        for rule in access::CLUSTER_ROLE {
            for resource in rule.resources {
                let core_watch = core.iter().any(|(g, p)| g == rule.api_group && p == resource)
                    || TENANT_WATCHES.iter().any(|(_, g, _, p)| *g == rule.api_group && p == resource)
                    // `bind` on the tier ClusterRoles is not a watch.
                    || (rule.api_group == "rbac.authorization.k8s.io" && *resource == "clusterroles");
                let custom = CUSTOM_GROUPS.contains(&rule.api_group)
                    && (*resource == "*" || custom_kind(rule.api_group, resource).is_some());
                assert!(
                    core_watch || custom,
                    "{rule:?} grants {resource}, which nothing watches"
                );
            }
        }
        for group in CUSTOM_GROUPS {
            let sample = match group {
                "wgpolicyk8s.io" => ["policyreports", "clusterpolicyreports"].as_slice(),
                "kyverno.io" => &["clusterpolicies", "policies"],
                _ => &["k8srequiredlabels", "anyconstraintkind"],
            };
            for plural in sample {
                assert!(
                    custom_kind(group, plural).is_some(),
                    "{group}/{plural} is watched"
                );
                assert!(
                    access::grants(group, plural, "watch"),
                    "{group}/{plural} is granted"
                );
            }
        }
        assert_eq!(
            custom_kind("kyverno.io", "updaterequests"),
            None,
            "only what is read"
        );
    }
}
