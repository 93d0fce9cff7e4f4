//! Compliance evidence as a by-product: one archive per business unit (or the
//! enterprise) and period with who could do what (`access.csv`), the guardrails in
//! force (`guardrails/`), what changed and who approved it (`changes.csv`,
//! `tenants.csv`), what was monitored (`coverage.csv`), how delivery went
//! (`delivery.csv`) and the audit trail of the period with its signed chain head
//! (`audit.jsonl`, `chain.json`); `summary.json` states which controls held and the
//! rows behind every exception, and `manifest.json` hashes every file and is signed
//! with HMAC-SHA256 under `PARKWAY_AUDIT_KEY`. [`verify`] checks a pack away from
//! Parkway.
//!
//! Everything is read from what Parkway already records; the one addition is the
//! daily coverage sample ([`sample`]), because live coverage is not kept otherwise.

pub mod collect;
mod error;
pub mod model;
pub mod ops;
pub mod pack;
pub mod sample;
pub mod verify;

pub use error::{Error, Result};
