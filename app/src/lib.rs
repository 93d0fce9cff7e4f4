//! Parkway's web UI: one Leptos app rendered on the server and hydrated in the browser.
//!
//! Pages live in [`routes`], shared widgets in [`components`]. The `ssr` feature builds
//! the server side (with access to `parkway-core`), `hydrate` the WebAssembly side.

#![recursion_limit = "256"]

pub mod auth;
pub mod components;
pub mod routes;
pub mod serverfns;
mod shell;

pub use shell::{App, shell, use_session};
