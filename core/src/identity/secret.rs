//! Random secrets and how they are stored. Session ids and API tokens are 256-bit
//! random values; the database keeps only their SHA-256, so reading the tables does not
//! let anyone act as a user. A fast hash is right here: the inputs are random, not
//! guessable passwords.

use sha2::{Digest, Sha256};

/// Prefix of every API token, so secret scanners and people can recognise one.
pub const TOKEN_PREFIX: &str = "pwk_";

/// Characters of a token shown in listings (the prefix plus a few random ones).
const DISPLAY_LEN: usize = TOKEN_PREFIX.len() + 8;

/// 32 bytes from the operating system's generator, hex-encoded.
pub fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random generator is unavailable");
    hex::encode(bytes)
}

/// The stored form of a session id or token.
pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// A new API token: `pwk_` and 64 hex characters.
pub fn new_token() -> String {
    format!("{TOKEN_PREFIX}{}", random_hex())
}

/// The part of a token that may be shown again after creation.
pub fn display_prefix(token: &str) -> String {
    token.chars().take(DISPLAY_LEN).collect()
}

/// Whether a string has the shape of a session id (64 lower-case hex characters);
/// anything else is rejected before it reaches the database.
pub fn is_well_formed_id(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether a bearer value has the shape of a Parkway token.
pub fn is_well_formed_token(value: &str) -> bool {
    value.strip_prefix(TOKEN_PREFIX).is_some_and(is_well_formed_id)
}

/// Compares two secrets (text or bytes) in time independent of where they differ.
pub fn constant_time_eq(a: impl AsRef<[u8]>, b: impl AsRef<[u8]>) -> bool {
    let (a, b) = (a.as_ref(), b.as_ref());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_and_well_formed() {
        let (a, b) = (random_hex(), random_hex());
        assert_ne!(a, b);
        assert!(is_well_formed_id(&a));
        assert!(!is_well_formed_id("abc"));
        assert!(!is_well_formed_id(&a.to_uppercase()));
    }

    #[test]
    fn tokens_have_a_recognisable_shape_and_a_short_display_form() {
        let token = new_token();
        assert!(is_well_formed_token(&token));
        assert!(!is_well_formed_token(&random_hex()));
        assert_eq!(display_prefix(&token).len(), 12);
        assert!(token.starts_with(&display_prefix(&token)));
        assert_ne!(digest(&token), digest(&new_token()));
        assert_eq!(digest(&token).len(), 32);
    }

    #[test]
    fn constant_time_eq_compares_whole_values() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
