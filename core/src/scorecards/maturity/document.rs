//! A maturity scorecard as a CoE editor writes it (YAML or JSON), checked whole: every
//! problem is reported with the field it is at, and nothing is saved unless there
//! are none.
//!
//! ```yaml
//! title: Production readiness
//! levels: [Bronze, Silver, Gold]      # optional; this is the default, lowest first
//! score: true                         # optional: a 0–100 score beside the level
//! applies_to: {type: service}         # optional: which components it rates
//! rules:
//!   - id: owner
//!     title: Has an owning team
//!     level: Bronze
//!     fact: catalog.owner
//!     check: present
//!     rationale: Someone must answer for it at 3 a.m.
//!     remediation: https://wiki.example.com/catalog#owner
//!   - id: deploys-weekly
//!     title: Deploys to production at least weekly
//!     level: Gold
//!     fact: dora.deploy_days_per_week
//!     check: {at_least: 1}
//!     applies_to: {lifecycle: production}
//!     rationale: Small batches fail less.
//!     remediation: https://wiki.example.com/delivery
//! ```

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::facts::{Fact, FactKind};

/// Levels when a scorecard names none: lowest first.
pub const DEFAULT_LEVELS: [&str; 3] = ["Bronze", "Silver", "Gold"];

/// At most this many rules in one scorecard.
pub const MAX_RULES: usize = 100;

/// What a rule asks of a fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// The fact has a value (a non-empty text or list, `true`, any number).
    Present,
    Equals(String),
    OneOf(Vec<String>),
    /// A list fact (tags) holds this value.
    Contains(String),
    AtLeast(f64),
    AtMost(f64),
}

impl Check {
    /// How the check reads on a page: "present", "≥ 3", "one of production, beta".
    pub fn words(&self) -> String {
        match self {
            Check::Present => "present".to_owned(),
            Check::Equals(v) => format!("= {v}"),
            Check::OneOf(v) => format!("one of {}", v.join(", ")),
            Check::Contains(v) => format!("contains {v}"),
            Check::AtLeast(n) => format!("≥ {n}"),
            Check::AtMost(n) => format!("≤ {n}"),
        }
    }
}

/// Which components a scorecard or a rule applies to: each attribute named must
/// match one of its values (all of them when empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliesTo {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", flatten)]
    pub attributes: BTreeMap<Attribute, Vec<String>>,
}

/// The component attributes an applies-to filter can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attribute {
    Type,
    Lifecycle,
    /// The `tier` label.
    Tier,
    /// The owning team (name or `group:` ref).
    Owner,
    /// The business unit (name or `group:` ref).
    BusinessUnit,
    System,
    /// Any of the component's tags.
    Tags,
}

impl Attribute {
    const ALL: [(&'static str, Attribute); 7] = [
        ("type", Attribute::Type),
        ("lifecycle", Attribute::Lifecycle),
        ("tier", Attribute::Tier),
        ("owner", Attribute::Owner),
        ("business_unit", Attribute::BusinessUnit),
        ("system", Attribute::System),
        ("tags", Attribute::Tags),
    ];

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, a)| *a == self)
            .map(|(s, _)| *s)
            .unwrap_or_default()
    }
}

impl AppliesTo {
    pub fn is_everything(&self) -> bool {
        self.attributes.is_empty()
    }

    /// "type: service · lifecycle: production", or "every component".
    pub fn words(&self) -> String {
        if self.is_everything() {
            return "every component".to_owned();
        }
        self.attributes
            .iter()
            .map(|(a, v)| format!("{}: {}", a.as_str(), v.join(", ")))
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// One rule of a scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub level: String,
    pub fact: Fact,
    pub check: Check,
    #[serde(default, skip_serializing_if = "AppliesTo::is_everything")]
    pub applies_to: AppliesTo,
    pub rationale: String,
    pub remediation: String,
}

/// A checked scorecard: what is stored and evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Definition {
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Lowest first.
    pub levels: Vec<String>,
    #[serde(default)]
    pub score: bool,
    #[serde(default, skip_serializing_if = "AppliesTo::is_everything")]
    pub applies_to: AppliesTo,
    pub rules: Vec<Rule>,
}

impl Definition {
    /// A level's rank (0 = lowest).
    pub fn rank(&self, level: &str) -> Option<usize> {
        self.levels.iter().position(|l| l == level)
    }
}

