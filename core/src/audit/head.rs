//! The chain head, signed, so a truncated trail can be told from a short one.
//!
//! A hash chain proves that no stored row was edited or removed from the middle, but
//! cutting off the newest rows leaves a shorter chain that still verifies. Parkway
//! therefore publishes its head (the newest row's id and hash) every minute to its log
//! and at `GET /api/v1/audit/head`, with an HMAC-SHA256 under `PARKWAY_AUDIT_KEY` so a
//! copy kept elsewhere can be shown to come from Parkway. Anyone holding a published
//! head can later run `parkway audit verify --expect-head ID:HASH`: the row must still
//! be there with that hash.

use std::{fmt, str::FromStr};

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use super::model::GENESIS_HASH;

/// The newest row of the chain: its id and hash. An empty trail's head is id 0 with
/// the genesis hash (32 zero bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainHead {
    pub id: i64,
    pub hash: [u8; 32],
}

impl ChainHead {
    pub const EMPTY: ChainHead = ChainHead {
        id: 0,
        hash: GENESIS_HASH,
    };

    /// The text the signature covers: `ID:HASH` with the hash in lower-case hex, the
    /// same form `--expect-head` reads.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for ChainHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.id, hex::encode(self.hash))
    }
}

/// Why a `ID:HASH` text is not a chain head.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeadParseError {
    #[error("expected ID:HASH (the `id` and `hash` of GET /api/v1/audit/head), got `{0}`")]
    Shape(String),
    #[error("the id `{0}` is not a whole number of 0 or more")]
    Id(String),
    #[error("the hash must be 64 hexadecimal digits (SHA-256), got `{0}`")]
    Hash(String),
}

impl FromStr for ChainHead {
    type Err = HeadParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let (id, hash) = text
            .split_once(':')
            .ok_or_else(|| HeadParseError::Shape(text.to_owned()))?;
        let id = id
            .parse::<i64>()
            .ok()
            .filter(|id| *id >= 0)
            .ok_or_else(|| HeadParseError::Id(id.to_owned()))?;
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(hash, &mut bytes).map_err(|_| HeadParseError::Hash(hash.to_owned()))?;
        Ok(Self { id, hash: bytes })
    }
}

/// The HMAC key heads are signed with (`PARKWAY_AUDIT_KEY`). `Debug` never shows it.
#[derive(Clone)]
pub struct AuditKey {
    bytes: Vec<u8>,
    /// Made up for this process ([`AuditKey::ephemeral`]): nothing it signs can be
    /// checked after a restart, which evidence packs say.
    ephemeral: bool,
}

/// Shortest key accepted: HMAC-SHA256 gains nothing from more than 32 bytes, and a
/// shorter one could be guessed.
pub const MIN_KEY_BYTES: usize = 32;

impl AuditKey {
    /// A configured key (its UTF-8 bytes); refused when shorter than 32 bytes.
    pub fn new(secret: &str) -> Result<Self, String> {
        if secret.len() < MIN_KEY_BYTES {
            return Err(format!(
                "PARKWAY_AUDIT_KEY must be at least {MIN_KEY_BYTES} bytes (it is {}); generate one with `openssl rand -hex 32`",
                secret.len()
            ));
        }
        Ok(Self {
            bytes: secret.as_bytes().to_vec(),
            ephemeral: false,
        })
    }

    /// A random key for this process only: heads it signs cannot be checked after a
    /// restart, which is why the server warns when it has to use one.
    pub fn ephemeral() -> Self {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the operating system's random number generator works");
        Self {
            bytes: bytes.to_vec(),
            ephemeral: true,
        }
    }

    /// Whether this is a random key of this process only.
    pub fn is_ephemeral(&self) -> bool {
        self.ephemeral
    }

    /// HMAC-SHA256 of `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 32] {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.bytes).expect("HMAC accepts keys of any length");
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    /// Whether `signature` is this key's HMAC of `message` (compared in constant time).
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.bytes).expect("HMAC accepts keys of any length");
        mac.update(message);
        mac.verify_slice(signature).is_ok()
    }
}

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditKey([redacted])")
    }
}

/// The head as published: `signature` is the hex HMAC-SHA256 of `"{id}:{hash}"`
/// under `PARKWAY_AUDIT_KEY`; `at` is when it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SignedHead {
    /// The newest event's id (0 while the trail is empty).
    pub id: i64,
    /// Its SHA-256 chain hash, lower-case hex.
    pub hash: String,
    /// Hex HMAC-SHA256 of `"{id}:{hash}"` under `PARKWAY_AUDIT_KEY`.
    pub signature: String,
    /// When the head was read (RFC 3339).
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<Utc>,
}

impl SignedHead {
    pub fn new(head: ChainHead, key: &AuditKey, at: DateTime<Utc>) -> Self {
        Self {
            id: head.id,
            hash: hex::encode(head.hash),
            signature: hex::encode(key.sign(head.message().as_bytes())),
            at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?". `new` refuses
        // short keys, so build the key directly.
        let key = AuditKey {
            bytes: b"Jefe".to_vec(),
            ephemeral: false,
        };
        assert_eq!(
            hex::encode(key.sign(b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_head_round_trips_through_its_text() {
        let head = ChainHead {
            id: 42,
            hash: [0xab; 32],
        };
        assert_eq!(head.to_string(), format!("42:{}", "ab".repeat(32)));
        assert_eq!(head.to_string().parse::<ChainHead>(), Ok(head));
        assert_eq!(
            format!("0:{}", "0".repeat(64)).parse::<ChainHead>(),
            Ok(ChainHead::EMPTY)
        );
    }

    #[test]
    fn bad_heads_say_which_part_is_wrong() {
        assert!(matches!("42".parse::<ChainHead>(), Err(HeadParseError::Shape(_))));
        assert!(matches!(
            format!("-1:{}", "0".repeat(64)).parse::<ChainHead>(),
            Err(HeadParseError::Id(_))
        ));
        assert!(matches!(
            "7:abc".parse::<ChainHead>(),
            Err(HeadParseError::Hash(_))
        ));
        assert!(matches!(
            format!("7:{}", "zz".repeat(32)).parse::<ChainHead>(),
            Err(HeadParseError::Hash(_))
        ));
    }

    #[test]
    fn signatures_depend_on_key_and_head_and_verify() {
        let key = AuditKey::new(&"k".repeat(32)).expect("long enough");
        let other = AuditKey::new(&"j".repeat(32)).expect("long enough");
        let head = ChainHead { id: 3, hash: [1; 32] };
        let at = Utc::now();
        let signed = SignedHead::new(head, &key, at);
        let signature = hex::decode(&signed.signature).expect("hex");
        assert!(key.verifies(head.message().as_bytes(), &signature));
        assert!(!other.verifies(head.message().as_bytes(), &signature));
        let later = ChainHead { id: 4, ..head };
        assert_ne!(SignedHead::new(later, &key, at).signature, signed.signature);
        assert!(AuditKey::new("short").is_err());
        assert_eq!(format!("{key:?}"), "AuditKey([redacted])");
    }
}
