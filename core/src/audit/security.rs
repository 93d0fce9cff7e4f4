//! Refusals worth a trail: an authorization Parkway refused (`auth.refused`) or a
//! state-changing request without a trusted origin (`csrf.refused`).
//!
//! Refusals are cheap for anyone to cause, so writing every one would let a caller
//! flood the audit trail (and its append lock). [`Refusals`] lets through at most
//! `per_actor` events per actor per minute and `overall` per minute in total (all
//! anonymous callers share the actor `anonymous`); what it drops is counted and the
//! count logged at most once a minute. It never fails the request that was refused:
//! a write error is logged, not returned.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::json;
use sqlx::PgPool;

use super::{NewAuditEvent, store};

/// Which kind of refusal an event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// The caller's roles or token scopes do not allow the action.
    Authorization,
    /// A state-changing request whose origin is not Parkway's own.
    Csrf,
    /// A webhook whose signature matches no configured secret.
    Webhook,
}

impl RefusalKind {
    /// The audit action written for it.
    pub const fn action(self) -> &'static str {
        match self {
            RefusalKind::Authorization => "auth.refused",
            RefusalKind::Csrf => "csrf.refused",
            RefusalKind::Webhook => "webhook.refused",
        }
    }
}

/// One refusal as the caller of [`Refusals::record`] describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub kind: RefusalKind,
    /// Who was refused, as the audit trail names callers (`user:…`, `service:…`,
    /// `anonymous`).
    pub actor: String,
    /// What they tried, e.g. `audit.export` or `POST /api/v1/tokens`.
    pub attempted: String,
    /// What they tried it on, e.g. `audit-log` or `token:42`.
    pub target: String,
    /// Why it was refused, safe to show (never a secret or a request body).
    pub reason: String,
    pub request_id: Option<String>,
}

impl Refusal {
    fn event(&self) -> NewAuditEvent {
        let mut event =
            NewAuditEvent::new(&self.actor, self.kind.action(), &self.target).with_payload(json!({
                "attempted": self.attempted,
                "reason": self.reason,
            }));
        event.request_id.clone_from(&self.request_id);
        event
    }
}

/// What became of one refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Appended to the trail.
    Written,
    /// Over the rate limit; counted in [`Refusals::dropped`].
    Dropped,
    /// The append failed; logged.
    Failed,
}

/// The rate-limited recorder; one per replica, cheap to clone (shared state).
#[derive(Debug, Clone)]
pub struct Refusals {
    limiter: Arc<Mutex<Limiter>>,
    dropped: Arc<AtomicU64>,
}

/// Refusal events per actor per minute by default.
pub const DEFAULT_PER_ACTOR: u32 = 10;
/// Refusal events per minute in total by default.
pub const DEFAULT_OVERALL: u32 = 600;

impl Default for Refusals {
    fn default() -> Self {
        Self::new(DEFAULT_PER_ACTOR, DEFAULT_OVERALL)
    }
}

impl Refusals {
    /// At most `per_actor` events per actor and `overall` in total per minute.
    pub fn new(per_actor: u32, overall: u32) -> Self {
        Self {
            limiter: Arc::new(Mutex::new(Limiter::new(per_actor, overall))),
            dropped: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Appends `refusal` unless its actor (or everyone together) is over the limit.
    /// Never returns an error: the request was refused either way.
    pub async fn record(&self, pool: &PgPool, refusal: &Refusal) -> Recorded {
        if !self.admit(&refusal.actor, Instant::now()) {
            return Recorded::Dropped;
        }
        match store::append(pool, &refusal.event()).await {
            Ok(_) => Recorded::Written,
            Err(err) => {
                tracing::error!(error = %err, audit.action = refusal.kind.action(), "could not audit a refusal");
                Recorded::Failed
            }
        }
    }

    /// [`Self::record`] on a spawned task, for callers that must not wait (middleware
    /// answering 403). Outside a Tokio runtime (a synchronous unit test) there is
    /// nowhere to write from, and the refusal is only refused.
    pub fn spawn(&self, pool: PgPool, refusal: Refusal) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let this = self.clone();
        runtime.spawn(async move {
            this.record(&pool, &refusal).await;
        });
    }

    /// Refusal events dropped by the limit since start-up.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    fn admit(&self, actor: &str, now: Instant) -> bool {
        let verdict = match self.limiter.lock() {
            Ok(mut limiter) => limiter.admit(actor, now),
            // A panic elsewhere poisoned the lock; drop rather than write unbounded.
            Err(_) => Verdict::Drop { report: false },
        };
        match verdict {
            Verdict::Admit => true,
            Verdict::Drop { report } => {
                let total = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                if report {
                    tracing::warn!(
                        dropped_total = total,
                        "refusal audit events over the rate limit were dropped (counted, not written)"
                    );
                }
                false
            }
        }
    }
}

