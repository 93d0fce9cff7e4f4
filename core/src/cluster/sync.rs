//! The sync job: every interval, write each reachable cluster's summary to its
//! snapshot. Every replica runs the loop, but only the one holding a Postgres
//! session-level advisory lock does the work; when that replica stops, its
//! connection closes, the lock is released and another replica takes over.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use sqlx::{Connection, PgConnection, PgPool};

use super::{
    cache::{ClusterState, Clusters},
    snapshot::{self, WriteStats},
};

/// The advisory lock key ("parksync" in ASCII).
pub const SYNC_LOCK: i64 = 0x7061_726b_7379_6e63;

/// What this replica's sync loop is doing, for `/api/v1/clusters`, metrics and tests.
#[derive(Debug, Default)]
pub struct SyncStatus {
    leader: AtomicBool,
    runs: AtomicU64,
    last: Mutex<Option<WriteStats>>,
}

impl SyncStatus {
    /// Whether this replica holds the lock and runs the sync.
    pub fn is_leader(&self) -> bool {
        self.leader.load(Ordering::SeqCst)
    }

    /// Completed sync passes on this replica.
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::SeqCst)
    }

    pub fn last_stats(&self) -> Option<WriteStats> {
        *self.last.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub struct SyncJob {
    pub pool: PgPool,
    pub clusters: Clusters,
    pub every: Duration,
    pub status: Arc<SyncStatus>,
}

impl SyncJob {
    /// Runs until the task is dropped or aborted (which closes the lock's connection).
    pub async fn run(self) {
        loop {
            match try_lock(&self.pool).await {
                Ok(Some(connection)) => {
                    self.status.leader.store(true, Ordering::SeqCst);
                    tracing::info!("this replica now runs the cluster sync");
                    self.lead(connection).await;
                    self.status.leader.store(false, Ordering::SeqCst);
                }
                Ok(None) => {}
                Err(err) => tracing::warn!(error = %err, "cannot try the cluster sync lock"),
            }
            tokio::time::sleep(self.every).await;
        }
    }

    async fn lead(&self, mut connection: PgConnection) {
        loop {
            self.sync_once().await;
            // A cluster still connecting or listing gets its first snapshot as soon
            // as it is ready, not a whole interval later.
            let waiting = self
                .clusters
                .all()
                .iter()
                .any(|c| matches!(c.status().state, ClusterState::Connecting | ClusterState::Syncing));
            let pause = if waiting {
                self.every.min(Duration::from_secs(1))
            } else {
                self.every
            };
            tokio::time::sleep(pause).await;
            // The lock lives exactly as long as this connection.
            if connection.ping().await.is_err() {
                tracing::warn!("lost the connection holding the cluster sync lock");
                return;
            }
        }
    }

    /// One pass over every cluster; public so the benchmark and tests can call it.
    pub async fn sync_once(&self) -> WriteStats {
        let mut total = WriteStats::default();
        for cache in self.clusters.all() {
            let status = cache.status();
            if status.state.serves_live() {
                let workloads = cache.workloads();
                match snapshot::write(
                    &self.pool,
                    cache.name(),
                    status.api_version.as_deref(),
                    &workloads,
                )
                .await
                {
                    Ok(stats) => total.add(stats),
                    Err(err) => {
                        tracing::warn!(cluster = cache.name(), error = %err, "cannot write the cluster snapshot")
                    }
                }
            } else if let Some(error) = status.error
                && let Err(err) = snapshot::record_error(&self.pool, cache.name(), &error).await
            {
                tracing::warn!(cluster = cache.name(), error = %err, "cannot record the cluster error");
            }
        }
        self.status.runs.fetch_add(1, Ordering::SeqCst);
        *self.status.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(total);
        total
    }
}

/// A detached connection holding the lock, or `None` when another replica has it.
async fn try_lock(pool: &PgPool) -> Result<Option<PgConnection>, sqlx::Error> {
    let mut connection = pool.acquire().await?.detach();
    let locked = sqlx::query_scalar!("select pg_try_advisory_lock($1)", SYNC_LOCK)
        .fetch_one(&mut connection)
        .await?
        .unwrap_or(false);
    if locked {
        Ok(Some(connection))
    } else {
        let _ = connection.close().await;
        Ok(None)
    }
}
