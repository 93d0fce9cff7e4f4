//! Postgres storage for the audit chain.

use chrono::Utc;
use sqlx::{Acquire, PgPool, Postgres};

use super::Result;
use super::model::{
    AuditRecord, ChainBreak, ChainVerifier, GENESIS_HASH, NewAuditEvent, event_hash, storage_time,
};

/// Rows read per round trip while verifying; bounds memory on long chains.
const VERIFY_PAGE: i64 = 1000;

/// Appends one event to the chain.
///
/// Pass the caller's open transaction when the event records a change made in it: the
/// event then commits or rolls back with the change. Appends are serialised with a table
/// lock held until that outer transaction ends, because the next writer must see this
/// row's hash before it can chain onto it.
pub async fn append<'c, A>(conn: A, event: &NewAuditEvent) -> Result<AuditRecord>
where
    A: Acquire<'c, Database = Postgres>,
{
    event.validate()?;
    let mut tx = conn.begin().await?;
    sqlx::query("lock table audit_events in share row exclusive mode")
        .execute(&mut *tx)
        .await?;
    let prev_hash = sqlx::query_scalar!("select hash from audit_events order by id desc limit 1")
        .fetch_optional(&mut *tx)
        .await?
        .unwrap_or_else(|| GENESIS_HASH.to_vec());
    let occurred_at = storage_time(Utc::now());
    let hash = event_hash(&prev_hash, occurred_at, event).to_vec();
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

/// The outcome of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Every row links to its predecessor and matches its hash.
    Intact { rows: u64 },
    /// `checked` rows verified before the first bad one.
    Broken { checked: u64, first_bad: ChainBreak },
}

/// Re-computes every hash from the stored fields, oldest first, and stops at the first
/// row that does not verify.
pub async fn verify(pool: &PgPool) -> Result<Verification> {
    let mut verifier = ChainVerifier::default();
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
            return Ok(Verification::Intact {
                rows: verifier.checked(),
            });
        };
        after = last.id;
        for row in &page {
            if let Err(first_bad) = verifier.check(row) {
                return Ok(Verification::Broken {
                    checked: verifier.checked(),
                    first_bad,
                });
            }
        }
    }
}
