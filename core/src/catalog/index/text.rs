//! Full-text search in memory, over the lexemes Postgres's `english` configuration
//! computed for each entity (`catalog_search.search`), so what matches is exactly what
//! Postgres would match; only the ranking is Parkway's own.
//!
//! A search is clauses that must all match (one per searched word); a clause matches
//! when any of its alternatives does: the word's lexeme as a prefix, or the lexeme of
//! a catalog word similar to it (a typo's correction, by pg_trgm's trigram similarity,
//! computed here the same way).
//!
//! Relevance: a lexeme in the entity's name counts more than one in its title,
//! description or tags; the word as typed counts more than a longer word it begins,
//! which counts more than a correction (weighted by its similarity). A row's rank is
//! the sum over clauses of its best alternative.

use std::collections::HashMap;

/// A typo's corrections need at least this trigram similarity (pg_trgm's default
/// `similarity_threshold`).
pub const SIMILARITY: f64 = 0.3;
/// Weight of a lexeme found only after the name (title, description, tags).
const OUTSIDE_NAME: f32 = 0.4;
/// Weight of a longer lexeme that the searched one begins.
const PREFIX: f32 = 0.7;

/// A trigram, as pg_trgm pads words: two spaces before, one after.
type Trigram = [u8; 3];

/// Each row containing a lexeme, with the weight of where it stands.
type Postings = Vec<(u32, f32)>;

/// One way a clause can match.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    pub lexeme: String,
    /// Also matches longer lexemes that begin with it.
    pub prefix: bool,
    pub weight: f32,
}

/// Lexemes with the rows that contain them, and the catalog's words by trigram.
#[derive(Debug, Default)]
pub struct TextIndex {
    /// Sorted, so a prefix is a range.
    lexemes: Vec<Box<str>>,
    /// Per lexeme: each row containing it, with the weight of where it stands.
    postings: Vec<Vec<(u32, f32)>>,
    words: Vec<Box<str>>,
    trigram_counts: Vec<u8>,
    by_trigram: HashMap<Trigram, Vec<u32>>,
}

/// Collects lexemes row by row, then sorts them once.
#[derive(Debug, Default)]
pub(super) struct Builder {
    postings: HashMap<Box<str>, Vec<(u32, f32)>>,
}

impl Builder {
    /// Adds a row's `tsvector` (as Postgres prints it). Lexemes at positions within
    /// the name's words weigh more; repeats add a little.
    pub(super) fn add(&mut self, row: u32, name: &str, tsvector: &str) {
        let name_words = name
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .count() as u16;
        for (lexeme, positions) in parse_tsvector(tsvector) {
            let first = positions.iter().copied().min().unwrap_or(u16::MAX);
            let place = if first <= name_words { 1.0 } else { OUTSIDE_NAME };
            let repeats = positions.len().saturating_sub(1).min(4) as f32;
            self.postings
                .entry(lexeme.into())
                .or_default()
                .push((row, place * (1.0 + 0.05 * repeats)));
        }
    }

    pub(super) fn finish(self, words: Vec<String>) -> TextIndex {
        let mut pairs: Vec<(Box<str>, Postings)> = self.postings.into_iter().collect();
        pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let (lexemes, postings) = pairs
            .into_iter()
            .map(|(l, mut p)| {
                p.shrink_to_fit();
                (l, p)
            })
            .unzip();
        let mut by_trigram: HashMap<Trigram, Vec<u32>> = HashMap::new();
        let mut trigram_counts = Vec::with_capacity(words.len());
        for (id, word) in words.iter().enumerate() {
            let grams = trigrams(word);
            trigram_counts.push(grams.len().min(u8::MAX as usize) as u8);
            for g in grams {
                by_trigram.entry(g).or_default().push(id as u32);
            }
        }
        TextIndex {
            lexemes,
            postings,
            words: words.into_iter().map(Into::into).collect(),
            trigram_counts,
            by_trigram,
        }
    }
}

