//! Descriptor validation, as Backstage does it: envelope (`apiVersion`, `kind`,
//! `metadata`), the rules for names, namespaces, labels, tags and links, and the
//! required `spec` fields per kind. Every problem is collected, not just the first.

use std::collections::HashMap;

use serde_json::Value;

use super::{
    model::{
        DEFAULT_NAMESPACE, DeclaredRef, Entity, EntityKind, EntityRef, Problem, RelationType, valid_name,
        valid_namespace, valid_tag,
    },
    yaml::{Checker, Node, NodeValue, Pos},
};

pub const API_VERSIONS: [&str; 2] = ["backstage.io/v1alpha1", "backstage.io/v1beta1"];

/// How a spec field is read and which relation it declares.
struct RefField {
    field: &'static str,
    many: bool,
    default_kind: EntityKind,
    relation: RelationType,
}

const fn one(field: &'static str, default_kind: EntityKind, relation: RelationType) -> RefField {
    RefField {
        field,
        many: false,
        default_kind,
        relation,
    }
}

const fn many(field: &'static str, default_kind: EntityKind, relation: RelationType) -> RefField {
    RefField {
        field,
        many: true,
        default_kind,
        relation,
    }
}

/// Required string fields of `spec`, per kind.
fn required_strings(kind: EntityKind) -> &'static [&'static str] {
    match kind {
        EntityKind::Component => &["type", "lifecycle", "owner"],
        EntityKind::Api => &["type", "lifecycle", "owner", "definition"],
        EntityKind::Resource => &["type", "owner"],
        EntityKind::System | EntityKind::Domain => &["owner"],
        EntityKind::Group => &["type"],
        EntityKind::User => &[],
    }
}

/// Required list fields of `spec`, per kind (they may be empty).
fn required_lists(kind: EntityKind) -> &'static [&'static str] {
    match kind {
        EntityKind::Group => &["children"],
        EntityKind::User => &["memberOf"],
        _ => &[],
    }
}

fn ref_fields(kind: EntityKind) -> Vec<RefField> {
    use EntityKind as K;
    use RelationType as R;
    match kind {
        K::Component => vec![
            one("owner", K::Group, R::OwnedBy),
            one("system", K::System, R::PartOf),
            one("subcomponentOf", K::Component, R::PartOf),
            many("providesApis", K::Api, R::ProvidesApi),
            many("consumesApis", K::Api, R::ConsumesApi),
            many("dependsOn", K::Component, R::DependsOn),
        ],
        K::Api => vec![
            one("owner", K::Group, R::OwnedBy),
            one("system", K::System, R::PartOf),
        ],
        K::Resource => vec![
            one("owner", K::Group, R::OwnedBy),
            one("system", K::System, R::PartOf),
            many("dependsOn", K::Resource, R::DependsOn),
        ],
        K::System => vec![
            one("owner", K::Group, R::OwnedBy),
            one("domain", K::Domain, R::PartOf),
        ],
        K::Domain => vec![
            one("owner", K::Group, R::OwnedBy),
            one("subdomainOf", K::Domain, R::PartOf),
        ],
        K::Group => vec![
            one("parent", K::Group, R::ChildOf),
            many("children", K::Group, R::ParentOf),
            many("members", K::User, R::HasMember),
        ],
        K::User => vec![many("memberOf", K::Group, R::MemberOf)],
    }
}

/// What `metadata` contributes to an entity.
struct Metadata {
    name: String,
    namespace: String,
    title: Option<String>,
    description: Option<String>,
    tags: Vec<String>,
}

impl Checker {
    fn string_map(&mut self, node: &Node, field: &str) {
        match &node.value {
            NodeValue::Map(entries) => {
                for (key, key_pos, value) in entries {
                    let (prefix, name) = key.rsplit_once('/').map_or(("", key.as_str()), |(p, n)| (p, n));
                    if !valid_name(name) || prefix.len() > 253 {
                        self.problem(*key_pos, &format!("{field}.{key}"), "not a valid key: 1–63 characters of [a-zA-Z0-9-_.], optionally prefixed by a DNS name and `/`");
                    }
                    self.string(value, &format!("{field}.{key}"));
                }
            }
            _ => self.problem(
                node.pos,
                field,
                format!("expected a mapping, found {}", node.describe()),
            ),
        }
    }

