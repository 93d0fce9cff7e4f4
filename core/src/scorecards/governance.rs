//! The governance keys beside the delivery keys, for a scope (the enterprise, a
//! business unit, a team, a service): secure-defaults adoption (tenant namespaces
//! with Pod Security `restricted` enforced and the default-deny NetworkPolicy, read
//! from the live watch caches), onboarding lead time (request to active), and
//! response readiness (services whose catalog entry names an on-call, a runbook and
//! alerting), and policy coverage and compliance over the scope's workloads in the
//! production clusters (a team's and a unit's through their tenant namespaces).

use std::{
    collections::{BTreeMap, BTreeSet, HashMap, HashSet},
    sync::Arc,
};

use chrono::{DateTime, Utc};
use parkway_types::views::scorecards::{Governance, PolicyFigures, Share};
use sqlx::PgExecutor;

use super::{Error, Result, figures::median, maturity::facts};
use crate::{
    Ctx, Services,
    cluster::Clusters,
    guardrails::{coverage::Outcome, live},
};

/// Which services, tenants and namespaces a scope covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Enterprise,
    /// A business unit's group key.
    Unit(String),
    /// A team's group key.
    Team(String),
    /// A service's entity key.
    Service(String),
}

/// Annotations that name a service's on-call.
pub const ON_CALL: [&str; 5] = [
    "pagerduty.com/service-id",
    "pagerduty.com/integration-key",
    "opsgenie.com/team",
    "opsgenie.com/component-selector",
    "parkway.io/on-call",
];

/// Annotations that name a service's alerting.
pub const ALERTING: [&str; 4] = [
    "prometheus.io/alert",
    "prometheus.io/rule",
    "grafana/alert-label-selector",
    "parkway.io/alerts",
];

/// What a service names for responding to trouble.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Readiness {
    pub on_call: bool,
    pub runbook: bool,
    pub alerting: bool,
}

impl Readiness {
    /// The one definition of response readiness, for the governance key and for the
    /// maturity facts alike: an on-call (an [`ON_CALL`] annotation, or a link titled or
    /// typed on-call), a runbook (a link titled or typed runbook, or the
    /// `parkway.io/runbook` annotation) and alerting (an [`ALERTING`] annotation).
    pub fn of(annotations: Option<&serde_json::Value>, links: Option<&serde_json::Value>) -> Self {
        let annotated = |names: &[&str]| {
            annotations
                .and_then(|a| a.as_object())
                .is_some_and(|a| names.iter().any(|n| a.contains_key(*n)))
        };
        let linked = |words: &[&str]| {
            links.and_then(|l| l.as_array()).is_some_and(|links| {
                links.iter().any(|l| {
                    let said = format!(
                        "{} {}",
                        l.get("title").and_then(|t| t.as_str()).unwrap_or_default(),
                        l.get("type").and_then(|t| t.as_str()).unwrap_or_default()
                    )
                    .to_lowercase();
                    words.iter().any(|w| said.contains(w))
                })
            })
        };
        Self {
            on_call: annotated(&ON_CALL) || linked(&["on-call", "oncall", "on call"]),
            runbook: annotated(&["parkway.io/runbook"]) || linked(&["runbook"]),
            alerting: annotated(&ALERTING),
        }
    }

    pub fn ready(self) -> bool {
        self.on_call && self.runbook && self.alerting
    }
}

/// Services of the scope, and those ready to respond ([`Readiness`]).
pub async fn readiness(db: impl PgExecutor<'_>, scope: &Scope) -> Result<Share> {
    let (unit, team, service) = match scope {
        Scope::Enterprise => (None, None, None),
        Scope::Unit(u) => (Some(u.as_str()), None, None),
        Scope::Team(t) => (None, Some(t.as_str()), None),
        Scope::Service(s) => (None, None, Some(s.as_str())),
    };
    let rows = sqlx::query!(
        "select e.body->'metadata'->'annotations' as annotations, e.body->'metadata'->'links' as links
         from catalog_entities e
         where e.kind = 'component' and e.orphaned_at is null
           and ($1::text is null or e.business_unit = $1)
           and ($2::text is null or e.owner = $2)
           and ($3::text is null or e.key = $3)",
        unit,
        team,
        service,
    )
    .fetch_all(db)
    .await?;
    let ready = rows
        .iter()
        .filter(|r| Readiness::of(r.annotations.as_ref(), r.links.as_ref()).ready())
        .count();
    Ok(Share {
        part: ready as u32,
        whole: rows.len() as u32,
    })
}

/// A live tenant namespace of the scope, and the cluster it was applied to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Placed {
    cluster: String,
    namespace: String,
}

