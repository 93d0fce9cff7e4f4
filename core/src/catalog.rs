//! The service catalog: Backstage-compatible descriptors ([`yaml`], [`validate`]),
//! the entity model ([`model`]), storage ([`store`]), listing and search ([`query`])
//! answered from each replica's in-memory index ([`index`]), the use cases both doors call
//! ([`ops`]), and what the pages receive ([`pages`]).

pub mod error;
pub mod index;
pub mod model;
pub mod ops;
pub mod pages;
pub mod query;
pub mod store;
pub mod validate;
pub mod yaml;

pub use error::Error;
pub use model::{Entity, EntityKind, EntityRef, Problem, RelationType};
pub use store::ImportLimit;