    fn metadata(&mut self, doc: &Node) -> Option<Metadata> {
        let meta_pos = doc.key_pos("metadata").unwrap_or_else(|| doc.start());
        let Some(meta) = doc.get("metadata") else {
            self.problem(doc.start(), "metadata", "required");
            return None;
        };
        if !matches!(meta.value, NodeValue::Map(_)) {
            self.problem(
                meta.pos,
                "metadata",
                format!("expected a mapping, found {}", meta.describe()),
            );
            return None;
        }
        let name = match meta.get("name") {
            None => {
                self.problem(meta_pos, "metadata.name", "required");
                None
            }
            Some(node) => self.string(node, "metadata.name").and_then(|name| {
                if valid_name(name) {
                    Some(name.to_owned())
                } else {
                    self.problem(node.pos, "metadata.name", format!("`{name}` is not valid: 1–63 characters of [a-zA-Z0-9], separated by `-`, `_` or `.`"));
                    None
                }
            }),
        };
        let namespace = match meta.get("namespace") {
            None => Some(DEFAULT_NAMESPACE.to_owned()),
            Some(node) => self.string(node, "metadata.namespace").and_then(|ns| {
                if valid_namespace(ns) {
                    Some(ns.to_owned())
                } else {
                    self.problem(
                        node.pos,
                        "metadata.namespace",
                        format!("`{ns}` is not valid: a DNS label (lower-case letters, digits, `-`)"),
                    );
                    None
                }
            }),
        };
        let title = self.optional_string(meta, "title", "metadata.title");
        let description = self.optional_string(meta, "description", "metadata.description");
        for key in ["labels", "annotations"] {
            if let Some(node) = meta.get(key) {
                self.string_map(node, &format!("metadata.{key}"));
            }
        }
        let mut tags = Vec::new();
        if let Some(node) = meta.get("tags") {
            for (i, item) in self.list(node, "metadata.tags").iter().enumerate() {
                let field = format!("metadata.tags[{i}]");
                if let Some(tag) = self.string(item, &field) {
                    if valid_tag(tag) {
                        tags.push(tag.to_owned());
                    } else {
                        self.problem(
                            item.pos,
                            &field,
                            format!(
                                "`{tag}` is not a valid tag: lower-case words of [a-z0-9:+#] joined by `-`"
                            ),
                        );
                    }
                }
            }
        }
        if let Some(node) = meta.get("links") {
            for (i, link) in self.list(node, "metadata.links").iter().enumerate() {
                let field = format!("metadata.links[{i}].url");
                match link.get("url") {
                    Some(url) => {
                        if let Some(text) = self.string(url, &field)
                            && !(text.starts_with("https://") || text.starts_with("http://"))
                        {
                            self.problem(url.pos, &field, "must be an http(s) URL");
                        }
                    }
                    None => self.problem(link.pos, &field, "required"),
                }
            }
        }
        Some(Metadata {
            name: name?,
            namespace: namespace?,
            title,
            description,
            tags,
        })
    }
}

/// Validates every document; returns the entities that passed and every problem
/// (including entities defined twice).
pub fn entities(documents: &[Node]) -> (Vec<Entity>, Vec<Problem>) {
    let mut validator = Validator::default();
    let out = documents
        .iter()
        .filter_map(|doc| {
            let mut entity = validator.entity(doc)?;
            entity.body = doc.to_json();
            Some(entity)
        })
        .collect();
    (out, validator.finish())
}

/// Validates documents one at a time, as an import reads them, remembering the keys
/// seen so far so an entity defined twice is reported.
#[derive(Default)]
pub struct Validator {
    checker: Checker,
    seen: HashMap<String, Pos>,
}

