//! Guardrail coverage from the clusters' watch caches, remembered per cluster
//! generation: a page asks for a guardrail's coverage on every view, and with tens of
//! thousands of workloads and their policy reports the computation is milliseconds,
//! while the inputs change far less often than pages are read.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use kube::ResourceExt;
use parkway_types::{
    guardrails::{GuardrailId, Mode},
    views::guardrails::{CoverageRow, GuardrailCoverage, Implementation},
};

use super::coverage::{Coverage, Outcome, Policies, Reports, Workload, coverage_with};
use crate::cluster::{
    ClusterCache,
    model::{Inputs, WorkloadKind},
};

/// Report data older than this is called out.
const STALE_REPORT_MINUTES: i64 = 60;

/// Remembered results beyond this many are forgotten (oldest generation first is not
/// worth tracking: a full memo is simply cleared).
const MEMO_ENTRIES: usize = 4096;

/// What was computed for a guardrail in a cluster, and from which inputs.
struct Remembered {
    generation: u64,
    implementations: Vec<Implementation>,
    coverage: Coverage,
}

/// Coverage results per (cluster, guardrail), valid while the cluster's generation and
/// the guardrail's implementations are what they were computed from.
/// Remembered results by cluster name and guardrail.
type Entries = HashMap<(String, GuardrailId), Arc<Remembered>>;

/// A cluster's inputs as coverage reads them, prepared once per cluster generation:
/// the workload list and the policy reports' results (reading those is most of the
/// work, and the same for every guardrail).
struct Prepared {
    generation: u64,
    inputs: Inputs,
    workloads: Vec<Workload>,
    reports: Reports,
}

#[derive(Clone, Default)]
pub struct CoverageMemo {
    entries: Arc<Mutex<Entries>>,
    prepared: Arc<Mutex<HashMap<String, Arc<Prepared>>>>,
    /// One computation over every guardrail at a time: concurrent callers wait, then
    /// find the results remembered instead of each computing them all again.
    every_guardrail: Arc<tokio::sync::Mutex<()>>,
    /// The last [`standings`] and what they were computed from.
    standings: Arc<Mutex<LastStandings>>,
}

/// The standings computed last, with what they were computed from.
type LastStandings = Option<(StandingsKey, Arc<Standings>)>;

/// What [`standings`] answers: the checks, and the production clusters not readable.
pub type Standings = (Vec<Standing>, Vec<String>);

/// What standings depend on: each production cluster's generation and readability,
/// and the guardrails with their implementations.
#[derive(Debug, Clone, PartialEq)]
pub struct StandingsKey {
    clusters: Vec<(String, u64, bool)>,
    wanted: Vec<(GuardrailId, Vec<Implementation>)>,
}

impl StandingsKey {
    pub fn of(clusters: &[Arc<ClusterCache>], wanted: &[(GuardrailId, Vec<Implementation>)]) -> Self {
        Self {
            clusters: clusters
                .iter()
                .filter(|c| c.config.environment == crate::cluster::Environment::Prod)
                .map(|c| {
                    (
                        c.name().to_owned(),
                        c.generation(),
                        c.status().state.serves_live(),
                    )
                })
                .collect(),
            wanted: wanted.to_vec(),
        }
    }
}

impl std::fmt::Debug for CoverageMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoverageMemo").finish_non_exhaustive()
    }
}

impl CoverageMemo {
    /// Held while computing every guardrail's coverage (the not-really-mitigated view).
    pub async fn one_at_a_time(&self) -> tokio::sync::OwnedMutexGuard<()> {
        self.every_guardrail.clone().lock_owned().await
    }

    /// The standings computed last, if they were computed from `key`.
    pub fn remembered_standings(&self, key: &StandingsKey) -> Option<Arc<Standings>> {
        let last = self.standings.lock().unwrap_or_else(|p| p.into_inner());
        last.as_ref().filter(|(k, _)| k == key).map(|(_, s)| s.clone())
    }

    pub fn remember_standings(&self, key: StandingsKey, standings: Arc<Standings>) {
        *self.standings.lock().unwrap_or_else(|p| p.into_inner()) = Some((key, standings));
    }

