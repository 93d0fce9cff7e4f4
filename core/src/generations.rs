//! What a replica may keep in memory, and when it must stop trusting it.
//!
//! Postgres keeps one generation number per area ([`Area::Catalog`]: entities;
//! [`Area::Access`]: sessions, tokens, people, role mappings), bumped by triggers in
//! the same transaction as any change, and announced on the `parkway_generations`
//! channel at commit. A replica's [`Generations`] listens on that channel, so a
//! request learns the current generation from memory instead of from a query, and
//! anything cached under an older generation is reloaded.
//!
//! When the listening connection is down, nothing is trusted from memory: readers ask
//! Postgres (the behaviour before any cache), until the listener is back and has
//! re-read both numbers. A write made through this replica refreshes the numbers
//! itself ([`Generations::refresh`]), so its own next request never waits for the
//! notification to come round.

use std::{
    sync::{
        Arc, Weak,
        atomic::{AtomicBool, AtomicI64, Ordering},
    },
    time::Duration,
};

use sqlx::{PgPool, postgres::PgListener};

/// The channel the generation triggers notify.
pub const CHANNEL: &str = "parkway_generations";

/// A part of the database that replicas cache, with its own generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Catalog,
    Access,
}

/// This replica's view of the generations. Cheap to clone; a default one is never
/// live, so it always asks Postgres (what tests and one-shot commands want).
#[derive(Debug, Clone, Default)]
pub struct Generations {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    catalog: AtomicI64,
    access: AtomicI64,
    /// The listener is connected and has read both numbers since it (re)connected.
    live: AtomicBool,
}

impl Generations {
    /// The generation of `area` as held in memory, when the listener is live; `None`
    /// means "unknown here: ask Postgres".
    pub fn cached(&self, area: Area) -> Option<i64> {
        if !self.inner.live.load(Ordering::Acquire) {
            return None;
        }
        Some(self.slot(area).load(Ordering::Acquire))
    }

    /// The current generation of `area`: from memory when live, else from Postgres.
    pub async fn current(&self, pool: &PgPool, area: Area) -> Result<i64, sqlx::Error> {
        if let Some(generation) = self.cached(area) {
            return Ok(generation);
        }
        let (catalog, access) = read(pool).await?;
        self.store(catalog, access);
        Ok(match area {
            Area::Catalog => catalog,
            Area::Access => access,
        })
    }

    /// Re-reads both generations now: after this replica wrote, so its next request
    /// sees the write even before the notification arrives.
    pub async fn refresh(&self, pool: &PgPool) -> Result<(), sqlx::Error> {
        let (catalog, access) = read(pool).await?;
        self.store(catalog, access);
        Ok(())
    }

    /// Whether the listener is connected (for `/readyz` and tests).
    pub fn is_live(&self) -> bool {
        self.inner.live.load(Ordering::Acquire)
    }

    /// Starts listening for generation changes on a connection of its own, in the
    /// background (retrying while Postgres cannot be reached; readers ask Postgres
    /// meanwhile). The task ends when the last clone of `self` is dropped.
    pub fn spawn_watch(&self, pool: PgPool) {
        tokio::spawn(listen(Arc::downgrade(&self.inner), pool));
    }

    /// [`Generations::spawn_watch`], then waits (briefly) for it to go live, so a
    /// starting replica serves its first requests from memory.
    pub async fn watch(&self, pool: PgPool) {
        self.spawn_watch(pool);
        for _ in 0..100 {
            if self.is_live() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tracing::warn!("not listening for generation changes yet; caches ask Postgres until it works");
    }

    fn slot(&self, area: Area) -> &AtomicI64 {
        match area {
            Area::Catalog => &self.inner.catalog,
            Area::Access => &self.inner.access,
        }
    }

    /// Generations only move forward: a slow reader must not store an older number
    /// over a newer one.
    fn store(&self, catalog: i64, access: i64) {
        store(&self.inner, catalog, access);
    }
}

fn store(inner: &Inner, catalog: i64, access: i64) {
    inner.catalog.fetch_max(catalog, Ordering::AcqRel);
    inner.access.fetch_max(access, Ordering::AcqRel);
}

async fn read(pool: &PgPool) -> Result<(i64, i64), sqlx::Error> {
    let row = sqlx::query!(
        r#"select (select generation from catalog_state) as "catalog!",
                  (select generation from access_state) as "access!""#
    )
    .fetch_one(pool)
    .await?;
    Ok((row.catalog, row.access))
}

async fn connect(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// The listening loop: on every notification, and after every reconnection (which
/// may have missed some), re-read both numbers. Live only between a successful read
/// and the next lost connection.
async fn listen(inner: Weak<Inner>, pool: PgPool) {
    let mut listener = None;
    let mut backoff = Duration::ZERO;
    loop {
        let Some(strong) = inner.upgrade() else { return };
        let Some(current) = listener.as_mut() else {
            strong.live.store(false, Ordering::Release);
            drop(strong);
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).clamp(Duration::from_millis(100), Duration::from_secs(5));
            match connect(&pool).await {
                Ok(connected) => listener = Some(connected),
                Err(err) => tracing::warn!(error = %err, "could not listen for generation changes"),
            }
            continue;
        };
        if !strong.live.load(Ordering::Acquire) {
            // Listening since before this read: nothing can fall between the two.
            match read(&pool).await {
                Ok((catalog, access)) => {
                    store(&strong, catalog, access);
                    strong.live.store(true, Ordering::Release);
                    backoff = Duration::ZERO;
                }
                Err(err) => {
                    tracing::warn!(error = %err, "could not read the generations");
                    listener = None;
                    continue;
                }
            }
        }
        drop(strong);
        // Only a weak reference is held while waiting, so a dropped replica's state
        // is freed; the loop ends at the next wake-up.
        let next = current.try_recv().await;
        let Some(strong) = inner.upgrade() else { return };
        match next {
            Ok(Some(_notification)) => {
                if let Ok((catalog, access)) = read(&pool).await {
                    store(&strong, catalog, access);
                } else {
                    strong.live.store(false, Ordering::Release);
                    listener = None;
                }
            }
            Ok(None) | Err(_) => {
                // The connection was lost: notifications may have been missed.
                tracing::warn!("lost the generation listener; caches ask Postgres until it is back");
                strong.live.store(false, Ordering::Release);
                listener = None;
            }
        }
    }
}
