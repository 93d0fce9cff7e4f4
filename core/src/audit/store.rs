//! Postgres storage for the audit chain.

use chrono::Utc;
use sqlx::{Acquire, PgPool, Postgres};

use super::Result;
use super::head::ChainHead;
use super::model::{
    AuditRecord, ChainBreak, ChainVerifier, GENESIS_HASH, NewAuditEvent, event_hash, storage_time,
};

/// Rows read per round trip while verifying; bounds memory on long chains.
const VERIFY_PAGE: i64 = 1000;

/// The advisory lock every append takes (transaction-scoped): "parkaudi". A table lock
/// would need UPDATE, DELETE or TRUNCATE on `audit_events` for the modes that conflict
/// with themselves, and the runtime role deliberately has none of them.
const APPEND_LOCK: i64 = 0x7061_726b_6175_6469;

/// Appends one event to the chain.
///
/// Pass the caller's open transaction when the event records a change made in it: the
/// event then commits or rolls back with the change. Appends are serialised with a
/// transaction-scoped advisory lock held until that outer transaction ends, because
/// the next writer must see this row's hash before it can chain onto it (and the
/// unique `prev_hash` refuses a fork should anything write without the lock).
///
/// The hash covers the payload as Postgres stores it: `jsonb` rewrites numbers
/// (`-0.0` becomes `0.0`, `1e19` becomes `10000000000000000000`), so the payload is
/// first passed through `jsonb` and read back, and that value is hashed. `verify`
/// reads the same stored value, so no legitimate row can ever read as tampered.
pub async fn append<'c, A>(conn: A, event: &NewAuditEvent) -> Result<AuditRecord>
where
    A: Acquire<'c, Database = Postgres>,
{
    event.validate()?;
    let mut tx = conn.begin().await?;
    sqlx::query("select pg_advisory_xact_lock($1)")
        .bind(APPEND_LOCK)
        .execute(&mut *tx)
        .await?;
    let current = sqlx::query!(
        r#"select (select hash from audit_events order by id desc limit 1) as "prev_hash?",
                  $1::jsonb as "payload!""#,
        event.payload,
    )
    .fetch_one(&mut *tx)
    .await?;
    let prev_hash = current.prev_hash.unwrap_or_else(|| GENESIS_HASH.to_vec());
    let stored = NewAuditEvent {
        payload: current.payload,
        ..event.clone()
    };
    let occurred_at = storage_time(Utc::now());
    let hash = event_hash(&prev_hash, occurred_at, &stored).to_vec();
    let record = sqlx::query_as!(
        AuditRecord,
        r#"insert into audit_events
               (occurred_at, actor, action, target, payload, request_id, prev_hash, hash)
           values ($1, $2, $3, $4, $5, $6, $7, $8)
           returning id, occurred_at, actor, action, target, payload, request_id, prev_hash, hash"#,
        occurred_at,
        event.actor,
        event.action,
        event.target,
        event.payload,
        event.request_id,
        prev_hash,
        hash,
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(record)
}

/// What became of a head published earlier (`--expect-head ID:HASH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadCheck {
    /// The row is there with that hash: nothing up to it was cut off or rewritten.
    Present,
    /// No row has that id any more: the trail was truncated back past it.
    Missing,
    /// The row with that id has another hash: the trail was rewritten from there.
    Rewritten,
}

/// The outcome of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Rows read, broken or not.
    pub rows: u64,
    /// Every row that fails, oldest first (see [`ChainVerifier`]).
    pub breaks: Vec<ChainBreak>,
    /// The newest row as stored now.
    pub head: ChainHead,
    /// Set when an expected head was given.
    pub expected: Option<(ChainHead, HeadCheck)>,
}

impl Verification {
    /// No broken row, and the expected head (if any) is still there.
    pub fn is_intact(&self) -> bool {
        self.breaks.is_empty() && self.expected.is_none_or(|(_, check)| check == HeadCheck::Present)
    }
}

/// Re-computes every hash from the stored fields, oldest first, and names every row
/// that does not verify.
pub async fn verify(pool: &PgPool) -> Result<Verification> {
    verify_against(pool, None).await
}

/// [`verify`], and checks that `expected` (a head published earlier) is still in the
/// chain: a trail cut back to before it, or rewritten from it, fails even though
/// what is left links up.
pub async fn verify_against(pool: &PgPool, expected: Option<ChainHead>) -> Result<Verification> {
    let mut verifier = ChainVerifier::default();
    let mut breaks = Vec::new();
    let mut head = ChainHead::EMPTY;
    let mut seen: Option<HeadCheck> = expected.map(|want| {
        if want == ChainHead::EMPTY {
            HeadCheck::Present
        } else if want.id == 0 {
            HeadCheck::Rewritten
        } else {
            HeadCheck::Missing
        }
    });
    let mut after = 0_i64;
    loop {
        let page = sqlx::query_as!(
            AuditRecord,
            r#"select id, occurred_at, actor, action, target, payload, request_id, prev_hash, hash
               from audit_events where id > $1 order by id limit $2"#,
            after,
            VERIFY_PAGE,
        )
        .fetch_all(pool)
        .await?;
        let Some(last) = page.last() else {
            return Ok(Verification {
                rows: verifier.checked(),
                breaks,
                head,
                expected: expected.zip(seen),
            });
        };
        after = last.id;
        for row in &page {
            if let Err(broken) = verifier.check(row) {
                breaks.push(broken);
            }
            if let Some(want) = expected.filter(|want| want.id == row.id) {
                seen = Some(if row.hash == want.hash {
                    HeadCheck::Present
                } else {
                    HeadCheck::Rewritten
                });
            }
            head = ChainHead {
                id: row.id,
                hash: row.hash.as_slice().try_into().unwrap_or_default(),
            };
        }
    }
}

/// The newest row's id and hash ([`ChainHead::EMPTY`] while the trail is empty).
pub async fn head(pool: &PgPool) -> Result<ChainHead> {
    let row = sqlx::query!("select id, hash from audit_events order by id desc limit 1")
        .fetch_optional(pool)
        .await?;
    Ok(row.map_or(ChainHead::EMPTY, |row| ChainHead {
        id: row.id,
        // The table's check constraint keeps every hash 32 bytes long.
        hash: row.hash.as_slice().try_into().unwrap_or_default(),
    }))
}
