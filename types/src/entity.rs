//! Catalog entities as Backstage names them: kinds, references (`kind:namespace/name`)
//! and relation types. One parser for references, whether they come from a
//! descriptor, a stored key or a page URL, so every door refuses the same text with
//! the same words.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

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
    pub const fn key_name(self) -> &'static str {
        match self {
            EntityKind::Domain => "domain",
            EntityKind::System => "system",
            EntityKind::Component => "component",
            EntityKind::Api => "api",
            EntityKind::Resource => "resource",
            EntityKind::Group => "group",
            EntityKind::User => "user",
        }
    }

    /// Whether workloads can run it, so it has a Runtime tab and counts in roll-ups.
    pub const fn runs(self) -> bool {
        matches!(self, EntityKind::Component | EntityKind::Resource)
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kind that is not one of the seven; the message lists them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown kind `{given}`: expected one of {}", EntityKind::ALL.map(EntityKind::as_str).join(", "))]
pub struct UnknownKind {
    pub given: String,
}

impl FromStr for EntityKind {
    type Err = UnknownKind;

    /// Case-insensitive, as Backstage compares kinds.
    fn from_str(s: &str) -> Result<Self, UnknownKind> {
        EntityKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownKind { given: s.to_owned() })
    }
}

pub const DEFAULT_NAMESPACE: &str = "default";

/// Why a text is not an entity reference. The messages quote the text and say what
/// to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    #[error(transparent)]
    UnknownKind(#[from] UnknownKind),
    #[error("`{text}` needs a kind, as in `component:{text}`")]
    NoKind { text: String },
    #[error("`{text}` is not a valid entity reference: bad name `{name}`")]
    BadName { text: String, name: String },
    #[error("`{text}` is not a valid entity reference: bad namespace `{namespace}`")]
    BadNamespace { text: String, namespace: String },
}

/// `[kind:][namespace/]name`, compared case-insensitively (stored lower-case).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EntityRef {
    pub kind: EntityKind,
    pub namespace: String,
    pub name: String,
}

impl EntityRef {
    /// Reads a reference as descriptors write it; `default_kind` applies when the
    /// text names no kind, `default_namespace` when it names no namespace.
    pub fn parse(
        text: &str,
        default_kind: Option<EntityKind>,
        default_namespace: &str,
    ) -> Result<Self, RefError> {
        let (kind, rest) = match text.split_once(':') {
            Some((kind, rest)) => (kind.parse::<EntityKind>()?, rest),
            None => (
                default_kind.ok_or_else(|| RefError::NoKind {
                    text: text.to_owned(),
                })?,
                text,
            ),
        };
        let (namespace, name) = match rest.split_once('/') {
            Some((ns, name)) => (ns, name),
            None => (default_namespace, rest),
        };
        Self::checked(text, kind, namespace, name)
    }

    /// A stored key or a fully written reference, `kind:namespace/name`.
    pub fn parse_key(key: &str) -> Result<Self, RefError> {
        Self::parse(key, None, DEFAULT_NAMESPACE)
    }

    /// The entity a page or API URL names with three path segments
    /// (`/catalog/{kind}/{namespace}/{name}`).
    pub fn from_path(kind: &str, namespace: &str, name: &str) -> Result<Self, RefError> {
        let text = format!("{kind}:{namespace}/{name}");
        Self::checked(&text, kind.parse()?, namespace, name)
    }

