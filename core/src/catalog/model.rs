//! Catalog entities as Backstage describes them: kinds, references, relations.
//! BusinessUnit is not a kind of its own: it is a Group with `spec.type:
//! business-unit`, so existing Backstage descriptors need no change.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::yaml::Pos;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum EntityKind {
    Domain,
    System,
    Component,
    #[serde(rename = "API")]
    Api,
    Resource,
    Group,
    User,
}

impl EntityKind {
    pub const ALL: [EntityKind; 7] = [
        EntityKind::Domain,
        EntityKind::System,
        EntityKind::Component,
        EntityKind::Api,
        EntityKind::Resource,
        EntityKind::Group,
        EntityKind::User,
    ];

    /// As descriptors spell it.
    pub const fn as_str(self) -> &'static str {
        match self {
            EntityKind::Domain => "Domain",
            EntityKind::System => "System",
            EntityKind::Component => "Component",
            EntityKind::Api => "API",
            EntityKind::Resource => "Resource",
            EntityKind::Group => "Group",
            EntityKind::User => "User",
        }
    }

    /// As entity keys and URLs spell it (`component:default/name`).
    pub fn key_name(self) -> String {
        self.as_str().to_ascii_lowercase()
    }

    /// The key of the entity of this kind that a page URL's namespace and name point
    /// at (keys compare case-insensitively).
    pub fn key(self, namespace: &str, name: &str) -> String {
        format!(
            "{}:{}/{}",
            self.key_name(),
            namespace.to_lowercase(),
            name.to_lowercase()
        )
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EntityKind {
    type Err = String;

    /// Case-insensitive, as Backstage compares kinds.
    fn from_str(s: &str) -> Result<Self, String> {
        EntityKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!(
                    "unknown kind `{s}`: expected one of {}",
                    EntityKind::ALL.map(EntityKind::as_str).join(", ")
                )
            })
    }
}

/// `[kind:][namespace/]name`, compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EntityRef {
    pub kind: EntityKind,
    pub namespace: String,
    pub name: String,
}

pub const DEFAULT_NAMESPACE: &str = "default";

impl EntityRef {
    /// Reads a reference; `default_kind` applies when the text names no kind.
    pub fn parse(
        text: &str,
        default_kind: Option<EntityKind>,
        default_namespace: &str,
    ) -> Result<Self, String> {
        let (kind, rest) = match text.split_once(':') {
            Some((kind, rest)) => (kind.parse::<EntityKind>()?, rest),
            None => (
                default_kind.ok_or_else(|| format!("`{text}` needs a kind, as in `component:{text}`"))?,
                text,
            ),
        };
        let (namespace, name) = match rest.split_once('/') {
            Some((ns, name)) => (ns, name),
            None => (default_namespace, rest),
        };
        if !valid_name(name) {
            return Err(format!(
                "`{text}` is not a valid entity reference: bad name `{name}`"
            ));
        }
        let namespace = namespace.to_ascii_lowercase();
        if !valid_namespace(&namespace) {
            return Err(format!(
                "`{text}` is not a valid entity reference: bad namespace `{namespace}`"
            ));
        }
        Ok(Self {
            kind,
            namespace,
            name: name.to_ascii_lowercase(),
        })
    }

    /// `component:default/checkout-api`: the catalog's primary key.
    pub fn key(&self) -> String {
        format!("{}:{}/{}", self.kind.key_name(), self.namespace, self.name)
    }
}

impl fmt::Display for EntityRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

/// Backstage's name rule: 1–63 characters, `[a-zA-Z0-9]` separated by `-`, `_`, `.`.
pub fn valid_name(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A DNS label: 1–63 lower-case letters, digits and `-`.
pub fn valid_namespace(namespace: &str) -> bool {
    (1..=63).contains(&namespace.len())
        && namespace.starts_with(|c: char| c.is_ascii_alphanumeric())
        && namespace.ends_with(|c: char| c.is_ascii_alphanumeric())
        && namespace
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Backstage's tag rule: lower-case words of `[a-z0-9:+#]` joined by single `-`.
pub fn valid_tag(tag: &str) -> bool {
    (1..=63).contains(&tag.len())
        && tag.split('-').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, ':' | '+' | '#'))
        })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RelationType {
    OwnedBy,
    OwnerOf,
    PartOf,
    HasPart,
    DependsOn,
    DependencyOf,
    ProvidesApi,
    ApiProvidedBy,
    ConsumesApi,
    ApiConsumedBy,
    MemberOf,
    HasMember,
    ParentOf,
    ChildOf,
}

