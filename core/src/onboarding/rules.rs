//! The rules of a request, free of I/O: what a request may contain for its tier and
//! who must approve it. The operation loads what these need (the tier's rule, the
//! published requestable guardrails, the configured clusters) and asks.

use std::collections::BTreeMap;

use parkway_types::{
    guardrails::{Decision, GuardrailId},
    onboarding::{Approver, TenantEnvironment, tenant_name_problem},
    views::onboarding::{OptionDecision, Routing, TenantRequest, TierRuleSpec},
};

use super::quantity::{self, Milli};

/// A published guardrail tenants can request, with its decision per tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requestable {
    pub id: GuardrailId,
    pub label: String,
    pub title: String,
    pub decisions: BTreeMap<String, Decision>,
}

/// What a request is checked against.
pub struct Context<'a> {
    pub rule: Option<&'a TierRuleSpec>,
    pub requestable: &'a [Requestable],
    /// Environments with at least one configured cluster.
    pub environments: &'a [TenantEnvironment],
}

/// A request that passed: who approves it and what its options are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub routing: Routing,
    pub options: Vec<OptionDecision>,
}

/// One problem: the field (as the JSON body names it) and why.
pub type FieldProblem = (String, String);

/// Checks every part of `request`, collecting every problem (not just the first).
pub fn check(request: &TenantRequest, cx: &Context<'_>) -> Result<Checked, Vec<FieldProblem>> {
    let mut problems: Vec<FieldProblem> = Vec::new();
    let mut problem = |field: &str, reason: String| problems.push((field.to_owned(), reason));
    if let Some(reason) = tenant_name_problem(&request.name) {
        problem("name", reason);
    }
    if request.environments.is_empty() {
        problem("environments", "choose at least one of dev, stage, prod".into());
    }
    for (i, env) in request.environments.iter().enumerate() {
        if request.environments[..i].contains(env) {
            problem(&format!("environments[{i}]"), format!("`{env}` is listed twice"));
        } else if !cx.environments.contains(env) {
            problem(
                &format!("environments[{i}]"),
                format!("no cluster of environment `{env}` is configured"),
            );
        }
    }
    let mut approver = Approver::Auto;
    let mut reasons = Vec::new();
    match cx.rule {
        None => problem("tier", format!("`{}` is not a risk tier", request.tier)),
        Some(rule) => {
            check_quotas(request, rule, &mut problem);
            if rule.approver > Approver::Auto {
                approver = rule.approver;
                reasons.push(format!(
                    "tier `{}` needs {} for every request",
                    request.tier,
                    rule.approver.label().to_lowercase()
                ));
            }
        }
    }
    let mut options = Vec::new();
    for (i, id) in request.options.iter().enumerate() {
        let field = format!("options[{i}]");
        if request.options[..i].contains(id) {
            problem(&field, format!("{id} is listed twice"));
            continue;
        }
        let Some(option) = cx.requestable.iter().find(|r| r.id == *id) else {
            problem(
                &field,
                format!("{id} is not a published guardrail that tenants can request"),
            );
            continue;
        };
        let Some(decision) = option.decisions.get(&request.tier).copied() else {
            continue; // the tier itself is refused above
        };
        match decision {
            Decision::Blocked => problem(
                &field,
                format!(
                    "{} ({}) is blocked for tier `{}` by guardrail {id} \"{}\": /guardrails/{id}",
                    option.label, id, request.tier, option.title
                ),
            ),
            Decision::NeedsApproval => {
                approver = approver.max(Approver::SecurityApprover);
                reasons.push(format!(
                    "{} needs approval for tier `{}` (guardrail {id})",
                    option.label, request.tier
                ));
            }
            Decision::Allowed => {}
        }
        options.push(OptionDecision {
            guardrail: *id,
            label: option.label.clone(),
            title: option.title.clone(),
            decision,
        });
    }
    if approver > Approver::Auto
        && request
            .justification
            .as_deref()
            .is_none_or(|j| j.trim().is_empty())
    {
        problem(
            "justification",
            format!(
                "a justification is required: this request needs approval ({})",
                reasons.join("; ")
            ),
        );
    }
    if let Some(j) = &request.justification
        && j.len() > 4_000
    {
        problem("justification", "at most 4,000 characters".into());
    }
    if problems.is_empty() {
        Ok(Checked {
            routing: Routing { approver, reasons },
            options,
        })
    } else {
        Err(problems)
    }
}

