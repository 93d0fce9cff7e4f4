//! Guardrail and threat documents (`apiVersion: parkway.dev/v1`), read from YAML with
//! the position of every problem. Pure: what the database knows (tiers, categories,
//! existing threats) comes in as [`Known`], and references between documents of one
//! file are resolved by [`check_references`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use parkway_types::{
    EntityKind, EntityRef, Problem,
    guardrails::{GuardrailId, NotOneOf, ThreatId, ThreatStatus},
    views::guardrails::{GuardrailContent, Implementation, ThreatContent, TierDecision},
};

use crate::catalog::{
    model::DEFAULT_NAMESPACE,
    yaml::{Checker, Node, NodeValue, Pos},
};

pub const API_VERSION: &str = "parkway.dev/v1";

/// What the database knows that a document is checked against.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// Risk tiers, in their order.
    pub tiers: Vec<String>,
    pub categories: BTreeSet<String>,
    /// Threats already in the register.
    pub threats: BTreeSet<ThreatId>,
}

/// One valid document.
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    Guardrail {
        id: GuardrailId,
        content: GuardrailContent,
        /// Where each threat reference is written, for problems found later.
        threat_positions: Vec<Pos>,
    },
    Threat {
        id: ThreatId,
        content: ThreatContent,
    },
}

/// Reads every document of a file; all problems are collected, sorted by position.
pub fn read(docs: &[Node], known: &Known) -> Result<Vec<Document>, Vec<Problem>> {
    let mut c = Checker::default();
    let mut out = Vec::new();
    let mut guardrail_ids: BTreeMap<GuardrailId, Pos> = BTreeMap::new();
    let mut threat_ids: BTreeMap<ThreatId, Pos> = BTreeMap::new();
    for doc in docs {
        if doc.is_null() {
            continue;
        }
        let before = c.problems.len();
        if let Some(read) = document(&mut c, doc, known) {
            let (pos, dup) = match &read {
                Document::Guardrail { id, .. } => {
                    let pos = id_pos(doc);
                    (
                        pos,
                        guardrail_ids
                            .insert(*id, pos)
                            .map(|first| (id.to_string(), first)),
                    )
                }
                Document::Threat { id, .. } => {
                    let pos = id_pos(doc);
                    (
                        pos,
                        threat_ids.insert(*id, pos).map(|first| (id.to_string(), first)),
                    )
                }
            };
            if let Some((id, first)) = dup {
                c.problem(
                    pos,
                    "metadata.id",
                    format!("`{id}` appears twice in this file (first at line {})", first.line),
                );
            } else if c.problems.len() == before {
                out.push(read);
            }
        }
    }
    check_references(&mut c, &out, known, &threat_ids);
    if c.problems.is_empty() {
        Ok(out)
    } else {
        c.problems.sort();
        Err(c.problems)
    }
}

/// The browser editor's text: exactly one guardrail document, and when `editing` names
/// a guardrail, that one (the editor cannot rename or copy). Problems carry positions
/// exactly as an import's do.
pub fn one_guardrail(
    docs: &[Node],
    known: &Known,
    editing: Option<GuardrailId>,
) -> Result<(GuardrailId, GuardrailContent), Vec<Problem>> {
    let present: Vec<&Node> = docs.iter().filter(|d| !d.is_null()).collect();
    let mut c = Checker::default();
    match present.as_slice() {
        [] => c.problem(
            Pos { line: 1, column: 1 },
            "(document)",
            "there is no document: write one `Guardrail` document",
        ),
        [doc] => {
            if let Some(kind) = doc.get("kind")
                && kind.as_str().is_some_and(|k| k != "Guardrail")
            {
                c.problem(
                    kind.pos,
                    "kind",
                    "the editor saves one `Guardrail` document; import threats with `parkway guardrails import` or POST /api/v1/guardrails/import",
                );
            }
        }
        [_, second, ..] => c.problem(
            second.start(),
            "(document)",
            "the editor saves one `Guardrail` document; this is another (import several at once with POST /api/v1/guardrails/import)",
        ),
    }
    if !c.problems.is_empty() {
        return Err(c.problems);
    }
    let doc = present[0];
    match read(docs, known)?.pop() {
        Some(Document::Guardrail { id, content, .. }) => match editing {
            Some(editing) if editing != id => {
                c.problem(
                    id_pos(doc),
                    "metadata.id",
                    format!("this editor edits `{editing}`; write `{editing}` here (start a new guardrail to make another)"),
                );
                Err(c.problems)
            }
            _ => Ok((id, content)),
        },
        _ => {
            c.problem(doc.start(), "kind", "expected a `Guardrail` document");
            Err(c.problems)
        }
    }
}

