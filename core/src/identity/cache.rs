//! Credentials checked in memory: the principal of a session or API token a replica
//! recently loaded, reused without a query while nothing could have changed it.
//!
//! An answer is reused only while both hold:
//! - the access generation (see [`crate::generations`]) is the one it was loaded
//!   under, and the replica is listening for changes (else every request asks
//!   Postgres, as before). Sign-out, revocation, deactivation, changed groups and
//!   role-mapping changes all move the generation, on every replica at once;
//! - its own clock has not run out ([`ActiveSession::fresh_for`],
//!   [`TokenCheck::Valid`]'s `fresh_for`): the next "last seen/used" mark is due,
//!   or expiry, idle limit or the owner's idle limit comes, whichever is first. So
//!   time-based rules hold exactly, and a credential is re-checked at least once a
//!   minute even if a notification were lost.
//!
//! Only successful checks are kept: a refused credential is asked about every time
//! (and counted by the failure limiter), so it starts working the moment it may.

use std::{
    collections::HashMap,
    sync::RwLock,
    time::{Duration, Instant},
};

use sqlx::PgPool;

use super::{
    Result,
    secret::digest,
    sessions::{self, ActiveSession, SessionPolicy},
    tokens::{self, TokenCheck},
};
use crate::generations::{Area, Generations};

/// Most credentials remembered per kind; past it the map is emptied (a burst of new
/// credentials costs one lookup each, never unbounded memory).
const CAPACITY: usize = 50_000;

#[derive(Debug)]
struct Entry<T> {
    value: T,
    generation: i64,
    until: Instant,
}

#[derive(Debug)]
struct Remembered<T> {
    entries: RwLock<HashMap<Vec<u8>, Entry<T>>>,
}

impl<T> Default for Remembered<T> {
    fn default() -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
        }
    }
}

impl<T: Clone> Remembered<T> {
    fn get(&self, key: &[u8], generation: i64, now: Instant) -> Option<T> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let entry = entries.get(key)?;
        (entry.generation == generation && now < entry.until).then(|| entry.value.clone())
    }

    fn put(&self, key: Vec<u8>, value: T, generation: i64, until: Instant) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CAPACITY {
            let now = Instant::now();
            entries.retain(|_, e| e.generation == generation && now < e.until);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                value,
                generation,
                until,
            },
        );
    }

    fn forget(&self, key: &[u8]) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }

    fn len(&self) -> usize {
        self.entries.read().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// This replica's remembered sessions and tokens. Cheap to clone (shared).
#[derive(Debug, Clone, Default)]
pub struct CredentialCache {
    generations: Generations,
    inner: std::sync::Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    sessions: Remembered<ActiveSession>,
    tokens: Remembered<TokenCheck>,
}

impl CredentialCache {
    pub fn new(generations: Generations) -> Self {
        Self {
            generations,
            inner: Default::default(),
        }
    }

    /// [`sessions::load`], answered from memory when nothing can have changed it.
    pub async fn session(
        &self,
        pool: &PgPool,
        id: &str,
        policy: SessionPolicy,
        issuer: Option<&str>,
    ) -> Result<Option<ActiveSession>> {
        // Generation first: whatever is loaded after it is at least that new.
        let Some(generation) = self.generations.cached(Area::Access) else {
            return sessions::load(pool, id, policy, issuer).await;
        };
        let key = digest(id);
        let now = Instant::now();
        if let Some(session) = self.inner.sessions.get(&key, generation, now) {
            return Ok(Some(session));
        }
        let loaded = sessions::load(pool, id, policy, issuer).await?;
        match &loaded {
            Some(session) => {
                self.inner
                    .sessions
                    .put(key, session.clone(), generation, deadline(now, session.fresh_for))
            }
            None => self.inner.sessions.forget(&key),
        }
        Ok(loaded)
    }

    /// [`tokens::authenticate`], answered from memory when nothing can have changed it.
    pub async fn token(&self, pool: &PgPool, secret: &str, max_idle_days: u32) -> Result<TokenCheck> {
        let Some(generation) = self.generations.cached(Area::Access) else {
            return tokens::authenticate(pool, secret, max_idle_days).await;
        };
        let key = digest(secret);
        let now = Instant::now();
        if let Some(check) = self.inner.tokens.get(&key, generation, now) {
            return Ok(check);
        }
        let checked = tokens::authenticate(pool, secret, max_idle_days).await?;
        match &checked {
            TokenCheck::Valid { fresh_for, .. } => {
                self.inner
                    .tokens
                    .put(key, checked.clone(), generation, deadline(now, *fresh_for))
            }
            _ => self.inner.tokens.forget(&key),
        }
        Ok(checked)
    }

    /// How many credentials are remembered (sessions, tokens): for tests and metrics.
    pub fn len(&self) -> (usize, usize) {
        (self.inner.sessions.len(), self.inner.tokens.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == (0, 0)
    }
}

fn deadline(now: Instant, fresh_for: Duration) -> Instant {
    now.checked_add(fresh_for).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_serves_only_its_generation_and_until_its_deadline() {
        let remembered = Remembered::<u32>::default();
        let now = Instant::now();
        remembered.put(b"k".to_vec(), 7, 3, now + Duration::from_secs(10));
        assert_eq!(remembered.get(b"k", 3, now), Some(7));
        assert_eq!(remembered.get(b"k", 4, now), None, "a newer generation drops it");
        assert_eq!(
            remembered.get(b"k", 3, now + Duration::from_secs(10)),
            None,
            "its own clock ran out"
        );
        remembered.forget(b"k");
        assert_eq!(remembered.get(b"k", 3, now), None);
    }

    #[test]
    fn a_full_cache_sheds_what_is_stale_first_and_never_grows_past_capacity() {
        let remembered = Remembered::<u32>::default();
        let now = Instant::now();
        let later = now + Duration::from_secs(60);
        for i in 0..CAPACITY as u32 {
            // Half of them from an older generation.
            remembered.put(i.to_be_bytes().to_vec(), i, 1 + i64::from(i % 2), later);
        }
        remembered.put(b"new".to_vec(), 1, 2, later);
        assert_eq!(remembered.len(), CAPACITY / 2 + 1);
        assert_eq!(remembered.get(b"new", 2, now), Some(1));
        for i in 0..CAPACITY as u32 {
            remembered.put(format!("more-{i}").into_bytes(), i, 2, later);
            assert!(remembered.len() <= CAPACITY);
        }
    }
}
