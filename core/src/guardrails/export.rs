//! Guardrails and threats written as the documents [`super::document`] reads, so an
//! export imports unchanged. Strings are written as JSON strings (valid YAML
//! double-quoted scalars, so no word is ever read as a number, a boolean or a date);
//! Markdown bodies as literal blocks when that keeps them byte for byte.

use std::fmt::Write;

use parkway_types::{
    guardrails::{GuardrailId, ThreatId},
    views::guardrails::{GuardrailContent, Implementation, ThreatContent},
};

use super::document::API_VERSION;

fn quoted(s: &str) -> String {
    serde_json::to_string(s).expect("a string always serializes")
}

/// A literal block keeps the text exactly when every line survives YAML's block rules.
fn literal(out: &mut String, indent: &str, text: &str) -> bool {
    let safe = !text.is_empty()
        && !text.starts_with([' ', '\n'])
        && text
            .chars()
            .all(|ch| ch == '\n' || (!ch.is_control() && ch != '\u{feff}'))
        && text
            .split('\n')
            .all(|line| line.is_empty() || !line.trim().is_empty());
    if !safe {
        return false;
    }
    let trailing = text.len() - text.trim_end_matches('\n').len();
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let _ = writeln!(out, "|{chomp}");
    let body = text.trim_end_matches('\n');
    for line in body.split('\n') {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{indent}{line}");
        }
    }
    for _ in 1..trailing {
        out.push('\n');
    }
    true
}

fn field(out: &mut String, key: &str, value: &str) {
    let _ = writeln!(out, "  {key}: {}", quoted(value));
}

fn list(out: &mut String, key: &str, items: impl IntoIterator<Item = String>) {
    let items: Vec<String> = items.into_iter().map(|i| quoted(&i)).collect();
    let _ = writeln!(out, "  {key}: [{}]", items.join(", "));
}

fn block(out: &mut String, key: &str, text: &str) {
    let _ = write!(out, "  {key}: ");
    if !literal(out, "    ", text) {
        let _ = writeln!(out, "{}", quoted(text));
    }
}

fn header(out: &mut String, kind: &str, id: &str, title: &str) {
    if !out.is_empty() {
        out.push_str("---\n");
    }
    let _ = writeln!(out, "apiVersion: {API_VERSION}\nkind: {kind}");
    let _ = writeln!(out, "metadata:\n  id: {id}\n  title: {}\nspec:", quoted(title));
}

/// Appends one guardrail document.
pub fn guardrail(out: &mut String, id: GuardrailId, g: &GuardrailContent) {
    header(out, "Guardrail", &id.to_string(), &g.title);
    field(out, "category", &g.category);
    field(out, "objective", &g.objective);
    field(out, "severity", g.severity.as_str());
    field(out, "behavior", g.behavior.as_str());
    field(out, "guidance", g.guidance.as_str());
    let decisions: Vec<String> = g
        .decisions
        .iter()
        .map(|d| format!("{}: {}", quoted(&d.tier), d.decision.as_str()))
        .collect();
    let _ = writeln!(out, "  decisions: {{{}}}", decisions.join(", "));
    if let Some(label) = &g.requestable {
        let _ = writeln!(out, "  requestable: {{label: {}}}", quoted(label));
    }
    if g.implementations.is_empty() {
        out.push_str("  implementations: []\n");
    } else {
        out.push_str("  implementations:\n");
        for i in &g.implementations {
            let line = match i {
                Implementation::Kyverno { policy, rule } => {
                    let rule = rule
                        .as_ref()
                        .map(|r| format!(", rule: {}", quoted(r)))
                        .unwrap_or_default();
                    format!("{{engine: kyverno, policy: {}{rule}}}", quoted(policy))
                }
                Implementation::Gatekeeper { kind, name } => {
                    format!(
                        "{{engine: gatekeeper, kind: {}, name: {}}}",
                        quoted(kind),
                        quoted(name)
                    )
                }
            };
            let _ = writeln!(out, "    - {line}");
        }
    }
    list(out, "frameworks", g.frameworks.iter().cloned());
    list(out, "threats", g.threats.iter().map(ToString::to_string));
    if let Some(owner) = &g.owner {
        field(out, "owner", owner);
    }
    if let Some(due) = &g.review_due {
        field(out, "reviewDue", due);
    }
    block(out, "body", &g.body);
}

/// Appends one threat document.
pub fn threat(out: &mut String, id: ThreatId, t: &ThreatContent) {
    header(out, "Threat", &id.to_string(), &t.title);
    field(out, "stride", t.stride.as_str());
    field(out, "tactic", t.tactic.as_str());
    let _ = writeln!(out, "  likelihood: {}", t.likelihood);
    let _ = writeln!(out, "  impact: {}", t.impact);
    let _ = writeln!(out, "  residualRisk: {}", t.residual_risk);
    if let Some(component) = &t.component {
        field(out, "component", component);
    }
    if let Some(owner) = &t.owner {
        field(out, "owner", owner);
    }
    field(out, "status", t.status.as_str());
    if let Some(until) = &t.accepted_until {
        field(out, "acceptedUntil", until);
    }
    if let Some(date) = &t.review_date {
        field(out, "reviewDate", date);
    }
    block(out, "description", &t.description);
}