    fn checked(text: &str, kind: EntityKind, namespace: &str, name: &str) -> Result<Self, RefError> {
        if !valid_name(name) {
            return Err(RefError::BadName {
                text: text.to_owned(),
                name: name.to_owned(),
            });
        }
        let namespace = namespace.to_ascii_lowercase();
        if !valid_namespace(&namespace) {
            return Err(RefError::BadNamespace {
                text: text.to_owned(),
                namespace,
            });
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

    /// Where the entity's page is. Names and namespaces need no escaping: their
    /// characters are all URL-safe.
    pub fn href(&self) -> String {
        format!(
            "/catalog/{}/{}/{}",
            self.kind.key_name(),
            self.namespace,
            self.name
        )
    }

    /// What a link to it says: the name, plus the namespace when it is not `default`.
    pub fn label(&self) -> String {
        if self.namespace == DEFAULT_NAMESPACE {
            self.name.clone()
        } else {
            format!("{}/{}", self.namespace, self.name)
        }
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

/// How two entities relate. Every relation is stored as a pair ([`Self::inverse`]).
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
    pub const ALL: [RelationType; 14] = [
        RelationType::OwnedBy,
        RelationType::OwnerOf,
        RelationType::PartOf,
        RelationType::HasPart,
        RelationType::DependsOn,
        RelationType::DependencyOf,
        RelationType::ProvidesApi,
        RelationType::ApiProvidedBy,
        RelationType::ConsumesApi,
        RelationType::ApiConsumedBy,
        RelationType::MemberOf,
        RelationType::HasMember,
        RelationType::ParentOf,
        RelationType::ChildOf,
    ];

    /// As Backstage and the database spell it.
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

    /// How the relation reads as a heading on an entity page.
    pub const fn label(self) -> &'static str {
        match self {
            RelationType::OwnedBy => "Owned by",
            RelationType::OwnerOf => "Owns",
            RelationType::PartOf => "Part of",
            RelationType::HasPart => "Has parts",
            RelationType::DependsOn => "Depends on",
            RelationType::DependencyOf => "Depended on by",
            RelationType::ProvidesApi => "Provides APIs",
            RelationType::ApiProvidedBy => "Provided by",
            RelationType::ConsumesApi => "Consumes APIs",
            RelationType::ApiConsumedBy => "Consumed by",
            RelationType::MemberOf => "Member of",
            RelationType::HasMember => "Members",
            RelationType::ParentOf => "Parent of",
            RelationType::ChildOf => "Child of",
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

impl fmt::Display for RelationType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A relation type that is not one of Backstage's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown relation `{given}`")]
pub struct UnknownRelation {
    pub given: String,
}

impl FromStr for RelationType {
    type Err = UnknownRelation;

    fn from_str(s: &str) -> Result<Self, UnknownRelation> {
        RelationType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownRelation { given: s.to_owned() })
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
        assert_eq!(
            EntityRef::parse("cart", None, "default"),
            Err(RefError::NoKind { text: "cart".into() })
        );
        assert!(
            EntityRef::parse("widget:cart", None, "default")
                .expect_err("kind")
                .to_string()
                .contains("unknown kind `widget`")
        );
        assert!(EntityRef::parse("component:bad name", None, "default").is_err());
    }

    #[test]
    fn a_page_url_and_a_stored_key_name_the_same_entity() {
        let from_url = EntityRef::from_path("Component", "Default", "Checkout").expect("parses");
        let from_key = EntityRef::parse_key("component:default/checkout").expect("parses");
        assert_eq!(from_url, from_key);
        assert_eq!(from_url.href(), "/catalog/component/default/checkout");
        assert_eq!(from_url.label(), "checkout");
        let elsewhere = EntityRef::parse_key("api:shop/cart").expect("parses");
        assert_eq!(elsewhere.label(), "shop/cart");
        assert_eq!(elsewhere.kind, EntityKind::Api);
        assert!(matches!(
            EntityRef::from_path("widget", "default", "x"),
            Err(RefError::UnknownKind(_))
        ));
        assert!(matches!(
            EntityRef::from_path("component", "default", "no spaces"),
            Err(RefError::BadName { .. })
        ));
        assert!(matches!(
            EntityRef::from_path("component", "under_score", "x"),
            Err(RefError::BadNamespace { .. })
        ));
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
    fn every_relation_has_an_inverse_that_leads_back_and_a_name_that_parses() {
        for t in RelationType::ALL {
            assert_eq!(t.inverse().inverse(), t);
            assert_ne!(t.inverse(), t);
            assert_eq!(t.as_str().parse::<RelationType>(), Ok(t));
            assert_eq!(serde_json::to_value(t).ok(), Some(serde_json::json!(t.as_str())));
        }
    }

    #[test]
    fn kinds_parse_in_any_case_and_key_in_lower_case() {
        for kind in EntityKind::ALL {
            assert_eq!(kind.key_name().parse::<EntityKind>(), Ok(kind));
            assert_eq!(kind.key_name(), kind.as_str().to_ascii_lowercase());
        }
    }
}