const WINDOW: Duration = Duration::from_secs(60);
/// Above this many tracked actors, expired windows are swept out.
const SWEEP_AT: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Admit,
    /// `report`: log the drop count now (at most once per window).
    Drop {
        report: bool,
    },
}

/// Fixed one-minute windows per actor and overall.
#[derive(Debug)]
struct Limiter {
    per_actor: u32,
    overall: u32,
    actors: HashMap<String, (Instant, u32)>,
    total: (Instant, u32),
    last_report: Option<Instant>,
}

impl Limiter {
    fn new(per_actor: u32, overall: u32) -> Self {
        let now = Instant::now();
        Self {
            per_actor,
            overall,
            actors: HashMap::new(),
            total: (now, 0),
            last_report: None,
        }
    }

    fn admit(&mut self, actor: &str, now: Instant) -> Verdict {
        if self.actors.len() >= SWEEP_AT {
            self.actors
                .retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        if now.duration_since(self.total.0) >= WINDOW {
            self.total = (now, 0);
        }
        let window = self.actors.entry(actor.to_owned()).or_insert((now, 0));
        if now.duration_since(window.0) >= WINDOW {
            *window = (now, 0);
        }
        if window.1 >= self.per_actor || self.total.1 >= self.overall {
            let report = self.last_report.is_none_or(|at| now.duration_since(at) >= WINDOW);
            if report {
                self.last_report = Some(now);
            }
            return Verdict::Drop { report };
        }
        window.1 += 1;
        self.total.1 += 1;
        Verdict::Admit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_actor_gets_its_own_allowance_per_minute() {
        let mut limiter = Limiter::new(2, 100);
        let t0 = Instant::now();
        assert_eq!(limiter.admit("user:a", t0), Verdict::Admit);
        assert_eq!(limiter.admit("user:a", t0), Verdict::Admit);
        assert_eq!(limiter.admit("user:a", t0), Verdict::Drop { report: true });
        assert_eq!(
            limiter.admit("user:a", t0 + Duration::from_secs(1)),
            Verdict::Drop { report: false },
            "the drop count is logged once a minute, not per drop"
        );
        assert_eq!(
            limiter.admit("user:b", t0),
            Verdict::Admit,
            "another actor is not held back"
        );
        assert_eq!(
            limiter.admit("user:a", t0 + WINDOW),
            Verdict::Admit,
            "a new minute, a new allowance"
        );
    }

    #[test]
    fn the_overall_limit_holds_however_many_actors_there_are() {
        let mut limiter = Limiter::new(5, 3);
        let t0 = Instant::now();
        let verdicts: Vec<Verdict> = (0..5).map(|i| limiter.admit(&format!("user:{i}"), t0)).collect();
        assert_eq!(verdicts.iter().filter(|v| **v == Verdict::Admit).count(), 3);
    }

    #[test]
    fn refusal_events_name_the_attempt_and_the_reason() {
        let event = Refusal {
            kind: RefusalKind::Csrf,
            actor: "user:ada".into(),
            attempted: "POST /api/v1/tokens".into(),
            target: "origin:https://evil.example".into(),
            reason: "cross-site request".into(),
            request_id: Some("req-9".into()),
        }
        .event();
        assert_eq!(event.action, "csrf.refused");
        assert_eq!(event.payload["attempted"], "POST /api/v1/tokens");
        assert_eq!(event.request_id.as_deref(), Some("req-9"));
        assert_eq!(RefusalKind::Authorization.action(), "auth.refused");
    }
}
