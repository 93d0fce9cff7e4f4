//! The catalog: listing with facets, one entity with its relations and runtime,
//! imports and edits.

mod catalog_entity;
mod edit_catalog_entity;
mod import_catalog;
mod list_catalog;
mod remove_catalog_entity;

pub use catalog_entity::*;
pub use edit_catalog_entity::*;
pub use import_catalog::*;
pub use list_catalog::*;
pub use parkway_types::views::catalog::*;
pub use remove_catalog_entity::*;