impl TextIndex {
    /// Up to `limit` catalog words most similar to `word` (at least
    /// [`SIMILARITY`]), most similar first, then alphabetically: what
    /// `word % w order by similarity(w, word) desc, w` finds with pg_trgm. Words shorter
    /// than three letters are not corrected.
    pub fn corrections(&self, word: &str, limit: usize) -> Vec<(&str, f32)> {
        if word.len() < 3 {
            return Vec::new();
        }
        let grams = trigrams(word);
        let mut shared: HashMap<u32, u32> = HashMap::new();
        for g in &grams {
            for id in self.by_trigram.get(g).into_iter().flatten() {
                *shared.entry(*id).or_default() += 1;
            }
        }
        let mut similar: Vec<(&str, f32)> = shared
            .into_iter()
            .filter_map(|(id, common)| {
                let theirs = u32::from(self.trigram_counts[id as usize]);
                let sim = common as f32 / (grams.len() as u32 + theirs - common) as f32;
                (f64::from(sim) >= SIMILARITY).then(|| (&*self.words[id as usize], sim))
            })
            .collect();
        similar.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        similar.truncate(limit);
        similar
    }

    /// The rows matching every clause, ascending, with their relevance. No clauses
    /// match nothing. Work and memory follow the postings visited, never the size of
    /// the catalog: a broad search does not zero a buffer per row on every request.
    pub fn search(&self, clauses: &[Vec<Alternative>]) -> Vec<(u32, f32)> {
        let mut total: Option<Vec<(u32, f32)>> = None;
        for clause in clauses {
            let mut found: Vec<(u32, f32)> = Vec::new();
            for alt in clause {
                for id in self.matching(alt) {
                    let exact = *self.lexemes[id] == *alt.lexeme;
                    let weight = alt.weight * if exact { 1.0 } else { PREFIX };
                    found.extend(
                        self.postings[id]
                            .iter()
                            .map(|(row, place)| (*row, weight * place)),
                    );
                }
            }
            // Postings are ascending, so one matched lexeme is already in order.
            found.sort_by_key(|hit| hit.0);
            found.dedup_by(|later, kept| {
                let same = later.0 == kept.0;
                if same {
                    kept.1 = kept.1.max(later.1);
                }
                same
            });
            total = Some(match total {
                None => found,
                Some(sum) => both(&sum, &found),
            });
        }
        total.unwrap_or_default()
    }

    /// The lexemes an alternative matches: itself, and with `prefix` every lexeme
    /// beginning with it.
    fn matching(&self, alt: &Alternative) -> std::ops::Range<usize> {
        let start = self.lexemes.partition_point(|l| **l < *alt.lexeme);
        let end = if alt.prefix {
            start + self.lexemes[start..].partition_point(|l| l.starts_with(&alt.lexeme))
        } else {
            start + usize::from(self.lexemes.get(start).is_some_and(|l| **l == *alt.lexeme))
        };
        start..end
    }
}

