//! What changed between two guardrail versions: every field but the body compared as a
//! value (named as the YAML document names it), the body word by word. Pure.

use parkway_types::{
    guardrails::Change,
    views::guardrails::{DiffSpan, FieldDiff, GuardrailContent},
};
use similar::{ChangeTag, TextDiff};

/// The fields that differ, in the document's order. Decisions are compared per tier
/// (`decisions.public`), so a reader sees which tier moved.
pub fn fields(before: &GuardrailContent, after: &GuardrailContent) -> Vec<FieldDiff> {
    let mut out = Vec::new();
    let mut field = |name: &str, b: String, a: String| {
        if b != a {
            out.push(FieldDiff {
                field: name.to_owned(),
                before: b,
                after: a,
            });
        }
    };
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    field("title", before.title.clone(), after.title.clone());
    field("category", before.category.clone(), after.category.clone());
    field("objective", before.objective.clone(), after.objective.clone());
    field(
        "severity",
        before.severity.as_str().to_owned(),
        after.severity.as_str().to_owned(),
    );
    field(
        "behavior",
        before.behavior.as_str().to_owned(),
        after.behavior.as_str().to_owned(),
    );
    field(
        "guidance",
        before.guidance.as_str().to_owned(),
        after.guidance.as_str().to_owned(),
    );
    let mut tiers: Vec<&str> = before.decisions.iter().map(|d| d.tier.as_str()).collect();
    for d in &after.decisions {
        if !tiers.contains(&d.tier.as_str()) {
            tiers.push(&d.tier);
        }
    }
    for tier in tiers {
        let word = |c: &GuardrailContent| {
            c.decision(tier)
                .map(|d| d.as_str().to_owned())
                .unwrap_or_default()
        };
        field(&format!("decisions.{tier}"), word(before), word(after));
    }
    field("requestable", opt(&before.requestable), opt(&after.requestable));
    let implementations = |c: &GuardrailContent| {
        c.implementations
            .iter()
            .map(|i| format!("{} {}", i.engine(), i.describe()))
            .collect::<Vec<_>>()
            .join("; ")
    };
    field("implementations", implementations(before), implementations(after));
    field(
        "frameworks",
        before.frameworks.join("; "),
        after.frameworks.join("; "),
    );
    let threats = |c: &GuardrailContent| {
        c.threats
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    field("threats", threats(before), threats(after));
    field("owner", opt(&before.owner), opt(&after.owner));
    field("reviewDue", opt(&before.review_due), opt(&after.review_due));
    out
}

/// The whole body, word by word: runs of unchanged, removed and added text that, read
/// without the added runs, give the old body and without the removed ones the new.
pub fn body(before: &str, after: &str) -> Vec<DiffSpan> {
    let diff = TextDiff::from_words(before, after);
    let mut out: Vec<DiffSpan> = Vec::new();
    for change in diff.iter_all_changes() {
        let kind = match change.tag() {
            ChangeTag::Equal => Change::Same,
            ChangeTag::Insert => Change::Added,
            ChangeTag::Delete => Change::Removed,
        };
        match out.last_mut() {
            Some(last) if last.change == kind => last.text.push_str(change.value()),
            _ => out.push(DiffSpan {
                change: kind,
                text: change.value().to_owned(),
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use parkway_types::{
        guardrails::{Behavior, Decision, Guidance, Severity, ThreatId},
        views::guardrails::{Implementation, TierDecision},
    };
    use proptest::prelude::*;

    use super::*;

    fn content() -> GuardrailContent {
        GuardrailContent {
            title: "No privileged containers".into(),
            objective: "Containers never run privileged.".into(),
            body: "## Why\nA privileged container can take over its node.\n".into(),
            category: "secure-defaults".into(),
            severity: Severity::Critical,
            behavior: Behavior::Preventive,
            guidance: Guidance::Mandatory,
            decisions: ["public", "internal"]
                .map(|t| TierDecision {
                    tier: t.into(),
                    decision: Decision::Blocked,
                })
                .to_vec(),
            requestable: None,
            implementations: vec![Implementation::Kyverno {
                policy: "restrict-privileged".into(),
                rule: None,
            }],
            frameworks: vec!["NSA-CISA pod security".into()],
            threats: vec![ThreatId(1)],
            owner: Some("group:default/platform".into()),
            review_due: None,
        }
    }

    fn side(spans: &[DiffSpan], skip: Change) -> String {
        spans
            .iter()
            .filter(|s| s.change != skip)
            .map(|s| s.text.as_str())
            .collect()
    }

    #[test]
    fn identical_versions_differ_in_nothing() {
        let c = content();
        assert!(fields(&c, &c).is_empty());
        let spans = body(&c.body, &c.body);
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].change, Change::Same);
    }

    #[test]
    fn fields_are_named_as_the_document_names_them() {
        let before = content();
        let mut after = content();
        after.decisions[1].decision = Decision::NeedsApproval;
        after.review_due = Some("2027-06-30".into());
        after.implementations.push(Implementation::Gatekeeper {
            kind: "K8sPSPPrivilegedContainer".into(),
            name: "psp".into(),
        });
        after.requestable = Some("Privileged pods".into());
        let got = fields(&before, &after);
        let names: Vec<&str> = got.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            names,
            [
                "decisions.internal",
                "requestable",
                "implementations",
                "reviewDue"
            ]
        );
        assert_eq!(got[0].before, "blocked");
        assert_eq!(got[0].after, "needs-approval");
        assert_eq!(got[1].before, "");
        assert_eq!(
            got[2].after,
            "kyverno restrict-privileged; gatekeeper K8sPSPPrivilegedContainer / psp"
        );
    }

    #[test]
    fn a_tier_only_one_side_has_shows_as_empty_on_the_other() {
        let before = content();
        let mut after = content();
        after.decisions.push(TierDecision {
            tier: "restricted".into(),
            decision: Decision::Allowed,
        });
        let got = fields(&before, &after);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].field, "decisions.restricted");
        assert_eq!((got[0].before.as_str(), got[0].after.as_str()), ("", "allowed"));
    }

    #[test]
    fn the_body_diff_marks_words_not_lines() {
        let spans = body(
            "A privileged container can take over its node.",
            "A privileged container can easily take over the node.",
        );
        let added: Vec<&str> = spans
            .iter()
            .filter(|s| s.change == Change::Added)
            .map(|s| s.text.trim())
            .collect();
        let removed: Vec<&str> = spans
            .iter()
            .filter(|s| s.change == Change::Removed)
            .map(|s| s.text.trim())
            .collect();
        assert_eq!(added, ["easily", "the"]);
        assert_eq!(removed, ["its"]);
    }

    proptest! {
        #[test]
        fn each_side_reads_back_exactly(before in "[a-c \n]{0,40}", after in "[a-c \n]{0,40}") {
            let spans = body(&before, &after);
            prop_assert_eq!(side(&spans, Change::Added), before);
            prop_assert_eq!(side(&spans, Change::Removed), after);
            prop_assert!(spans.windows(2).all(|w| w[0].change != w[1].change));
        }
    }
}
