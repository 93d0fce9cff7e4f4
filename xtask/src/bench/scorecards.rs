//! `cargo xtask bench scorecards [--services N] [--deployments N] [--incidents N]
//! [--seconds N]`: issue 16's scale — 5,000 services (500 teams in 20 business units),
//! 1,000,000 deployments with 5 changes each over 180 days, 100,000 incidents linked the
//! three ways — posted through the events API by a release server. Prints the ingestion
//! rate in events/s, how long the refresher takes to catch up, the server's RSS, then
//! req/s rows for the enterprise and a business-unit page and the DORA API.

use std::{
    fmt::Write as _,
    process::Command,
    sync::atomic::{AtomicUsize, Ordering},
    time::{Duration, Instant},
};

use super::{dev_session, ensure_wrk, print_row, rss_kib, start_server, wrk};
use crate::{
    cmd::{self, Error, Result},
    postgres,
};

struct Options {
    services: usize,
    deployments: usize,
    incidents: usize,
    seconds: u32,
}

fn options(args: &[&str]) -> Result<Options> {
    let mut o = Options {
        services: 5_000,
        deployments: 1_000_000,
        incidents: 100_000,
        seconds: 10,
    };
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest
            .next()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|v| *v > 0);
        match (*flag, value) {
            ("--services", Some(v)) => o.services = v,
            ("--deployments", Some(v)) => o.deployments = v,
            ("--incidents", Some(v)) => o.incidents = v,
            ("--seconds", Some(v)) => o.seconds = v as u32,
            _ => {
                return Err(Error::Usage(
                    "bench scorecards [--services N] [--deployments N] [--incidents N] [--seconds N]".into(),
                ));
            }
        }
    }
    Ok(o)
}

/// SplitMix64, so every run posts the same events.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const UNITS: usize = 20;
const TEAMS: usize = 500;

/// The catalog: business units, teams, and services spread over the teams.
fn catalog(services: usize) -> String {
    let mut out = String::new();
    for u in 0..UNITS {
        let _ = write!(
            out,
            "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {{name: bu-{u:02}, title: Unit {u:02}}}\nspec: {{type: business-unit, children: []}}\n---\n"
        );
    }
    for t in 0..TEAMS {
        let _ = write!(
            out,
            "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {{name: team-{t:03}}}\nspec: {{type: team, parent: bu-{:02}, children: []}}\n---\n",
            t % UNITS
        );
    }
    for s in 0..services {
        let _ = write!(
            out,
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: svc-{s:05}}}\nspec: {{type: service, lifecycle: production, owner: team-{:03}}}\n---\n",
            s % TEAMS
        );
    }
    out
}

/// RFC 3339 of `seconds` before `now` (a Unix time).
fn stamp(now: i64, seconds: i64) -> String {
    let t = now - seconds;
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60
    )
}

/// Deployment `i`: its service, and how long before `now` it finished.
fn deployment_at(i: usize, services: usize) -> (usize, i64) {
    let mut rng = Rng(i as u64);
    (i % services, 600 + rng.below(179 * 86_400) as i64)
}

fn deployment_batch(from: usize, to: usize, services: usize, now: i64) -> String {
    let mut body = String::from("{\"events\": [");
    for i in from..to {
        let (service, ago) = deployment_at(i, services);
        let mut rng = Rng(i as u64 ^ 0xdead_beef);
        if i > from {
            body.push(',');
        }
        let _ = write!(
            body,
            r#"{{"id": "d{i}", "service": "svc-{service:05}", "environment": "production", "status": "success", "finished_at": "{}", "sha": "s{i}-4", "changes": ["#,
            stamp(now, ago)
        );
        for c in 0..5 {
            if c > 0 {
                body.push(',');
            }
            let lead = 300 + rng.below(5 * 86_400) as i64;
            let _ = write!(
                body,
                r#"{{"id": "s{i}-{c}", "committed_at": "{}"}}"#,
                stamp(now, ago + lead)
            );
        }
        body.push_str("]}");
    }
    body.push_str("]}");
    body
}