/// A scorecard's id: lower-case letters, digits and `-`, 1 to 63.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 63
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

/// Collects problems as (field, reason).
#[derive(Default)]
struct Problems(Vec<(String, String)>);

impl Problems {
    fn add(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.0.push((field.into(), reason.into()));
    }
}

fn text(
    p: &mut Problems,
    parent: &serde_json::Map<String, Value>,
    key: &str,
    field: &str,
    required: bool,
) -> Option<String> {
    match parent.get(key) {
        None | Some(Value::Null) => {
            if required {
                p.add(field, "required");
            }
            None
        }
        Some(Value::String(s)) if s.trim().is_empty() => {
            if required {
                p.add(field, "must not be empty");
            }
            None
        }
        Some(Value::String(s)) if s.chars().count() > 2_000 => {
            p.add(field, "at most 2,000 characters");
            None
        }
        Some(Value::String(s)) => Some(s.trim().to_owned()),
        Some(other) => {
            p.add(field, format!("expected text, found {}", kind_of(other)));
            None
        }
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn strings(p: &mut Problems, v: &Value, field: &str) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| match item {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                other => {
                    p.add(
                        format!("{field}[{i}]"),
                        format!("expected text, found {}", kind_of(other)),
                    );
                    None
                }
            })
            .collect(),
        other => {
            p.add(
                field,
                format!("expected text or a list of text, found {}", kind_of(other)),
            );
            Vec::new()
        }
    }
}

fn applies_to(p: &mut Problems, v: Option<&Value>, field: &str) -> AppliesTo {
    let mut out = AppliesTo::default();
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return out;
    };
    let Value::Object(map) = v else {
        p.add(
            field,
            format!(
                "expected a mapping such as {{type: service}}, found {}",
                kind_of(v)
            ),
        );
        return out;
    };
    for (key, value) in map {
        let Some((_, attribute)) = Attribute::ALL.iter().find(|(name, _)| name == key) else {
            p.add(
                format!("{field}.{key}"),
                format!(
                    "unknown attribute: expected one of {}",
                    Attribute::ALL.map(|(n, _)| n).join(", ")
                ),
            );
            continue;
        };
        let values = strings(p, value, &format!("{field}.{key}"));
        if values.is_empty() {
            p.add(format!("{field}.{key}"), "name at least one value");
            continue;
        }
        out.attributes.insert(*attribute, values);
    }
    out
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64().filter(|n| n.is_finite())
}

fn check(p: &mut Problems, v: Option<&Value>, field: &str, kind: Option<FactKind>) -> Option<Check> {
    let expected = "expected `present`, or one of {equals: …}, {one_of: […]}, {contains: …}, {at_least: n}, {at_most: n}";
    let parsed = match v {
        None | Some(Value::Null) => {
            p.add(field, "required");
            return None;
        }
        Some(Value::String(s)) if s == "present" => Check::Present,
        Some(Value::Object(map)) if map.len() == 1 => {
            let (key, value) = map.iter().next()?;
            let inner = format!("{field}.{key}");
            match key.as_str() {
                "equals" | "contains" => match value {
                    Value::String(s) => {
                        if key == "equals" {
                            Check::Equals(s.clone())
                        } else {
                            Check::Contains(s.clone())
                        }
                    }
                    other => {
                        p.add(inner, format!("expected text, found {}", kind_of(other)));
                        return None;
                    }
                },
                "one_of" => {
                    let values = strings(p, value, &inner);
                    if values.is_empty() {
                        p.add(inner, "name at least one value");
                        return None;
                    }
                    Check::OneOf(values)
                }
                "at_least" | "at_most" => match number(value) {
                    Some(n) if key == "at_least" => Check::AtLeast(n),
                    Some(n) => Check::AtMost(n),
                    None => {
                        p.add(inner, format!("expected a number, found {}", kind_of(value)));
                        return None;
                    }
                },
                _ => {
                    p.add(field, expected);
                    return None;
                }
            }
        }
        Some(_) => {
            p.add(field, expected);
            return None;
        }
    };
    if let Some(kind) = kind
        && !kind.accepts(&parsed)
    {
        p.add(
            field,
            format!(
                "`{}` cannot be checked against {}: {}",
                parsed.words(),
                kind.words(),
                kind.checks()
            ),
        );
        return None;
    }
    Some(parsed)
}