    fn lookup(
        &self,
        cluster: &str,
        id: GuardrailId,
        generation: u64,
        implementations: &[Implementation],
    ) -> Option<Coverage> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(&(cluster.to_owned(), id))
            .filter(|r| r.generation == generation && r.implementations == implementations)
            .map(|r| r.coverage.clone())
    }

    fn remember(&self, cluster: &str, id: GuardrailId, remembered: Remembered) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MEMO_ENTRIES {
            entries.clear();
        }
        entries.insert((cluster.to_owned(), id), Arc::new(remembered));
    }

    /// The cluster's prepared inputs for `generation`, read now if they are older.
    fn prepared(&self, cache: &ClusterCache, generation: u64) -> Arc<Prepared> {
        let mut prepared = self.prepared.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = prepared.get(cache.name()).filter(|p| p.generation == generation) {
            return p.clone();
        }
        let fresh = Arc::new(prepare(cache, generation));
        prepared.insert(cache.name().to_owned(), fresh.clone());
        fresh
    }

    /// One guardrail's coverage in one cluster: remembered, or computed from the cache.
    fn coverage(
        &self,
        cache: &ClusterCache,
        id: GuardrailId,
        implementations: &[Implementation],
    ) -> Coverage {
        // Read before the inputs: a change while computing makes the next read recompute.
        let generation = cache.generation();
        if let Some(hit) = self.lookup(cache.name(), id, generation, implementations) {
            return hit;
        }
        let p = self.prepared(cache, generation);
        self.compute(cache, &p, id, implementations)
    }

    /// [`Self::coverage`] from inputs already prepared, so that its workload indices
    /// are those of `p`.
    fn coverage_in(
        &self,
        cache: &ClusterCache,
        p: &Prepared,
        id: GuardrailId,
        implementations: &[Implementation],
    ) -> Coverage {
        if let Some(hit) = self.lookup(cache.name(), id, p.generation, implementations) {
            return hit;
        }
        self.compute(cache, p, id, implementations)
    }

    fn compute(
        &self,
        cache: &ClusterCache,
        p: &Prepared,
        id: GuardrailId,
        implementations: &[Implementation],
    ) -> Coverage {
        let generation = p.generation;
        let policies = Policies {
            kyverno: &p.inputs.kyverno_policies,
            reports: &p.inputs.policy_reports,
            constraints: &p.inputs.constraints,
        };
        let computed = coverage_with(id, implementations, &p.workloads, &policies, &p.reports);
        self.remember(
            cache.name(),
            id,
            Remembered {
                generation,
                implementations: implementations.to_vec(),
                coverage: computed.clone(),
            },
        );
        computed
    }
}

fn prepare(cache: &ClusterCache, generation: u64) -> Prepared {
    let inputs = cache.inputs();
    let ns = |n: Option<String>| n.unwrap_or_default();
    let mut workloads: Vec<Workload> =
        Vec::with_capacity(inputs.deployments.len() + inputs.stateful_sets.len() + inputs.daemon_sets.len());
    workloads.extend(
        inputs
            .deployments
            .iter()
            .map(|d| (ns(d.namespace()), WorkloadKind::Deployment, d.name_any())),
    );
    workloads.extend(
        inputs
            .stateful_sets
            .iter()
            .map(|d| (ns(d.namespace()), WorkloadKind::StatefulSet, d.name_any())),
    );
    workloads.extend(
        inputs
            .daemon_sets
            .iter()
            .map(|d| (ns(d.namespace()), WorkloadKind::DaemonSet, d.name_any())),
    );
    let reports = Reports::read(&inputs.policy_reports);
    Prepared {
        generation,
        // Only what coverage reads: the pods and events need not stay alive here.
        inputs: Inputs {
            kyverno_policies: inputs.kyverno_policies,
            policy_reports: inputs.policy_reports,
            constraints: inputs.constraints,
            ..Inputs::default()
        },
        workloads,
        reports,
    }
}

