//! Keeping a replica's [`FacetIndex`] current: reloaded from one database snapshot
//! when the catalog generation moves, one reload at a time.

use std::sync::{Arc, RwLock};

use sqlx::PgPool;

use super::{FacetIndex, FacetSource};
use crate::{
    catalog::error::Result,
    generations::{Area, Generations},
};

/// A replica's [`FacetIndex`], reloaded when the catalog changes. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct FacetCache {
    generations: Generations,
    current: Arc<RwLock<Arc<FacetIndex>>>,
    reloading: Arc<tokio::sync::Mutex<()>>,
}

impl FacetCache {
    /// A cache that learns the catalog generation from `generations` (from memory
    /// while it listens for changes, else by asking Postgres each time).
    pub fn new(generations: Generations) -> Self {
        Self {
            generations,
            ..Self::default()
        }
    }

    /// The index at the database's current generation, loading it when stale.
    pub async fn index(&self, pool: &PgPool) -> Result<Arc<FacetIndex>> {
        let generation = self.generations.current(pool, Area::Catalog).await?;
        if let Some(fresh) = self.fresh(generation) {
            return Ok(fresh);
        }
        // One reload at a time; whoever waited finds it done.
        let _guard = self.reloading.lock().await;
        if let Some(fresh) = self.fresh(generation) {
            return Ok(fresh);
        }
        let index = Arc::new(load(pool).await?);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = index.clone();
        Ok(index)
    }

    fn fresh(&self, generation: i64) -> Option<Arc<FacetIndex>> {
        let current = self.current.read().unwrap_or_else(|e| e.into_inner());
        // The database starts at generation 1, so the empty default is never fresh.
        (current.generation >= generation).then(|| current.clone())
    }
}

/// Reads the generation and the facet columns from one snapshot, so the index is
/// never newer or older than the generation it claims.
async fn load(pool: &PgPool) -> Result<FacetIndex> {
    let mut tx = pool.begin().await?;
    sqlx::query!("set transaction isolation level repeatable read, read only")
        .execute(&mut *tx)
        .await?;
    let generation = sqlx::query_scalar!("select generation from catalog_state")
        .fetch_one(&mut *tx)
        .await?;
    let rows = sqlx::query_as!(
        FacetSource,
        r#"select id, key, name, (extract(epoch from updated_at) * 1000000)::bigint as "updated!", kind, owner, business_unit, lifecycle, tier, tags as "tags!" from catalog_entities"#
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(FacetIndex::build(generation, rows))
}
