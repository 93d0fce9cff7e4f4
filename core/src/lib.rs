//! Parkway's domain: plain types and rules, their Postgres storage and (later) the
//! cluster access. Nothing here knows about HTTP or Leptos, so the web UI, the REST API
//! and the CLI all call the same functions and enforce the same rules.

pub mod audit;
pub mod catalog;
pub mod cluster;
pub mod db;
pub mod identity;
