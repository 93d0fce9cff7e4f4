//! Checking a pack away from Parkway (`parkway evidence verify PACK.zip`): the
//! manifest's signature, every file's SHA-256, the chain head's signature, and every
//! audit event of the extract re-hashed and linked to its predecessor. Needs only the
//! archive and `PARKWAY_AUDIT_KEY`; stops at the first file or row that does not match.

use std::{
    collections::BTreeSet,
    fmt,
    io::{BufRead, BufReader, Read, Seek},
};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::model::{Manifest, files};
use crate::audit::{AuditKey, ChainHead, NewAuditEvent, model::event_hash};

/// `chain.json`: the head when the pack was made, signed; the whole chain's
/// verification at that moment; and what `audit.jsonl` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainFile {
    pub head: HeadRecord,
    pub verification: ChainVerification,
    pub extract: Extract,
}

/// The chain head as `GET /api/v1/audit/head` publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadRecord {
    pub id: i64,
    pub hash: String,
    /// Hex HMAC-SHA256 of `"{id}:{hash}"` under `PARKWAY_AUDIT_KEY`.
    pub signature: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainVerification {
    /// Rows of the whole trail re-hashed at export.
    pub rows: u64,
    pub intact: bool,
    /// Every row that failed, as `parkway audit verify` words it.
    pub breaks: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extract {
    pub file: String,
    pub events: u64,
    pub first_id: Option<i64>,
    pub last_id: Option<i64>,
}

/// One line of `audit.jsonl`: an event exactly as stored, hashes in hex.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditLine {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub payload: Value,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The first thing in a pack that does not match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub file: String,
    /// 1-based line, for a row.
    pub line: Option<u64>,
    pub reason: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{} line {line}: {}", self.file, self.reason),
            None => write!(f, "{}: {}", self.file, self.reason),
        }
    }
}

impl std::error::Error for Mismatch {}

fn mismatch(file: &str, line: Option<u64>, reason: impl Into<String>) -> Mismatch {
    Mismatch {
        file: file.to_owned(),
        line,
        reason: reason.into(),
    }
}

/// What a pack that verifies holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub manifest: Manifest,
    pub events: u64,
    pub head: ChainHead,
}

/// Verifies the pack in `archive` with `key`.
pub fn verify<R: Read + Seek>(archive: R, key: &AuditKey) -> Result<Verified, Mismatch> {
    let mut zip = zip::ZipArchive::new(archive)
        .map_err(|e| mismatch("archive", None, format!("not a readable zip ({e})")))?;
    let manifest_text = read_all(&mut zip, files::MANIFEST)?;
    let manifest: Manifest = serde_json::from_slice(&manifest_text).map_err(|e| {
        mismatch(
            files::MANIFEST,
            None,
            format!("not a Parkway evidence manifest ({e})"),
        )
    })?;
    if !manifest.verifies(key) {
        let hint = if manifest.key == "ephemeral" {
            " (the server that made it had no PARKWAY_AUDIT_KEY: its random key is gone)"
        } else {
            " (edited, or signed with another PARKWAY_AUDIT_KEY)"
        };
        return Err(mismatch(
            files::MANIFEST,
            None,
            format!("the signature does not match its contents{hint}"),
        ));
    }
    let listed: BTreeSet<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    for name in zip.file_names() {
        let name =
            name.map_err(|e| mismatch("archive", None, format!("an entry's name cannot be read ({e})")))?;
        if name != files::MANIFEST && !listed.contains(name.as_ref()) && !name.ends_with('/') {
            return Err(mismatch(&name, None, "is not listed in the manifest"));
        }
    }
    for entry in &manifest.files {
        let mut sha = Sha256::new();
        let mut bytes = 0_u64;
        let mut file = zip
            .by_name(&entry.path)
            .map_err(|_| mismatch(&entry.path, None, "is listed in the manifest but missing"))?;
        let mut buf = vec![0; 64 * 1024];
        loop {
            let n = file
                .read(&mut buf)
                .map_err(|e| mismatch(&entry.path, None, format!("cannot be read ({e})")))?;
            if n == 0 {
                break;
            }
            sha.update(&buf[..n]);
            bytes += n as u64;
        }
        if hex::encode(sha.finalize()) != entry.sha256 || bytes != entry.bytes {
            return Err(mismatch(
                &entry.path,
                None,
                "its SHA-256 does not match the manifest (the file was changed)",
            ));
        }
    }
    let chain: ChainFile = serde_json::from_slice(&read_all(&mut zip, files::CHAIN)?)
        .map_err(|e| mismatch(files::CHAIN, None, format!("not a chain record ({e})")))?;
    let head = head_of(&chain.head, key)?;
    let events = check_extract(&mut zip, &chain, head)?;
    Ok(Verified {
        manifest,
        events,
        head,
    })
}

