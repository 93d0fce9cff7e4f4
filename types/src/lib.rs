//! Parkway's shared terms and wire types. Serde only (no database, no HTTP), so the
//! same definitions build for the browser's WebAssembly, the server and the domain:
//! a role, an action, an entity reference, a listing order or a facet is one type
//! everywhere, parsed by one function, instead of a string each layer re-spells.

pub mod action;
pub mod catalog;
pub mod entity;
pub mod error;
pub mod guardrails;
pub mod onboarding;
pub mod role;
pub mod scorecards;
pub mod url;
pub mod views;

pub use action::{Action, UnknownAction};
pub use catalog::{CatalogParams, Facet, Problem, Rollup, RunState, Sort, UnknownSort};
pub use entity::{
    DEFAULT_NAMESPACE, EntityKind, EntityRef, RefError, RelationType, UnknownKind, UnknownRelation,
    valid_name, valid_namespace, valid_tag,
};
pub use error::{ErrorKind, Failure};
pub use role::{Role, UnknownRole};
