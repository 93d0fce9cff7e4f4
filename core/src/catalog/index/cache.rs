//! Keeping a replica's [`CatalogIndex`] current: reloaded from one database snapshot
//! when the catalog generation moves, one reload at a time; and the `english`
//! stems of searched words, remembered.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, RwLock},
};

use futures::TryStreamExt;
use sqlx::PgPool;

use super::{CatalogIndex, Source};
use crate::{
    catalog::error::Result,
    generations::{Area, Generations},
};

/// Searched words whose stems are remembered; past this the memory starts over.
const STEMS_KEPT: usize = 20_000;

/// Word → its lexeme under Postgres's `english` configuration (`None`: a stop word).
type Stems = HashMap<Box<str>, Option<Box<str>>>;

/// A replica's [`CatalogIndex`], reloaded when the catalog changes. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct CatalogCache {
    generations: Generations,
    current: Arc<RwLock<Arc<CatalogIndex>>>,
    reloading: Arc<tokio::sync::Mutex<()>>,
    /// Stemming is a pure function of the word, so these never go stale.
    stems: Arc<Mutex<Stems>>,
}

impl CatalogCache {
    /// A cache that learns the catalog generation from `generations` (from memory
    /// while it listens for changes, else by asking Postgres each time).
    pub fn new(generations: Generations) -> Self {
        Self {
            generations,
            ..Self::default()
        }
    }

    /// The index at the database's current generation, loading it when stale.
    pub async fn index(&self, pool: &PgPool) -> Result<Arc<CatalogIndex>> {
        let generation = self.generations.current(pool, Area::Catalog).await?;
        if let Some(fresh) = self.fresh(generation) {
            return Ok(fresh);
        }
        // One reload at a time; whoever waited finds it done.
        let _guard = self.reloading.lock().await;
        if let Some(fresh) = self.fresh(generation) {
            return Ok(fresh);
        }
        // On a task of its own: a request cancelled mid-load (a client gone) must not
        // drop the load's transaction half-way and leave its connection unusable.
        let loading = tokio::spawn(load(pool.clone()));
        let index = Arc::new(loading.await.map_err(|_| sqlx::Error::WorkerCrashed)??);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = index.clone();
        Ok(index)
    }

    fn fresh(&self, generation: i64) -> Option<Arc<CatalogIndex>> {
        let current = self.current.read().unwrap_or_else(|e| e.into_inner());
        // The database starts at generation 1, so the empty default is never fresh.
        (current.generation >= generation).then(|| current.clone())
    }

    /// The lexeme of each word, as `to_tsvector('english', word)` makes it (`None`
    /// for a stop word). Words never seen before cost one query; the rest none.
    pub async fn stems(&self, pool: &PgPool, words: &[String]) -> Result<Vec<Option<String>>> {
        let unknown: Vec<String> = {
            let stems = self.stems.lock().unwrap_or_else(|e| e.into_inner());
            words
                .iter()
                .filter(|w| !stems.contains_key(w.as_str()))
                .cloned()
                .collect()
        };
        if !unknown.is_empty() {
            // A word the parser splits in two keeps its longest lexeme.
            let found = sqlx::query!(
                r#"select w as "word!",
                          (select lexeme from unnest(to_tsvector('english', w))
                           order by length(lexeme) desc, lexeme limit 1) as lexeme
                   from unnest($1::text[]) as w"#,
                &unknown
            )
            .fetch_all(pool)
            .await?;
            let mut stems = self.stems.lock().unwrap_or_else(|e| e.into_inner());
            if stems.len() + found.len() > STEMS_KEPT {
                stems.clear();
            }
            for f in found {
                stems.insert(f.word.into(), f.lexeme.map(Into::into));
            }
        }
        let stems = self.stems.lock().unwrap_or_else(|e| e.into_inner());
        Ok(words
            .iter()
            .map(|w| stems.get(w.as_str()).cloned().flatten().map(String::from))
            .collect())
    }
}

/// Reads the generation, the listing columns and the lexemes from one snapshot, so
/// the index is never newer or older than the generation it claims. Rows are
/// streamed into the index, never all held twice.
async fn load(pool: PgPool) -> Result<CatalogIndex> {
    let mut tx = pool.begin().await?;
    sqlx::query!("set transaction isolation level repeatable read, read only")
        .execute(&mut *tx)
        .await?;
    let generation = sqlx::query_scalar!("select generation from catalog_state")
        .fetch_one(&mut *tx)
        .await?;
    let words = sqlx::query_scalar!("select word from catalog_words order by word")
        .fetch_all(&mut *tx)
        .await?;
    let mut builder = CatalogIndex::builder(generation);
    {
        let mut rows = sqlx::query_as!(
            Source,
            r#"select e.key as "key!", e.kind as "kind!", e.namespace as "namespace!", e.name as "name!",
                      e.title, e.description, e.spec_type, e.lifecycle, e.tier, e.owner,
                      e.business_unit, e.tags as "tags!", e.orphaned_at is not null as "orphaned!",
                      e.updated_at as "updated_at!",
                      s.search::text as "search?"
               from catalog_entities e left join catalog_search s on s.entity_id = e.id"#
        )
        .fetch(&mut *tx);
        while let Some(source) = rows.try_next().await? {
            builder.push(source);
        }
    }
    tx.commit().await?;
    Ok(builder.finish(words))
}