/// The rows in both ascending lists, their relevance added.
fn both(a: &[(u32, f32)], b: &[(u32, f32)]) -> Vec<(u32, f32)> {
    let mut out = Vec::with_capacity(a.len().min(b.len()));
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push((a[i].0, a[i].1 + b[j].1));
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// pg_trgm's similarity of two words: shared trigrams ÷ all distinct trigrams.
pub fn similarity(a: &str, b: &str) -> f32 {
    let (x, y) = (trigrams(a), trigrams(b));
    let common = x.iter().filter(|g| y.binary_search(g).is_ok()).count();
    let all = x.len() + y.len() - common;
    if all == 0 { 0.0 } else { common as f32 / all as f32 }
}

/// pg_trgm's trigrams of one word: padded with two spaces before and one after,
/// distinct.
fn trigrams(word: &str) -> Vec<Trigram> {
    let padded: Vec<u8> = [b' ', b' ']
        .into_iter()
        .chain(word.bytes())
        .chain([b' '])
        .collect();
    let mut grams: Vec<Trigram> = padded.windows(3).map(|w| [w[0], w[1], w[2]]).collect();
    grams.sort_unstable();
    grams.dedup();
    grams
}

/// The lexemes and positions of a `tsvector`'s text form: `'it''s':1,3B 'x':2`.
/// Weight letters are dropped (Parkway writes none); a lexeme without positions
/// (a stripped vector) gets none.
fn parse_tsvector(text: &str) -> Vec<(String, Vec<u16>)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut lexeme = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    lexeme.push('\'');
                }
                '\'' => break,
                '\\' => lexeme.extend(chars.next()),
                c => lexeme.push(c),
            }
        }
        let mut positions = Vec::new();
        if chars.peek() == Some(&':') {
            chars.next();
            let mut number = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_ascii_digit() {
                    number.push(c);
                } else if c == ',' || c == ' ' {
                    positions.extend(number.parse::<u16>().ok());
                    number.clear();
                    if c == ' ' {
                        break;
                    }
                } else if !c.is_ascii_alphabetic() {
                    break;
                }
                chars.next();
            }
            positions.extend(number.parse::<u16>().ok());
        }
        out.push((lexeme, positions));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsvector_text_is_read_as_postgres_prints_it() {
        assert_eq!(
            parse_tsvector("'api':2 'checkout':1,5B 'it''s':3 'stripped'"),
            vec![
                ("api".into(), vec![2]),
                ("checkout".into(), vec![1, 5]),
                ("it's".into(), vec![3]),
                ("stripped".into(), vec![]),
            ]
        );
        assert!(parse_tsvector("").is_empty());
    }

    #[test]
    fn trigrams_are_padded_like_pg_trgm() {
        // select show_trgm('cat') = {"  c"," ca","at ","cat"}
        assert_eq!(trigrams("cat"), [*b"  c", *b" ca", *b"at ", *b"cat"]);
    }

    fn index() -> TextIndex {
        let mut b = Builder::default();
        b.add(
            0,
            "checkout-service",
            "'checkout':1 'servic':2 'card':6 'authoris':8",
        );
        b.add(1, "ledger", "'ledger':1 'checkout':4 'payment':5");
        b.add(2, "payments-api", "'payment':1 'api':2");
        b.finish(vec![
            "authorisations".into(),
            "checkout".into(),
            "ledger".into(),
            "payments".into(),
        ])
    }

    #[test]
    fn corrections_match_pg_trgm_similarity() {
        let index = index();
        // similarity('chekout', 'checkout') = 6 / 11 in pg_trgm.
        let found = index.corrections("chekout", 4);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "checkout");
        assert!((found[0].1 - 6.0 / 11.0).abs() < 1e-6, "{found:?}");
        assert!(index.corrections("zzzzqqq", 4).is_empty());
        assert!(index.corrections("ch", 4).is_empty());
    }

    fn alt(lexeme: &str, prefix: bool) -> Alternative {
        Alternative {
            lexeme: lexeme.into(),
            prefix,
            weight: 1.0,
        }
    }

    #[test]
    fn every_clause_must_match_and_names_rank_first() {
        let index = index();
        let mut hits = index.search(&[vec![alt("checkout", true)]]);
        hits.sort_by(|a, b| b.1.total_cmp(&a.1));
        assert_eq!(hits.iter().map(|h| h.0).collect::<Vec<_>>(), [0, 1]);
        let both = index.search(&[vec![alt("checkout", true)], vec![alt("pay", true)]]);
        assert_eq!(both.iter().map(|h| h.0).collect::<Vec<_>>(), [1]);
        assert!(index.search(&[vec![alt("pay", false)]]).is_empty());
        assert!(index.search(&[]).is_empty());
        // An exact lexeme outranks a longer one it begins.
        let exact = index.search(&[vec![alt("payment", true)]]);
        let prefix = index.search(&[vec![alt("pay", true)]]);
        let rank_of = |hits: &[(u32, f32)]| hits.iter().find(|h| h.0 == 2).map(|h| h.1);
        assert!(rank_of(&exact) > rank_of(&prefix), "{exact:?} {prefix:?}");
    }
}