/// The ids of the threat documents among `docs`, valid or not otherwise: guardrails in
/// other files of the same import may name them.
pub fn threat_ids(docs: &[Node]) -> impl Iterator<Item = ThreatId> + '_ {
    docs.iter()
        .filter(|d| d.get("kind").and_then(Node::as_str) == Some("Threat"))
        .filter_map(|d| d.get("metadata")?.get("id")?.as_str()?.parse().ok())
}

fn id_pos(doc: &Node) -> Pos {
    doc.get("metadata")
        .and_then(|m| m.get("id"))
        .map_or_else(|| doc.start(), |n| n.pos)
}

/// Every threat a guardrail names exists, in the register or in the same file.
fn check_references(c: &mut Checker, docs: &[Document], known: &Known, in_file: &BTreeMap<ThreatId, Pos>) {
    for doc in docs {
        if let Document::Guardrail {
            content,
            threat_positions,
            ..
        } = doc
        {
            for (i, (threat, pos)) in content.threats.iter().zip(threat_positions).enumerate() {
                if !known.threats.contains(threat) && !in_file.contains_key(threat) {
                    c.problem(
                        *pos,
                        &format!("spec.threats[{i}]"),
                        format!("unknown threat `{threat}`: not in the register and not in this file"),
                    );
                }
            }
        }
    }
}

fn document(c: &mut Checker, doc: &Node, known: &Known) -> Option<Document> {
    if !matches!(doc.value, NodeValue::Map(_)) {
        c.problem(
            doc.pos,
            "(document)",
            format!("expected a mapping, found {}", doc.describe()),
        );
        return None;
    }
    match doc.get("apiVersion") {
        None => c.problem(doc.start(), "apiVersion", "required"),
        Some(node) => {
            if let Some(v) = c.string(node, "apiVersion")
                && v != API_VERSION
            {
                c.problem(
                    node.pos,
                    "apiVersion",
                    format!("`{v}` is not supported: expected `{API_VERSION}`"),
                );
            }
        }
    }
    let Some(kind_node) = doc.get("kind") else {
        c.problem(doc.start(), "kind", "required");
        return None;
    };
    let kind = c.string(kind_node, "kind")?;
    let meta = required_map(c, doc, "metadata", "metadata")?;
    let title = required_string(c, meta, "title", "metadata.title");
    let id_node = meta.get("id");
    let spec = required_map(c, doc, "spec", "spec");
    match kind {
        "Guardrail" => {
            let id = id_of::<GuardrailId>(c, meta, id_node);
            let (content, threat_positions) = guardrail(c, spec?, title?, known)?;
            Some(Document::Guardrail {
                id: id?,
                content,
                threat_positions,
            })
        }
        "Threat" => {
            let id = id_of::<ThreatId>(c, meta, id_node);
            let content = threat(c, spec?, title?)?;
            Some(Document::Threat { id: id?, content })
        }
        other => {
            c.problem(
                kind_node.pos,
                "kind",
                format!("`{other}` is not a kind Parkway reads here: expected `Guardrail` or `Threat`"),
            );
            None
        }
    }
}

fn id_of<T: std::str::FromStr>(c: &mut Checker, meta: &Node, node: Option<&Node>) -> Option<T>
where
    T::Err: std::fmt::Display,
{
    let Some(node) = node else {
        c.problem(meta.start(), "metadata.id", "required");
        return None;
    };
    let text = c.string(node, "metadata.id")?;
    match text.parse() {
        Ok(id) => Some(id),
        Err(e) => {
            c.problem(node.pos, "metadata.id", e.to_string());
            None
        }
    }
}