fn check_quotas(request: &TenantRequest, rule: &TierRuleSpec, problem: &mut impl FnMut(&str, String)) {
    let q = &request.quotas;
    let tier = &request.tier;
    let mut within =
        |field: &str, value: &str, ceiling: &str| match (quantity::parse(value), quantity::parse(ceiling)) {
            (Err(reason), _) => problem(field, reason),
            (Ok(v), _) if v <= Milli(0) => problem(field, format!("`{value}` must be more than zero")),
            (Ok(v), Ok(max)) if v > max => problem(
                field,
                format!("`{value}` is above the ceiling of tier `{tier}`: at most {ceiling}"),
            ),
            _ => {}
        };
    within("quotas.cpu", &q.cpu, &rule.max_cpu);
    within("quotas.memory", &q.memory, &rule.max_memory);
    within("quotas.storage", &q.storage, &rule.max_storage);
    if q.pods == 0 {
        problem("quotas.pods", "must be at least 1".into());
    } else if q.pods > rule.max_pods {
        problem(
            "quotas.pods",
            format!(
                "{} is above the ceiling of tier `{tier}`: at most {}",
                q.pods, rule.max_pods
            ),
        );
    }
}

/// Why a tier rule is unusable, per field.
pub fn rule_problems(rule: &TierRuleSpec, tier_position: i32) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    for (field, value) in [
        ("maxCpu", &rule.max_cpu),
        ("maxMemory", &rule.max_memory),
        ("maxStorage", &rule.max_storage),
        ("defaultRequestCpu", &rule.default_request_cpu),
        ("defaultRequestMemory", &rule.default_request_memory),
        ("defaultLimitCpu", &rule.default_limit_cpu),
        ("defaultLimitMemory", &rule.default_limit_memory),
    ] {
        if let Err(reason) = quantity::parse(value) {
            problems.push((field.to_owned(), reason));
        }
    }
    let le = |a: &str, b: &str| matches!((quantity::parse(a), quantity::parse(b)), (Ok(a), Ok(b)) if a <= b);
    if !le(&rule.default_request_cpu, &rule.default_limit_cpu) {
        problems.push((
            "defaultRequestCpu".into(),
            "must not exceed defaultLimitCpu".into(),
        ));
    }
    if !le(&rule.default_request_memory, &rule.default_limit_memory) {
        problems.push((
            "defaultRequestMemory".into(),
            "must not exceed defaultLimitMemory".into(),
        ));
    }
    if rule.max_pods == 0 {
        problems.push(("maxPods".into(), "must be at least 1".into()));
    }
    if rule.pod_exec && tier_position > INTERNAL_POSITION {
        problems.push((
            "podExec".into(),
            "tiers above `internal` never grant pods/exec".into(),
        ));
    }
    problems
}

/// The position of `internal` among the seeded tiers: tiers ranked above it hold data
/// whose containers nobody should open a shell in.
pub const INTERNAL_POSITION: i32 = 2;

#[cfg(test)]
mod tests {
    use parkway_types::views::onboarding::Quotas;

    use super::*;

    fn rule(approver: Approver) -> TierRuleSpec {
        TierRuleSpec {
            max_cpu: "8".into(),
            max_memory: "16Gi".into(),
            max_pods: 50,
            max_storage: "100Gi".into(),
            approver,
            default_request_cpu: "100m".into(),
            default_request_memory: "128Mi".into(),
            default_limit_cpu: "1".into(),
            default_limit_memory: "1Gi".into(),
            pod_exec: false,
        }
    }

