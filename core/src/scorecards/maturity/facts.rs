//! The typed facts a maturity rule can check: catalog fields and annotations, the
//! DORA values of the last 90 days, the owning team's guardrail coverage and
//! compliance, and its tenants' adoption of the secure defaults. A fact is named in a
//! scorecard as text (`catalog.owner`, `catalog.annotation:pagerduty.com/service-id`)
//! and read here into a typed value, or `Missing` (which no check but its absence
//! passes).

use std::{collections::BTreeMap, fmt, str::FromStr};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::document::{Attribute, Check};

/// What a fact's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactKind {
    Text,
    List,
    Bool,
    Number,
}

impl FactKind {
    pub fn accepts(self, check: &Check) -> bool {
        matches!(
            (self, check),
            (_, Check::Present)
                | (FactKind::Text, Check::Equals(_) | Check::OneOf(_))
                | (FactKind::List, Check::Contains(_))
                | (FactKind::Number, Check::AtLeast(_) | Check::AtMost(_))
        )
    }

    pub fn words(self) -> &'static str {
        match self {
            FactKind::Text => "a text fact",
            FactKind::List => "a list fact",
            FactKind::Bool => "a yes/no fact",
            FactKind::Number => "a number fact",
        }
    }

    /// The checks this kind takes.
    pub fn checks(self) -> &'static str {
        match self {
            FactKind::Text => "use present, equals or one_of",
            FactKind::List => "use present or contains",
            FactKind::Bool => "use present (true passes)",
            FactKind::Number => "use present, at_least or at_most",
        }
    }
}

/// A catalog field of a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Owner,
    BusinessUnit,
    System,
    Lifecycle,
    Type,
    Description,
    Tier,
    Tags,
    /// An on-call named (see [`crate::scorecards::governance::ON_CALL`]).
    OnCall,
    Runbook,
    Alerting,
}

/// A DORA value of the last 90 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dora {
    Deployments,
    DeployDaysPerWeek,
    LeadTimeHours,
    /// Percent, 0–100.
    ChangeFailureRate,
    RecoveryTimeHours,
    /// Percent, 0–100.
    ReworkRate,
}

/// A governance value of the component's owning team, in percent (0–100) or a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Team {
    GuardrailCoverage,
    GuardrailCompliance,
    SecureDefaults,
    ActiveTenants,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Fact {
    Catalog(Field),
    Annotation(String),
    Label(String),
    Dora(Dora),
    Team(Team),
}

const NAMED: [(&str, Fact); 21] = [
    ("catalog.owner", Fact::Catalog(Field::Owner)),
    ("catalog.business_unit", Fact::Catalog(Field::BusinessUnit)),
    ("catalog.system", Fact::Catalog(Field::System)),
    ("catalog.lifecycle", Fact::Catalog(Field::Lifecycle)),
    ("catalog.type", Fact::Catalog(Field::Type)),
    ("catalog.description", Fact::Catalog(Field::Description)),
    ("catalog.tier", Fact::Catalog(Field::Tier)),
    ("catalog.tags", Fact::Catalog(Field::Tags)),
    ("catalog.on_call", Fact::Catalog(Field::OnCall)),
    ("catalog.runbook", Fact::Catalog(Field::Runbook)),
    ("catalog.alerting", Fact::Catalog(Field::Alerting)),
    ("dora.deployments", Fact::Dora(Dora::Deployments)),
    ("dora.deploy_days_per_week", Fact::Dora(Dora::DeployDaysPerWeek)),
    ("dora.lead_time_hours", Fact::Dora(Dora::LeadTimeHours)),
    ("dora.change_failure_rate", Fact::Dora(Dora::ChangeFailureRate)),
    ("dora.recovery_time_hours", Fact::Dora(Dora::RecoveryTimeHours)),
    ("dora.rework_rate", Fact::Dora(Dora::ReworkRate)),
    ("guardrails.coverage", Fact::Team(Team::GuardrailCoverage)),
    ("guardrails.compliance", Fact::Team(Team::GuardrailCompliance)),
    ("tenants.secure_defaults", Fact::Team(Team::SecureDefaults)),
    ("tenants.active", Fact::Team(Team::ActiveTenants)),
];

