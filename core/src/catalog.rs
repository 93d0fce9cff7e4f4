//! The service catalog: Backstage-compatible descriptors ([`yaml`], [`validate`]),
//! the entity model and its relations ([`model`]).

pub mod model;
pub mod validate;
pub mod yaml;

pub use model::{Entity, EntityKind, EntityRef, Problem, RelationType};