async fn live_namespaces(db: impl PgExecutor<'_>, scope: &Scope) -> Result<Vec<Placed>> {
    let (unit, team) = match scope {
        Scope::Enterprise | Scope::Service(_) => (None, None),
        Scope::Unit(u) => (Some(u.as_str()), None),
        Scope::Team(t) => (None, Some(t.as_str())),
    };
    let rows = sqlx::query!(
        "select distinct s.cluster, s.name
         from tenants t join tenant_steps s on s.tenant = t.name and s.kind = 'Namespace' and s.op = 'apply'
         where t.state in ('active', 'decommission-requested')
           and ($1::text is null or t.business_unit = $1)
           and ($2::text is null or t.team = $2)
         order by 1, 2",
        unit,
        team,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Placed {
            cluster: r.cluster,
            namespace: r.name,
        })
        .collect())
}

/// Whether one live tenant namespace keeps the secure defaults: Pod Security
/// `restricted` enforced and the default-deny NetworkPolicy present. `None` when the
/// cluster cannot be read now.
fn keeps_defaults(clusters: &Clusters, cluster: &str, namespace: &str) -> Option<bool> {
    let cache = clusters.get(cluster)?;
    if !cache.status().state.serves_live() {
        return None;
    }
    let ns = cache.tenant_object("Namespace", None, namespace)?;
    let restricted = ns
        .pointer("/metadata/labels/pod-security.kubernetes.io~1enforce")
        .and_then(|v| v.as_str())
        == Some("restricted");
    let deny = cache
        .tenant_object("NetworkPolicy", Some(namespace), "default-deny")
        .is_some();
    Some(restricted && deny)
}

/// Secure-defaults adoption of `namespaces`, and how many sit in clusters not readable
/// now (not counted).
fn adoption<'a>(clusters: &Clusters, namespaces: impl IntoIterator<Item = &'a Placed>) -> (Share, u32) {
    let mut share = Share::default();
    let mut unreadable = 0_u32;
    for placed in namespaces {
        match keeps_defaults(clusters, &placed.cluster, &placed.namespace) {
            Some(kept) => {
                share.whole += 1;
                share.part += u32::from(kept);
            }
            None => unreadable += 1,
        }
    }
    (share, unreadable)
}

/// Counts the (workload, guardrail) checks that belong to the scope: all of them for
/// the enterprise, else those in its tenant namespaces.
fn policy_figures(
    standings: &[live::Standing],
    unreadable: Vec<String>,
    only: Option<&HashSet<Placed>>,
) -> PolicyFigures {
    let mut f = PolicyFigures {
        clusters_unreadable: unreadable,
        ..PolicyFigures::default()
    };
    let mut workloads = HashSet::new();
    for s in standings {
        if let Some(only) = only
            && !only.contains(&Placed {
                cluster: s.cluster.clone(),
                namespace: s.namespace.clone(),
            })
        {
            continue;
        }
        workloads.insert((&s.cluster, &s.namespace, &s.workload));
        f.checks += 1;
        f.enforced += u32::from(s.enforced);
        match s.outcome {
            Outcome::Pass => f.pass += 1,
            Outcome::Fail => f.fail += 1,
            Outcome::Unknown => f.unknown += 1,
        }
    }
    f.workloads = workloads.len() as u32;
    f
}

/// Every (workload, guardrail) check of the published guardrails, from the watch caches:
/// CPU work, off the request threads, one such computation at a time.
async fn standings(services: &Services) -> Result<Arc<live::Standings>> {
    let published = crate::guardrails::store::published(&services.pool)
        .await
        .map_err(|e| Error::Internal(format!("reading the published guardrails failed: {e}")))?;
    let wanted: Vec<_> = published
        .iter()
        .map(|l| (l.version.id, l.version.content.implementations.clone()))
        .collect();
    let clusters = services.clusters.all().to_vec();
    let memo = services.guardrail_coverage.clone();
    let key = live::StandingsKey::of(&clusters, &wanted);
    if let Some(known) = memo.remembered_standings(&key) {
        return Ok(known);
    }
    let turn = memo.one_at_a_time().await;
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        // Another caller may have computed them while this one waited for its turn.
        if let Some(known) = memo.remembered_standings(&key) {
            return known;
        }
        let computed = Arc::new(live::standings(&clusters, &memo, &wanted));
        memo.remember_standings(key, computed.clone());
        computed
    })
    .await
    .map_err(|e| Error::Internal(format!("computing policy coverage failed: {e}")))
}