/// Incident `k` names a deployment, a commit, or nothing (linked by the window).
fn incident_batch(from: usize, to: usize, services: usize, deployments: usize, now: i64) -> String {
    let mut body = String::from("{\"events\": [");
    for k in from..to {
        let d = (k * 7_919) % deployments;
        let (service, ago) = deployment_at(d, services);
        let opened = ago - 300;
        if k > from {
            body.push(',');
        }
        let link = match k % 3 {
            0 => format!(r#", "deployment": "d{d}""#),
            1 => format!(r#", "sha": "s{d}-2""#),
            _ => String::new(),
        };
        let resolved = if k % 10 == 0 {
            String::new()
        } else {
            format!(
                r#", "resolved_at": "{}""#,
                // Never in the future (the API refuses that batch whole).
                stamp(now, (opened - 1_800 - (k as i64 % 7_200)).max(60))
            )
        };
        let _ = write!(
            body,
            r#"{{"id": "i{k}", "service": "svc-{service:05}", "opened_at": "{}"{resolved}{link}}}"#,
            stamp(now, opened.max(1))
        );
    }
    body.push_str("]}");
    body
}

/// Posts batches of 1,000 from `workers` threads; the number of calls answered 200.
fn post_batches(
    port: u16,
    token: &str,
    path: &str,
    total: usize,
    workers: usize,
    body: impl Fn(usize, usize) -> String + Sync,
) -> usize {
    let next = AtomicUsize::new(0);
    let ok = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let from = next.fetch_add(1_000, Ordering::Relaxed);
                    if from >= total {
                        break;
                    }
                    let text = body(from, (from + 1_000).min(total));
                    match super::onboarding::post(port, path, &text, token) {
                        200 => {
                            ok.fetch_add(1, Ordering::Relaxed);
                        }
                        // A refused batch is a bug in this generator or the server: say so.
                        status => eprintln!("{path}: the batch from {from} was answered {status}"),
                    }
                }
            });
        }
    });
    ok.into_inner()
}

fn psql(url: &str, sql: &str) -> Result<String> {
    Ok(cmd::output(
        Command::new(postgres::psql_program())
            .args(["-X", "-q", "-A", "-t", "-F", " ", "-d", url, "-c", sql]),
    )?
    .trim()
    .to_owned())
}

