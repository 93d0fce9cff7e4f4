//! The text an entity is searched by, and the words typos are corrected against.

use std::collections::BTreeSet;

/// Name (split at `-`, `_` and `.`), title, description and tags: what full-text
/// search matches.
pub(super) fn search_text_of(
    name: &str,
    title_and_description: [&Option<String>; 2],
    tags: &[String],
) -> String {
    let mut text = name.replace(['-', '_', '.'], " ");
    for part in title_and_description.into_iter().flatten() {
        text.push(' ');
        text.push_str(part);
    }
    for tag in tags {
        text.push(' ');
        text.push_str(tag);
    }
    text
}

/// Words worth correcting typos against: lower-case letters and digits, three to 40
/// characters, not pure numbers (ids). The same rule as the SQL function
/// `catalog_words_of`, which back-filled the table once.
pub fn catalog_words(text: &str) -> BTreeSet<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| (3..=40).contains(&w.len()) && !w.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::catalog_words;

    #[test]
    fn words_are_lower_case_runs_of_three_to_forty_that_are_not_numbers() {
        let words = catalog_words("Checkout-API v2 handles 12345 PAYMENTS, ok? x");
        assert_eq!(
            words.into_iter().collect::<Vec<_>>(),
            ["api", "checkout", "handles", "payments"]
        );
    }
}
