//! What a pack is made of, free of I/O: its parameters, the manifest and its
//! signature, and the controls with their exceptions.

use std::fmt;

use chrono::{DateTime, Days, NaiveDate, Utc};
use parkway_types::views::evidence::{ControlResult, ExceptionRow};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Error, Result};
use crate::audit::{AuditKey, model::canonical_json};

/// The longest period one pack covers: a year (a leap year included).
pub const MAX_PERIOD_DAYS: i64 = 366;

/// Tag of the manifest format; a future layout gets a new one.
pub const FORMAT: &str = "parkway.evidence.v1";

/// The files of a pack, in the order they are written; `guardrails/…` files sit
/// between `access.csv` and `changes.csv`.
pub mod files {
    pub const ACCESS: &str = "access.csv";
    pub const GUARDRAILS_DIR: &str = "guardrails/";
    pub const GUARDRAIL_INDEX: &str = "guardrails/index.csv";
    pub const CHANGES: &str = "changes.csv";
    pub const TENANTS: &str = "tenants.csv";
    pub const COVERAGE: &str = "coverage.csv";
    pub const DELIVERY: &str = "delivery.csv";
    pub const AUDIT: &str = "audit.jsonl";
    pub const CHAIN: &str = "chain.json";
    pub const SUMMARY: &str = "summary.json";
    pub const MANIFEST: &str = "manifest.json";
}

/// Whose evidence: one business unit (a Group of `spec.type: business-unit`, by
/// catalog key) or the whole enterprise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Enterprise,
    Unit(String),
}

impl Scope {
    /// The unit's key, `None` for the enterprise (how queries filter).
    pub fn unit(&self) -> Option<&str> {
        match self {
            Scope::Enterprise => None,
            Scope::Unit(key) => Some(key),
        }
    }

    /// `enterprise` or the unit's key, as the manifest and the audit trail name it.
    pub fn name(&self) -> &str {
        self.unit().unwrap_or("enterprise")
    }
}

/// Whole UTC days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// Checks the bounds: `from` not after `to`, at most [`MAX_PERIOD_DAYS`] days.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self> {
        if from > to {
            return Err(Error::Field {
                field: "from",
                reason: format!("{from} is after `to` ({to})"),
            });
        }
        if (to - from).num_days() >= MAX_PERIOD_DAYS {
            return Err(Error::Field {
                field: "from",
                reason: format!("a pack covers at most {MAX_PERIOD_DAYS} days; {from} to {to} is longer"),
            });
        }
        Ok(Self { from, to })
    }

    /// The period a form or query names: `YYYY-MM-DD` dates, both required.
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Self> {
        Self::new(date("from", from)?, date("to", to)?)
    }

    /// Midnight UTC starting `from`.
    pub fn start(&self) -> DateTime<Utc> {
        self.from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
    }

    /// Midnight UTC after `to` (exclusive).
    pub fn end(&self) -> DateTime<Utc> {
        self.to
            .checked_add_days(Days::new(1))
            .unwrap_or(self.to)
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc()
    }

    /// Whether `at` falls in the period.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        at >= self.start() && at < self.end()
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} to {}", self.from, self.to)
    }
}

fn date(field: &'static str, value: Option<&str>) -> Result<NaiveDate> {
    let value = value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(Error::Field {
            field,
            reason: "is required: a date like 2026-01-31 (UTC)".into(),
        })?;
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .filter(|d| d.format("%Y-%m-%d").to_string() == value)
        .ok_or_else(|| Error::Field {
            field,
            reason: format!("`{value}` is not a date: expected YYYY-MM-DD"),
        })
}

/// One file as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
    pub bytes: u64,
    /// Data rows: CSV lines after the header, JSON lines, YAML documents.
    pub rows: u64,
}

/// What was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parameters {
    /// A business unit's key, or `enterprise`.
    pub business_unit: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// `manifest.json`: every other file's hash, the parameters, who exported it and
/// when; `signature` is the HMAC-SHA256 under `PARKWAY_AUDIT_KEY` of the canonical
/// JSON of everything else ([`Manifest::signed_text`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub parameters: Parameters,
    pub exported_by: String,
    pub exported_at: DateTime<Utc>,
    /// `configured` (`PARKWAY_AUDIT_KEY`) or `ephemeral` (a random per-process key:
    /// the signature cannot be checked after the server restarts).
    pub key: String,
    pub files: Vec<FileEntry>,
    #[serde(default)]
    pub signature: String,
}

