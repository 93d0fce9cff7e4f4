//! Property tests over the descriptor parser (YAML, then Backstage rules): whatever
//! a client sends, parsing answers — entities or positioned problems — and never
//! panics, which would take the request's blocking thread down with it.

use proptest::prelude::*;

use super::{Error, rows::parse_now};

/// Keys a descriptor uses, so generated trees reach the Backstage rules, not only
/// the YAML reader.
const KEYS: [&str; 16] = [
    "apiVersion",
    "kind",
    "metadata",
    "name",
    "namespace",
    "title",
    "tags",
    "labels",
    "annotations",
    "links",
    "spec",
    "type",
    "lifecycle",
    "owner",
    "system",
    "dependsOn",
];

/// Scalars with meaning somewhere in the rules, and awkward ones.
const SCALARS: [&str; 20] = [
    "backstage.io/v1alpha1",
    "backstage.io/v1beta1",
    "Component",
    "Group",
    "API",
    "System",
    "Domain",
    "Resource",
    "User",
    "team-a",
    "component:default/shop",
    "group:x/y/z",
    "production",
    "",
    "~",
    "true",
    "-1.5e300",
    "9999999999999999999999",
    "ünïcödé ✓",
    "a: b",
];

#[derive(Debug, Clone)]
enum Tree {
    Scalar(String),
    Seq(Vec<Tree>),
    Map(Vec<(String, Tree)>),
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        proptest::sample::select(SCALARS.to_vec()).prop_map(|s| Tree::Scalar(s.to_owned())),
        "[ -~]{0,12}".prop_map(Tree::Scalar),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Tree::Seq),
            proptest::collection::vec(
                (
                    prop_oneof![
                        proptest::sample::select(KEYS.to_vec()).prop_map(str::to_owned),
                        "[a-z]{1,6}",
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(Tree::Map),
        ]
    })
}

/// Flow-style YAML for a tree; scalars single-quoted, so any text is a valid scalar.
fn render(tree: &Tree, out: &mut String) {
    match tree {
        Tree::Scalar(text) => {
            out.push('\'');
            out.push_str(&text.replace('\'', "''"));
            out.push('\'');
        }
        Tree::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render(item, out);
            }
            out.push(']');
        }
        Tree::Map(entries) => {
            out.push('{');
            for (i, (key, value)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(key);
                out.push_str(": ");
                render(value, out);
            }
            out.push('}');
        }
    }
}

/// A descriptor-shaped document: the usual top-level keys, each holding a random tree.
fn descriptor() -> impl Strategy<Value = String> {
    (tree(), tree(), tree(), tree()).prop_map(|(api, kind, metadata, spec)| {
        let mut text = String::new();
        for (key, value) in [
            ("apiVersion", api),
            ("kind", kind),
            ("metadata", metadata),
            ("spec", spec),
        ] {
            text.push_str(key);
            text.push_str(": ");
            render(&value, &mut text);
            text.push('\n');
        }
        text
    })
}

/// Parses and checks the answer is well-formed: every problem points into the text.
fn check(text: &str) -> Result<(), TestCaseError> {
    // yaml-rust2 breaks lines at `\n`, `\r` and `\r\n` (counting both marks over-counts
    // the last case, which only loosens the bound), and places an unexpected end of the
    // text on the line after the last.
    let lines = text.matches(['\n', '\r']).count() + 2;
    let problems = match parse_now("props.yaml", text) {
        Ok(parsed) => parsed.problems,
        Err(Error::Invalid { problems, .. }) => {
            prop_assert!(!problems.is_empty(), "a refusal says why");
            problems
        }
        Err(other) => return Err(TestCaseError::fail(format!("unexpected error {other}"))),
    };
    for p in &problems {
        prop_assert!(
            (1..=lines).contains(&p.line) && p.column >= 1,
            "{p:?} is outside the {lines} lines of {text:?}"
        );
        prop_assert!(!p.reason.is_empty(), "{p:?} has no reason");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        check(&text)?;
    }

    #[test]
    fn text_made_of_yaml_punctuation_never_panics(
        text in "[ \n\t:,\\-\\[\\]{}#&*!|>'\"%@`?.~a-z0-9]{0,300}"
    ) {
        check(&text)?;
    }

    #[test]
    fn descriptor_shaped_documents_never_panic(
        docs in proptest::collection::vec(descriptor(), 1..4),
    ) {
        let text = docs.join("---\n");
        check(&text)?;
        // Well-formed flow YAML is read: any refusal comes from the rules or a
        // duplicate key, never from the reader itself.
        if let Err(Error::Invalid { problems, .. }) = parse_now("props.yaml", &text) {
            prop_assert!(
                problems.iter().all(|p| p.field != "(yaml)" || p.reason.starts_with("duplicate key")),
                "{problems:?} for {text:?}"
            );
        }
    }
}
