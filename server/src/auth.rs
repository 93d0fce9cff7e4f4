//! Authentication at the edge: who is calling (session cookie or bearer token), CSRF
//! and rate limits, and the sign-in routes. What a caller may do is decided in
//! `parkway_core::identity::authorize`, which every handler calls.

pub mod cookies;
pub mod csrf;
pub mod dev;
pub mod failures;
pub mod middleware;
pub mod oidc;
mod page;
pub mod rate_limit;
pub mod routes;
pub mod settings;

pub use settings::{AuthSettings, SignIn};