impl Fact {
    /// Every fact name a scorecard may use (annotations and labels by prefix).
    pub fn names() -> Vec<&'static str> {
        let mut names: Vec<&str> = NAMED.iter().map(|(n, _)| *n).collect();
        names.extend(["catalog.annotation:<name>", "catalog.label:<name>"]);
        names
    }

    pub fn kind(&self) -> FactKind {
        match self {
            Fact::Catalog(Field::Tags) => FactKind::List,
            Fact::Catalog(Field::OnCall | Field::Runbook | Field::Alerting) => FactKind::Bool,
            Fact::Catalog(_) | Fact::Annotation(_) | Fact::Label(_) => FactKind::Text,
            Fact::Dora(_) | Fact::Team(_) => FactKind::Number,
        }
    }
}

impl fmt::Display for Fact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fact::Annotation(name) => write!(f, "catalog.annotation:{name}"),
            Fact::Label(name) => write!(f, "catalog.label:{name}"),
            known => f.write_str(
                NAMED
                    .iter()
                    .find(|(_, fact)| fact == known)
                    .map(|(n, _)| *n)
                    .unwrap_or_default(),
            ),
        }
    }
}

impl FromStr for Fact {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let named = |prefix: &str| {
            s.strip_prefix(prefix)
                .map(str::trim)
                .filter(|n| !n.is_empty() && n.len() <= 253 && !n.contains(char::is_whitespace))
                .map(str::to_owned)
        };
        if let Some(name) = named("catalog.annotation:") {
            return Ok(Fact::Annotation(name));
        }
        if let Some(name) = named("catalog.label:") {
            return Ok(Fact::Label(name));
        }
        NAMED
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, f)| f.clone())
            .ok_or_else(|| format!("unknown fact `{s}`: expected one of {}", Fact::names().join(", ")))
    }
}

impl Serialize for Fact {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fact {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A fact's value for one component.
#[derive(Debug, Clone, PartialEq)]
pub enum FactValue {
    Missing,
    Text(String),
    List(Vec<String>),
    Bool(bool),
    Number(f64),
}

impl FactValue {
    /// As stored in an evaluation.
    pub fn to_json(&self) -> Value {
        match self {
            FactValue::Missing => Value::Null,
            FactValue::Text(t) => Value::String(t.clone()),
            FactValue::List(l) => Value::from(l.clone()),
            FactValue::Bool(b) => Value::Bool(*b),
            FactValue::Number(n) => serde_json::Number::from_f64((n * 100.0).round() / 100.0)
                .map(Value::Number)
                .unwrap_or(Value::Null),
        }
    }

    /// Whether the value passes `check`.
    pub fn passes(&self, check: &Check) -> bool {
        let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
        match (self, check) {
            (FactValue::Missing, _) => false,
            (FactValue::Text(t), Check::Present) => !t.trim().is_empty(),
            (FactValue::List(l), Check::Present) => !l.is_empty(),
            (FactValue::Bool(b), Check::Present) => *b,
            (FactValue::Number(_), Check::Present) => true,
            (FactValue::Text(t), Check::Equals(v)) => same(t, v),
            (FactValue::Text(t), Check::OneOf(vs)) => vs.iter().any(|v| same(t, v)),
            (FactValue::List(l), Check::Contains(v)) => l.iter().any(|t| same(t, v)),
            (FactValue::Number(n), Check::AtLeast(min)) => n >= min,
            (FactValue::Number(n), Check::AtMost(max)) => n <= max,
            _ => false,
        }
    }
}

/// What is known about one component when its scorecards are evaluated.
#[derive(Debug, Clone, Default)]
pub struct Component {
    pub key: String,
    pub title: String,
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    pub tier: Option<String>,
    pub owner: Option<String>,
    pub business_unit: Option<String>,
    pub system: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub annotations: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    pub readiness: crate::scorecards::governance::Readiness,
    /// The 90-day DORA values, when it has deployments.
    pub dora: BTreeMap<Dora, f64>,
    /// The owning team's governance values.
    pub team: BTreeMap<Team, f64>,
}

/// A group ref or its bare name matches a key (`checkout` and `group:default/checkout`).
fn group_matches(key: Option<&str>, wanted: &str) -> bool {
    let Some(key) = key else { return false };
    let wanted = wanted.trim().to_ascii_lowercase();
    key == wanted || key.rsplit('/').next() == Some(wanted.as_str())
}

impl Component {
    pub fn value(&self, fact: &Fact) -> FactValue {
        let text = |t: &Option<String>| {
            t.clone()
                .filter(|t| !t.trim().is_empty())
                .map_or(FactValue::Missing, FactValue::Text)
        };
        match fact {
            Fact::Catalog(field) => match field {
                Field::Owner => text(&self.owner),
                Field::BusinessUnit => text(&self.business_unit),
                Field::System => text(&self.system),
                Field::Lifecycle => text(&self.lifecycle),
                Field::Type => text(&self.spec_type),
                Field::Description => text(&self.description),
                Field::Tier => text(&self.tier),
                Field::Tags => FactValue::List(self.tags.clone()),
                Field::OnCall => FactValue::Bool(self.readiness.on_call),
                Field::Runbook => FactValue::Bool(self.readiness.runbook),
                Field::Alerting => FactValue::Bool(self.readiness.alerting),
            },
            Fact::Annotation(name) => text(&self.annotations.get(name).cloned()),
            Fact::Label(name) => text(&self.labels.get(name).cloned()),
            Fact::Dora(d) => self
                .dora
                .get(d)
                .map_or(FactValue::Missing, |v| FactValue::Number(*v)),
            Fact::Team(t) => self
                .team
                .get(t)
                .map_or(FactValue::Missing, |v| FactValue::Number(*v)),
        }
    }