/// A guardrail's live coverage in every cluster this replica can read now; `now` is
/// seconds since the epoch (report ages are measured from it).
pub fn coverage_of(
    clusters: &[Arc<ClusterCache>],
    memo: &CoverageMemo,
    id: GuardrailId,
    implementations: &[Implementation],
    now: i64,
) -> GuardrailCoverage {
    let mut out = GuardrailCoverage {
        clusters: Vec::new(),
        unreadable: Vec::new(),
    };
    for cache in clusters {
        let name = cache.name().to_owned();
        if !cache.status().state.serves_live() {
            out.unreadable.push(name);
            continue;
        }
        let c = memo.coverage(cache, id, implementations);
        out.clusters
            .push(row(name, cache.config.environment.as_str(), &c, now));
    }
    out
}

fn row(name: String, environment: &str, c: &Coverage, now: i64) -> CoverageRow {
    let age = c.newest_report.map(|t| (now - t).max(0) / 60);
    let mut warnings = Vec::new();
    match c.mode {
        Mode::Missing => warnings.push(format!("no implementing policy in cluster {name}")),
        Mode::Audit => warnings.push(format!("audit only in cluster {name}: no enforcing policy")),
        Mode::Enforce => {}
    }
    if let Some(age) = age.filter(|a| *a > STALE_REPORT_MINUTES) {
        warnings.push(format!("report data is {age} minutes old"));
    }
    if c.truncated {
        warnings.push("Gatekeeper listed only part of its violations: the rest count as unknown".into());
    }
    CoverageRow {
        cluster: name,
        environment: environment.to_owned(),
        mode: c.mode,
        workloads: c.workloads,
        enforced: c.enforced,
        pass: c.pass,
        fail: c.fail,
        unknown: c.unknown,
        coverage: c.ratio(),
        truncated: c.truncated,
        enforce_reports_only_pass: c.enforce_reports_only_pass,
        report_age_minutes: age,
        warnings,
    }
}

/// One workload in scope of one guardrail: whether a policy enforces the guardrail on
/// it, and what the reports say. Summing these over a scope gives the same counts the
/// guardrail pages show per guardrail and cluster, added up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub cluster: String,
    pub namespace: String,
    /// `Kind/name`, to count workloads apart from guardrail checks.
    pub workload: String,
    pub enforced: bool,
    pub outcome: Outcome,
}

/// Every (workload, guardrail) pair in scope in the readable production clusters, and
/// the production clusters not readable now. `wanted` are the published guardrails and
/// their implementations; those no policy implements anywhere are followed by review
/// alone and left out, as in the threat register's gaps.
pub fn standings(
    clusters: &[Arc<ClusterCache>],
    memo: &CoverageMemo,
    wanted: &[(GuardrailId, Vec<Implementation>)],
) -> (Vec<Standing>, Vec<String>) {
    let mut unreadable = Vec::new();
    let mut per_cluster = Vec::new();
    for cache in clusters {
        if cache.config.environment != crate::cluster::Environment::Prod {
            continue;
        }
        if !cache.status().state.serves_live() {
            unreadable.push(cache.name().to_owned());
            continue;
        }
        let p = memo.prepared(cache, cache.generation());
        let computed: Vec<Coverage> = wanted
            .iter()
            .map(|(id, implementations)| memo.coverage_in(cache, &p, *id, implementations))
            .collect();
        per_cluster.push((cache.name().to_owned(), p, computed));
    }
    // A guardrail counts when something implements it: listed implementations, or a
    // policy that names it somewhere.
    let counted: Vec<bool> = wanted
        .iter()
        .enumerate()
        .map(|(g, (_, implementations))| {
            !implementations.is_empty() || per_cluster.iter().any(|(_, _, c)| c[g].mode != Mode::Missing)
        })
        .collect();
    let mut out = Vec::new();
    for (cluster, p, computed) in per_cluster {
        for (g, c) in computed.iter().enumerate() {
            if !counted[g] {
                continue;
            }
            for seen in c.in_scope.iter() {
                if let Some(w) = p.workloads.get(seen.workload) {
                    out.push(Standing {
                        cluster: cluster.clone(),
                        namespace: w.0.clone(),
                        workload: format!("{}/{}", w.1.as_str(), w.2),
                        enforced: seen.enforced,
                        outcome: seen.outcome,
                    });
                }
            }
        }
    }
    (out, unreadable)
}
