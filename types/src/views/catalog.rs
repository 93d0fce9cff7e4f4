//! The catalog pages: the listing with its facets, one entity with its relations,
//! runtime and roll-ups, and what an import changed.

use serde::{Deserialize, Serialize};

use super::clusters::WorkloadRow;
use crate::{EntityRef, Facet, RelationType, Rollup, RunState};

/// One row of the catalog page: only what its table shows (it is also sent to the
/// browser once more, for hydration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogRow {
    pub entity: EntityRef,
    pub description: Option<String>,
    pub owner: Option<EntityRef>,
    pub lifecycle: Option<String>,
    pub tier: Option<String>,
    pub tags: Vec<String>,
    pub orphaned: bool,
    /// When an import or edit last changed it, `YYYY-MM-DD HH:MM UTC`.
    pub updated: String,
}

/// One value of a facet and how many entities have it under the other filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetValue {
    /// As the URL carries it.
    pub value: String,
    /// As the page shows it (an entity reference's label).
    pub label: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetGroup {
    pub facet: Facet,
    pub values: Vec<FacetValue>,
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
    pub entity: EntityRef,
    /// `ready/wanted` replicas, when it runs anywhere.
    pub replicas: Option<(i64, i64)>,
    pub state: RunState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationGroup {
    pub relation: RelationType,
    pub targets: Vec<EntityRef>,
}

/// A link from a descriptor's `metadata.links`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub title: String,
    pub url: String,
}

/// One team of a business unit, with its roll-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamRollup {
    pub team: EntityRef,
    pub health: Rollup,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityView {
    pub entity: EntityRef,
    pub title: Option<String>,
    pub description: Option<String>,
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    pub tier: Option<String>,
    pub owner: Option<EntityRef>,
    pub business_unit: Option<EntityRef>,
    pub tags: Vec<String>,
    pub links: Vec<Link>,
    pub source: String,
    pub orphaned: bool,
    pub relations: Vec<RelationGroup>,
    /// The id workloads are matched by.
    pub kubernetes_id: String,
    pub runtime: Vec<RuntimeCluster>,
    pub owned: Vec<OwnedRow>,
    /// Groups: the health of the components and resources they own (a business unit:
    /// everything under it).
    pub rollup: Option<Rollup>,
    /// Business units: the same per team.
    pub teams: Vec<TeamRollup>,
    /// Whether the viewer may edit and remove it (their team's, or a platform admin).
    pub can_edit: bool,
    /// Whether the viewer may import descriptors.
    pub can_import: bool,
}

/// What an import from the browser changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub source: String,
    pub created: Vec<EntityRef>,
    pub updated: Vec<EntityRef>,
    pub unchanged: usize,
    pub orphaned: Vec<EntityRef>,
}
