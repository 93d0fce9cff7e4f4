//! Rating one component against one scorecard, pure: each applicable rule's value and
//! verdict, the level held (the highest whose rules, and those of every lower level,
//! all pass or are exempt) and the optional 0–100 score.

use super::{
    document::Definition,
    facts::{Component, FactValue},
};

/// One rule's verdict for one component.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub rule: String,
    pub value: FactValue,
    pub passed: bool,
    /// Failing, but under an exemption in force: it does not hold the level back.
    pub exempt: bool,
}

/// A component's standing on a scorecard.
#[derive(Debug, Clone, PartialEq)]
pub struct Rating {
    /// `None`: not even the lowest level.
    pub level: Option<String>,
    /// Passed (or exempt) applicable rules ÷ applicable rules × 100, when the
    /// scorecard asks for a score and some rule applies.
    pub score: Option<i16>,
    pub verdicts: Vec<Verdict>,
}

/// Rates `c`, or `None` when the scorecard does not apply to it. `exempt(rule)` says
/// whether an exemption is in force for the component and rule.
pub fn rate(def: &Definition, c: &Component, exempt: impl Fn(&str) -> bool) -> Option<Rating> {
    if !c.selected_by(&def.applies_to) {
        return None;
    }
    let verdicts: Vec<(usize, Verdict)> = def
        .rules
        .iter()
        .filter(|r| c.selected_by(&r.applies_to))
        .map(|r| {
            let value = c.value(&r.fact);
            let passed = value.passes(&r.check);
            (
                def.rank(&r.level).unwrap_or(usize::MAX),
                Verdict {
                    rule: r.id.clone(),
                    exempt: !passed && exempt(&r.id),
                    value,
                    passed,
                },
            )
        })
        .collect();
    let holds = |v: &Verdict| v.passed || v.exempt;
    let mut level = None;
    for (rank, name) in def.levels.iter().enumerate() {
        if verdicts.iter().filter(|(r, _)| *r == rank).all(|(_, v)| holds(v)) {
            level = Some(name.clone());
        } else {
            break;
        }
    }
    let score = (def.score && !verdicts.is_empty()).then(|| {
        let held = verdicts.iter().filter(|(_, v)| holds(v)).count();
        ((held * 100 + verdicts.len() / 2) / verdicts.len()) as i16
    });
    Some(Rating {
        level,
        score,
        verdicts: verdicts.into_iter().map(|(_, v)| v).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scorecards::maturity::{document::read, facts::Dora};

    const CARD: &str = r#"
title: Readiness
score: true
applies_to: {type: service}
rules:
  - {id: owner, title: Owner, level: Bronze, fact: catalog.owner, check: present, rationale: r, remediation: "https://x.example/owner"}
  - {id: runbook, title: Runbook, level: Silver, fact: catalog.runbook, check: present, rationale: r, remediation: "https://x.example/runbook"}
  - {id: weekly, title: Weekly, level: Gold, fact: dora.deploy_days_per_week, check: {at_least: 1}, rationale: r, remediation: "https://x.example/weekly"}
  - {id: prod-only, title: Tier, level: Bronze, fact: catalog.tier, check: present, applies_to: {lifecycle: production}, rationale: r, remediation: "https://x.example/tier"}
"#;

    fn service() -> Component {
        Component {
            spec_type: Some("service".into()),
            lifecycle: Some("experimental".into()),
            owner: Some("group:default/checkout".into()),
            ..Component::default()
        }
    }

    #[test]
    fn the_level_is_the_highest_whose_rules_and_all_lower_ones_pass() {
        let def = read(CARD).expect("reads");
        let mut c = service();
        // Gold passes but Silver fails: Bronze only.
        c.dora.insert(Dora::DeployDaysPerWeek, 3.0);
        let r = rate(&def, &c, |_| false).expect("applies");
        assert_eq!(r.level.as_deref(), Some("Bronze"));
        // prod-only does not apply to an experimental service: 3 rules, 2 pass.
        assert_eq!(r.verdicts.len(), 3);
        assert_eq!(r.score, Some(67));
        // An exemption for the runbook rule lifts it to Gold, and counts in the score.
        let r = rate(&def, &c, |rule| rule == "runbook").expect("applies");
        assert_eq!(r.level.as_deref(), Some("Gold"));
        assert_eq!(r.score, Some(100));
        assert!(
            r.verdicts
                .iter()
                .any(|v| v.rule == "runbook" && !v.passed && v.exempt)
        );
    }

    #[test]
    fn no_level_when_the_lowest_fails_and_none_when_out_of_scope() {
        let def = read(CARD).expect("reads");
        let mut c = service();
        c.owner = None;
        c.readiness.runbook = true;
        c.dora.insert(Dora::DeployDaysPerWeek, 5.0);
        assert_eq!(rate(&def, &c, |_| false).expect("applies").level, None);
        c.spec_type = Some("website".into());
        assert!(rate(&def, &c, |_| false).is_none());
    }
}
