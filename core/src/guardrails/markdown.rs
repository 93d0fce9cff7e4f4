//! Guardrail bodies: Markdown rendered with `pulldown-cmark`, then sanitized by
//! `ammonia`'s allow-list, so whatever an editor (or an attacker with an editor's
//! token) writes reaches a page as inert HTML: no scripts, no event handlers, no
//! `javascript:` or `data:` URLs, no frames, no SVG, no styles.

use std::{collections::HashSet, sync::LazyLock};

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

/// Heading ids are prefixed so a heading can never clobber a page element's id.
pub const ANCHOR_PREFIX: &str = "md-";

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer nofollow"))
        .add_tag_attributes("h1", ["id"])
        .add_tag_attributes("h2", ["id"])
        .add_tag_attributes("h3", ["id"])
        .add_tag_attributes("h4", ["id"])
        .add_tag_attributes("h5", ["id"])
        .add_tag_attributes("h6", ["id"])
        .add_tag_attributes("th", ["align"])
        .add_tag_attributes("td", ["align"])
        .rm_tags(["img"])
        // Every id gets the prefix, raw HTML's too: no heading can clobber a page id.
        .id_prefix(Some(ANCHOR_PREFIX))
        .strip_comments(true);
    b
});

/// A heading's anchor: lower-case words joined by `-`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    if out.is_empty() { "section".to_owned() } else { out }
}

fn level(l: HeadingLevel) -> u8 {
    match l {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Renders a body to sanitized HTML, headings with unique anchors.
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let events: Vec<Event<'_>> = Parser::new_ext(markdown, options).collect();
    let mut out: Vec<Event<'_>> = Vec::with_capacity(events.len());
    let mut used: HashSet<String> = HashSet::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { level: l, .. }) = &events[i] {
            let n = level(*l);
            // The heading's text, up to its end.
            let mut text = String::new();
            let mut j = i + 1;
            while j < events.len() && !matches!(events[j], Event::End(TagEnd::Heading(_))) {
                if let Event::Text(t) | Event::Code(t) = &events[j] {
                    text.push_str(t);
                }
                j += 1;
            }
            let base = slug(&text);
            let mut id = base.clone();
            let mut k = 2;
            while !used.insert(id.clone()) {
                id = format!("{base}-{k}");
                k += 1;
            }
            out.push(Event::Html(CowStr::from(format!("<h{n} id=\"{id}\">"))));
            out.extend(events[i + 1..j].iter().cloned());
            out.push(Event::Html(CowStr::from(format!("</h{n}>\n"))));
            i = j + 1;
            continue;
        }
        out.push(events[i].clone());
        i += 1;
    }
    let mut raw = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut raw, out.into_iter());
    SANITIZER.clean(&raw).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_code_links_and_heading_anchors_survive() {
        let html = render(
            "## Why\n\nSee [the docs](https://example.com/x).\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```yaml\nkind: Pod\n```\n\n## Why\n",
        );
        assert!(html.contains("<h2 id=\"md-why\">Why</h2>"), "{html}");
        assert!(html.contains("<h2 id=\"md-why-2\">"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<pre><code>kind: Pod"), "{html}");
        assert!(
            html.contains(
                "<a href=\"https://example.com/x\" rel=\"noopener noreferrer nofollow\">the docs</a>"
            ),
            "{html}"
        );
    }

    /// Each attempt must come out with nothing that runs, loads or navigates to script.
    #[test]
    fn xss_attempts_come_out_inert() {
        let corpus = [
            "<script>alert(1)</script>",
            "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
            "[click](javascript:alert(1))",
            "[click](JaVaScRiPt:alert(1))",
            "[click](&#106;avascript:alert(1))",
            "[click](java\tscript:alert(1))",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "![x](data:image/svg+xml,<svg onload=alert(1)>)",
            "<img src=x onerror=alert(1)>",
            "<a href=\"#\" onclick=\"alert(1)\">x</a>",
            "<div onmouseover=alert(1)>hover</div>",
            "<svg><script>alert(1)</script></svg>",
            "<svg/onload=alert(1)>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<object data=\"x.swf\"></object><embed src=x>",
            "<form action=javascript:alert(1)><button>go</button></form>",
            "<style>body{background:url(javascript:alert(1))}</style>",
            "<p style=\"background:url(javascript:alert(1))\">x</p>",
            "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
            "<base href=\"javascript:alert(1)//\">",
            "&lt;script&gt;alert(1)&lt;/script&gt;",
            "<a href=\"&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1)\">x</a>",
            "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
            "<div>\n\n<script>alert(1)</script>\n\n</div>",
            "<details open ontoggle=alert(1)>",
            "<input autofocus onfocus=alert(1)>",
            "<h2 id=\"app\">clobber</h2>",
            "<!-- <script>alert(1)</script> -->",
            "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
            "<video><source onerror=alert(1)></video>",
            "<a href=\"vbscript:msgbox(1)\">x</a>",
            "<link rel=stylesheet href=//evil.example/x.css>",
            "[x](//evil.example/\"onmouseover=\"alert(1))",
        ];
        for attempt in corpus {
            let html = render(attempt).to_lowercase();
            // What is inside tags: element names and attributes (text is escaped, so a
            // `<` in the output always opens a real tag).
            let tags: Vec<&str> = html
                .split('<')
                .skip(1)
                .map(|t| t.split('>').next().unwrap_or_default())
                .collect();
            for element in [
                "script", "iframe", "svg", "object", "embed", "form", "style", "meta", "base", "img",
                "input", "link", "math", "video", "noscript",
            ] {
                assert!(
                    !tags.iter().any(|t| t.split_whitespace().next() == Some(element)),
                    "{attempt:?} came out as {html:?} (a <{element}> element)"
                );
            }
            for tag in &tags {
                // Attribute names only: quoted values are text.
                let names: String = tag.split('"').step_by(2).collect::<Vec<_>>().join(" ");
                for attr in names.split_whitespace().skip(1) {
                    assert!(
                        !attr.starts_with("on"),
                        "{attempt:?} came out as {html:?} (event handler)"
                    );
                    assert!(
                        !attr.starts_with("style"),
                        "{attempt:?} came out as {html:?} (style)"
                    );
                }
                for scheme in ["javascript:", "vbscript:", "data:"] {
                    assert!(
                        !tag.contains(scheme),
                        "{attempt:?} came out as {html:?} ({scheme} in a tag)"
                    );
                }
                assert!(
                    !tag.contains(" id=") || tag.contains(" id=\"md-"),
                    "{attempt:?} came out as {html:?} (an id without the prefix)"
                );
            }
        }
    }
}