fn required_map<'a>(c: &mut Checker, parent: &'a Node, key: &str, field: &str) -> Option<&'a Node> {
    let Some(node) = parent.get(key) else {
        c.problem(parent.start(), field, "required");
        return None;
    };
    if matches!(node.value, NodeValue::Map(_)) {
        Some(node)
    } else {
        c.problem(
            node.pos,
            field,
            format!("expected a mapping, found {}", node.describe()),
        );
        None
    }
}

fn required_string(c: &mut Checker, parent: &Node, key: &str, field: &str) -> Option<String> {
    let Some(node) = parent.get(key) else {
        c.problem(
            parent.key_pos(key).unwrap_or_else(|| parent.start()),
            field,
            "required",
        );
        return None;
    };
    let text = c.string(node, field)?;
    if text.trim().is_empty() {
        c.problem(node.pos, field, "must not be blank");
        return None;
    }
    Some(text.to_owned())
}

/// A word from a closed set.
fn one_of<T: std::str::FromStr<Err = NotOneOf>>(
    c: &mut Checker,
    parent: &Node,
    key: &str,
    field: &str,
) -> Option<T> {
    let Some(node) = parent.get(key) else {
        c.problem(parent.start(), field, "required");
        return None;
    };
    let text = c.string(node, field)?;
    match text.parse() {
        Ok(v) => Some(v),
        Err(e) => {
            c.problem(node.pos, field, e.to_string());
            None
        }
    }
}

fn optional_date(c: &mut Checker, parent: &Node, key: &str, field: &str) -> Option<String> {
    let node = parent.get(key).filter(|n| !n.is_null())?;
    let text = c.string(node, field)?;
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(date) => Some(date.format("%Y-%m-%d").to_string()),
        Err(_) => {
            c.problem(
                node.pos,
                field,
                format!("`{text}` is not a date: expected YYYY-MM-DD"),
            );
            None
        }
    }
}

fn optional_ref(
    c: &mut Checker,
    parent: &Node,
    key: &str,
    field: &str,
    default_kind: EntityKind,
) -> Option<String> {
    let node = parent.get(key).filter(|n| !n.is_null())?;
    let text = c.string(node, field)?;
    match EntityRef::parse(text, Some(default_kind), DEFAULT_NAMESPACE) {
        Ok(r) => Some(r.to_string()),
        Err(e) => {
            c.problem(node.pos, field, e.to_string());
            None
        }
    }
}

/// An integer between `min` and `max`.
fn number(c: &mut Checker, parent: &Node, key: &str, field: &str, min: u8, max: u8) -> Option<u8> {
    let Some(node) = parent.get(key) else {
        c.problem(parent.start(), field, "required");
        return None;
    };
    let n = match &node.value {
        NodeValue::Scalar(text, false) => text.parse::<i64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if (i64::from(min)..=i64::from(max)).contains(&n) => u8::try_from(n).ok(),
        Some(n) => {
            c.problem(
                node.pos,
                field,
                format!("{n} is out of range: expected {min} to {max}"),
            );
            None
        }
        None => {
            c.problem(
                node.pos,
                field,
                format!(
                    "expected a whole number from {min} to {max}, found {}",
                    node.describe()
                ),
            );
            None
        }
    }
}

fn strings(c: &mut Checker, parent: &Node, key: &str, field: &str) -> Vec<(String, Pos)> {
    let Some(node) = parent.get(key).filter(|n| !n.is_null()) else {
        return Vec::new();
    };
    c.list(node, field)
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            c.string(item, &format!("{field}[{i}]"))
                .map(|s| (s.to_owned(), item.pos))
        })
        .collect()
}

/// Known keys only: a misspelt optional field must not vanish silently.
fn only_keys(c: &mut Checker, node: &Node, field: &str, allowed: &[&str]) {
    if let NodeValue::Map(entries) = &node.value {
        for (key, pos, _) in entries {
            if !allowed.contains(&key.as_str()) {
                c.problem(
                    *pos,
                    &format!("{field}.{key}"),
                    format!("unknown field: expected one of {}", allowed.join(", ")),
                );
            }
        }
    }
}

const GUARDRAIL_FIELDS: &[&str] = &[
    "category",
    "objective",
    "severity",
    "behavior",
    "guidance",
    "decisions",
    "requestable",
    "implementations",
    "frameworks",
    "threats",
    "owner",
    "reviewDue",
    "body",
];