impl Manifest {
    /// The bytes the signature covers: the manifest without its signature, as
    /// canonical JSON (keys sorted, no whitespace), so re-indenting the file cannot
    /// break it and no field can be changed without breaking it.
    pub fn signed_text(&self) -> String {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            map.remove("signature");
        }
        let mut out = String::new();
        canonical_json(&value, &mut out);
        out
    }

    /// Fills in `signature`.
    pub fn sign(&mut self, key: &AuditKey) {
        self.signature = hex::encode(key.sign(self.signed_text().as_bytes()));
    }

    /// Whether `signature` is `key`'s.
    pub fn verifies(&self, key: &AuditKey) -> bool {
        hex::decode(&self.signature).is_ok_and(|sig| key.verifies(self.signed_text().as_bytes(), &sig))
    }
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The statements a pack checks, each over the rows of one of its files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Control {
    PsaRestricted,
    SecondApprover,
    RolesMapped,
    TenantDecisions,
    CoverageEnforced,
    ChainIntact,
}

impl Control {
    pub const ALL: [Control; 6] = [
        Control::PsaRestricted,
        Control::SecondApprover,
        Control::RolesMapped,
        Control::TenantDecisions,
        Control::CoverageEnforced,
        Control::ChainIntact,
    ];

    pub const fn id(self) -> &'static str {
        match self {
            Control::PsaRestricted => "psa-restricted",
            Control::SecondApprover => "second-approver",
            Control::RolesMapped => "roles-mapped",
            Control::TenantDecisions => "tenant-decisions",
            Control::CoverageEnforced => "coverage-enforced",
            Control::ChainIntact => "chain-intact",
        }
    }

    pub const fn title(self) -> &'static str {
        match self {
            Control::PsaRestricted => "Every production tenant had Pod Security restricted",
            Control::SecondApprover => "Every guardrail change had a second approver",
            Control::RolesMapped => "No role was granted outside a group mapping",
            Control::TenantDecisions => "No tenant request was decided by the person who asked for it",
            Control::CoverageEnforced => {
                "Every published guardrail was enforced in every production cluster sampled"
            }
            Control::ChainIntact => "The audit chain verified end to end at export",
        }
    }
}

/// Exceptions listed per control; the rest are counted.
pub const LISTED_EXCEPTIONS: usize = 25;

/// The controls' tallies while the files are written.
#[derive(Debug, Clone)]
pub struct Controls {
    results: Vec<(Control, ControlResult)>,
}

impl Default for Controls {
    fn default() -> Self {
        Self {
            results: Control::ALL
                .iter()
                .map(|c| {
                    (
                        *c,
                        ControlResult {
                            id: c.id().to_owned(),
                            title: c.title().to_owned(),
                            held: true,
                            checked: 0,
                            exceptions_total: 0,
                            exceptions: Vec::new(),
                        },
                    )
                })
                .collect(),
        }
    }
}

impl Controls {
    fn result(&mut self, control: Control) -> &mut ControlResult {
        let at = self
            .results
            .iter()
            .position(|(c, _)| *c == control)
            .expect("every control has a result");
        &mut self.results[at].1
    }

    /// One thing checked that satisfied the control.
    pub fn passed(&mut self, control: Control) {
        self.result(control).checked += 1;
    }

    /// One thing checked that did not.
    pub fn failed(&mut self, control: Control, row: ExceptionRow) {
        let result = self.result(control);
        result.checked += 1;
        result.held = false;
        result.exceptions_total += 1;
        if result.exceptions.len() < LISTED_EXCEPTIONS {
            result.exceptions.push(row);
        }
    }

    pub fn into_results(self) -> Vec<ControlResult> {
        self.results.into_iter().map(|(_, r)| r).collect()
    }
}

/// Whether a guardrail version's approval was a second person's: an approver who is
/// neither its author nor the operator publishing without review (`system:…`).
pub fn second_approver(author: &str, approved_by: Option<&str>) -> bool {
    approved_by.is_some_and(|a| a != author && !a.starts_with("system:"))
}

