//! Guardrails: the CoE's rules of the road (what is allowed, needs approval or is
//! blocked per risk tier), reviewed by a second person before they are published, and
//! the threat register they mitigate.

pub mod coverage;
pub mod diff;
pub mod document;
pub mod error;
pub mod export;
pub mod feed;
pub mod live;
pub mod markdown;
pub mod ops;
pub mod query;
pub mod review;
pub mod store;

pub use error::{Error, Result};
