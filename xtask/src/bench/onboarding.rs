//! `cargo xtask bench onboarding [--tenants N] [--seconds N]`: issue 15's scale — 1,000
//! tenant requests (3 environments, 24 objects each) approved at once on the demo
//! clusters, provisioned by the release server. Prints the time from approval to
//! `active` (p50, p99, all), whether every tenant is active with each object applied
//! exactly once and no error, the server's RSS before and after, then req/s rows for
//! the onboarding API and pages.

use std::{
    io::{Read, Write},
    net::TcpStream,
    process::Command,
    sync::atomic::{AtomicU16, AtomicUsize, Ordering},
    time::Duration,
};

use super::{dev_session, ensure_wrk, print_row, rss_kib, start_server};
use crate::{
    cmd::{self, Error, Result},
    postgres,
};

const CATALOG: &str = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: bench}\nspec: {type: team, children: []}\n";

fn options(args: &[&str]) -> Result<(u32, u32)> {
    let (mut tenants, mut seconds) = (1_000, 10);
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().and_then(|v| v.parse::<u32>().ok()).filter(|v| *v > 0);
        match (*flag, value) {
            ("--tenants", Some(v)) => tenants = v,
            ("--seconds", Some(v)) => seconds = v,
            _ => {
                return Err(Error::Usage(
                    "bench onboarding [--tenants N] [--seconds N]".into(),
                ));
            }
        }
    }
    Ok((tenants, seconds))
}

/// A token for a service account of `role` named `name` (two admins: one asks, the
/// other approves, as the four-eyes rule requires).
fn token(binary: &std::path::Path, url: &str, name: &str, role: &str) -> Result<String> {
    Ok(cmd::output(
        Command::new(binary)
            .args([
                "token",
                "create",
                "--name",
                name,
                "--role",
                role,
                "--expires",
                "1d",
            ])
            .env("DATABASE_URL", url)
            .env("PARKWAY_LOG", "warn"),
    )?
    .trim()
    .to_owned())
}

/// One `POST path` with a JSON body over a new connection; the status code (0 when
/// the connection failed).
pub(super) fn post(port: u16, path: &str, body: &str, token: &str) -> u16 {
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return 0;
    };
    let mut answer = String::new();
    if stream.write_all(request.as_bytes()).is_err() || stream.read_to_string(&mut answer).is_err() {
        return 0;
    }
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

/// Sends `requests` (path, JSON body) as POSTs, 32 at a time; returns the status codes.
fn post_all(port: u16, requests: &[(String, String)], token: &str) -> Vec<u16> {
    let next = AtomicUsize::new(0);
    let codes: Vec<AtomicU16> = requests.iter().map(|_| AtomicU16::new(0)).collect();
    std::thread::scope(|scope| {
        for _ in 0..32 {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((path, body)) = requests.get(i) else {
                        break;
                    };
                    codes[i].store(post(port, path, body, token), Ordering::Relaxed);
                }
            });
        }
    });
    codes.into_iter().map(AtomicU16::into_inner).collect()
}

fn psql(url: &str, sql: &str) -> Result<String> {
    Ok(cmd::output(
        Command::new(postgres::psql_program())
            .args(["-X", "-q", "-A", "-t", "-F", " ", "-d", url, "-c", sql]),
    )?
    .trim()
    .to_owned())
}

