//! Descriptor files as positioned trees: every node knows its line and column, so a
//! validation problem can say exactly where it is. Built on yaml-rust2's event parser;
//! aliases are refused (they allow exponential expansion), and nesting, keys per
//! mapping and nodes per document are bounded, so no input can make a worker spend
//! more than linear time on it. Parsing stops at the first problem. Documents are
//! handed over one at a time ([`parse_each`]), so an import of many descriptors never
//! holds the tree of more than one.

use std::collections::HashSet;

use serde_json::{Map, Number, Value};

use super::model::{Problem, problem};
use yaml_rust2::{
    Event,
    parser::{MarkedEventReceiver, Parser},
    scanner::{Marker, TScalarStyle},
};

/// A 1-based line and column in the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl From<Marker> for Pos {
    fn from(m: Marker) -> Self {
        // yaml-rust2 counts columns from 0 and lines from 1.
        Pos {
            line: m.line(),
            column: m.col() + 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    /// Keys in file order, each with its own position.
    Map(Vec<(String, Pos, Node)>),
    Seq(Vec<Node>),
    /// The text and whether it was quoted (quoted scalars are always strings).
    Scalar(String, bool),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: NodeValue,
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            NodeValue::Map(entries) => entries.iter().find(|(k, _, _)| k == key).map(|(_, _, n)| n),
            _ => None,
        }
    }

    /// Where `key` is written in this mapping: the place to report a problem with a
    /// child that is missing (the mapping's own mark points after its first key).
    pub fn key_pos(&self, key: &str) -> Option<Pos> {
        match &self.value {
            NodeValue::Map(entries) => entries.iter().find(|(k, _, _)| k == key).map(|(_, pos, _)| *pos),
            _ => None,
        }
    }

    /// Where the node starts as a reader sees it: a mapping's first key.
    pub fn start(&self) -> Pos {
        match &self.value {
            NodeValue::Map(entries) => entries.first().map_or(self.pos, |(_, pos, _)| *pos),
            _ => self.pos,
        }
    }

    /// The scalar's text when it is a string (quoted, or plain and not a number,
    /// boolean or null).
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::Scalar(text, true) => Some(text),
            NodeValue::Scalar(text, false) if matches!(plain_scalar(text), Value::String(_)) => Some(text),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.value, NodeValue::Scalar(text, false) if plain_scalar(text).is_null())
    }

    /// What kind of value this is, for "expected a string, found a list" messages.
    pub fn describe(&self) -> &'static str {
        match &self.value {
            NodeValue::Map(_) => "a mapping",
            NodeValue::Seq(_) => "a list",
            NodeValue::Scalar(_, true) => "a string",
            NodeValue::Scalar(text, false) => match plain_scalar(text) {
                Value::Null => "null",
                Value::Bool(_) => "a boolean",
                Value::Number(_) => "a number",
                _ => "a string",
            },
        }
    }

    /// The same tree as JSON text, written directly (no [`Value`] tree in between):
    /// what an import stores, at a fraction of the memory of a tree per descriptor.
    pub fn to_json_text(&self) -> String {
        // Keys are strings and numbers finite (see `plain_scalar`): nothing can fail.
        serde_json::to_string(&AsJson(self)).expect("a tree of strings, finite numbers, booleans and nulls")
    }

    /// The same tree as JSON (YAML 1.2 core schema for plain scalars).
    pub fn to_json(&self) -> Value {
        match &self.value {
            NodeValue::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, _, n)| (k.clone(), n.to_json()))
                    .collect::<Map<_, _>>(),
            ),
            NodeValue::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeValue::Scalar(text, true) => Value::String(text.clone()),
            NodeValue::Scalar(text, false) => plain_scalar(text),
        }
    }
}

/// A node serialised as the JSON [`Node::to_json`] builds, without building it.
struct AsJson<'a>(&'a Node);

impl serde::Serialize for AsJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match &self.0.value {
            NodeValue::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, _, node) in entries {
                    map.serialize_entry(key, &AsJson(node))?;
                }
                map.end()
            }
            NodeValue::Seq(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for node in items {
                    seq.serialize_element(&AsJson(node))?;
                }
                seq.end()
            }
            NodeValue::Scalar(text, true) => serializer.serialize_str(text),
            NodeValue::Scalar(text, false) => match plain_scalar(text) {
                // The common case: no second copy of the text.
                Value::String(_) => serializer.serialize_str(text),
                other => other.serialize(serializer),
            },
        }
    }
}

