//! Per-client rate limits: a burst of up to `per_minute` requests, refilled evenly
//! (GCRA, as `governor` implements it, one state per key). In memory, per replica: a
//! limit of N per minute becomes N per replica, which is the usual trade-off for not
//! needing a shared store.

use std::{
    num::NonZeroU32,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use governor::{
    Quota,
    clock::{Clock, DefaultClock},
    middleware::NoOpMiddleware,
    state::keyed::DefaultKeyedStateStore,
};

/// Keys kept before the ones indistinguishable from a fresh client are dropped.
const MAX_TRACKED: usize = 10_000;

/// How often (in checks) the size of the key store is looked at.
const SWEEP_EVERY: u64 = 256;

type Keyed<C> =
    governor::RateLimiter<String, DefaultKeyedStateStore<String>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// A keyed limiter (client address, token id) with a bounded memory footprint.
pub struct RateLimiter<C: Clock = DefaultClock> {
    inner: Keyed<C>,
    checks: AtomicU64,
}

impl<C: Clock> std::fmt::Debug for RateLimiter<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("tracked", &self.inner.len())
            .finish_non_exhaustive()
    }
}

impl RateLimiter {
    /// Up to `per_minute` requests at once per key, then one every `60 / per_minute` s.
    pub fn new(per_minute: u32) -> Self {
        Self::with_clock(per_minute, DefaultClock::default())
    }
}

impl<C: Clock> RateLimiter<C> {
    fn with_clock(per_minute: u32, clock: C) -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN));
        Self {
            inner: governor::RateLimiter::new(quota, DefaultKeyedStateStore::default(), clock),
            checks: AtomicU64::new(0),
        }
    }

    /// Takes one request from `key`'s allowance, or says how long until one is available.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.sweep();
        self.inner
            .check_key(&key.to_owned())
            .map_err(|not_until| not_until.wait_time_from(self.inner.clock().now()))
    }

    /// Now and then, when many keys are tracked, drops those whose allowance has
    /// refilled completely: they carry no information.
    fn sweep(&self) {
        let n = self.checks.fetch_add(1, Ordering::Relaxed);
        if n.is_multiple_of(SWEEP_EVERY) && self.inner.len() >= MAX_TRACKED {
            self.inner.retain_recent();
            self.inner.shrink_to_fit();
        }
    }
}

/// `Retry-After` in whole seconds, never zero.
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;

    use super::*;

    #[test]
    fn allows_a_burst_then_refuses_until_refilled() {
        let clock = FakeRelativeClock::default();
        let limiter = RateLimiter::with_clock(3, clock.clone());
        for _ in 0..3 {
            assert!(limiter.check("a").is_ok());
        }
        let wait = limiter.check("a").expect_err("fourth is refused");
        assert_eq!(retry_after_secs(wait), 20, "3/min refills one every 20 s");
        assert!(limiter.check("b").is_ok(), "other clients are unaffected");
        clock.advance(Duration::from_secs(19));
        assert!(limiter.check("a").is_err(), "not yet");
        clock.advance(Duration::from_secs(1));
        assert!(limiter.check("a").is_ok(), "one request refilled after 20 s");
        assert!(limiter.check("a").is_err(), "and only one");
    }

    #[test]
    fn a_zero_limit_still_allows_one_a_minute() {
        let limiter = RateLimiter::with_clock(0, FakeRelativeClock::default());
        assert!(limiter.check("a").is_ok());
        let wait = limiter.check("a").expect_err("second is refused");
        assert_eq!(retry_after_secs(wait), 60);
    }

    #[test]
    fn keys_that_refilled_are_forgotten_once_many_are_tracked() {
        let clock = FakeRelativeClock::default();
        let limiter = RateLimiter::with_clock(60, clock.clone());
        for i in 0..MAX_TRACKED {
            assert!(limiter.check(&format!("client-{i}")).is_ok());
        }
        assert_eq!(limiter.inner.len(), MAX_TRACKED);
        // A minute later every allowance is full again: the next sweep drops them all
        // but the key that triggers it.
        clock.advance(Duration::from_secs(60));
        for i in 0..SWEEP_EVERY {
            assert!(limiter.check(&format!("late-{i}")).is_ok());
        }
        assert!(
            limiter.inner.len() <= SWEEP_EVERY as usize,
            "{} keys still tracked",
            limiter.inner.len()
        );
    }
}