fn guardrail(
    c: &mut Checker,
    spec: &Node,
    title: String,
    known: &Known,
) -> Option<(GuardrailContent, Vec<Pos>)> {
    only_keys(c, spec, "spec", GUARDRAIL_FIELDS);
    let category = required_string(c, spec, "category", "spec.category").and_then(|cat| {
        if known.categories.contains(&cat) {
            Some(cat)
        } else {
            let pos = spec.get("category").map_or(spec.pos, |n| n.pos);
            let list = known
                .categories
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            c.problem(
                pos,
                "spec.category",
                format!("unknown category `{cat}`: expected one of {list}"),
            );
            None
        }
    });
    let objective = required_string(c, spec, "objective", "spec.objective");
    let severity = one_of(c, spec, "severity", "spec.severity");
    let behavior = one_of(c, spec, "behavior", "spec.behavior");
    let guidance = one_of(c, spec, "guidance", "spec.guidance");
    let decisions = decisions(c, spec, known);
    let requestable = spec.get("requestable").filter(|n| !n.is_null()).and_then(|node| {
        if !matches!(node.value, NodeValue::Map(_)) {
            c.problem(
                node.pos,
                "spec.requestable",
                format!("expected a mapping with `label`, found {}", node.describe()),
            );
            return None;
        }
        only_keys(c, node, "spec.requestable", &["label"]);
        required_string(c, node, "label", "spec.requestable.label")
    });
    let implementations = implementations(c, spec);
    let frameworks = strings(c, spec, "frameworks", "spec.frameworks")
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    let mut threats = Vec::new();
    let mut threat_positions = Vec::new();
    for (i, (text, pos)) in strings(c, spec, "threats", "spec.threats")
        .into_iter()
        .enumerate()
    {
        match text.parse::<ThreatId>() {
            Ok(id) if threats.contains(&id) => {
                c.problem(
                    pos,
                    &format!("spec.threats[{i}]"),
                    format!("`{id}` is listed twice"),
                );
            }
            Ok(id) => {
                threats.push(id);
                threat_positions.push(pos);
            }
            Err(e) => c.problem(pos, &format!("spec.threats[{i}]"), e.to_string()),
        }
    }
    let owner = optional_ref(c, spec, "owner", "spec.owner", EntityKind::Group);
    let review_due = optional_date(c, spec, "reviewDue", "spec.reviewDue");
    let body = match spec.get("body").filter(|n| !n.is_null()) {
        Some(node) => c.string(node, "spec.body").map(str::to_owned),
        None => Some(String::new()),
    };
    Some((
        GuardrailContent {
            title,
            objective: objective?,
            body: body?,
            category: category?,
            severity: severity?,
            behavior: behavior?,
            guidance: guidance?,
            decisions: decisions?,
            requestable,
            implementations: implementations?,
            frameworks,
            threats,
            owner,
            review_due,
        },
        threat_positions,
    ))
}

/// One decision for every tier, no tier the platform does not have.
fn decisions(c: &mut Checker, spec: &Node, known: &Known) -> Option<Vec<TierDecision>> {
    let node = required_map(c, spec, "decisions", "spec.decisions")?;
    let NodeValue::Map(entries) = &node.value else {
        return None;
    };
    let before = c.problems.len();
    let mut given = BTreeMap::new();
    for (tier, pos, value) in entries {
        let field = format!("spec.decisions.{tier}");
        if !known.tiers.contains(tier) {
            let list = known
                .tiers
                .iter()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(", ");
            c.problem(
                *pos,
                &field,
                format!("unknown tier `{tier}`: expected one of {list}"),
            );
            continue;
        }
        if let Some(text) = c.string(value, &field) {
            match text.parse() {
                Ok(d) => {
                    given.insert(tier.clone(), d);
                }
                Err(e) => c.problem(value.pos, &field, NotOneOf::to_string(&e)),
            }
        }
    }
    for tier in &known.tiers {
        if !entries.iter().any(|(k, _, _)| k == tier) {
            c.problem(
                node.start(),
                &format!("spec.decisions.{tier}"),
                "required: every tier needs a decision",
            );
        }
    }
    (c.problems.len() == before).then(|| {
        known
            .tiers
            .iter()
            .filter_map(|t| {
                given.get(t).map(|d| TierDecision {
                    tier: t.clone(),
                    decision: *d,
                })
            })
            .collect()
    })
}

