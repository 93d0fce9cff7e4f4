//! Pure audit types and the hash chain rules; no I/O, so every rule is unit-tested.

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt;

use super::{Error, Result};

/// `prev_hash` of the very first event.
pub const GENESIS_HASH: [u8; 32] = [0; 32];

/// Domain-separation tag: a hash made for any other purpose can never collide with an
/// audit hash, and a future encoding gets a new tag instead of silently changing meaning.
const ENCODING_TAG: &[u8] = b"parkway.audit.v1";

const MAX_NAME_LEN: usize = 256;

/// An event as a caller describes it, before it is chained and stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewAuditEvent {
    /// Who did it: a user key, a service account or `system`.
    pub actor: String,
    /// What was done, dotted verb form such as `token.create`.
    pub action: String,
    /// What it was done to, such as `token:42` or `catalog:component:default/payments`.
    pub target: String,
    /// Details such as before/after; any JSON.
    pub payload: Value,
    /// The request it came from, so logs and audit can be joined.
    pub request_id: Option<String>,
}

impl NewAuditEvent {
    pub fn new(actor: impl Into<String>, action: impl Into<String>, target: impl Into<String>) -> Self {
        Self {
            actor: actor.into(),
            action: action.into(),
            target: target.into(),
            payload: Value::Object(Default::default()),
            request_id: None,
        }
    }

    #[must_use]
    pub fn with_payload(mut self, payload: Value) -> Self {
        self.payload = payload;
        self
    }

    #[must_use]
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// Rejects events that would make the trail useless to a reader.
    pub fn validate(&self) -> Result<()> {
        for (field, value) in [("actor", &self.actor), ("action", &self.action)] {
            if value.trim().is_empty() {
                return Err(Error::Invalid {
                    field,
                    reason: "must not be blank",
                });
            }
        }
        for (field, value) in [
            ("actor", &self.actor),
            ("action", &self.action),
            ("target", &self.target),
        ] {
            if value.len() > MAX_NAME_LEN {
                return Err(Error::Invalid {
                    field,
                    reason: "must be at most 256 bytes",
                });
            }
        }
        Ok(())
    }
}

/// An event as stored, with its place in the chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub payload: Value,
    pub request_id: Option<String>,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// Postgres keeps microseconds; hashing a finer time would never verify after a round trip.
pub fn storage_time(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

/// SHA-256 over the canonical encoding: the tag, then every field length-prefixed
/// (so `("ab","c")` and `("a","bc")` differ), the time as microseconds since the epoch,
/// and the payload as canonical JSON (object keys sorted, no whitespace) so the key
/// order Postgres' `jsonb` chooses on the way back cannot change the hash.
pub fn event_hash(prev_hash: &[u8], occurred_at: DateTime<Utc>, event: &NewAuditEvent) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(ENCODING_TAG);
    put(&mut hasher, prev_hash);
    hasher.update(occurred_at.timestamp_micros().to_be_bytes());
    put(&mut hasher, event.actor.as_bytes());
    put(&mut hasher, event.action.as_bytes());
    put(&mut hasher, event.target.as_bytes());
    let mut payload = String::new();
    canonical_json(&event.payload, &mut payload);
    put(&mut hasher, payload.as_bytes());
    match &event.request_id {
        None => hasher.update([0u8]),
        Some(id) => {
            hasher.update([1u8]);
            put(&mut hasher, id.as_bytes());
        }
    }
    hasher.finalize().into()
}

fn put(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_be_bytes());
    hasher.update(bytes);
}

/// Writes `value` as JSON with object keys in byte order and no insignificant whitespace.
pub fn canonical_json(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                canonical_json(item, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

impl AuditRecord {
    fn fields(&self) -> NewAuditEvent {
        NewAuditEvent {
            actor: self.actor.clone(),
            action: self.action.clone(),
            target: self.target.clone(),
            payload: self.payload.clone(),
            request_id: self.request_id.clone(),
        }
    }
}

/// A place where the stored chain stops being what Parkway wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainBreak {
    /// The id of the row that fails verification.
    pub id: i64,
    pub reason: BreakReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BreakReason {
    /// The row does not point at the row before it: a row was removed or inserted.
    BrokenLink,
    /// The row's contents no longer match its hash: it was edited.
    ContentChanged,
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.reason {
            BreakReason::BrokenLink => "does not link to the previous row (a row was removed or inserted)",
            BreakReason::ContentChanged => "does not match its hash (its contents were changed)",
        };
        write!(f, "audit event {} {why}", self.id)
    }
}

/// Walks stored rows in id order and names every row that breaks the chain.
///
/// After a break it carries on from the bad row's stored hash, so one edited row is
/// reported once (its successor still links to it) and a removed row once (at the
/// row after the hole): the list is the set of places to look at, not an avalanche.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_prev: Vec<u8>,
    checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            expected_prev: GENESIS_HASH.to_vec(),
            checked: 0,
        }
    }
}

