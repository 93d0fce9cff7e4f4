//! Parkway's web UI: one Leptos app rendered on the server and hydrated in the browser.
//!
//! Pages live in [`routes`], shared widgets in [`components`]. The `ssr` feature builds
//! the server side (with access to `parkway-core`), `hydrate` the WebAssembly side.
//!
//! Islands: a page is rendered on the server and stays static HTML, except its
//! `#[island]` components (forms, the theme switch, live progress), which are the only
//! code the browser downloads. Islands get their data as serialisable props from the
//! server-rendered page around them: no router, session or other context inside.

#![recursion_limit = "256"]

pub mod auth;
pub mod components;
pub mod routes;
pub mod serverfns;
mod shell;

pub use shell::{App, shell, use_session};

/// Sets up the browser's reactive runtime; the page's script then hydrates each island
/// through the functions `#[island]` exports (linked in by calling this).
#[cfg(feature = "hydrate")]
pub fn hydrate_islands() {
    leptos::mount::hydrate_islands();
}