pub fn scorecards(args: &[&str]) -> Result<()> {
    let o = options(args)?;
    ensure_wrk()?;
    let binary = crate::site::release_server()?;
    let url = postgres::recreate_database(&postgres::database_url()?, "parkway_bench_scorecards")?;
    let file = std::env::temp_dir().join("parkway-bench-scorecards.yaml");
    std::fs::write(&file, catalog(o.services)).map_err(|e| Error::io("writing the bench catalog", e))?;
    cmd::status(
        Command::new(&binary)
            .arg("migrate")
            .env("DATABASE_URL", &url)
            .env("PARKWAY_LOG", "warn"),
    )?;
    cmd::status(
        Command::new(&binary)
            .args(["catalog", "import"])
            .arg(&file)
            .env("DATABASE_URL", &url)
            .env("PARKWAY_LOG", "warn"),
    )?;
    let token = cmd::output(
        Command::new(&binary)
            .args([
                "token",
                "create",
                "--name",
                "bench-ci",
                "--role",
                "platform-admin",
                "--expires",
                "1d",
            ])
            .args([
                "--scope",
                "events.write",
                "--scope",
                "portal.view",
                "--scope",
                "scorecard.edit",
            ])
            .env("DATABASE_URL", &url)
            .env("PARKWAY_LOG", "warn"),
    )?
    .trim()
    .to_owned();
    let (mut server, port, pid) = start_server(&binary, &url, &[("PARKWAY_RATE_LIMIT_API", "100000000")])?;
    let base = format!("http://127.0.0.1:{port}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    println!("\nserver RSS before ingestion: {} KiB", rss_kib(pid));
    cmd::step(&format!(
        "posting {} deployments ({} changes) in calls of 1,000, 4 at a time",
        o.deployments,
        o.deployments * 5
    ));
    let started = Instant::now();
    let calls = post_batches(
        port,
        &token,
        "/api/v1/events/deployments",
        o.deployments,
        4,
        |from, to| deployment_batch(from, to, o.services, now),
    );
    let deploy_seconds = started.elapsed().as_secs_f64();
    println!(
        "deployments: {calls} calls answered 200 of {}; {:.0} deployments/s ({:.0} with their changes)",
        o.deployments.div_ceil(1_000),
        o.deployments as f64 / deploy_seconds,
        (o.deployments * 6) as f64 / deploy_seconds
    );
    cmd::step(&format!("posting {} incidents", o.incidents));
    let started = Instant::now();
    let calls = post_batches(
        port,
        &token,
        "/api/v1/events/incidents",
        o.incidents,
        4,
        |from, to| incident_batch(from, to, o.services, o.deployments, now),
    );
    let incident_seconds = started.elapsed().as_secs_f64();
    println!(
        "incidents: {calls} calls answered 200 of {}; {:.0} incidents/s",
        o.incidents.div_ceil(1_000),
        o.incidents as f64 / incident_seconds
    );
    println!(
        "ingestion overall: {:.0} events/s ({} events in {:.1} s)",
        (o.deployments + o.incidents) as f64 / (deploy_seconds + incident_seconds),
        o.deployments + o.incidents,
        deploy_seconds + incident_seconds
    );
    println!("server RSS after ingestion: {} KiB", rss_kib(pid));
    cmd::step("waiting for the refresher to catch up");
    let started = Instant::now();
    let deadline = started + Duration::from_secs(3_600);
    loop {
        let left = psql(
            &url,
            "select (select count(*) from delivery_dirty) + (select count(*) from scorecard_rollups where refreshed_at < (select max(received_at) from delivery_incidents))",
        )?;
        if left == "0" || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    println!(
        "refresher caught up {:.1} s after the last call; links: {}",
        started.elapsed().as_secs_f64(),
        psql(
            &url,
            "select string_agg(coalesce(link, 'none') || ' ' || n, ', ') from (select link, count(*) n from delivery_incidents group by link) l"
        )?
    );
    println!("server RSS after the refresh: {} KiB\n", rss_kib(pid));
    cmd::step("saving the demo maturity scorecard (evaluates every service)");
    let started = Instant::now();
    let definition = std::fs::read_to_string(cmd::root().join("demo/maturity/production-readiness.yaml"))
        .map_err(|e| Error::io("reading demo/maturity/production-readiness.yaml", e))?;
    let saved = cmd::output(Command::new("curl").args([
        "-sS",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-X",
        "PUT",
        "-H",
        &format!("Authorization: Bearer {token}"),
        "-H",
        "Content-Type: application/yaml",
        "--data-binary",
        &definition,
        &format!("{base}/api/v1/maturity/scorecards/production-readiness"),
    ]))?;
    println!(
        "maturity scorecard saved and evaluated over {} services: HTTP {}, {:.1} s; {} evaluations stored",
        o.services,
        saved.trim(),
        started.elapsed().as_secs_f64(),
        psql(&url, "select count(*) from maturity_evaluations")?
    );
    let cookie = format!("Cookie: {}", dev_session(port)?);
    let bearer = format!("Authorization: Bearer {token}");
    println!(
        "{:<52} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "request", "req/s c16", "p50 ms", "p99 ms", "req/s c64", "p50 ms", "p99 ms", "p50 ms c1"
    );
    let rows: [(&str, &str, &str); 9] = [
        (
            "GET /scorecards (enterprise page, session)",
            "/scorecards",
            &cookie,
        ),
        (
            "GET /scorecards/units/bu-07 (unit page)",
            "/scorecards/units/bu-07",
            &cookie,
        ),
        (
            "GET /scorecards/teams/team-007 (team page)",
            "/scorecards/teams/team-007",
            &cookie,
        ),
        (
            "GET /api/v1/scorecards/dora?entity=team (30 d)",
            "/api/v1/scorecards/dora?entity=group:default/team-007",
            &bearer,
        ),
        (
            "GET /api/v1/scorecards/dora?entity=service",
            "/api/v1/scorecards/dora?entity=component:default/svc-00042",
            &bearer,
        ),
        (
            "GET /scorecards/services/svc-00042 (service page)",
            "/scorecards/services/svc-00042",
            &cookie,
        ),
        (
            "GET /scorecards/maturity (maturity list)",
            "/scorecards/maturity",
            &cookie,
        ),
        (
            "GET /api/v1/maturity/scorecards/{id} (all ratings)",
            "/api/v1/maturity/scorecards/production-readiness",
            &bearer,
        ),
        (
            "GET /api/v1/maturity/evaluations?entity=",
            "/api/v1/maturity/evaluations?entity=svc-00042",
            &bearer,
        ),
    ];
    for (label, path, header) in rows {
        let url = format!("{base}{path}");
        // One request at a time: the server's own latency, which the issue's
        // 50 ms goal is about; the other columns add queueing behind 2 cores.
        let (_, alone, _, _) = wrk(&url, header, 1, o.seconds.min(5))?;
        print_row(label, 52, &url, header, o.seconds, &format!(" {alone:>9.2}"))?;
    }
    println!("server RSS after the runs: {} KiB", rss_kib(pid));
    let _ = server.stop();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::stamp;

    #[test]
    fn stamps_are_rfc3339_dates() {
        assert_eq!(stamp(0, 0), "1970-01-01T00:00:00Z");
        assert_eq!(stamp(1_764_547_200, 0), "2025-12-01T00:00:00Z");
        assert_eq!(stamp(1_709_208_000, 0), "2024-02-29T12:00:00Z");
    }
}
