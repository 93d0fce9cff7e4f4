//! The core's integration tests (`#[sqlx::test]`, each test on a fresh database), as one
//! test binary: one link instead of one per file, and one thread pool for all of them.
//! `cargo test -p parkway-core --test integration MODULE::` runs one file's tests.

mod audit_store;
mod catalog_import;
mod catalog_query;
mod cluster_demo;
mod cluster_ownership;
mod cluster_removed;
mod cluster_role_doc;
mod cluster_sync;
mod guardrail_editing;
mod guardrails;
mod identity_store;
mod onboarding;
mod operations;
mod schema;
mod scorecards_sources;
