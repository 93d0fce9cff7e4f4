//! Which clusters this Parkway reads: configured ones, or the built-in demo clusters.

use std::{collections::HashMap, sync::Arc, time::Duration};

use anyhow::Context;
use parkway_core::cluster::{
    CacheOptions, ClusterConfig, Clusters, Environment, Source, registry, snapshot,
    sync::{SyncJob, SyncStatus},
};
use sqlx::PgPool;

use crate::config::ClusterArgs;

/// The demo endpoints this process serves, by cluster name; dropping it stops them.
#[derive(Default)]
pub struct DemoClusters {
    #[cfg(feature = "demo-cluster")]
    pub endpoints: Vec<(String, Arc<parkway_demo_cluster::DemoCluster>)>,
}

impl DemoClusters {
    /// Stops (`running: false`) or restarts a demo endpoint, to show what Parkway does
    /// when a cluster goes away. `false` when no demo cluster has that name.
    pub async fn set_running(&self, name: &str, running: bool) -> anyhow::Result<bool> {
        #[cfg(feature = "demo-cluster")]
        if let Some((_, endpoint)) = self.endpoints.iter().find(|(n, _)| n == name) {
            if running {
                endpoint.restart().await.context("restarting the demo endpoint")?;
            } else {
                endpoint.stop().await;
            }
            return Ok(true);
        }
        let _ = (name, running);
        Ok(false)
    }
}

/// Where the configuration says clusters come from, in order of precedence.
pub async fn configure(args: &ClusterArgs) -> anyhow::Result<(Vec<ClusterConfig>, DemoClusters)> {
    let environments: HashMap<String, Environment> =
        registry::parse_environments(&args.cluster_environments)?;
    if let Some(path) = &args.kubeconfig {
        let clusters = registry::from_kubeconfig(Some(path.clone()), &args.cluster_contexts, &environments)
            .with_context(|| format!("PARKWAY_KUBECONFIG={}", path.display()))?;
        return Ok((clusters, DemoClusters::default()));
    }
    if std::env::var_os("KUBECONFIG").is_some() {
        let clusters =
            registry::from_kubeconfig(None, &args.cluster_contexts, &environments).context("KUBECONFIG")?;
        return Ok((clusters, DemoClusters::default()));
    }
    if std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() {
        let name = args.in_cluster_name.clone();
        let environment = environments
            .get(&name)
            .copied()
            .unwrap_or_else(|| Environment::guess(&name));
        let cluster = ClusterConfig {
            name,
            environment,
            demo: false,
            source: Source::InCluster,
        };
        return Ok((vec![cluster], DemoClusters::default()));
    }
    demo(args).await
}

#[cfg(feature = "demo-cluster")]
async fn demo(args: &ClusterArgs) -> anyhow::Result<(Vec<ClusterConfig>, DemoClusters)> {
    let endpoints = seeded_endpoints(args.demo_cluster_seed).await?;
    let clusters = endpoints
        .iter()
        .map(|(name, environment, endpoint)| ClusterConfig {
            name: name.clone(),
            environment: *environment,
            demo: true,
            source: Source::Url(endpoint.url()),
        })
        .collect();
    let endpoints = endpoints
        .into_iter()
        .map(|(name, _, endpoint)| (name, endpoint))
        .collect();
    Ok((clusters, DemoClusters { endpoints }))
}

/// One demo endpoint per environment (`demo-dev`, `demo-stage`, `demo-prod`), seeded
/// with `workloads` spread over them.
#[cfg(feature = "demo-cluster")]
async fn seeded_endpoints(
    workloads: usize,
) -> anyhow::Result<Vec<(String, Environment, Arc<parkway_demo_cluster::DemoCluster>)>> {
    use parkway_demo_cluster::{DemoCluster, Store, seed};
    let per_environment = workloads.div_ceil(3);
    let mut endpoints = Vec::new();
    for environment in Environment::ALL {
        let store = Arc::new(Store::default());
        seed::populate(&store, environment.as_str(), per_environment)
            .map_err(|e| anyhow::anyhow!("seeding the demo cluster failed: {e}"))?;
        let endpoint = DemoCluster::start(store)
            .await
            .context("starting the demo Kubernetes endpoint")?;
        let name = format!("demo-{environment}");
        tracing::info!(cluster = %name, url = %endpoint.url(), workloads = per_environment, "demo cluster serving");
        endpoints.push((name, environment, Arc::new(endpoint)));
    }
    Ok(endpoints)
}

/// `parkway demo-clusters`: the seeded endpoints in a process of their own, described by
/// a kubeconfig at `path`, until SIGTERM or Ctrl-C.
#[cfg(feature = "demo-cluster")]
pub async fn serve_demo(args: &ClusterArgs, path: &std::path::Path) -> anyhow::Result<()> {
    let endpoints = seeded_endpoints(args.demo_cluster_seed).await?;
    let mut clusters = String::new();
    let mut contexts = String::new();
    for (name, _, endpoint) in &endpoints {
        clusters.push_str(&format!(
            "- name: {name}\n  cluster: {{server: \"{}\"}}\n",
            endpoint.url()
        ));
        contexts.push_str(&format!(
            "- name: {name}\n  context: {{cluster: {name}, user: demo}}\n"
        ));
    }
    let config = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n{clusters}contexts:\n{contexts}users:\n- name: demo\n  user: {{}}\ncurrent-context: demo-dev\n"
    );
    // Written whole under another name, then renamed: a reader never sees half a file.
    let partial = path.with_extension("partial");
    std::fs::write(&partial, config).with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, path).with_context(|| format!("writing {}", path.display()))?;
    println!("demo clusters serving; kubeconfig: {}", path.display());
    crate::serve::shutdown_signal().await;
    Ok(())
}

#[cfg(not(feature = "demo-cluster"))]
async fn demo(_: &ClusterArgs) -> anyhow::Result<(Vec<ClusterConfig>, DemoClusters)> {
    tracing::warn!(
        "no cluster configured (set PARKWAY_KUBECONFIG or KUBECONFIG, or run in Kubernetes) and this build has no demo cluster"
    );
    Ok((Vec::new(), DemoClusters::default()))
}

/// The caches and this replica's sync loop; dropping it stops the loop (releasing the
/// sync lock) and, once the last clone of the caches goes, their watches.
pub struct Running {
    pub clusters: Clusters,
    pub sync: Arc<SyncStatus>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Registers the clusters in the database, starts their caches and the sync loop.
pub async fn start(
    pool: &PgPool,
    configs: Vec<ClusterConfig>,
    options: CacheOptions,
    every: Duration,
) -> anyhow::Result<Running> {
    snapshot::register(pool, &configs)
        .await
        .context("could not register the clusters")?;
    let clusters = Clusters::start(configs, options);
    let sync = Arc::new(SyncStatus::default());
    let job = SyncJob {
        pool: pool.clone(),
        clusters: clusters.clone(),
        every,
        status: sync.clone(),
    };
    let task = tokio::spawn(job.run());
    Ok(Running { clusters, sync, task })
}
