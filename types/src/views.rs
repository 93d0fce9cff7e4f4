//! What pages receive from their server functions: serde-only view types, built on
//! the server from the domain's results and rendered in the browser as they are.

pub mod audit;
pub mod catalog;
pub mod clusters;
pub mod evidence;
pub mod guardrails;
pub mod identity;
pub mod maturity;
pub mod onboarding;
pub mod scorecards;
pub mod session;