/// The governance keys of `scope`; onboarding lead time over tenants that became
/// active since `since`.
pub async fn of(ctx: &Ctx, scope: &Scope, since: DateTime<Utc>) -> Result<Governance> {
    let db = ctx.pool();
    let readiness = readiness(db, scope).await?;
    if matches!(scope, Scope::Service(_)) {
        return Ok(Governance {
            response_readiness: readiness,
            ..Governance::default()
        });
    }
    let namespaces = live_namespaces(db, scope).await?;
    let (secure, unreadable) = adoption(&ctx.services.clusters, &namespaces);
    let known = standings(&ctx.services).await?;
    let only: Option<HashSet<Placed>> =
        (!matches!(scope, Scope::Enterprise)).then(|| namespaces.iter().cloned().collect());
    let policy = policy_figures(&known.0, known.1.clone(), only.as_ref());
    let (unit, team) = match scope {
        Scope::Unit(u) => (Some(u.as_str()), None),
        Scope::Team(t) => (None, Some(t.as_str())),
        _ => (None, None),
    };
    let mut leads = sqlx::query_scalar!(
        "select extract(epoch from min(e.at) - t.requested_at)::float8 as \"seconds!\"
         from tenants t join tenant_events e on e.tenant = t.name and e.to_state = 'active'
         where ($1::text is null or t.business_unit = $1) and ($2::text is null or t.team = $2)
         group by t.name, t.requested_at
         having min(e.at) >= $3",
        unit,
        team,
        since,
    )
    .fetch_all(db)
    .await?;
    let onboarded = leads.len() as u32;
    Ok(Governance {
        policy: Some(policy),
        secure_defaults: Some(secure),
        namespaces_unreadable: unreadable,
        onboarding_lead_time_median_seconds: median(&mut leads).map(|s| s.round() as i64),
        tenants_onboarded: onboarded,
        response_readiness: readiness,
    })
}

/// Each team's governance values, for the maturity facts: policy coverage and
/// compliance of its tenant namespaces' workloads and secure-defaults adoption (in
/// percent, when there is something to count), and its live tenants.
pub async fn by_team(services: &Services) -> Result<HashMap<String, BTreeMap<facts::Team, f64>>> {
    let rows = sqlx::query!(
        "select t.team, t.name as tenant, s.cluster, s.name
         from tenants t join tenant_steps s on s.tenant = t.name and s.kind = 'Namespace' and s.op = 'apply'
         where t.state in ('active', 'decommission-requested')
         order by 1, 2"
    )
    .fetch_all(&services.pool)
    .await?;
    let mut placed: HashMap<String, HashSet<Placed>> = HashMap::new();
    let mut tenants: HashMap<String, BTreeSet<String>> = HashMap::new();
    for r in rows {
        tenants.entry(r.team.clone()).or_default().insert(r.tenant);
        placed.entry(r.team).or_default().insert(Placed {
            cluster: r.cluster,
            namespace: r.name,
        });
    }
    let known = standings(services).await?;
    let percent = |s: Share| s.ratio().map(|r| r * 100.0);
    let mut out = HashMap::new();
    for (team, namespaces) in placed {
        let mut values = BTreeMap::new();
        let policy = policy_figures(&known.0, Vec::new(), Some(&namespaces));
        if let Some(v) = percent(policy.coverage()) {
            values.insert(facts::Team::GuardrailCoverage, v);
        }
        if let Some(v) = percent(policy.compliance()) {
            values.insert(facts::Team::GuardrailCompliance, v);
        }
        if let Some(v) = percent(adoption(&services.clusters, &namespaces).0) {
            values.insert(facts::Team::SecureDefaults, v);
        }
        values.insert(
            facts::Team::ActiveTenants,
            tenants.get(&team).map_or(0, BTreeSet::len) as f64,
        );
        out.insert(team, values);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standing(
        cluster: &str,
        namespace: &str,
        workload: &str,
        enforced: bool,
        outcome: Outcome,
    ) -> live::Standing {
        live::Standing {
            cluster: cluster.into(),
            namespace: namespace.into(),
            workload: workload.into(),
            enforced,
            outcome,
        }
    }

    #[test]
    fn a_scope_counts_only_its_tenant_namespaces_and_keeps_unknown_apart() {
        let all = [
            // One workload in scope of two guardrails: two checks.
            standing("prod-eu", "payments-api", "Deployment/api", true, Outcome::Pass),
            standing("prod-eu", "payments-api", "Deployment/api", false, Outcome::Fail),
            standing(
                "prod-eu",
                "payments-batch",
                "Deployment/batch",
                true,
                Outcome::Unknown,
            ),
            standing("prod-us", "payments-api", "Deployment/api", true, Outcome::Pass),
            standing(
                "prod-eu",
                "kube-system",
                "DaemonSet/proxy",
                false,
                Outcome::Unknown,
            ),
        ];
        let only: HashSet<Placed> = [("prod-eu", "payments-api"), ("prod-eu", "payments-batch")]
            .into_iter()
            .map(|(c, n)| Placed {
                cluster: c.into(),
                namespace: n.into(),
            })
            .collect();
        let scoped = policy_figures(&all, vec![], Some(&only));
        assert_eq!((scoped.workloads, scoped.checks, scoped.enforced), (2, 3, 2));
        assert_eq!((scoped.pass, scoped.fail, scoped.unknown), (1, 1, 1));
        assert_eq!(scoped.compliance(), Share { part: 1, whole: 2 });
        let everything = policy_figures(&all, vec!["prod-ap".into()], None);
        assert_eq!(everything.workloads, 4);
        assert_eq!(everything.coverage(), Share { part: 3, whole: 5 });
        assert_eq!(everything.clusters_unreadable, vec!["prod-ap".to_owned()]);
    }
}
