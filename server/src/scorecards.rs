//! Each replica's scorecard work: refreshing the figures pages read from the events
//! that arrived (see `parkway_core::scorecards::refresh`).

use std::time::Duration;

use parkway_core::Services;

/// Maturity scorecards are looked at this often; each is evaluated when its latest
/// evaluation is older than `maturity_every`.
const MATURITY_CHECK: Duration = Duration::from_secs(60);

/// Refreshes every `every`, for as long as the server runs, and evaluates the
/// maturity scorecards that are due. A failed round is logged and the next one tries
/// again (the dirty marks stay until a round commits).
pub async fn refresh_loop(services: Services, every: Duration, maturity_every: chrono::Duration) {
    let pool = services.pool.clone();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut maturity_checked: Option<tokio::time::Instant> = None;
    loop {
        tick.tick().await;
        match parkway_core::scorecards::refresh::refresh(&pool, chrono::Utc::now()).await {
            Ok(done) if done.days > 0 || done.rollups > 0 => tracing::debug!(
                days = done.days,
                services = done.services,
                rollups = done.rollups,
                "scorecard figures refreshed"
            ),
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "could not refresh the scorecard figures"),
        }
        // After the figures: a rule over the DORA values reads what was just refreshed.
        if maturity_checked.is_none_or(|at| at.elapsed() >= MATURITY_CHECK) {
            maturity_checked = Some(tokio::time::Instant::now());
            // Every replica looks; the advisory lock lets one evaluate at a time.
            match parkway_core::scorecards::maturity::ops::evaluate_due(
                &services,
                chrono::Utc::now(),
                maturity_every,
            )
            .await
            {
                Ok(0) => {}
                Ok(n) => tracing::debug!(scorecards = n, "maturity scorecards evaluated"),
                Err(err) => tracing::warn!(error = %err, "could not evaluate the maturity scorecards"),
            }
        }
    }
}
