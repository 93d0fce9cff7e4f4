//! Parkway's domain: plain types and rules, their Postgres storage and the cluster
//! access. Nothing here knows about HTTP or Leptos, so the web UI, the REST API and
//! the CLI all call the same functions and enforce the same rules.
//!
//! Each capability has an `ops` module: one function per use case, taking the
//! request's [`Ctx`] and typed input, doing authorize → load → validate → write →
//! audit, and returning a typed result or its capability's error. Every error turns
//! into a [`Failure`] in exactly one way, so both doors answer alike.

pub mod audit;
pub mod catalog;
pub mod cluster;
pub mod context;
pub mod csv;
pub mod db;
pub mod evidence;
pub mod generations;
pub mod guardrails;
pub mod identity;
pub mod onboarding;
pub mod scorecards;
pub mod view;

pub use context::{Ctx, Services};
pub use parkway_types as types;
pub use parkway_types::{ErrorKind, Failure};

/// What an unexpected error becomes: logged here, once, with its details; the
/// caller learns only that something failed.
pub fn internal(err: &dyn std::fmt::Display) -> Failure {
    tracing::error!(error = %err, "request failed");
    Failure::internal()
}
