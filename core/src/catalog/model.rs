//! Catalog entities as Backstage describes them: kinds, references, relations.
//! BusinessUnit is not a kind of its own: it is a Group with `spec.type:
//! business-unit`, so existing Backstage descriptors need no change.

use serde_json::Value;

pub use parkway_types::{
    DEFAULT_NAMESPACE, EntityKind, EntityRef, Problem, RefError, RelationType, valid_name, valid_namespace,
    valid_tag,
};

use super::yaml::Pos;

/// A reference an entity's spec makes, where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredRef {
    pub relation: RelationType,
    pub target: EntityRef,
    pub field: String,
    pub pos: Pos,
}

/// A validated entity, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    pub entity_ref: EntityRef,
    pub title: Option<String>,
    pub description: Option<String>,
    /// `spec.type`.
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    /// `spec.tier`, else the `tier` label.
    pub tier: Option<String>,
    pub owner: Option<EntityRef>,
    pub tags: Vec<String>,
    /// The whole document as JSON, unknown fields included.
    pub body: Value,
    pub refs: Vec<DeclaredRef>,
    /// Where the document starts.
    pub pos: Pos,
}

impl Entity {
    pub fn key(&self) -> String {
        self.entity_ref.key()
    }

    /// Both halves of every declared relation, as `(source, type, target)` keys.
    pub fn relation_pairs(&self) -> Vec<(String, RelationType, String)> {
        let me = self.key();
        let mut pairs = Vec::with_capacity(self.refs.len() * 2);
        for r in &self.refs {
            let other = r.target.key();
            pairs.push((me.clone(), r.relation, other.clone()));
            pairs.push((other, r.relation.inverse(), me.clone()));
        }
        pairs.sort();
        pairs.dedup();
        pairs
    }
}

/// A problem at a position in the descriptor text.
pub fn problem(pos: Pos, field: impl Into<String>, reason: impl Into<String>) -> Problem {
    Problem {
        line: pos.line,
        column: pos.column,
        field: field.into(),
        reason: reason.into(),
    }
}
