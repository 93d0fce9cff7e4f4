//! The tamper-evident audit trail: every change in Parkway appends one event here.
//!
//! Each stored event carries the SHA-256 of its predecessor and its own SHA-256 over a
//! canonical encoding ([`model::event_hash`]), so editing or deleting a row behind
//! Parkway's back breaks the chain and [`store::verify`] names the first bad row. The
//! table itself rejects UPDATE, DELETE and TRUNCATE with a trigger.
//!
//! What the chain cannot prove on its own: that the newest rows were not removed
//! (truncating the tail leaves a valid shorter chain). Anchoring the head hash outside
//! the database is a later concern.

mod error;
pub mod model;
pub mod ops;
mod pages;
pub mod query;
pub mod store;

pub use error::{Error, Result};
pub use model::{AuditRecord, BreakReason, ChainBreak, ChainVerifier, GENESIS_HASH, NewAuditEvent};
pub use query::{AuditFilter, ExportRow};
pub use store::{Verification, append, verify};
