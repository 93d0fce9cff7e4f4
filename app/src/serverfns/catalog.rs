//! The catalog: listing with facets, and one entity with its relations and runtime.

mod catalog_entity;
mod edit_catalog_entity;
mod import_catalog;
mod list_catalog;
mod remove_catalog_entity;

pub use catalog_entity::*;
pub use edit_catalog_entity::*;
pub use import_catalog::*;
pub use list_catalog::*;
pub use remove_catalog_entity::*;

use serde::{Deserialize, Serialize};

use super::clusters::WorkloadRow;

/// A link to an entity: its key, what to show, where it lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefLink {
    pub key: String,
    pub kind: String,
    pub label: String,
    pub href: String,
}

impl RefLink {
    /// From `kind:namespace/name`; the label is the name (plus the namespace when it
    /// is not `default`).
    pub fn from_key(key: &str) -> Self {
        let (kind, rest) = key.split_once(':').unwrap_or(("component", key));
        let (namespace, name) = rest.split_once('/').unwrap_or(("default", rest));
        Self {
            key: key.to_owned(),
            kind: kind.to_owned(),
            label: if namespace == "default" {
                name.to_owned()
            } else {
                format!("{namespace}/{name}")
            },
            href: format!("/catalog/{kind}/{namespace}/{name}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogRow {
    pub link: RefLink,
    pub title: Option<String>,
    pub description: Option<String>,
    pub owner: Option<RefLink>,
    pub business_unit: Option<RefLink>,
    pub lifecycle: Option<String>,
    pub tier: Option<String>,
    pub tags: Vec<String>,
    pub orphaned: bool,
    /// When an import or edit last changed it, `YYYY-MM-DD HH:MM UTC`.
    pub updated: String,
}

/// One facet: the query parameter it sets and its values with counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetGroup {
    pub param: String,
    pub label: String,
    /// `(value, display, count)`.
    pub values: Vec<(String, String, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogView {
    pub rows: Vec<CatalogRow>,
    pub total: i64,
    pub next_cursor: Option<String>,
    pub facets: Vec<FacetGroup>,
    /// Whether the viewer may import descriptors (shows the import link).
    pub can_import: bool,
}

/// The filters a catalog URL carries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogParams {
    pub kind: String,
    pub owner: String,
    pub business_unit: String,
    pub lifecycle: String,
    pub tier: String,
    pub tag: String,
    pub q: String,
    /// `name`, `updated`, `relevance`, or empty for the default order.
    pub sort: String,
}

/// The entity's workloads in one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeCluster {
    pub cluster: String,
    pub environment: String,
    pub demo: bool,
    pub status: String,
    pub live: bool,
    pub as_of: Option<String>,
    pub age: Option<String>,
    pub workloads: Vec<WorkloadRow>,
}

/// Something a group owns, with its health summed over every cluster's snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnedRow {
    pub link: RefLink,
    pub lifecycle: Option<String>,
    /// `ready/wanted` replicas, when it runs anywhere.
    pub replicas: Option<(i64, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationGroup {
    /// `ownedBy`, `dependsOn`, …
    pub relation: String,
    pub targets: Vec<RefLink>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityView {
    pub link: RefLink,
    pub kind_label: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    pub tier: Option<String>,
    pub owner: Option<RefLink>,
    pub business_unit: Option<RefLink>,
    pub tags: Vec<String>,
    pub links: Vec<(String, String)>,
    pub source: String,
    pub orphaned: bool,
    pub relations: Vec<RelationGroup>,
    /// The id workloads are matched by.
    pub kubernetes_id: String,
    pub runtime: Vec<RuntimeCluster>,
    pub owned: Vec<OwnedRow>,
    /// Groups: the health of the components and resources they own (a business unit:
    /// everything under it).
    pub rollup: Option<HealthRollup>,
    /// Business units: the same per team.
    pub teams: Vec<TeamRollup>,
    /// Whether the viewer may edit and remove it (their team's, or a platform admin).
    pub can_edit: bool,
    /// Whether the viewer may import descriptors.
    pub can_import: bool,
}

/// Health of what a team or business unit owns: entities per state and replicas.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthRollup {
    pub entities: i64,
    pub healthy: i64,
    pub degraded: i64,
    pub down: i64,
    pub not_running: i64,
    pub ready: i64,
    pub wanted: i64,
    /// The worst state present: `healthy`, `degraded`, `down` or `not running`.
    pub state: String,
}

/// One team of a business unit, with its roll-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamRollup {
    pub team: RefLink,
    pub health: HealthRollup,
}

/// What an import from the browser changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub source: String,
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: usize,
    pub orphaned: Vec<String>,
}