/// YAML 1.2 core schema resolution of a plain scalar.
fn plain_scalar(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => {
            if let Ok(i) = text.parse::<i64>() {
                return Value::Number(i.into());
            }
            let looks_numeric =
                text.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+' || c == '.');
            match text
                .parse::<f64>()
                .ok()
                .filter(|f| looks_numeric && f.is_finite())
                .and_then(Number::from_f64)
            {
                Some(n) => Value::Number(n),
                None => Value::String(text.to_owned()),
            }
        }
    }
}

/// Bounds on what one import may contain. Together with the import's byte limit they
/// bound the work and memory one file can cost.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_depth: usize,
    pub max_documents: usize,
    /// Keys in one mapping. A descriptor's widest mapping (labels, annotations) has a
    /// few dozen; a file of 200,000 keys is an attack or a mistake.
    pub max_keys: usize,
    /// Scalars, lists and mappings in one document (one descriptor), keys included.
    pub max_nodes: usize,
}

/// Keys one mapping may have.
pub const MAX_KEYS_PER_MAPPING: usize = 1_000;
/// Nodes one document may have.
pub const MAX_NODES_PER_DOCUMENT: usize = 10_000;

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 32,
            max_documents: 100_000,
            max_keys: MAX_KEYS_PER_MAPPING,
            max_nodes: MAX_NODES_PER_DOCUMENT,
        }
    }
}

/// Why a file could not be read as YAML at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub reason: String,
}

enum Frame {
    Map {
        pos: Pos,
        entries: Vec<(String, Pos, Node)>,
        /// The keys so far, for a constant-time duplicate check.
        seen: HashSet<String>,
        key: Option<(String, Pos)>,
    },
    Seq {
        pos: Pos,
        items: Vec<Node>,
    },
}

struct Builder {
    limits: Limits,
    stack: Vec<Frame>,
    /// Documents completed and not yet handed over (at most one between events).
    documents: Vec<Node>,
    /// Documents completed so far, for the limit.
    documents_seen: usize,
    /// Nodes of the current document so far.
    nodes: usize,
    error: Option<SyntaxError>,
}

impl Builder {
    fn fail(&mut self, pos: Pos, reason: String) {
        if self.error.is_none() {
            self.error = Some(SyntaxError { pos, reason });
        }
    }

    fn push_node(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => {
                if self.documents_seen >= self.limits.max_documents {
                    let max = self.limits.max_documents;
                    self.fail(node.pos, format!("more than {max} documents in one import"));
                } else {
                    self.documents_seen += 1;
                    self.documents.push(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries, seen, key, ..
            }) => match key.take() {
                Some((k, pos)) => {
                    if seen.contains(&k) {
                        let reason = format!("duplicate key `{k}`");
                        self.fail(pos, reason);
                    } else if entries.len() >= self.limits.max_keys {
                        let max = self.limits.max_keys;
                        self.fail(pos, format!("a mapping has more than {max} keys (the limit)"));
                    } else {
                        seen.insert(k.clone());
                        entries.push((k, pos, node));
                    }
                }
                None => match node.value {
                    NodeValue::Scalar(text, _) => *key = Some((text, node.pos)),
                    _ => self.fail(node.pos, "mapping keys must be plain strings".into()),
                },
            },
        }
    }

    /// Counts one more node of the current document.
    fn count(&mut self, pos: Pos) {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            let max = self.limits.max_nodes;
            self.fail(
                pos,
                format!("a document has more than {max} nodes (the limit for one descriptor)"),
            );
        }
    }

    fn open(&mut self, frame: Frame, pos: Pos) {
        self.count(pos);
        if self.stack.len() >= self.limits.max_depth {
            let max = self.limits.max_depth;
            self.fail(pos, format!("nested deeper than {max} levels"));
        }
        self.stack.push(frame);
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let pos = Pos::from(mark);
        match event {
            Event::Alias(_) => self.fail(pos, "aliases (`*name`) are not allowed in descriptors".into()),
            Event::DocumentStart => self.nodes = 0,
            Event::Scalar(text, style, _, _) => {
                self.count(pos);
                let quoted = !matches!(style, TScalarStyle::Plain);
                self.push_node(Node {
                    pos,
                    value: NodeValue::Scalar(text, quoted),
                });
            }
            Event::SequenceStart(..) => self.open(
                Frame::Seq {
                    pos,
                    items: Vec::new(),
                },
                pos,
            ),
            Event::MappingStart(..) => self.open(
                Frame::Map {
                    pos,
                    entries: Vec::new(),
                    seen: HashSet::new(),
                    key: None,
                },
                pos,
            ),
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match self.stack.pop() {
                    Some(Frame::Seq { pos, items }) => Node {
                        pos,
                        value: NodeValue::Seq(items),
                    },
                    Some(Frame::Map { pos, entries, .. }) => Node {
                        pos,
                        value: NodeValue::Map(entries),
                    },
                    None => return,
                };
                self.push_node(node);
            }
            _ => {}
        }
    }
}

