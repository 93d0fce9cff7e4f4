//! Failed credential lookups per client address. An unknown session cookie or `pwk_`
//! token costs a database query; without a limit, random credentials are a cheap way
//! to load Postgres (and to guess). Each failure spends from the client's allowance;
//! once it is spent the client is refused for the wait the limiter names, before any
//! lookup, so a flood costs no queries.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use super::rate_limit::RateLimiter;

/// Clients tracked as blocked before expired entries are swept.
const MAX_BLOCKED: usize = 10_000;

#[derive(Debug)]
pub struct FailureLimiter {
    allowance: RateLimiter,
    blocked: Mutex<HashMap<String, Instant>>,
}

impl FailureLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            allowance: RateLimiter::new(per_minute),
            blocked: Mutex::new(HashMap::new()),
        }
    }

    /// Before a lookup: `Err(wait)` while `client` is blocked.
    pub fn check(&self, client: &str) -> Result<(), Duration> {
        let blocked = self.blocked.lock().unwrap_or_else(|p| p.into_inner());
        match blocked.get(client) {
            Some(until) => match until.checked_duration_since(Instant::now()) {
                Some(wait) if !wait.is_zero() => Err(wait),
                _ => Ok(()),
            },
            None => Ok(()),
        }
    }

    /// After a lookup found nothing: spends one from the allowance; `Err(wait)` when it
    /// is spent, and the client stays blocked for that long.
    pub fn failed(&self, client: &str) -> Result<(), Duration> {
        let Err(wait) = self.allowance.check(client) else {
            return Ok(());
        };
        let now = Instant::now();
        let mut blocked = self.blocked.lock().unwrap_or_else(|p| p.into_inner());
        if blocked.len() >= MAX_BLOCKED {
            blocked.retain(|_, until| *until > now);
        }
        blocked.insert(client.to_owned(), now + wait);
        Err(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_is_blocked_once_its_failures_are_spent_and_others_are_not() {
        let limiter = FailureLimiter::new(3);
        for _ in 0..3 {
            assert!(limiter.check("10.0.0.1").is_ok());
            assert!(limiter.failed("10.0.0.1").is_ok());
        }
        let wait = limiter.failed("10.0.0.1").expect_err("spent");
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        assert!(
            limiter.check("10.0.0.1").is_err(),
            "blocked before the next lookup"
        );
        assert!(limiter.check("10.0.0.2").is_ok());
        assert!(limiter.failed("10.0.0.2").is_ok());
    }
}
