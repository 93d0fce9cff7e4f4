//! The server's integration tests, as one test binary. Each file below was its own
//! binary once, and each linked the whole server: 22 links of the same code and 22
//! copies of the same generic instantiations on every build, and `cargo test` ran the
//! binaries one after another, each waiting for its slowest test. One binary compiles
//! the shared code once and runs every test on one thread pool.
//! `cargo test -p parkway-server --test integration MODULE::` runs one file's tests.

mod common;

mod access_matrix;
mod audit;
mod auth;
mod catalog;
mod catalog_edit;
mod cli;
mod clusters;
mod credential_cache;
mod deploy;
mod error_table;
mod guardrails;
mod http;
mod maturity;
mod offboarding;
mod onboarding;
mod openapi;
mod plain_forms;
mod readiness;
mod refused_pages;
mod replicas;
mod scorecards;
mod shutdown;