/// Parses every document of a (multi-document) YAML text. CPU-bound (up to the
/// import's byte limit): async callers run it on the blocking pool.
pub fn parse(text: &str, limits: Limits) -> Result<Vec<Node>, SyntaxError> {
    let mut documents = Vec::new();
    parse_each(text, limits, |doc| documents.push(doc))?;
    Ok(documents)
}

/// Parses a (multi-document) YAML text, handing each document to `each` as soon as it
/// is complete, so the caller can turn it into something smaller and drop the tree
/// before the next one is read. On an error, the documents handed over so far are
/// whatever came before it; the caller discards them.
pub fn parse_each(text: &str, limits: Limits, mut each: impl FnMut(Node)) -> Result<(), SyntaxError> {
    let mut builder = Builder {
        limits,
        stack: Vec::new(),
        documents: Vec::new(),
        documents_seen: 0,
        nodes: 0,
        error: None,
    };
    // Pull events one at a time (rather than `Parser::load`) so the first problem
    // stops the scan: a refused file costs no more than the part read so far.
    let mut parser = Parser::new_from_str(text);
    loop {
        match parser.next_token() {
            Ok((Event::StreamEnd, _)) => break,
            Ok((event, mark)) => builder.on_event(event, mark),
            Err(err) => {
                return Err(SyntaxError {
                    pos: Pos::from(*err.marker()),
                    reason: err.info().to_owned(),
                });
            }
        }
        if let Some(err) = builder.error {
            return Err(err);
        }
        for doc in builder.documents.drain(..) {
            each(doc);
        }
    }
    match builder.error {
        Some(err) => Err(err),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_know_their_positions() {
        let docs = parse("a: 1\nb:\n  - x\n  - 'y'\n---\nc: true\n", Limits::default()).expect("parses");
        assert_eq!(docs.len(), 2);
        let b = docs[0].get("b").expect("b");
        let NodeValue::Seq(items) = &b.value else {
            panic!("a list")
        };
        assert_eq!(items[1].pos, Pos { line: 4, column: 5 });
        assert_eq!(docs[0].to_json(), serde_json::json!({"a": 1, "b": ["x", "y"]}));
        assert_eq!(docs[1].to_json(), serde_json::json!({"c": true}));
        assert_eq!(docs[0].get("a").map(Node::describe), Some("a number"));
    }

    #[test]
    fn json_text_is_the_json_tree_written_out() {
        let text = "a: '1'\nb: [x, 2, 1.5, true, ~, \"q\\\"uote\"]\nc: {d: 1.2.3, e: -7}\n";
        for doc in parse(text, Limits::default()).expect("parses") {
            let written: Value = serde_json::from_str(&doc.to_json_text()).expect("valid JSON");
            assert_eq!(written, doc.to_json());
        }
    }

    #[test]
    fn documents_are_handed_over_one_by_one_in_order() {
        let mut seen = Vec::new();
        parse_each("a: 1\n---\nb: 2\n---\nc: 3\n", Limits::default(), |doc| {
            seen.push(doc.to_json_text());
        })
        .expect("parses");
        assert_eq!(seen, [r#"{"a":1}"#, r#"{"b":2}"#, r#"{"c":3}"#]);
        let limits = Limits {
            max_documents: 2,
            ..Limits::default()
        };
        let err = parse_each("a: 1\n---\nb: 2\n---\nc: 3\n", limits, |_| {}).expect_err("three");
        assert_eq!(err.reason, "more than 2 documents in one import");
    }

    #[test]
    fn quoted_scalars_stay_strings() {
        let docs = parse("a: '1'\nb: \"true\"\nc: 1.5\nd: 1.2.3\n", Limits::default()).expect("parses");
        assert_eq!(
            docs[0].to_json(),
            serde_json::json!({"a": "1", "b": "true", "c": 1.5, "d": "1.2.3"})
        );
    }

    #[test]
    fn syntax_errors_aliases_depth_and_duplicate_keys_are_refused_with_positions() {
        let err = parse("a: [1, 2\nb: 3\n", Limits::default()).expect_err("unclosed");
        assert!(err.pos.line >= 1);
        let err = parse("a: &x [1]\nb: *x\n", Limits::default()).expect_err("alias");
        assert_eq!(err.pos.line, 2);
        assert!(err.reason.contains("aliases"));
        let deep = format!("{}1{}", "[".repeat(40), "]".repeat(40));
        let err = parse(&deep, Limits::default()).expect_err("too deep");
        assert!(err.reason.contains("deeper than 32"), "{}", err.reason);
        let err = parse("a: 1\na: 2\n", Limits::default()).expect_err("duplicate");
        assert_eq!(
            (err.pos, err.reason.as_str()),
            (Pos { line: 2, column: 1 }, "duplicate key `a`")
        );
    }

    #[test]
    fn keys_per_mapping_are_capped_and_the_reason_names_the_cap() {
        let keys = |n: usize| (0..n).map(|i| format!("k{i}: {i}\n")).collect::<String>();
        let docs = parse(&keys(MAX_KEYS_PER_MAPPING), Limits::default()).expect("at the cap");
        assert_eq!(
            docs[0].to_json().as_object().map(Map::len),
            Some(MAX_KEYS_PER_MAPPING)
        );
        let err = parse(&keys(MAX_KEYS_PER_MAPPING + 1), Limits::default()).expect_err("over");
        assert_eq!(err.reason, "a mapping has more than 1000 keys (the limit)");
        assert_eq!(
            err.pos.line,
            MAX_KEYS_PER_MAPPING + 1,
            "the first key over the cap"
        );
    }

    #[test]
    fn nodes_per_document_are_capped_but_each_document_has_its_own_count() {
        let limits = Limits {
            max_nodes: 10,
            ..Limits::default()
        };
        // A mapping with one key and a list of seven: 1 + 1 + 1 + 7 = 10 nodes.
        let doc = "a: [1, 2, 3, 4, 5, 6, 7]\n";
        let docs = parse(&format!("{doc}---\n{doc}---\n{doc}"), limits).expect("10 each");
        assert_eq!(docs.len(), 3);
        let err = parse("a: [1, 2, 3, 4, 5, 6, 7, 8]\n", limits).expect_err("11 nodes");
        assert_eq!(
            err.reason,
            "a document has more than 10 nodes (the limit for one descriptor)"
        );
    }

    #[test]
    fn a_flat_list_of_many_mappings_hits_the_node_cap() {
        let text: String = (0..MAX_NODES_PER_DOCUMENT)
            .map(|i| format!("- {{k: {i}}}\n"))
            .collect();
        let err = parse(&text, Limits::default()).expect_err("too many nodes");
        assert!(err.reason.contains("more than 10000 nodes"), "{}", err.reason);
    }

    #[test]
    fn many_distinct_keys_are_checked_in_linear_time() {
        // 200,000 keys with the cap lifted: the old pairwise duplicate check took
        // minutes here; the hash set takes well under a second even unoptimised.
        let limits = Limits {
            max_keys: usize::MAX,
            max_nodes: usize::MAX,
            ..Limits::default()
        };
        let text: String = (0..200_000).map(|i| format!("key-{i}: {i}\n")).collect();
        let started = std::time::Instant::now();
        let docs = parse(&text, limits).expect("parses");
        assert_eq!(docs[0].to_json().as_object().map(Map::len), Some(200_000));
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "took {:?}",
            started.elapsed()
        );
    }
}

/// Collects every problem of a document, not just the first, with the checks every
/// importer shares (strings, lists, optional fields) and their messages.
#[derive(Debug, Default)]
pub struct Checker {
    pub problems: Vec<Problem>,
}

impl Checker {
    pub fn problem(&mut self, pos: Pos, field: &str, reason: impl Into<String>) {
        self.problems.push(problem(pos, field, reason));
    }

    /// A string field, or a problem naming what was found instead.
    pub fn string<'a>(&mut self, node: &'a Node, field: &str) -> Option<&'a str> {
        let found = node.as_str();
        if found.is_none() {
            self.problem(
                node.pos,
                field,
                format!("expected a string, found {}", node.describe()),
            );
        }
        found
    }

    pub fn optional_string(&mut self, parent: &Node, key: &str, field: &str) -> Option<String> {
        let node = parent.get(key)?;
        if node.is_null() {
            return None;
        }
        self.string(node, field).map(str::to_owned)
    }

    pub fn list<'a>(&mut self, node: &'a Node, field: &str) -> &'a [Node] {
        match &node.value {
            NodeValue::Seq(items) => items,
            _ => {
                self.problem(
                    node.pos,
                    field,
                    format!("expected a list, found {}", node.describe()),
                );
                &[]
            }
        }
    }
}
