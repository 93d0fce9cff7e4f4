//! Catalog storage: imports applied whole or not at all ([`import`]), single-entity
//! edits ([`edit`]), business units derived at write time ([`business_units`]), the
//! searchable text and typo words ([`words`]), and reads ([`read`]). No authorization
//! here: the operations in [`super::ops`] decide, and pass ownership checks in as the
//! `allow` callbacks that run with the rows locked.

pub mod business_units;
mod edit;
mod import;
mod read;
mod words;

pub use edit::{API_SOURCE, EditOwners, PutResult, delete, descriptor_yaml, put};
pub use import::{DEFAULT_IMPORT_MAX_BYTES, ImportLimit, ImportOutcome, import};
pub use read::{Relation, Runnable, StoredEntity, get, runnables};
pub use words::catalog_words;
