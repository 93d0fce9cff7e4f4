//! The daily coverage sample: live coverage exists only in each replica's watch
//! caches, so every replica records, once per UTC day, each published guardrail's
//! coverage in each cluster it can read. The first sample of a day stands (`on
//! conflict do nothing`): replicas race harmlessly, and a cluster unreadable in the
//! morning is filled in by a later round.

use chrono::Utc;

use super::Result;
use crate::{Services, guardrails};

/// Records today's sample of every (published guardrail, readable cluster) pair not
/// sampled yet; returns the rows written.
pub async fn sample(services: &Services) -> Result<u64> {
    let published = guardrails::store::published(&services.pool).await?;
    let now = Utc::now();
    let mut rows = Samples::default();
    for g in &published {
        let coverage = guardrails::live::coverage_of(
            services.clusters.all(),
            &services.guardrail_coverage,
            g.version.id,
            &g.version.content.implementations,
            now.timestamp(),
        );
        for c in coverage.clusters {
            rows.guardrail
                .push(i32::try_from(g.version.id.0).unwrap_or(i32::MAX));
            rows.cluster.push(c.cluster);
            rows.environment.push(c.environment);
            rows.mode.push(c.mode.as_str().to_owned());
            rows.workloads.push(count(c.workloads));
            rows.enforced.push(count(c.enforced));
            rows.pass.push(count(c.pass));
            rows.fail.push(count(c.fail));
            rows.unknown.push(count(c.unknown));
        }
    }
    if rows.guardrail.is_empty() {
        return Ok(0);
    }
    let written = sqlx::query!(
        "insert into coverage_samples
             (day, guardrail, cluster, environment, mode, workloads, enforced, pass, fail, unknown)
         select $1, * from unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[],
                                  $8::int[], $9::int[], $10::int[])
         on conflict do nothing",
        now.date_naive(),
        &rows.guardrail,
        &rows.cluster,
        &rows.environment,
        &rows.mode,
        &rows.workloads,
        &rows.enforced,
        &rows.pass,
        &rows.fail,
        &rows.unknown,
    )
    .execute(&services.pool)
    .await?
    .rows_affected();
    Ok(written)
}

#[derive(Default)]
struct Samples {
    guardrail: Vec<i32>,
    cluster: Vec<String>,
    environment: Vec<String>,
    mode: Vec<String>,
    workloads: Vec<i32>,
    enforced: Vec<i32>,
    pass: Vec<i32>,
    fail: Vec<i32>,
    unknown: Vec<i32>,
}

fn count(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