fn read_all<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str) -> Result<Vec<u8>, Mismatch> {
    let mut file = zip
        .by_name(name)
        .map_err(|_| mismatch(name, None, "is missing"))?;
    let mut out = Vec::new();
    file.read_to_end(&mut out)
        .map_err(|e| mismatch(name, None, format!("cannot be read ({e})")))?;
    Ok(out)
}

fn head_of(head: &HeadRecord, key: &AuditKey) -> Result<ChainHead, Mismatch> {
    let parsed: ChainHead = format!("{}:{}", head.id, head.hash)
        .parse()
        .map_err(|e| mismatch(files::CHAIN, None, format!("the head is malformed ({e})")))?;
    let signature = hex::decode(&head.signature).unwrap_or_default();
    if !key.verifies(parsed.message().as_bytes(), &signature) {
        return Err(mismatch(
            files::CHAIN,
            None,
            "the chain head's signature does not match",
        ));
    }
    Ok(parsed)
}

/// Re-hashes every event of the extract and checks each links to the one before it
/// when their ids are consecutive; the event with the head's id must carry its hash.
fn check_extract<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    chain: &ChainFile,
    head: ChainHead,
) -> Result<u64, Mismatch> {
    let file = zip
        .by_name(files::AUDIT)
        .map_err(|_| mismatch(files::AUDIT, None, "is missing"))?;
    let mut previous: Option<(i64, String)> = None;
    let mut events = 0_u64;
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let at = Some(n as u64 + 1);
        let line = line.map_err(|e| mismatch(files::AUDIT, at, format!("cannot be read ({e})")))?;
        let row: AuditLine = serde_json::from_str(&line)
            .map_err(|e| mismatch(files::AUDIT, at, format!("not an audit event ({e})")))?;
        let event = NewAuditEvent {
            actor: row.actor.clone(),
            action: row.action.clone(),
            target: row.target.clone(),
            payload: row.payload.clone(),
            request_id: row.request_id.clone(),
        };
        let prev = hex::decode(&row.prev_hash).unwrap_or_default();
        if hex::encode(event_hash(&prev, row.occurred_at, &event)) != row.hash {
            return Err(mismatch(
                files::AUDIT,
                at,
                format!(
                    "event {} does not match its hash (its contents were changed)",
                    row.id
                ),
            ));
        }
        if let Some((id, hash)) = &previous {
            if row.id <= *id {
                return Err(mismatch(
                    files::AUDIT,
                    at,
                    format!("event {} is out of order (after event {id})", row.id),
                ));
            }
            if row.id == id + 1 && row.prev_hash != *hash {
                return Err(mismatch(
                    files::AUDIT,
                    at,
                    format!("event {} does not link to event {id} before it", row.id),
                ));
            }
        }
        if row.id == head.id && row.hash != hex::encode(head.hash) {
            return Err(mismatch(
                files::AUDIT,
                at,
                format!("event {} is the signed head but its hash differs", row.id),
            ));
        }
        if row.id > head.id {
            return Err(mismatch(
                files::AUDIT,
                at,
                format!("event {} is newer than the signed head {}", row.id, head.id),
            ));
        }
        previous = Some((row.id, row.hash));
        events += 1;
    }
    if events != chain.extract.events || previous.as_ref().map(|p| p.0) != chain.extract.last_id {
        return Err(mismatch(
            files::AUDIT,
            None,
            format!("holds {events} events; chain.json says {}", chain.extract.events),
        ));
    }
    Ok(events)
}