    /// Whether an applies-to filter selects this component.
    pub fn selected_by(&self, filter: &super::document::AppliesTo) -> bool {
        filter.attributes.iter().all(|(attribute, values)| {
            let one = |v: &Option<String>| {
                v.as_deref()
                    .is_some_and(|v| values.iter().any(|w| v.eq_ignore_ascii_case(w.trim())))
            };
            match attribute {
                Attribute::Type => one(&self.spec_type),
                Attribute::Lifecycle => one(&self.lifecycle),
                Attribute::Tier => one(&self.tier),
                Attribute::System => {
                    one(&self.system) || values.iter().any(|w| group_matches(self.system.as_deref(), w))
                }
                Attribute::Owner => values.iter().any(|w| group_matches(self.owner.as_deref(), w)),
                Attribute::BusinessUnit => values
                    .iter()
                    .any(|w| group_matches(self.business_unit.as_deref(), w)),
                Attribute::Tags => self
                    .tags
                    .iter()
                    .any(|t| values.iter().any(|w| t.eq_ignore_ascii_case(w.trim()))),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fact_names_read_and_write_back() {
        for name in [
            "catalog.owner",
            "dora.lead_time_hours",
            "catalog.annotation:pagerduty.com/service-id",
        ] {
            let fact: Fact = name.parse().expect(name);
            assert_eq!(fact.to_string(), name);
        }
        assert!("catalog.colour".parse::<Fact>().is_err());
        assert!("catalog.annotation:".parse::<Fact>().is_err());
    }

    #[test]
    fn checks_pass_on_values_and_never_on_missing() {
        assert!(FactValue::Number(3.0).passes(&Check::AtLeast(3.0)));
        assert!(!FactValue::Number(2.9).passes(&Check::AtLeast(3.0)));
        assert!(!FactValue::Missing.passes(&Check::AtMost(100.0)));
        assert!(FactValue::Text("Production".into()).passes(&Check::OneOf(vec!["production".into()])));
        assert!(!FactValue::Bool(false).passes(&Check::Present));
        assert!(FactValue::List(vec!["go".into()]).passes(&Check::Contains("Go".into())));
    }

    #[test]
    fn owners_match_by_name_or_ref() {
        let c = Component {
            owner: Some("group:default/checkout".into()),
            spec_type: Some("service".into()),
            ..Component::default()
        };
        let filter = |a: Attribute, v: &str| super::super::document::AppliesTo {
            attributes: [(a, vec![v.to_owned()])].into_iter().collect(),
        };
        assert!(c.selected_by(&filter(Attribute::Owner, "checkout")));
        assert!(c.selected_by(&filter(Attribute::Owner, "group:default/checkout")));
        assert!(!c.selected_by(&filter(Attribute::Owner, "payments")));
        assert!(c.selected_by(&filter(Attribute::Type, "Service")));
        assert!(!c.selected_by(&filter(Attribute::Lifecycle, "production")));
    }
}
