//! Descriptor files as positioned trees: every node knows its line and column, so a
//! validation problem can say exactly where it is. Built on yaml-rust2's event parser;
//! aliases are refused (they allow exponential expansion) and nesting is bounded.

use serde_json::{Map, Number, Value};
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

/// Bounds on what one import may contain.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_depth: usize,
    pub max_documents: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 32,
            max_documents: 100_000,
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
    documents: Vec<Node>,
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
                if self.documents.len() >= self.limits.max_documents {
                    let max = self.limits.max_documents;
                    self.fail(node.pos, format!("more than {max} documents in one import"));
                } else {
                    self.documents.push(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                Some((k, pos)) => {
                    if entries.iter().any(|(existing, _, _)| *existing == k) {
                        let reason = format!("duplicate key `{k}`");
                        self.fail(pos, reason);
                    } else {
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

    fn open(&mut self, frame: Frame, pos: Pos) {
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
            Event::Scalar(text, style, _, _) => {
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

/// Parses every document of a (multi-document) YAML text.
pub fn parse(text: &str, limits: Limits) -> Result<Vec<Node>, SyntaxError> {
    let mut builder = Builder {
        limits,
        stack: Vec::new(),
        documents: Vec::new(),
        error: None,
    };
    let mut parser = Parser::new_from_str(text);
    if let Err(err) = parser.load(&mut builder, true) {
        let pos = Pos::from(*err.marker());
        return Err(SyntaxError {
            pos,
            reason: err.info().to_owned(),
        });
    }
    match builder.error {
        Some(err) => Err(err),
        None => Ok(builder.documents),
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
}
