//! The Atom feed of published guardrail changes (RFC 4287): one entry per publication,
//! newest first, so a CoE's readers learn of a change without visiting the list.

use std::fmt::Write;

use parkway_types::guardrails::GuardrailId;

/// One publication of a guardrail version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    pub id: GuardrailId,
    pub version: u32,
    pub title: String,
    pub objective: String,
    pub change_note: Option<String>,
    pub published_by: String,
    /// RFC 3339.
    pub published_at: String,
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// The feed document; `base` is the public URL (`https://parkway.example`), no slash.
pub fn atom(base: &str, publications: &[Publication]) -> String {
    let base = escape(base.trim_end_matches('/'));
    let updated = publications
        .first()
        .map_or("1970-01-01T00:00:00Z", |p| p.published_at.as_str());
    let mut out = String::new();
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
         <id>{base}/guardrails/feed.atom</id>\n<title>Parkway guardrails: published changes</title>\n\
         <updated>{}</updated>\n<author><name>Cloud Center of Excellence</name></author>\n\
         <link rel=\"self\" type=\"application/atom+xml\" href=\"{base}/guardrails/feed.atom\"/>\n\
         <link rel=\"alternate\" type=\"text/html\" href=\"{base}/guardrails\"/>\n",
        escape(updated)
    );
    for p in publications {
        let summary = match &p.change_note {
            Some(note) => format!("{} — {}", p.objective, note),
            None => p.objective.clone(),
        };
        let _ = write!(
            out,
            "<entry>\n<id>{base}/guardrails/{id}/versions/{v}</id>\n<title>{id} v{v}: {title}</title>\n\
             <updated>{at}</updated>\n<published>{at}</published>\n<author><name>{by}</name></author>\n\
             <link rel=\"alternate\" type=\"text/html\" href=\"{base}/guardrails/{id}\"/>\n\
             <summary>{summary}</summary>\n</entry>\n",
            id = p.id,
            v = p.version,
            title = escape(&p.title),
            at = escape(&p.published_at),
            by = escape(&p.published_by),
            summary = escape(&summary),
        );
    }
    out.push_str("</feed>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_entry_per_publication_newest_first_everything_escaped() {
        let publications = [
            Publication {
                id: GuardrailId(2),
                version: 3,
                title: "Ingress <public> & \"partners\"".into(),
                objective: "Only the gateway.".into(),
                change_note: Some("tightened\u{1}".into()),
                published_by: "user:sam".into(),
                published_at: "2026-11-30T10:00:00Z".into(),
            },
            Publication {
                id: GuardrailId(1),
                version: 1,
                title: "No privileged containers".into(),
                objective: "Never privileged.".into(),
                change_note: None,
                published_by: "system:cli".into(),
                published_at: "2026-11-29T10:00:00Z".into(),
            },
        ];
        let feed = atom("https://parkway.example/", &publications);
        assert!(feed.starts_with(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
        ));
        assert_eq!(feed.matches("<entry>").count(), 2);
        assert_eq!(feed.matches("</entry>").count(), 2);
        assert!(
            feed.contains("<updated>2026-11-30T10:00:00Z</updated>\n<author><name>Cloud"),
            "{feed}"
        );
        assert!(
            feed.contains("<id>https://parkway.example/guardrails/GR-002/versions/3</id>"),
            "{feed}"
        );
        assert!(
            feed.contains("<title>GR-002 v3: Ingress &lt;public&gt; &amp; &quot;partners&quot;</title>"),
            "{feed}"
        );
        assert!(
            feed.contains("<summary>Only the gateway. — tightened</summary>"),
            "{feed}"
        );
        let first = feed.find("GR-002").unwrap_or(usize::MAX);
        let second = feed.find("GR-001").unwrap_or(0);
        assert!(first < second, "newest first");
        assert!(feed.ends_with("</feed>\n"));
    }
}