impl Validator {
    /// The entity `doc` describes, or `None` with its problems recorded. The entity's
    /// `body` is left null: the caller keeps the document in the form it needs (a
    /// tree for one edit, JSON text for thousands of imported descriptors).
    pub fn entity(&mut self, doc: &Node) -> Option<Entity> {
        let problems_before = self.checker.problems.len();
        if doc.is_null() {
            return None; // an empty document, e.g. a trailing `---`
        }
        if !matches!(doc.value, NodeValue::Map(_)) {
            self.checker.problem(
                doc.pos,
                "(document)",
                format!("expected a mapping, found {}", doc.describe()),
            );
            return None;
        }
        let api_ok = match doc.get("apiVersion") {
            None => {
                self.checker.problem(doc.start(), "apiVersion", "required");
                false
            }
            Some(node) => match self.checker.string(node, "apiVersion") {
                Some(v) if API_VERSIONS.contains(&v) => true,
                Some(v) => {
                    self.checker.problem(
                        node.pos,
                        "apiVersion",
                        format!("`{v}` is not supported: expected {}", API_VERSIONS.join(" or ")),
                    );
                    false
                }
                None => false,
            },
        };
        let kind = match doc.get("kind") {
            None => {
                self.checker.problem(doc.start(), "kind", "required");
                None
            }
            Some(node) => self
                .checker
                .string(node, "kind")
                .and_then(|k| match k.parse::<EntityKind>() {
                    Ok(kind) => Some(kind),
                    Err(reason) => {
                        self.checker.problem(node.pos, "kind", reason.to_string());
                        None
                    }
                }),
        };
        let metadata = self.checker.metadata(doc);
        let spec = match doc.get("spec") {
            Some(node) if matches!(node.value, NodeValue::Map(_)) => Some(node),
            Some(node) => {
                self.checker.problem(
                    node.pos,
                    "spec",
                    format!("expected a mapping, found {}", node.describe()),
                );
                None
            }
            None => {
                self.checker.problem(doc.start(), "spec", "required");
                None
            }
        };
        // Required fields are checked even when the metadata is wrong, so one pass
        // reports every problem of the document.
        if let (Some(kind), Some(spec)) = (kind, spec) {
            let spec_pos = doc.key_pos("spec").unwrap_or(spec.pos);
            for field in required_strings(kind) {
                match spec.get(field) {
                    None => self.checker.problem(
                        spec_pos,
                        &format!("spec.{field}"),
                        format!("required for a {kind}"),
                    ),
                    Some(node) => {
                        self.checker.string(node, &format!("spec.{field}"));
                    }
                }
            }
            for field in required_lists(kind) {
                if spec.get(field).is_none() {
                    self.checker.problem(
                        spec_pos,
                        &format!("spec.{field}"),
                        format!("required for a {kind} (an empty list is fine)"),
                    );
                }
            }
        }
        let (
            Some(kind),
            Some(Metadata {
                name,
                namespace,
                title,
                description,
                tags,
            }),
            Some(spec),
            true,
        ) = (kind, metadata, spec, api_ok)
        else {
            return None;
        };
        let mut refs = Vec::new();
        for rf in ref_fields(kind) {
            let Some(node) = spec.get(rf.field) else { continue };
            let field = format!("spec.{}", rf.field);
            let items: Vec<(String, &Node)> = if rf.many {
                self.checker
                    .list(node, &field)
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (format!("{field}[{i}]"), n))
                    .collect()
            } else {
                vec![(field.clone(), node)]
            };
            for (field, item) in items {
                let Some(text) = self.checker.string(item, &field) else {
                    continue;
                };
                match EntityRef::parse(text, Some(rf.default_kind), &namespace) {
                    Ok(target) => refs.push(DeclaredRef {
                        relation: rf.relation,
                        target,
                        field,
                        pos: item.pos,
                    }),
                    Err(reason) => self.checker.problem(item.pos, &field, reason.to_string()),
                }
            }
        }
        let entity_ref = EntityRef {
            kind,
            namespace: namespace.to_ascii_lowercase(),
            name: name.to_ascii_lowercase(),
        };
        let key = entity_ref.key();
        if let Some(first) = self.seen.get(&key) {
            let name_pos = doc
                .get("metadata")
                .and_then(|m| m.get("name"))
                .map_or_else(|| doc.start(), |n| n.pos);
            self.checker.problem(
                name_pos,
                "metadata.name",
                format!(
                    "`{key}` is defined twice in this import (first at line {})",
                    first.line
                ),
            );
            return None;
        }
        self.seen.insert(key, doc.start());
        if self.checker.problems.len() > problems_before {
            return None;
        }
        let text_of = |field: &str| spec.get(field).and_then(Node::as_str).map(str::to_owned);
        let tier = text_of("tier").or_else(|| {
            doc.get("metadata")
                .and_then(|m| m.get("labels"))
                .and_then(|l| l.get("tier"))
                .and_then(Node::as_str)
                .map(str::to_owned)
        });
        Some(Entity {
            owner: refs
                .iter()
                .find(|r| r.relation == RelationType::OwnedBy)
                .map(|r| r.target.clone()),
            spec_type: text_of("type"),
            lifecycle: text_of("lifecycle"),
            tier,
            entity_ref,
            title,
            description,
            tags,
            // Filled by the caller, in the form it stores.
            body: Value::Null,
            refs,
            pos: doc.start(),
        })
    }

    /// Every problem found, in file order.
    pub fn finish(mut self) -> Vec<Problem> {
        self.checker.problems.sort();
        self.checker.problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::yaml::{Limits, parse};

    fn check(text: &str) -> (Vec<Entity>, Vec<Problem>) {
        entities(&parse(text, Limits::default()).expect("valid YAML"))
    }

    const GOOD: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout-api
  title: Checkout API
  tags: [java, payments]
  links:
    - url: https://runbooks.example.com/checkout
  x-custom: kept
spec:
  type: service
  lifecycle: production
  owner: team-checkout
  system: payments
  providesApis: [checkout]
  dependsOn: [resource:checkout-db]
";

    #[test]
    fn a_good_component_declares_its_relations_and_keeps_unknown_fields() {
        let (found, problems) = check(GOOD);
        assert_eq!(problems, []);
        let e = &found[0];
        assert_eq!(e.key(), "component:default/checkout-api");
        assert_eq!(
            e.owner.as_ref().map(EntityRef::key).as_deref(),
            Some("group:default/team-checkout")
        );
        assert_eq!(e.body["metadata"]["x-custom"], "kept");
        let pairs: Vec<String> = e
            .relation_pairs()
            .iter()
            .map(|(a, t, b)| format!("{a} {} {b}", t.as_str()))
            .collect();
        assert!(
            pairs.contains(&"component:default/checkout-api providesApi api:default/checkout".to_owned())
        );
        assert!(
            pairs.contains(&"api:default/checkout apiProvidedBy component:default/checkout-api".to_owned())
        );
        assert!(pairs.contains(
            &"resource:default/checkout-db dependencyOf component:default/checkout-api".to_owned()
        ));
        assert!(pairs.contains(&"system:default/payments hasPart component:default/checkout-api".to_owned()));
    }

    #[test]
    fn every_problem_is_reported_with_its_position() {
        let text = "\
apiVersion: backstage.io/v2
kind: Component
metadata:
  name: -bad-
  tags: [Java]
spec:
  type: service
  owner: [team-a]
";
        let (found, problems) = check(text);
        assert!(found.is_empty());
        let rendered: Vec<String> = problems.iter().map(|p| p.render("c.yaml")).collect();
        assert_eq!(
            rendered,
            [
                "c.yaml:1:13 — apiVersion — `backstage.io/v2` is not supported: expected backstage.io/v1alpha1 or backstage.io/v1beta1",
                "c.yaml:4:9 — metadata.name — `-bad-` is not valid: 1–63 characters of [a-zA-Z0-9], separated by `-`, `_` or `.`",
                "c.yaml:5:10 — metadata.tags[0] — `Java` is not a valid tag: lower-case words of [a-z0-9:+#] joined by `-`",
                // A bad header does not hide what is wrong in the spec.
                "c.yaml:6:1 — spec.lifecycle — required for a Component",
                "c.yaml:8:10 — spec.owner — expected a string, found a list",
            ]
        );
    }

    #[test]
    fn spec_rules_and_duplicates_are_checked() {
        let text = format!(
            "{GOOD}---\n{GOOD}---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {{name: g}}\nspec: {{type: team, parent: 5}}\n"
        );
        let (found, problems) = check(&text);
        assert_eq!(found.len(), 1);
        let fields: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.field.as_str(), p.reason.as_str()))
            .collect();
        assert!(
            fields.contains(&(
                "metadata.name",
                "`component:default/checkout-api` is defined twice in this import (first at line 1)"
            )),
            "{fields:?}"
        );
        assert!(
            fields.contains(&("spec.children", "required for a Group (an empty list is fine)")),
            "{fields:?}"
        );
        assert!(
            fields.contains(&("spec.parent", "expected a string, found a number")),
            "{fields:?}"
        );
    }
}
