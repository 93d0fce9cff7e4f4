//! Live coverage of a guardrail in one cluster, from the watch caches, pure.
//!
//! A policy implements a guardrail when the guardrail lists it (Kyverno policy and
//! optional rule; Gatekeeper constraint kind and name) or when the policy says so with
//! the annotation `parkway.io/guardrail: GR-nnn`. For each workload (Deployment,
//! StatefulSet, DaemonSet) an implementing policy matches, it is *enforced* when that
//! policy refuses violations in the workload's namespace: Kyverno `Enforce` (the rule's
//! `validate.failureAction`, else the deprecated `spec.validationFailureAction`, with
//! per-namespace overrides), Gatekeeper `enforcementAction: deny`. Its result is `fail`
//! when any implementing policy reports it failing, `pass` when one reports it passing
//! and none failing, else `unknown`.
//!
//! **Policy coverage** = workloads in scope under an enforcing policy ÷ workloads in
//! scope. With no implementing policy in the cluster the mode is `missing`, every
//! workload counts as in scope and coverage is 0.

use std::collections::{BTreeMap, HashMap};

use kube::{ResourceExt, api::DynamicObject};
use parkway_types::{
    guardrails::{GuardrailId, Mode},
    views::guardrails::Implementation,
};
use serde_json::Value;

use crate::cluster::model::WorkloadKind;

/// The annotation by which a policy names the guardrail it implements.
pub const ANNOTATION: &str = "parkway.io/guardrail";

/// One workload of a cluster: namespace, kind, name.
pub type Workload = (String, WorkloadKind, String);

/// What the policy engines hold in one cluster.
#[derive(Debug, Clone, Default)]
pub struct Policies<'a> {
    pub kyverno: &'a [std::sync::Arc<DynamicObject>],
    pub reports: &'a [std::sync::Arc<DynamicObject>],
    pub constraints: &'a [std::sync::Arc<DynamicObject>],
}

/// What the policy engines report about one workload for one guardrail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail,
    Unknown,
}

/// One guardrail's coverage in one cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    pub mode: Mode,
    pub workloads: u32,
    pub enforced: u32,
    pub pass: u32,
    pub fail: u32,
    pub unknown: u32,
    /// Gatekeeper listed fewer violations than it counted: the rest are unknown.
    pub truncated: bool,
    /// An enforcing Kyverno rule is involved: its reports can only say `pass`.
    pub enforce_reports_only_pass: bool,
    /// The newest report result's time (seconds since the epoch), if any.
    pub newest_report: Option<i64>,
    /// Each workload in scope, by its index in the workload list: what a scope's
    /// coverage over every guardrail (the scorecards' governance keys) is made from.
    pub in_scope: std::sync::Arc<[InScope]>,
}

/// One workload in scope of a guardrail in one cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InScope {
    /// Its index in the cluster's workload list.
    pub workload: usize,
    pub enforced: bool,
    pub outcome: Outcome,
}

impl Coverage {
    /// Enforced ÷ in scope; `None` when nothing is in scope.
    pub fn ratio(&self) -> Option<f64> {
        (self.workloads > 0).then(|| f64::from(self.enforced) / f64::from(self.workloads))
    }
}