impl ChainVerifier {
    /// Checks the next row; rows must be fed in ascending id order. Every row counts
    /// as checked, broken or not.
    pub fn check(&mut self, row: &AuditRecord) -> std::result::Result<(), ChainBreak> {
        self.checked += 1;
        let linked = row.prev_hash == self.expected_prev;
        self.expected_prev.clone_from(&row.hash);
        if !linked {
            return Err(ChainBreak {
                id: row.id,
                reason: BreakReason::BrokenLink,
            });
        }
        let recomputed = event_hash(&row.prev_hash, row.occurred_at, &row.fields());
        if row.hash != recomputed {
            return Err(ChainBreak {
                id: row.id,
                reason: BreakReason::ContentChanged,
            });
        }
        Ok(())
    }

    /// How many rows were checked so far.
    pub fn checked(&self) -> u64 {
        self.checked
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chain(events: &[NewAuditEvent]) -> Vec<AuditRecord> {
        let mut prev = GENESIS_HASH.to_vec();
        let t0 = storage_time(Utc::now());
        events
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let at = t0 + chrono::Duration::seconds(i as i64);
                let hash = event_hash(&prev, at, e).to_vec();
                let rec = AuditRecord {
                    id: i as i64 + 1,
                    occurred_at: at,
                    actor: e.actor.clone(),
                    action: e.action.clone(),
                    target: e.target.clone(),
                    payload: e.payload.clone(),
                    request_id: e.request_id.clone(),
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                rec
            })
            .collect()
    }

    fn events() -> Vec<NewAuditEvent> {
        (0..4)
            .map(|i| {
                NewAuditEvent::new("alice", "thing.update", format!("thing:{i}"))
                    .with_payload(json!({"n": i}))
            })
            .collect()
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let mut out = String::new();
        canonical_json(&json!({"b": 1, "a": {"z": [true, null], "y": "x"}}), &mut out);
        assert_eq!(out, r#"{"a":{"y":"x","z":[true,null]},"b":1}"#);
    }

    #[test]
    fn length_prefixes_keep_field_boundaries() {
        let at = storage_time(Utc::now());
        let a = NewAuditEvent::new("ab", "c", "t");
        let b = NewAuditEvent::new("a", "bc", "t");
        assert_ne!(
            event_hash(&GENESIS_HASH, at, &a),
            event_hash(&GENESIS_HASH, at, &b)
        );
    }

    #[test]
    fn absent_and_empty_request_ids_hash_differently() {
        let at = storage_time(Utc::now());
        let a = NewAuditEvent::new("a", "b", "c");
        let b = a.clone().with_request_id("");
        assert_ne!(
            event_hash(&GENESIS_HASH, at, &a),
            event_hash(&GENESIS_HASH, at, &b)
        );
    }

    #[test]
    fn intact_chain_verifies() {
        let rows = chain(&events());
        let mut v = ChainVerifier::default();
        for row in &rows {
            v.check(row).expect("intact chain");
        }
        assert_eq!(v.checked(), 4);
    }

    #[test]
    fn edited_payload_is_named() {
        let mut rows = chain(&events());
        rows[2].payload = json!({"n": 99});
        let mut v = ChainVerifier::default();
        let err = rows.iter().try_for_each(|r| v.check(r)).expect_err("tampered");
        assert_eq!(
            err,
            ChainBreak {
                id: 3,
                reason: BreakReason::ContentChanged
            }
        );
    }

    #[test]
    fn removed_row_breaks_the_link() {
        let mut rows = chain(&events());
        rows.remove(1);
        let mut v = ChainVerifier::default();
        let err = rows.iter().try_for_each(|r| v.check(r)).expect_err("gap");
        assert_eq!(
            err,
            ChainBreak {
                id: 3,
                reason: BreakReason::BrokenLink
            }
        );
    }

    #[test]
    fn every_broken_row_is_named_once() {
        let mut rows = chain(&(0..8).map(|i| events()[i % 4].clone()).collect::<Vec<_>>());
        rows[1].payload = json!({"n": 99});
        rows.remove(4);
        rows[5].actor = "mallory".into();
        let mut v = ChainVerifier::default();
        let breaks: Vec<ChainBreak> = rows.iter().filter_map(|r| v.check(r).err()).collect();
        assert_eq!(
            breaks,
            [
                ChainBreak {
                    id: 2,
                    reason: BreakReason::ContentChanged
                },
                ChainBreak {
                    id: 6,
                    reason: BreakReason::BrokenLink
                },
                ChainBreak {
                    id: 7,
                    reason: BreakReason::ContentChanged
                },
            ]
        );
        assert_eq!(v.checked(), 7, "every row read counts, broken or not");
    }

    #[test]
    fn blank_actor_is_rejected() {
        let err = NewAuditEvent::new("  ", "a", "t").validate().expect_err("blank");
        assert!(matches!(err, Error::Invalid { field: "actor", .. }));
    }
}
