//! Compliance evidence packs: what the `/evidence` page shows about one pack.

use serde::{Deserialize, Serialize};

/// A business unit the form offers (`value` is its catalog key; empty for the
/// enterprise).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitChoice {
    pub value: String,
    pub label: String,
}

/// What the form needs: the units to pick from and a default period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceChoices {
    pub units: Vec<UnitChoice>,
    /// `YYYY-MM-DD`: the first day of the default period (90 days to today).
    pub default_from: String,
    pub default_to: String,
}

/// One file of a pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackFile {
    pub path: String,
    /// Data rows (CSV lines after the header, JSON lines, YAML documents).
    pub rows: u64,
    pub bytes: u64,
}

/// A row behind an exception: the file and line in the pack, and the page in Parkway
/// that shows the thing it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionRow {
    pub file: String,
    /// 1-based line of the file (the CSV header is line 1).
    pub line: u64,
    pub what: String,
    pub href: Option<String>,
}

/// One control and whether it held over the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlResult {
    /// Stable id, such as `second-approver`.
    pub id: String,
    /// The statement that should be true, such as "Every guardrail change had a
    /// second approver".
    pub title: String,
    pub held: bool,
    /// How many things were checked (tenants, versions, role grants, samples…).
    pub checked: u64,
    /// Every exception counted; `exceptions` lists the first ones.
    pub exceptions_total: u64,
    pub exceptions: Vec<ExceptionRow>,
}

/// The audit chain as verified when the pack was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainSummary {
    pub head_id: i64,
    pub rows_verified: u64,
    pub intact: bool,
    /// Audit events of the period in `audit.jsonl`.
    pub events_in_period: u64,
}

/// The summary of one pack: parameters, files, controls and the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceSummary {
    /// The business unit's key, or `enterprise`.
    pub scope: String,
    pub scope_title: String,
    pub from: String,
    pub to: String,
    pub files: Vec<PackFile>,
    pub controls: Vec<ControlResult>,
    pub chain: ChainSummary,
    /// The API address that downloads this pack.
    pub download: String,
    /// The server signs with a random per-process key (`PARKWAY_AUDIT_KEY` unset):
    /// a pack's signatures cannot be checked after a restart.
    pub ephemeral_key: bool,
}