fn text<'v>(v: &'v Value, pointer: &str) -> Option<&'v str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Kubernetes-style wildcard match (`*` and `?`), as Kyverno and Gatekeeper use for
/// namespace lists.
fn wildcard(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

/// Whether a kind list names this workload: its own kind, or `Pod` (Kyverno applies
/// Pod rules to the controllers that create pods), or a wildcard.
fn kinds_match(kinds: &[&str], kind: WorkloadKind) -> bool {
    kinds.iter().any(|k| {
        let k = k.rsplit('/').next().unwrap_or(k);
        k == "*" || k == "Pod" || k == kind.as_str()
    })
}

/// A Kyverno `resources` block matches the workload.
fn kyverno_resources_match(resources: &Value, (ns, kind, _): &Workload) -> bool {
    let kinds = strings(resources.get("kinds"));
    let namespaces = strings(resources.get("namespaces"));
    (kinds.is_empty() || kinds_match(&kinds, *kind))
        && (namespaces.is_empty() || namespaces.iter().any(|p| wildcard(p, ns)))
}

/// A `match` / `exclude` block: `any` (one filter), `all` (every filter), or the legacy
/// `resources` directly.
fn kyverno_block_matches(block: &Value, w: &Workload) -> Option<bool> {
    if let Some(any) = block.get("any").and_then(Value::as_array) {
        return Some(
            any.iter()
                .any(|f| f.get("resources").is_some_and(|r| kyverno_resources_match(r, w))),
        );
    }
    if let Some(all) = block.get("all").and_then(Value::as_array) {
        return Some(
            all.iter()
                .all(|f| f.get("resources").is_some_and(|r| kyverno_resources_match(r, w))),
        );
    }
    block.get("resources").map(|r| kyverno_resources_match(r, w))
}

/// The action for a namespace, from a list of `{action, namespaces}` overrides.
fn override_for<'v>(overrides: Option<&'v Value>, ns: &str) -> Option<&'v str> {
    overrides.and_then(Value::as_array)?.iter().find_map(|o| {
        strings(o.get("namespaces"))
            .iter()
            .any(|p| wildcard(p, ns))
            .then(|| o.get("action").and_then(Value::as_str))
            .flatten()
    })
}

/// Whether a Kyverno rule enforces in a namespace.
fn kyverno_enforces(spec: &Value, rule: &Value, ns: &str) -> bool {
    let action = override_for(rule.pointer("/validate/failureActionOverrides"), ns)
        .or_else(|| text(rule, "/validate/failureAction"))
        .or_else(|| override_for(spec.get("validationFailureActionOverrides"), ns))
        .or_else(|| text(spec, "/validationFailureAction"))
        .unwrap_or("Audit");
    action.eq_ignore_ascii_case("enforce")
}

fn annotated(obj: &DynamicObject, id: GuardrailId) -> bool {
    obj.annotations()
        .get(ANNOTATION)
        .is_some_and(|v| v.trim() == id.to_string())
}

/// A Kyverno policy implementing the guardrail, and the rule names that count (`None`:
/// every rule).
fn kyverno_implementing(
    p: &DynamicObject,
    id: GuardrailId,
    implementations: &[Implementation],
) -> Option<Option<Vec<String>>> {
    if annotated(p, id) {
        return Some(None);
    }
    let name = p.name_any();
    let mut rules = Vec::new();
    for i in implementations {
        if let Implementation::Kyverno { policy, rule } = i
            && *policy == name
        {
            match rule {
                None => return Some(None),
                Some(rule) => rules.push(rule.clone()),
            }
        }
    }
    (!rules.is_empty()).then_some(Some(rules))
}

fn gatekeeper_implementing(c: &DynamicObject, id: GuardrailId, implementations: &[Implementation]) -> bool {
    let kind = c.types.as_ref().map(|t| t.kind.as_str()).unwrap_or_default();
    let name = c.name_any();
    annotated(c, id)
        || implementations
            .iter()
            .any(|i| matches!(i, Implementation::Gatekeeper { kind: k, name: n } if k == kind && *n == name))
}

fn merge(a: Outcome, b: Outcome) -> Outcome {
    match (a, b) {
        (Outcome::Fail, _) | (_, Outcome::Fail) => Outcome::Fail,
        (Outcome::Pass, _) | (_, Outcome::Pass) => Outcome::Pass,
        _ => Outcome::Unknown,
    }
}

/// A report result's key: policy, rule, `namespace/kind`, name.
type ResultKey = (String, String, String, String);