pub fn onboarding(args: &[&str]) -> Result<()> {
    let (tenants, seconds) = options(args)?;
    ensure_wrk()?;
    let binary = crate::site::release_server()?;
    let url = postgres::recreate_database(&postgres::database_url()?, "parkway_bench_onboarding")?;
    let file = std::env::temp_dir().join("parkway-bench-onboarding.yaml");
    std::fs::write(&file, CATALOG).map_err(|e| Error::io("writing the bench team", e))?;
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
    let requester = token(&binary, &url, "bench-requester", "platform-admin")?;
    let approver = token(&binary, &url, "bench-approver", "platform-admin")?;
    let (mut server, port, pid) = start_server(
        &binary,
        &url,
        &[
            ("PARKWAY_RATE_LIMIT_API", "100000000"),
            ("PARKWAY_DEMO_CLUSTER_SEED", "300"),
        ],
    )?;
    let base = format!("http://127.0.0.1:{port}");
    std::thread::sleep(Duration::from_secs(3));
    cmd::step(&format!(
        "filing {tenants} requests (confidential: each waits for approval)"
    ));
    let requests: Vec<(String, String)> = (0..tenants)
        .map(|i| {
            (
                "/api/v1/tenants".to_owned(),
                format!(
                    r#"{{"name": "bench-{i:05}", "team": "group:default/bench", "environments": ["dev", "stage", "prod"], "tier": "confidential", "quotas": {{"cpu": "2", "memory": "2Gi", "pods": 20, "storage": "5Gi"}}, "justification": "benchmark"}}"#
                ),
            )
        })
        .collect();
    let filed = post_all(port, &requests, &requester);
    let created = filed.iter().filter(|c| **c == 201).count();
    if created != tenants as usize {
        return Err(Error::Failed(format!(
            "{created} of {tenants} requests were filed: {:?}",
            &filed[..filed.len().min(5)]
        )));
    }
    println!("\nserver RSS before approval: {} KiB", rss_kib(pid));
    cmd::step(&format!("approving all {tenants} at once (32 concurrent calls)"));
    let approvals: Vec<(String, String)> = (0..tenants)
        .map(|i| {
            (
                format!("{base}/api/v1/tenants/bench-{i:05}/approve"),
                "{}".to_owned(),
            )
        })
        .collect();
    let started = std::time::Instant::now();
    let answered = post_all(port, &approvals, &approver);
    let approved = answered.iter().filter(|c| **c == 200).count();
    let approve_seconds = started.elapsed().as_secs_f64();
    let deadline = std::time::Instant::now() + Duration::from_secs(1_800);
    let active = loop {
        let active: u32 = psql(&url, "select count(*) from tenants where state = 'active'")?
            .parse()
            .unwrap_or(0);
        if active == tenants || std::time::Instant::now() > deadline {
            break active;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let all_seconds = started.elapsed().as_secs_f64();
    let latency = psql(
        &url,
        "with t as (select tenant, max(at) filter (where to_state = 'approved') as approved,
                           max(at) filter (where to_state = 'active') as active
                    from tenant_events group by tenant)
         select round(percentile_cont(0.5) within group (order by extract(epoch from active - approved))::numeric, 2),
                round(percentile_cont(0.99) within group (order by extract(epoch from active - approved))::numeric, 2),
                round(extract(epoch from max(active) - min(approved))::numeric, 2)
         from t where active is not null",
    )?;
    let steps = psql(
        &url,
        "select count(*), count(*) filter (where state = 'applied'),
                count(*) filter (where attempts <> 1), count(*) filter (where last_error is not null),
                count(*) - count(distinct (tenant, cluster, kind, name))
         from tenant_steps where op = 'apply'",
    )?;
    let failed = psql(
        &url,
        "select count(*) from tenant_events where to_state = 'failed'",
    )?;
    println!("approvals answered 200: {approved} of {tenants} in {approve_seconds:.1} s");
    println!(
        "tenants active: {active} of {tenants}; all active {all_seconds:.1} s after the first approval call"
    );
    let mut l = latency.split_whitespace();
    println!(
        "approval → active: p50 {} s, p99 {} s, first approval → last active {} s",
        l.next().unwrap_or("?"),
        l.next().unwrap_or("?"),
        l.next().unwrap_or("?")
    );
    let mut s = steps.split_whitespace();
    println!(
        "steps: {} planned, {} applied, {} applied more than once or retried, {} with an error, {} duplicate objects; tenants that ever failed: {failed}",
        s.next().unwrap_or("?"),
        s.next().unwrap_or("?"),
        s.next().unwrap_or("?"),
        s.next().unwrap_or("?"),
        s.next().unwrap_or("?"),
    );
    println!("server RSS after provisioning: {} KiB\n", rss_kib(pid));
    let token = format!("Authorization: Bearer {requester}");
    let cookie = format!("Cookie: {}", dev_session(port)?);
    println!(
        "{:<44} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "request", "req/s c16", "p50 ms", "p99 ms", "req/s c64", "p50 ms", "p99 ms"
    );
    let rows: [(&str, &str, &str); 5] = [
        ("GET /api/v1/tenants (500 of them)", "/api/v1/tenants", &token),
        (
            "GET /api/v1/tenants/bench-00500",
            "/api/v1/tenants/bench-00500",
            &token,
        ),
        ("GET /api/v1/tier-rules", "/api/v1/tier-rules", &token),
        (
            "GET /onboarding?view=all page (session)",
            "/onboarding?view=all",
            &cookie,
        ),
        (
            "GET /onboarding/bench-00500 page (session)",
            "/onboarding/bench-00500",
            &cookie,
        ),
    ];
    for (label, path, header) in rows {
        print_row(label, 44, &format!("{base}{path}"), header, seconds, "")?;
    }
    println!("server RSS after the runs: {} KiB", rss_kib(pid));
    let _ = server.stop();
    if active != tenants {
        return Err(Error::Failed(format!(
            "only {active} of {tenants} tenants became active"
        )));
    }
    Ok(())
}
