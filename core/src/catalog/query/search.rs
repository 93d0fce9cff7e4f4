//! Full-text search that forgives typos, planned here and run on the replica's index:
//! each searched word becomes a clause that matches its `english` lexeme as a prefix
//! or the lexeme of a catalog word similar to it (so `invocie` also finds `invoice`).
//! The same query `to_tsquery('english', 'invocie:* | invoice')` would make, without
//! asking Postgres on each search.

use std::sync::Arc;

use sqlx::PgPool;

use super::super::{
    error::Result,
    index::{CatalogCache, CatalogIndex, text::Alternative},
};

/// Most words a search looks at.
const MAX_WORDS: usize = 8;
/// Catalog words tried as corrections of one searched word.
const MAX_CORRECTIONS: usize = 4;
/// A correction's weight against the word as typed, before its similarity.
const CORRECTION: f32 = 0.8;

/// The searched words, cut like catalog words: lower-case letters and digits.
fn search_words(q: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for w in q
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let w: String = w.chars().take(40).collect();
        if !words.contains(&w) {
            words.push(w);
        }
    }
    words.truncate(MAX_WORDS);
    words
}

/// Every row the words of `q` match, ascending, with its relevance. `None` when `q`
/// has no words to search for; a search of only stop words matches nothing. A search
/// run lately on this index is answered from its remembered hits.
pub(super) async fn text_hits(
    pool: &PgPool,
    cache: &CatalogCache,
    index: &CatalogIndex,
    q: &str,
) -> Result<Option<Arc<Vec<(u32, f32)>>>> {
    let words = search_words(q);
    if words.is_empty() {
        return Ok(None);
    }
    let key = words.join(" ");
    if let Some(hits) = index.remembered(&key) {
        return Ok(Some(hits));
    }
    let corrections: Vec<Vec<(&str, f32)>> = words
        .iter()
        .map(|w| {
            let mut found = index.text().corrections(w, MAX_CORRECTIONS);
            found.retain(|(c, _)| c != w);
            found
        })
        .collect();
    // Every word to stem, searched and corrected, in one call.
    let mut to_stem: Vec<String> = words.clone();
    to_stem.extend(corrections.iter().flatten().map(|(c, _)| (*c).to_owned()));
    let mut stems = cache.stems(pool, &to_stem).await?.into_iter();
    let mut clauses: Vec<Vec<Alternative>> = words
        .iter()
        .map(|_| {
            stems
                .next()
                .flatten()
                .map(|lexeme| Alternative {
                    lexeme,
                    prefix: true,
                    weight: 1.0,
                })
                .into_iter()
                .collect()
        })
        .collect();
    for (clause, found) in clauses.iter_mut().zip(&corrections) {
        for (_, similarity) in found {
            if let Some(lexeme) = stems.next().flatten() {
                clause.push(Alternative {
                    lexeme,
                    prefix: false,
                    weight: CORRECTION * similarity,
                });
            }
        }
    }
    // A word that is only stop words, with no correction, asks nothing (as in
    // `to_tsquery`); if every word is, nothing matches.
    clauses.retain(|c| !c.is_empty());
    let hits = Arc::new(index.text().search(&clauses));
    index.remember(&key, hits.clone());
    Ok(Some(hits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searched_words_are_cut_like_catalog_words() {
        assert_eq!(search_words("Chekout  API, chekout-api!"), ["chekout", "api"]);
        assert!(search_words(" -- ").is_empty());
        assert_eq!(search_words("a b c d e f g h i j").len(), MAX_WORDS);
    }
}
