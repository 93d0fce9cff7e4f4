//! Health roll-ups for team and business-unit pages: each runnable entity (component
//! or resource) counts once, by the replicas its workloads have in every cluster.

use serde::{Deserialize, Serialize};

/// How one entity runs, summed over every cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    /// Every wanted replica is ready.
    Healthy,
    /// Some, not all.
    Degraded,
    /// Replicas are wanted and none is ready.
    Down,
    /// No workload matches it anywhere (a library, or not deployed).
    NotRunning,
}

impl RunState {
    /// From `(ready, wanted)` replicas, `None` when nothing runs.
    pub fn of(replicas: Option<(i64, i64)>) -> Self {
        match replicas {
            None | Some((_, 0)) => RunState::NotRunning,
            Some((ready, wanted)) if ready >= wanted => RunState::Healthy,
            Some((0, _)) => RunState::Down,
            Some(_) => RunState::Degraded,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Healthy => "healthy",
            RunState::Degraded => "degraded",
            RunState::Down => "down",
            RunState::NotRunning => "not running",
        }
    }
}

/// Entities per state, and replicas, for a team or a business unit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rollup {
    pub entities: i64,
    pub healthy: i64,
    pub degraded: i64,
    pub down: i64,
    pub not_running: i64,
    pub ready: i64,
    pub wanted: i64,
}

impl Rollup {
    pub fn add(&mut self, replicas: Option<(i64, i64)>) {
        self.entities += 1;
        match RunState::of(replicas) {
            RunState::Healthy => self.healthy += 1,
            RunState::Degraded => self.degraded += 1,
            RunState::Down => self.down += 1,
            RunState::NotRunning => self.not_running += 1,
        }
        if let Some((ready, wanted)) = replicas {
            self.ready += ready;
            self.wanted += wanted;
        }
    }

    /// The worst state present, for a one-word summary.
    pub fn state(&self) -> RunState {
        if self.down > 0 {
            RunState::Down
        } else if self.degraded > 0 {
            RunState::Degraded
        } else if self.healthy > 0 {
            RunState::Healthy
        } else {
            RunState::NotRunning
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_follow_ready_against_wanted() {
        assert_eq!(RunState::of(Some((3, 3))), RunState::Healthy);
        assert_eq!(RunState::of(Some((1, 3))), RunState::Degraded);
        assert_eq!(RunState::of(Some((0, 3))), RunState::Down);
        assert_eq!(RunState::of(Some((0, 0))), RunState::NotRunning);
        assert_eq!(RunState::of(None), RunState::NotRunning);
    }

    #[test]
    fn a_rollup_counts_each_entity_once_and_reports_the_worst() {
        let mut r = Rollup::default();
        r.add(Some((3, 3)));
        r.add(Some((1, 2)));
        r.add(None);
        assert_eq!(
            r,
            Rollup {
                entities: 3,
                healthy: 1,
                degraded: 1,
                down: 0,
                not_running: 1,
                ready: 4,
                wanted: 5
            }
        );
        assert_eq!(r.state(), RunState::Degraded);
        r.add(Some((0, 1)));
        assert_eq!(r.state(), RunState::Down);
    }
}
