//! Descriptor text to rows, one document at a time: each document is validated and
//! turned into a [`Row`] (its columns, its references, and the descriptor as JSON
//! text) as soon as the reader completes it, and its tree is dropped before the next
//! one is read. A 28 MB file of 50,000 descriptors is never held as trees: only the
//! text and the rows, which take about as much memory again as the text.

use std::collections::BTreeSet;

use sha2::{Digest, Sha256};

use super::super::super::{
    error::{Error, Result},
    model::{Entity, EntityKind, Problem, RelationType, problem},
    validate::Validator,
    yaml::{self, Limits, Pos},
};
use super::super::words::{catalog_words, search_text_of};

/// A reference a descriptor makes, as an import keeps it: the target's key and where
/// it was written (for the problem if it resolves nowhere).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in super::super) struct Ref {
    pub relation: RelationType,
    pub target: String,
    pub field: Box<str>,
    pub pos: Pos,
}

/// One validated descriptor, ready to write: its columns, its references, and the
/// whole document as JSON text (unknown fields included) for the `body` column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in super::super) struct Row {
    pub key: String,
    pub kind: EntityKind,
    pub namespace: String,
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    pub tier: Option<String>,
    /// The owner's key.
    pub owner: Option<String>,
    pub tags: Vec<String>,
    pub body: String,
    pub refs: Vec<Ref>,
    /// Where the document starts.
    pub pos: Pos,
}

impl Row {
    /// `entity` (whose `body` is not used) with `body`, the document as JSON text.
    pub fn new(entity: Entity, body: String) -> Self {
        let key = entity.key();
        Self {
            key,
            kind: entity.entity_ref.kind,
            owner: entity.owner.as_ref().map(|o| o.key()),
            namespace: entity.entity_ref.namespace,
            name: entity.entity_ref.name,
            title: entity.title,
            description: entity.description,
            spec_type: entity.spec_type,
            lifecycle: entity.lifecycle,
            tier: entity.tier,
            tags: entity.tags,
            body,
            refs: entity
                .refs
                .into_iter()
                .map(|r| Ref {
                    relation: r.relation,
                    target: r.target.key(),
                    field: r.field.into_boxed_str(),
                    pos: r.pos,
                })
                .collect(),
            pos: entity.pos,
        }
    }

    /// What full-text search matches (see [`search_text_of`]).
    pub fn search_text(&self) -> String {
        search_text_of(&self.name, [&self.title, &self.description], &self.tags)
    }

    /// Both halves of every declared relation, as `(source, type, target)` keys, as
    /// [`Entity::relation_pairs`] gives them.
    pub fn relation_pairs(&self) -> Vec<(String, RelationType, String)> {
        let mut pairs = Vec::with_capacity(self.refs.len() * 2);
        for r in &self.refs {
            pairs.push((self.key.clone(), r.relation, r.target.clone()));
            pairs.push((r.target.clone(), r.relation.inverse(), self.key.clone()));
        }
        pairs.sort();
        pairs.dedup();
        pairs
    }
}

/// What one import's text holds: the rows that passed, every problem so far
/// (references are checked against the database later), the typo-correction words of
/// the rows, and the text's SHA-256 (the audit event names the bytes imported).
#[derive(Debug, Default)]
pub(in super::super) struct Parsed {
    pub rows: Vec<Row>,
    pub problems: Vec<Problem>,
    pub words: BTreeSet<String>,
    pub sha256: String,
}

/// Reads, validates and converts `text` on the calling thread (CPU work: async
/// callers run it on the blocking pool). A YAML syntax problem refuses the file alone;
/// otherwise every rule problem of every document is collected.
pub(in super::super) fn parse_now(file: &str, text: &str) -> Result<Parsed> {
    let mut parsed = Parsed {
        sha256: hex::encode(Sha256::digest(text.as_bytes())),
        ..Parsed::default()
    };
    let mut validator = Validator::default();
    yaml::parse_each(text, Limits::default(), |doc| {
        if let Some(entity) = validator.entity(&doc) {
            let row = Row::new(entity, doc.to_json_text());
            parsed.words.extend(catalog_words(&row.search_text()));
            parsed.rows.push(row);
        }
    })
    .map_err(|e| Error::Invalid {
        file: file.to_owned(),
        problems: vec![problem(e.pos, "(yaml)", e.reason)],
    })?;
    parsed.problems = validator.finish();
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{validate, yaml::parse};

    const TWO: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: Checkout
  title: Checkout
  description: Takes payments
  tags: [java]
  labels: {tier: gold}
spec: {type: service, lifecycle: production, owner: team-a, dependsOn: [component:db, component:db]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: []}
";

    #[test]
    fn rows_hold_what_the_entities_hold_and_the_body_as_json_text() {
        let parsed = parse_now("two.yaml", TWO).expect("parses");
        assert_eq!(parsed.problems, []);
        let (entities, _) = validate::entities(&parse(TWO, Limits::default()).expect("YAML"));
        assert_eq!(parsed.rows.len(), entities.len());
        for (row, entity) in parsed.rows.iter().zip(&entities) {
            assert_eq!(row.key, entity.key());
            assert_eq!(row.relation_pairs(), entity.relation_pairs());
            let body: serde_json::Value = serde_json::from_str(&row.body).expect("JSON");
            assert_eq!(body, entity.body);
            assert_eq!(row.tier, entity.tier);
        }
        let checkout = &parsed.rows[0];
        assert_eq!(checkout.key, "component:default/checkout");
        assert_eq!(checkout.owner.as_deref(), Some("group:default/team-a"));
        assert_eq!(checkout.tier.as_deref(), Some("gold"), "from the label");
        assert_eq!(
            checkout.refs[1].field.as_ref(),
            "spec.dependsOn[0]",
            "where each reference was written"
        );
        assert!(parsed.words.contains("payments") && parsed.words.contains("checkout"));
        assert_eq!(parsed.sha256.len(), 64);
    }

    #[test]
    fn a_syntax_error_refuses_the_file_with_its_position_alone() {
        let text = format!("{TWO}---\nkind: [unclosed\n");
        let Err(Error::Invalid { problems, .. }) = parse_now("bad.yaml", &text) else {
            panic!("refused")
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].field, "(yaml)");
        assert!(problems[0].line >= 16, "after the good documents: {problems:?}");
    }
}