/// Report results by (policy, rule) and resource: `(ns, kind, name)` → outcome, and the
/// newest result time.
fn report_results(
    reports: &[std::sync::Arc<DynamicObject>],
) -> (HashMap<ResultKey, Outcome>, HashMap<String, i64>) {
    let mut out: HashMap<ResultKey, Outcome> = HashMap::new();
    let mut newest: HashMap<String, i64> = HashMap::new();
    for report in reports {
        let scope = report.data.get("scope");
        for result in report
            .data
            .get("results")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let policy = text(result, "/policy").unwrap_or_default().to_owned();
            let rule = text(result, "/rule").unwrap_or_default();
            // Kyverno names the rules it generated for pod controllers `autogen-<rule>`.
            let rule = rule
                .strip_prefix("autogen-cronjob-")
                .or_else(|| rule.strip_prefix("autogen-"))
                .unwrap_or(rule)
                .to_owned();
            let outcome = match text(result, "/result") {
                Some("pass") => Outcome::Pass,
                Some("fail" | "error") => Outcome::Fail,
                _ => Outcome::Unknown,
            };
            if let Some(seconds) = result.pointer("/timestamp/seconds").and_then(Value::as_i64) {
                let entry = newest.entry(policy.clone()).or_insert(seconds);
                *entry = (*entry).max(seconds);
            }
            let resources: Vec<&Value> = match result.get("resources").and_then(Value::as_array) {
                Some(list) if !list.is_empty() => list.iter().collect(),
                _ => scope.into_iter().collect(),
            };
            for r in resources {
                let (Some(kind), Some(name)) = (text(r, "/kind"), text(r, "/name")) else {
                    continue;
                };
                let ns = text(r, "/namespace").unwrap_or_default().to_owned();
                let key = (
                    policy.clone(),
                    rule.clone(),
                    format!("{ns}/{kind}"),
                    name.to_owned(),
                );
                let merged = out.get(&key).map_or(outcome, |o| merge(*o, outcome));
                out.insert(key, merged);
            }
        }
    }
    (out, newest)
}

/// Per workload: whether an implementing policy matches it, enforces on it, and what
/// it reported.
#[derive(Debug, Clone, Copy, Default)]
struct Seen {
    in_scope: bool,
    enforced: bool,
    outcome: Option<Outcome>,
}

impl Seen {
    fn saw(&mut self, enforced: bool, outcome: Outcome) {
        self.in_scope = true;
        self.enforced |= enforced;
        self.outcome = Some(self.outcome.map_or(outcome, |o| merge(o, outcome)));
    }
}

/// A cluster's policy reports, read once: what every guardrail's coverage in that
/// cluster looks results up in.
#[derive(Debug, Default)]
pub struct Reports {
    results: HashMap<ResultKey, Outcome>,
    newest_by_policy: HashMap<String, i64>,
}

impl Reports {
    pub fn read(reports: &[std::sync::Arc<DynamicObject>]) -> Self {
        let (results, newest_by_policy) = report_results(reports);
        Self {
            results,
            newest_by_policy,
        }
    }
}

/// One guardrail's coverage in one cluster.
pub fn coverage(
    id: GuardrailId,
    implementations: &[Implementation],
    workloads: &[Workload],
    policies: &Policies<'_>,
) -> Coverage {
    coverage_with(
        id,
        implementations,
        workloads,
        policies,
        &Reports::read(policies.reports),
    )
}

