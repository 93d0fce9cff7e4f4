//! Each replica's scorecard work: recording the rollouts observed in production
//! clusters for services that send nothing (see `parkway_core::scorecards::observed`),
//! matching unmatched events once the catalog has their entity (`…::rematch`),
//! refreshing the figures pages read from the events that arrived (see
//! `parkway_core::scorecards::refresh`), evaluating maturity scorecards.

use std::time::Duration;

use parkway_core::{
    Services,
    generations::Area,
    scorecards::{observed, rematch},
};

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
    // What the rollout observer and the re-matcher last looked at.
    let mut seen: Option<(i64, Vec<(u64, bool)>)> = None;
    loop {
        tick.tick().await;
        after_changes(&services, &mut seen).await;
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

/// Looks for rollouts when a production cluster's caches or the catalog changed (a
/// component added later may claim a rollout seen before), and matches unmatched
/// events again when the catalog changed.
async fn after_changes(services: &Services, seen: &mut Option<(i64, Vec<(u64, bool)>)>) {
    let pool = &services.pool;
    let catalog = match services.generations.current(pool, Area::Catalog).await {
        Ok(generation) => generation,
        Err(err) => {
            tracing::warn!(error = %err, "could not read the catalog generation");
            return;
        }
    };
    // What the caches hold and whether they can be read: a change in either is new.
    let clusters: Vec<(u64, bool)> = services
        .clusters
        .all()
        .iter()
        .map(|c| (c.generation(), c.status().state.serves_live()))
        .collect();
    let catalog_changed = seen.as_ref().is_none_or(|(c, _)| *c != catalog);
    let clusters_changed = seen.as_ref().is_none_or(|(_, c)| *c != clusters);
    if !catalog_changed && !clusters_changed {
        return;
    }
    let window = services.scorecards.link_window_seconds;
    let mut done = true;
    if catalog_changed {
        match rematch::rematch(pool, window).await {
            Ok(m) if m.deployments + m.incidents > 0 => tracing::info!(
                deployments = m.deployments,
                incidents = m.incidents,
                "unmatched delivery events matched to the catalog"
            ),
            Ok(_) => {}
            Err(err) => {
                done = false;
                tracing::warn!(error = %err, "could not match the unmatched delivery events again");
            }
        }
    }
    match observed::observe(pool, services.clusters.all(), chrono::Utc::now(), window).await {
        Ok(o) if o.stored > 0 => tracing::info!(stored = o.stored, "observed rollouts stored as deployments"),
        Ok(_) => {}
        Err(err) => {
            done = false;
            tracing::warn!(error = %err, "could not record the observed rollouts");
        }
    }
    if done {
        *seen = Some((catalog, clusters));
    }
}
