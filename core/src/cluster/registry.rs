//! Which clusters Parkway reads: kubeconfig contexts, the pod's own cluster when
//! running inside Kubernetes, or (when nothing is configured) the demo clusters.

use std::{collections::HashMap, fmt, path::PathBuf, str::FromStr};

use kube::config::{KubeConfigOptions, Kubeconfig};
use serde::{Deserialize, Serialize};

use super::error::{ClusterError, Result};

/// The delivery stage a cluster serves; scorecards and the runtime view group by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Dev,
    Stage,
    Prod,
}

impl Environment {
    pub const ALL: [Environment; 3] = [Environment::Dev, Environment::Stage, Environment::Prod];

    pub const fn as_str(self) -> &'static str {
        match self {
            Environment::Dev => "dev",
            Environment::Stage => "stage",
            Environment::Prod => "prod",
        }
    }

    /// A guess from a context name when no mapping says otherwise: `…stag…`, `…stg…`,
    /// `…uat…` and `…preprod…` are stage; `…prod…`/`…prd…` prod; anything else dev.
    pub fn guess(name: &str) -> Self {
        let name = name.to_ascii_lowercase();
        if ["stag", "stg", "uat", "preprod"].iter().any(|s| name.contains(s)) {
            Environment::Stage
        } else if name.contains("prod") || name.contains("prd") {
            Environment::Prod
        } else {
            Environment::Dev
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Environment {
    type Err = ClusterError;

    fn from_str(s: &str) -> Result<Self> {
        Environment::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| ClusterError::EnvironmentMapping(s.to_owned()))
    }
}

/// Parses `context=prod,other=stage`.
pub fn parse_environments(spec: &str) -> Result<HashMap<String, Environment>> {
    spec.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, env) = pair
                .split_once('=')
                .ok_or_else(|| ClusterError::EnvironmentMapping(pair.to_owned()))?;
            let env = env
                .trim()
                .parse()
                .map_err(|_| ClusterError::EnvironmentMapping(pair.to_owned()))?;
            Ok((name.trim().to_owned(), env))
        })
        .collect()
}

/// Where a cluster's client configuration comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A context of a kubeconfig file (`None`: the default `KUBECONFIG` lookup).
    Kubeconfig { path: Option<PathBuf>, context: String },
    /// The ServiceAccount mounted into Parkway's own pod.
    InCluster,
    /// A plain URL without credentials: the demo endpoint.
    Url(String),
}

/// One registered cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterConfig {
    pub name: String,
    pub environment: Environment,
    pub demo: bool,
    pub source: Source,
}

impl ClusterConfig {
    /// A kube-rs client for this cluster.
    pub async fn client(&self) -> Result<kube::Client> {
        let failed = |message: String| ClusterError::Client {
            cluster: self.name.clone(),
            message,
        };
        let config = match &self.source {
            Source::Url(url) => kube::Config::new(url.parse().map_err(|e| failed(format!("{e}")))?),
            Source::InCluster => kube::Config::incluster().map_err(|e| failed(e.to_string()))?,
            Source::Kubeconfig { path, context } => {
                let kubeconfig = read_kubeconfig(path.as_ref())?;
                let options = KubeConfigOptions {
                    context: Some(context.clone()),
                    ..Default::default()
                };
                kube::Config::from_custom_kubeconfig(kubeconfig, &options)
                    .await
                    .map_err(|e| failed(e.to_string()))?
            }
        };
        kube::Client::try_from(config).map_err(|e| failed(e.to_string()))
    }
}

fn read_kubeconfig(path: Option<&PathBuf>) -> Result<Kubeconfig> {
    match path {
        Some(path) => Kubeconfig::read_from(path),
        None => Kubeconfig::read(),
    }
    .map_err(|e| ClusterError::Kubeconfig(e.to_string()))
}

/// The clusters of a kubeconfig: every context, or only those named in `only`
/// (an unknown name is an error, not silently skipped).
pub fn from_kubeconfig(
    path: Option<PathBuf>,
    only: &[String],
    environments: &HashMap<String, Environment>,
) -> Result<Vec<ClusterConfig>> {
    let kubeconfig = read_kubeconfig(path.as_ref())?;
    let available: Vec<String> = kubeconfig.contexts.iter().map(|c| c.name.clone()).collect();
    if let Some(missing) = only.iter().find(|name| !available.contains(name)) {
        return Err(ClusterError::UnknownContext(missing.clone()));
    }
    Ok(available
        .into_iter()
        .filter(|name| only.is_empty() || only.contains(name))
        .map(|context| ClusterConfig {
            name: context.clone(),
            environment: environments
                .get(&context)
                .copied()
                .unwrap_or_else(|| Environment::guess(&context)),
            demo: false,
            source: Source::Kubeconfig {
                path: path.clone(),
                context,
            },
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments_are_guessed_from_names_and_mapped_explicitly() {
        assert_eq!(Environment::guess("eks-prod-eu"), Environment::Prod);
        assert_eq!(Environment::guess("gke-preprod"), Environment::Stage);
        assert_eq!(Environment::guess("staging"), Environment::Stage);
        assert_eq!(Environment::guess("kind-local"), Environment::Dev);
        let mapped = parse_environments("a=prod, b = stage").expect("parses");
        assert_eq!(mapped.get("b"), Some(&Environment::Stage));
        assert!(parse_environments("a=production").is_err());
        assert!(parse_environments("a").is_err());
    }

    #[test]
    fn kubeconfig_contexts_become_clusters() {
        let dir = std::env::temp_dir().join(format!("parkway-kubeconfig-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("config");
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:6443'}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: eu-prod\n  context: {cluster: c, user: u}\n- name: eu-dev\n  context: {cluster: c, user: u}\ncurrent-context: eu-dev\n",
        )
        .expect("write kubeconfig");
        let all = from_kubeconfig(Some(path.clone()), &[], &HashMap::new()).expect("reads");
        let names: Vec<(&str, Environment)> = all.iter().map(|c| (c.name.as_str(), c.environment)).collect();
        assert_eq!(
            names,
            [("eu-prod", Environment::Prod), ("eu-dev", Environment::Dev)]
        );
        let one = from_kubeconfig(Some(path.clone()), &["eu-dev".into()], &HashMap::new()).expect("reads");
        assert_eq!(one.len(), 1);
        let err = from_kubeconfig(Some(path), &["nope".into()], &HashMap::new()).expect_err("unknown");
        assert_eq!(err.to_string(), "kubeconfig has no context named `nope`");
        let _ = std::fs::remove_dir_all(dir);
    }
}