impl RelationType {
    pub const fn as_str(self) -> &'static str {
        match self {
            RelationType::OwnedBy => "ownedBy",
            RelationType::OwnerOf => "ownerOf",
            RelationType::PartOf => "partOf",
            RelationType::HasPart => "hasPart",
            RelationType::DependsOn => "dependsOn",
            RelationType::DependencyOf => "dependencyOf",
            RelationType::ProvidesApi => "providesApi",
            RelationType::ApiProvidedBy => "apiProvidedBy",
            RelationType::ConsumesApi => "consumesApi",
            RelationType::ApiConsumedBy => "apiConsumedBy",
            RelationType::MemberOf => "memberOf",
            RelationType::HasMember => "hasMember",
            RelationType::ParentOf => "parentOf",
            RelationType::ChildOf => "childOf",
        }
    }

    /// Every relation is stored as a pair: this is the other half.
    pub const fn inverse(self) -> Self {
        use RelationType::*;
        match self {
            OwnedBy => OwnerOf,
            OwnerOf => OwnedBy,
            PartOf => HasPart,
            HasPart => PartOf,
            DependsOn => DependencyOf,
            DependencyOf => DependsOn,
            ProvidesApi => ApiProvidedBy,
            ApiProvidedBy => ProvidesApi,
            ConsumesApi => ApiConsumedBy,
            ApiConsumedBy => ConsumesApi,
            MemberOf => HasMember,
            HasMember => MemberOf,
            ParentOf => ChildOf,
            ChildOf => ParentOf,
        }
    }
}

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

/// One thing wrong with a descriptor: where, which field, why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub field: String,
    pub reason: String,
}

impl Problem {
    pub fn new(pos: Pos, field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            line: pos.line,
            column: pos.column,
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// `file:line:column — field — reason`.
    pub fn render(&self, file: &str) -> String {
        format!(
            "{file}:{}:{} — {} — {}",
            self.line, self.column, self.field, self.reason
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_take_defaults_and_compare_case_insensitively() {
        let r = EntityRef::parse("team-a", Some(EntityKind::Group), "default").expect("parses");
        assert_eq!(r.key(), "group:default/team-a");
        let r = EntityRef::parse("Component:Shop/Cart-API", None, "default").expect("parses");
        assert_eq!(r.key(), "component:shop/cart-api");
        assert!(
            EntityRef::parse("cart", None, "default").is_err(),
            "no kind and no default"
        );
        assert!(
            EntityRef::parse("widget:cart", None, "default")
                .expect_err("kind")
                .contains("unknown kind")
        );
        assert!(EntityRef::parse("component:bad name", None, "default").is_err());
    }

    #[test]
    fn names_tags_and_namespaces_follow_backstage() {
        assert!(valid_name("checkout_API.v2"));
        assert!(!valid_name("-leading"));
        assert!(!valid_name(&"a".repeat(64)));
        assert!(valid_tag("java") && valid_tag("c++") && valid_tag("team-a"));
        assert!(!valid_tag("Java") && !valid_tag("a--b"));
        assert!(valid_namespace("default") && !valid_namespace("Default"));
    }

    #[test]
    fn every_relation_has_an_inverse_that_leads_back() {
        use RelationType::*;
        for t in [
            OwnedBy,
            PartOf,
            DependsOn,
            ProvidesApi,
            ConsumesApi,
            MemberOf,
            ParentOf,
        ] {
            assert_eq!(t.inverse().inverse(), t);
            assert_ne!(t.inverse(), t);
        }
    }
}