/// [`coverage`] with the cluster's reports already read.
pub fn coverage_with(
    id: GuardrailId,
    implementations: &[Implementation],
    workloads: &[Workload],
    policies: &Policies<'_>,
    reports: &Reports,
) -> Coverage {
    let (results, newest_by_policy) = (&reports.results, &reports.newest_by_policy);
    let mut seen: BTreeMap<usize, Seen> = BTreeMap::new();
    let mut present = false;
    let mut any_enforcing = false;
    let mut kyverno_enforcing = false;
    let mut truncated = false;
    let mut newest_report: Option<i64> = None;

    for p in policies.kyverno {
        let Some(only_rules) = kyverno_implementing(p, id, implementations) else {
            continue;
        };
        present = true;
        let name = p.name_any();
        if let Some(t) = newest_by_policy.get(&name) {
            newest_report = Some(newest_report.map_or(*t, |n: i64| n.max(*t)));
        }
        let own_namespace = p.namespace();
        let spec = p.data.get("spec").cloned().unwrap_or(Value::Null);
        let rules = spec
            .get("rules")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for rule in &rules {
            let rule_name = text(rule, "/name").unwrap_or_default();
            if only_rules
                .as_ref()
                .is_some_and(|only| !only.iter().any(|r| r == rule_name))
            {
                continue;
            }
            if rule.get("validate").is_none() {
                continue;
            }
            for (i, w) in workloads.iter().enumerate() {
                if own_namespace.as_ref().is_some_and(|ns| *ns != w.0) {
                    continue;
                }
                let matched = rule
                    .get("match")
                    .and_then(|m| kyverno_block_matches(m, w))
                    .unwrap_or(false);
                let excluded = rule
                    .get("exclude")
                    .and_then(|e| kyverno_block_matches(e, w))
                    .unwrap_or(false);
                if !matched || excluded {
                    continue;
                }
                let enforced = kyverno_enforces(&spec, rule, &w.0);
                any_enforcing |= enforced;
                kyverno_enforcing |= enforced;
                let key = (
                    name.clone(),
                    rule_name.to_owned(),
                    format!("{}/{}", w.0, w.1.as_str()),
                    w.2.clone(),
                );
                let outcome = results.get(&key).copied().unwrap_or(Outcome::Unknown);
                seen.entry(i).or_default().saw(enforced, outcome);
            }
        }
    }

    for c in policies.constraints {
        if !gatekeeper_implementing(c, id, implementations) {
            continue;
        }
        present = true;
        let spec = c.data.get("spec").cloned().unwrap_or(Value::Null);
        let enforced = text(&spec, "/enforcementAction").unwrap_or("deny") == "deny";
        any_enforcing |= enforced;
        let kinds: Vec<&str> = spec
            .pointer("/match/kinds")
            .and_then(Value::as_array)
            .map(|list| list.iter().flat_map(|k| strings(k.get("kinds"))).collect())
            .unwrap_or_default();
        let namespaces = strings(spec.pointer("/match/namespaces"));
        let excluded = strings(spec.pointer("/match/excludedNamespaces"));
        let status = c.data.get("status");
        let audited = status.and_then(|s| s.get("auditTimestamp")).is_some();
        let listed: Vec<(&str, &str, &str)> = status
            .and_then(|s| s.get("violations"))
            .and_then(Value::as_array)
            .map(|v| {
                v.iter()
                    .filter_map(|x| {
                        Some((
                            text(x, "/namespace").unwrap_or_default(),
                            text(x, "/kind")?,
                            text(x, "/name")?,
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let total = status
            .and_then(|s| s.get("totalViolations"))
            .and_then(Value::as_u64)
            .unwrap_or(listed.len() as u64);
        let cut = total > listed.len() as u64;
        truncated |= cut;
        for (i, w) in workloads.iter().enumerate() {
            let in_scope = (kinds.is_empty() || kinds_match(&kinds, w.1))
                && (namespaces.is_empty() || namespaces.iter().any(|p| wildcard(p, &w.0)))
                && !excluded.iter().any(|p| wildcard(p, &w.0));
            if !in_scope {
                continue;
            }
            let violating = listed
                .iter()
                .any(|(ns, kind, name)| *ns == w.0 && *kind == w.1.as_str() && *name == w.2);
            let outcome = if violating {
                Outcome::Fail
            } else if audited && !cut {
                Outcome::Pass
            } else {
                Outcome::Unknown
            };
            seen.entry(i).or_default().saw(enforced, outcome);
        }
    }

    if !present {
        let n = u32::try_from(workloads.len()).unwrap_or(u32::MAX);
        let in_scope = (0..workloads.len())
            .map(|workload| InScope {
                workload,
                enforced: false,
                outcome: Outcome::Unknown,
            })
            .collect();
        return Coverage {
            in_scope,
            mode: Mode::Missing,
            workloads: n,
            enforced: 0,
            pass: 0,
            fail: 0,
            unknown: n,
            truncated: false,
            enforce_reports_only_pass: false,
            newest_report: None,
        };
    }
    let count =
        |f: &dyn Fn(&Seen) -> bool| u32::try_from(seen.values().filter(|s| f(s)).count()).unwrap_or(u32::MAX);
    Coverage {
        mode: if any_enforcing { Mode::Enforce } else { Mode::Audit },
        workloads: count(&|s| s.in_scope),
        enforced: count(&|s| s.enforced),
        pass: count(&|s| s.outcome == Some(Outcome::Pass)),
        fail: count(&|s| s.outcome == Some(Outcome::Fail)),
        unknown: count(&|s| s.outcome == Some(Outcome::Unknown)),
        truncated,
        enforce_reports_only_pass: kyverno_enforcing,
        newest_report,
        in_scope: seen
            .iter()
            .filter(|(_, s)| s.in_scope)
            .map(|(i, s)| InScope {
                workload: *i,
                enforced: s.enforced,
                outcome: s.outcome.unwrap_or(Outcome::Unknown),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests;