/// Whether a tenant decision was someone else's than the requester's; automatic
/// approvals (`system:…`, tiers that need none) count as someone else's.
pub fn decided_by_other(requester: &str, decider: &str) -> bool {
    requester != decider
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn a_period_is_whole_days_of_at_most_a_year() {
        let p = Period::parse(Some("2026-01-01"), Some("2026-12-31")).expect("a year");
        assert_eq!(p.start().to_rfc3339(), "2026-01-01T00:00:00+00:00");
        assert_eq!(p.end().to_rfc3339(), "2027-01-01T00:00:00+00:00");
        assert!(p.contains(p.start()));
        assert!(!p.contains(p.end()));
        assert!(
            Period::new(day("2024-01-01"), day("2024-12-31")).is_ok(),
            "leap year"
        );
        let long = Period::new(day("2025-01-01"), day("2026-01-02")).expect_err("too long");
        assert!(matches!(long, Error::Field { field: "from", .. }));
        let backwards = Period::parse(Some("2026-02-01"), Some("2026-01-01")).expect_err("backwards");
        assert!(backwards.to_string().contains("after"));
    }

    #[test]
    fn dates_say_which_field_is_wrong() {
        for (from, to, field) in [
            (None, Some("2026-01-01"), "from"),
            (Some("2026-01-01"), Some(""), "to"),
            (Some("2026-13-01"), Some("2026-01-01"), "from"),
            (Some("2026-01-01"), Some("1 Jan 2026"), "to"),
            (Some("2026-1-1"), Some("2026-01-02"), "from"),
        ] {
            let err = Period::parse(from, to).expect_err("bad date");
            assert!(
                matches!(err, Error::Field { field: f, .. } if f == field),
                "{from:?} {to:?}: {err}"
            );
        }
    }

    #[test]
    fn the_signature_covers_every_field_but_itself() {
        let key = AuditKey::new(&"k".repeat(32)).expect("key");
        let mut m = Manifest {
            format: FORMAT.into(),
            parameters: Parameters {
                business_unit: "enterprise".into(),
                from: day("2026-01-01"),
                to: day("2026-01-31"),
            },
            exported_by: "user:lee".into(),
            exported_at: Utc::now(),
            key: "configured".into(),
            files: vec![FileEntry {
                path: files::ACCESS.into(),
                sha256: sha256_hex(b"x"),
                bytes: 1,
                rows: 0,
            }],
            signature: String::new(),
        };
        m.sign(&key);
        assert!(m.verifies(&key));
        assert!(!m.verifies(&AuditKey::new(&"j".repeat(32)).expect("key")));
        let mut changed = m.clone();
        changed.files[0].bytes = 2;
        assert!(!changed.verifies(&key));
        let mut other = m.clone();
        other.parameters.business_unit = "group:default/payments".into();
        assert!(!other.verifies(&key));
        // Re-indenting the file keeps it valid.
        let pretty = serde_json::to_string_pretty(&m).expect("json");
        let back: Manifest = serde_json::from_str(&pretty).expect("json");
        assert!(back.verifies(&key));
    }

    #[test]
    fn controls_count_and_list_a_bounded_number_of_exceptions() {
        let mut c = Controls::default();
        c.passed(Control::SecondApprover);
        for line in 0..40 {
            c.failed(
                Control::CoverageEnforced,
                ExceptionRow {
                    file: files::COVERAGE.into(),
                    line,
                    what: "audit only".into(),
                    href: None,
                },
            );
        }
        let results = c.into_results();
        let second = results
            .iter()
            .find(|r| r.id == "second-approver")
            .expect("listed");
        assert!(second.held);
        assert_eq!(second.checked, 1);
        let coverage = results
            .iter()
            .find(|r| r.id == "coverage-enforced")
            .expect("listed");
        assert!(!coverage.held);
        assert_eq!(coverage.exceptions_total, 40);
        assert_eq!(coverage.exceptions.len(), LISTED_EXCEPTIONS);
        assert_eq!(results.len(), Control::ALL.len());
    }

    #[test]
    fn approvals_by_the_author_or_the_operator_are_not_a_second_pair_of_eyes() {
        assert!(second_approver("user:cora", Some("user:sam")));
        assert!(!second_approver("user:cora", Some("user:cora")));
        assert!(!second_approver("user:cora", Some("system:cli")));
        assert!(!second_approver("user:cora", None));
        assert!(decided_by_other("user:dana", "user:theo"));
        assert!(!decided_by_other("user:dana", "user:dana"));
    }
}