fn implementations(c: &mut Checker, spec: &Node) -> Option<Vec<Implementation>> {
    let Some(node) = spec.get("implementations").filter(|n| !n.is_null()) else {
        return Some(Vec::new());
    };
    let before = c.problems.len();
    let mut out = Vec::new();
    for (i, item) in c.list(node, "spec.implementations").iter().enumerate() {
        let field = format!("spec.implementations[{i}]");
        if !matches!(item.value, NodeValue::Map(_)) {
            c.problem(
                item.pos,
                &field,
                format!("expected a mapping, found {}", item.describe()),
            );
            continue;
        }
        let engine =
            one_of::<parkway_types::guardrails::Engine>(c, item, "engine", &format!("{field}.engine"));
        let implementation = match engine {
            Some(parkway_types::guardrails::Engine::Kyverno) => {
                only_keys(c, item, &field, &["engine", "policy", "rule"]);
                let policy = required_string(c, item, "policy", &format!("{field}.policy"));
                let rule = c.optional_string(item, "rule", &format!("{field}.rule"));
                policy.map(|policy| Implementation::Kyverno { policy, rule })
            }
            Some(parkway_types::guardrails::Engine::Gatekeeper) => {
                only_keys(c, item, &field, &["engine", "kind", "name"]);
                let kind = required_string(c, item, "kind", &format!("{field}.kind"));
                let name = required_string(c, item, "name", &format!("{field}.name"));
                kind.zip(name)
                    .map(|(kind, name)| Implementation::Gatekeeper { kind, name })
            }
            None => None,
        };
        if let Some(implementation) = implementation {
            if out.contains(&implementation) {
                c.problem(item.pos, &field, "listed twice");
            } else {
                out.push(implementation);
            }
        }
    }
    (c.problems.len() == before).then_some(out)
}

const THREAT_FIELDS: &[&str] = &[
    "stride",
    "tactic",
    "likelihood",
    "impact",
    "residualRisk",
    "component",
    "owner",
    "status",
    "acceptedUntil",
    "reviewDate",
    "description",
];

fn threat(c: &mut Checker, spec: &Node, title: String) -> Option<ThreatContent> {
    only_keys(c, spec, "spec", THREAT_FIELDS);
    let stride = one_of(c, spec, "stride", "spec.stride");
    let tactic = one_of(c, spec, "tactic", "spec.tactic");
    let likelihood = number(c, spec, "likelihood", "spec.likelihood", 1, 5);
    let impact = number(c, spec, "impact", "spec.impact", 1, 5);
    let residual_risk = number(c, spec, "residualRisk", "spec.residualRisk", 0, 25);
    let component = optional_ref(c, spec, "component", "spec.component", EntityKind::Component);
    let owner = optional_ref(c, spec, "owner", "spec.owner", EntityKind::Group);
    let status: Option<ThreatStatus> = one_of(c, spec, "status", "spec.status");
    let accepted_until = optional_date(c, spec, "acceptedUntil", "spec.acceptedUntil");
    if status == Some(ThreatStatus::Accepted)
        && accepted_until.is_none()
        && spec.get("acceptedUntil").is_none()
    {
        c.problem(
            spec.get("status").map_or(spec.pos, |n| n.pos),
            "spec.acceptedUntil",
            "required when status is `accepted`: an accepted risk has an expiry date",
        );
    }
    let review_date = optional_date(c, spec, "reviewDate", "spec.reviewDate");
    let description = match spec.get("description").filter(|n| !n.is_null()) {
        Some(node) => c.string(node, "spec.description").map(str::to_owned),
        None => Some(String::new()),
    };
    Some(ThreatContent {
        title,
        description: description?,
        component,
        stride: stride?,
        tactic: tactic?,
        likelihood: likelihood?,
        impact: impact?,
        residual_risk: residual_risk?,
        owner,
        status: status?,
        accepted_until,
        review_date,
    })
}