fn remediation(p: &mut Problems, v: Option<String>, field: &str) -> Option<String> {
    let v = v?;
    let host = v
        .strip_prefix("https://")
        .or_else(|| v.strip_prefix("http://"))
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default();
    match host {
        h if !h.is_empty() && !v.chars().any(char::is_whitespace) => Some(v),
        _ => {
            p.add(field, "expected an http(s) link to what to do");
            None
        }
    }
}

/// Reads and checks a scorecard from YAML or JSON text (JSON is YAML).
pub fn read(source: &str) -> Result<Definition, Vec<(String, String)>> {
    let value: Value = match serde_yaml::from_str(source) {
        Ok(v) => v,
        Err(e) => {
            let at = e
                .location()
                .map(|l| format!(" (line {}, column {})", l.line(), l.column()))
                .unwrap_or_default();
            return Err(vec![(
                "document".into(),
                format!("not valid YAML or JSON{at}: {e}"),
            )]);
        }
    };
    check_document(&value)
}

/// Checks a parsed document; every problem is reported.
pub fn check_document(value: &Value) -> Result<Definition, Vec<(String, String)>> {
    let mut p = Problems::default();
    let Value::Object(doc) = value else {
        return Err(vec![(
            "document".into(),
            format!("expected a mapping, found {}", kind_of(value)),
        )]);
    };
    const KNOWN: [&str; 6] = ["title", "description", "levels", "score", "applies_to", "rules"];
    for key in doc.keys() {
        if !KNOWN.contains(&key.as_str()) {
            p.add(
                key.clone(),
                format!("unknown field: expected one of {}", KNOWN.join(", ")),
            );
        }
    }
    let title = text(&mut p, doc, "title", "title", true);
    let description = text(&mut p, doc, "description", "description", false).unwrap_or_default();
    let levels: Vec<String> = match doc.get("levels") {
        None | Some(Value::Null) => DEFAULT_LEVELS.map(str::to_owned).to_vec(),
        Some(v) => {
            let levels = strings(&mut p, v, "levels");
            let unique: BTreeSet<&String> = levels.iter().collect();
            if levels.is_empty() || levels.len() > 10 {
                p.add("levels", "name 1 to 10 levels, lowest first");
            } else if unique.len() != levels.len() {
                p.add("levels", "each level once");
            } else if levels
                .iter()
                .any(|l| l.trim().is_empty() || l.chars().count() > 40)
            {
                p.add("levels", "each level a name of 1 to 40 characters");
            }
            levels
        }
    };
    let score = match doc.get("score") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            p.add(
                "score",
                format!("expected true or false, found {}", kind_of(other)),
            );
            false
        }
    };
    let scope = applies_to(&mut p, doc.get("applies_to"), "applies_to");
    let mut rules = Vec::new();
    match doc.get("rules") {
        Some(Value::Array(items)) if !items.is_empty() => {
            if items.len() > MAX_RULES {
                p.add("rules", format!("at most {MAX_RULES} rules"));
            }
            let mut ids = BTreeSet::new();
            for (i, item) in items.iter().enumerate() {
                let at = format!("rules[{i}]");
                let Value::Object(r) = item else {
                    p.add(at, format!("expected a mapping, found {}", kind_of(item)));
                    continue;
                };
                const RULE_KNOWN: [&str; 8] = [
                    "id",
                    "title",
                    "level",
                    "fact",
                    "check",
                    "applies_to",
                    "rationale",
                    "remediation",
                ];
                for key in r.keys() {
                    if !RULE_KNOWN.contains(&key.as_str()) {
                        p.add(
                            format!("{at}.{key}"),
                            format!("unknown field: expected one of {}", RULE_KNOWN.join(", ")),
                        );
                    }
                }
                let id = text(&mut p, r, "id", &format!("{at}.id"), true);
                if let Some(id) = &id {
                    if !valid_id(id) {
                        p.add(format!("{at}.id"), "lower-case letters, digits and `-`, 1 to 63");
                    } else if !ids.insert(id.clone()) {
                        p.add(format!("{at}.id"), format!("`{id}` names an earlier rule too"));
                    }
                }
                let title = text(&mut p, r, "title", &format!("{at}.title"), true);
                let level = text(&mut p, r, "level", &format!("{at}.level"), true);
                if let Some(l) = &level
                    && !levels.contains(l)
                {
                    p.add(
                        format!("{at}.level"),
                        format!("`{l}` is not a level of this scorecard: {}", levels.join(", ")),
                    );
                }
                let fact = text(&mut p, r, "fact", &format!("{at}.fact"), true)
                    .and_then(|f| f.parse::<Fact>().map_err(|e| p.add(format!("{at}.fact"), e)).ok());
                let check = check(
                    &mut p,
                    r.get("check"),
                    &format!("{at}.check"),
                    fact.as_ref().map(Fact::kind),
                );
                let rule_scope = applies_to(&mut p, r.get("applies_to"), &format!("{at}.applies_to"));
                let rationale = text(&mut p, r, "rationale", &format!("{at}.rationale"), true);
                let link = text(&mut p, r, "remediation", &format!("{at}.remediation"), true);
                let remediation = remediation(&mut p, link, &format!("{at}.remediation"));
                if let (
                    Some(id),
                    Some(title),
                    Some(level),
                    Some(fact),
                    Some(check),
                    Some(rationale),
                    Some(remediation),
                ) = (id, title, level, fact, check, rationale, remediation)
                {
                    rules.push(Rule {
                        id,
                        title,
                        level,
                        fact,
                        check,
                        applies_to: rule_scope,
                        rationale,
                        remediation,
                    });
                }
            }
        }
        Some(Value::Array(_)) => p.add("rules", "name at least one rule"),
        None | Some(Value::Null) => p.add("rules", "required"),
        Some(other) => p.add(
            "rules",
            format!("expected a list of rules, found {}", kind_of(other)),
        ),
    }
    if !p.0.is_empty() {
        return Err(p.0);
    }
    Ok(Definition {
        title: title.unwrap_or_default(),
        description,
        levels,
        score,
        applies_to: scope,
        rules,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
title: Production readiness
score: true
applies_to: {type: service}
rules:
  - id: owner
    title: Has an owning team
    level: Bronze
    fact: catalog.owner
    check: present
    rationale: Someone answers for it.
    remediation: https://wiki.example.com/owner
  - id: weekly
    title: Deploys weekly
    level: Gold
    fact: dora.deploy_days_per_week
    check: {at_least: 1}
    applies_to: {lifecycle: [production]}
    rationale: Small batches fail less.
    remediation: https://wiki.example.com/delivery
"#;

    #[test]
    fn a_good_document_reads_with_default_levels() {
        let d = read(GOOD).expect("reads");
        assert_eq!(d.levels, DEFAULT_LEVELS.map(str::to_owned).to_vec());
        assert_eq!(d.rules.len(), 2);
        assert_eq!(d.rules[1].check, Check::AtLeast(1.0));
        assert_eq!(d.rank("Gold"), Some(2));
        assert!(d.score);
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let bad = r#"
title: ""
colour: red
rules:
  - id: Owner
    title: x
    level: Platinum
    fact: catalog.colour
    check: present
    rationale: r
    remediation: not a link
  - id: weekly
    title: Deploys weekly
    level: Gold
    fact: dora.deploy_days_per_week
    check: {equals: often}
    applies_to: {colour: red}
    rationale: Small batches fail less.
    remediation: https://wiki.example.com/delivery
"#;
        let problems = read(bad).expect_err("refused");
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        for expected in [
            "title",
            "colour",
            "rules[0].id",
            "rules[0].level",
            "rules[0].fact",
            "rules[0].remediation",
            "rules[1].check",
            "rules[1].applies_to.colour",
        ] {
            assert!(fields.contains(&expected), "{expected} missing from {problems:?}");
        }
        let level = problems
            .iter()
            .find(|(f, _)| f == "rules[0].level")
            .map(|(_, r)| r.as_str());
        assert_eq!(
            level,
            Some("`Platinum` is not a level of this scorecard: Bronze, Silver, Gold")
        );
    }

    #[test]
    fn yaml_that_does_not_parse_says_where() {
        let problems = read("title: [unclosed").expect_err("refused");
        assert_eq!(problems[0].0, "document");
        assert!(problems[0].1.contains("line"), "{problems:?}");
    }
}