    fn requestable() -> Vec<Requestable> {
        let decisions = |d: [Decision; 2]| {
            BTreeMap::from([("internal".to_owned(), d[0]), ("restricted".to_owned(), d[1])])
        };
        vec![
            Requestable {
                id: GuardrailId(4),
                label: "Public ingress".into(),
                title: "Public ingress needs approval".into(),
                decisions: decisions([Decision::Allowed, Decision::NeedsApproval]),
            },
            Requestable {
                id: GuardrailId(5),
                label: "Egress to the internet".into(),
                title: "Egress to the internet".into(),
                decisions: decisions([Decision::NeedsApproval, Decision::Blocked]),
            },
        ]
    }

    fn request(tier: &str, options: &[u32]) -> TenantRequest {
        TenantRequest {
            name: "shop".into(),
            team: "group:default/payments".into(),
            environments: vec![TenantEnvironment::Dev],
            tier: tier.into(),
            quotas: Quotas {
                cpu: "4".into(),
                memory: "8Gi".into(),
                pods: 50,
                storage: "20Gi".into(),
            },
            options: options.iter().map(|n| GuardrailId(*n)).collect(),
            justification: None,
            system: None,
        }
    }

    #[test]
    fn allowed_options_on_an_auto_tier_go_through() {
        let r = rule(Approver::Auto);
        let cx = Context {
            rule: Some(&r),
            requestable: &requestable(),
            environments: &[TenantEnvironment::Dev],
        };
        let checked = check(&request("internal", &[4]), &cx).expect("valid");
        assert_eq!(checked.routing.approver, Approver::Auto);
        assert_eq!(checked.options[0].decision, Decision::Allowed);
    }

    #[test]
    fn needs_approval_routes_to_security_and_requires_a_justification() {
        let r = rule(Approver::TeamOwner);
        let cx = Context {
            rule: Some(&r),
            requestable: &requestable(),
            environments: &[TenantEnvironment::Dev],
        };
        let problems = check(&request("internal", &[5]), &cx).expect_err("no justification");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, "justification");
        let mut with = request("internal", &[5]);
        with.justification = Some("calls a partner API".into());
        let checked = check(&with, &cx).expect("valid");
        assert_eq!(checked.routing.approver, Approver::SecurityApprover);
        assert_eq!(checked.routing.reasons.len(), 2, "{:?}", checked.routing.reasons);
    }

    #[test]
    fn blocked_options_and_quotas_above_the_ceiling_are_all_reported() {
        let r = rule(Approver::Auto);
        let cx = Context {
            rule: Some(&r),
            requestable: &requestable(),
            environments: &[TenantEnvironment::Dev],
        };
        let mut bad = request("restricted", &[5, 9]);
        bad.quotas.cpu = "9".into();
        bad.quotas.memory = "lots".into();
        bad.quotas.pods = 51;
        bad.environments.push(TenantEnvironment::Prod);
        let problems = check(&bad, &cx).expect_err("invalid");
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "environments[1]",
                "quotas.cpu",
                "quotas.memory",
                "quotas.pods",
                "options[0]",
                "options[1]"
            ]
        );
        assert!(problems[1].1.contains("at most 8"), "{}", problems[1].1);
        assert!(problems[4].1.contains("GR-005") && problems[4].1.contains("/guardrails/GR-005"));
    }

    #[test]
    fn tier_rules_keep_exec_to_the_lower_tiers_and_defaults_below_limits() {
        let mut r = rule(Approver::Auto);
        assert!(rule_problems(&r, 4).is_empty());
        r.pod_exec = true;
        r.default_request_cpu = "2".into();
        let fields: Vec<String> = rule_problems(&r, 4).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["defaultRequestCpu", "podExec"]);
        assert_eq!(rule_problems(&r, 2).len(), 1);
    }
}
