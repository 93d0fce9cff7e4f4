//! The service catalog: Backstage-compatible descriptors ([`yaml`], [`validate`]),
//! the entity model and its relations ([`model`]).

pub mod error;
pub mod facets;
pub mod model;
pub mod query;
pub mod rollup;
pub mod store;
pub mod validate;
pub mod yaml;

pub use error::Error;
pub use model::{Entity, EntityKind, EntityRef, Problem, RelationType};
