//! The tamper-evident audit trail: every change in Parkway appends one event here.
//!
//! Each stored event carries the SHA-256 of its predecessor and its own SHA-256 over a
//! canonical encoding ([`model::event_hash`]) of the event as stored, so editing or
//! deleting a row behind Parkway's back breaks the chain and [`store::verify`] names
//! every bad row. The table rejects UPDATE, DELETE and TRUNCATE with a trigger, and
//! the role Parkway serves with may only SELECT and INSERT it
//! ([`crate::db::grant_runtime_role`]), so it cannot switch the trigger off either.
//!
//! Cutting off the newest rows leaves a shorter chain that still links up; the signed
//! chain head Parkway publishes ([`head`]) is what detects that.

mod error;
pub mod head;
pub mod model;
pub mod ops;
mod pages;
pub mod query;
pub mod security;
pub mod store;

pub use error::{Error, Result};
pub use head::{AuditKey, ChainHead, SignedHead};
pub use model::{AuditRecord, BreakReason, ChainBreak, ChainVerifier, GENESIS_HASH, NewAuditEvent};
pub use query::{AuditFilter, ExportRow};
pub use store::{HeadCheck, Verification, append, verify, verify_against};
