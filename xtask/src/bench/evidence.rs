//! `cargo xtask bench evidence [--events N] [--seconds N]`: issue 18's scale — a year
//! of the demo company (365 days of delivery events, a daily coverage sample of every
//! guardrail in every cluster, N chained audit events, 500,000 by default) exported as
//! one enterprise pack and one business unit's by a release server: time, size, and
//! the server's resident memory while it writes (sampled every 20 ms). Before the year
//! is loaded, req/s rows for the page and for a day's pack over the API.

use std::{
    io::{Read, Write},
    net::TcpStream,
    process::Command,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use super::{core_example, dev_session, ensure_wrk, print_row, rss_kib, start_server};
use crate::{
    cmd::{self, Error, Result},
    postgres,
};

/// A fixed key: the packs are verified with it at the end.
const KEY: &str = "parkway-bench-evidence-audit-key-0123456789";

struct Options {
    events: usize,
    seconds: u32,
}

fn options(args: &[&str]) -> Result<Options> {
    let mut o = Options {
        events: 500_000,
        seconds: 10,
    };
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest
            .next()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|v| *v > 0);
        match (*flag, value) {
            ("--events", Some(v)) => o.events = v,
            ("--seconds", Some(v)) => o.seconds = v as u32,
            _ => return Err(Error::Usage("bench evidence [--events N] [--seconds N]".into())),
        }
    }
    Ok(o)
}

pub fn evidence(args: &[&str]) -> Result<()> {
    let o = options(args)?;
    ensure_wrk()?;
    let binary = crate::site::release_server()?;
    let url = postgres::recreate_database(&postgres::database_url()?, "parkway_bench_evidence")?;
    let roles = postgres::RoleUrls {
        owner: url.clone(),
        app: url.clone(),
    };
    crate::import_demo_catalog_for(&binary, &roles, 365)?;
    let env = [
        ("PARKWAY_AUDIT_KEY", KEY),
        ("PARKWAY_RATE_LIMIT_API", "100000000"),
    ];

    let today = postgres::psql(&url, "select current_date")?.trim().to_owned();
    let (mut server, port, pid) = start_server(&binary, &url, &env)?;
    let cookie = format!("Cookie: {}", dev_session(port)?);
    let base = format!("http://127.0.0.1:{port}");
    println!(
        "\n{:<44} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "req/s (demo data, one day)", "c16 req/s", "p50 ms", "p99 ms", "c64 req/s", "p50 ms", "p99 ms"
    );
    print_row(
        "/evidence (the form)",
        44,
        &format!("{base}/evidence"),
        &cookie,
        o.seconds,
        "",
    )?;
    let day = format!("from={today}&to={today}");
    print_row(
        "/evidence?… (Payments' summary, one day)",
        44,
        &format!("{base}/evidence?business_unit=group%3Adefault%2Fpayments&{day}"),
        &cookie,
        o.seconds,
        "",
    )?;
    print_row(
        "GET /api/v1/evidence (Payments, one day)",
        44,
        &format!("{base}/api/v1/evidence?business_unit=payments&{day}"),
        &cookie,
        o.seconds,
        "",
    )?;
    println!("server RSS after the rows: {} KiB", rss_kib(pid));
    server.stop();

    cmd::step("a year of daily coverage samples for every guardrail in every cluster");
    postgres::psql(
        &url,
        "insert into coverage_samples (day, guardrail, cluster, environment, mode, workloads, enforced, pass, fail, unknown)
         select d::date, g.number, c.name, c.env,
                case when (g.number + extract(doy from d)::int) % 17 = 0 then 'audit' else 'enforce' end,
                40, 36, 35, 4, 1
         from generate_series(current_date - 364, current_date - 1, interval '1 day') d,
              guardrails g, (values ('demo-dev', 'dev'), ('demo-stage', 'stage'), ('demo-prod', 'prod')) c(name, env)
         on conflict do nothing",
    )?;
    cmd::step(&format!("{} chained audit events over the year", o.events));
    cmd::status(&mut core_example(
        "audit_fill",
        &[&url, &o.events.to_string(), "365"],
    ))?;
    postgres::psql(&url, "analyze")?;

    let (mut server, port, pid) = start_server(&binary, &url, &env)?;
    let cookie = dev_session(port)?;
    let from = postgres::psql(&url, "select current_date - 364")?
        .trim()
        .to_owned();
    println!("\nserver RSS before the exports: {} KiB", rss_kib(pid));
    let dir = cmd::target_dir().join("bench-evidence");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating the output folder", e))?;
    for (label, unit) in [("the enterprise", ""), ("Payments", "&business_unit=payments")] {
        let path = format!("/api/v1/evidence?from={from}&to={today}{unit}");
        let file = dir.join(format!(
            "year{}.zip",
            if unit.is_empty() { "" } else { "-payments" }
        ));
        let (status, bytes, seconds, peak) = download(port, &path, &cookie, pid, &file)?;
        println!(
            "a year for {label}: HTTP {status}, {:.1} MB in {seconds:.1} s, server RSS peak {:.1} MiB (after: {} KiB)",
            bytes as f64 / 1e6,
            peak as f64 / 1024.0,
            rss_kib(pid)
        );
        let verified = cmd::output(
            Command::new(&binary)
                .args(["evidence", "verify"])
                .arg(&file)
                .env("PARKWAY_AUDIT_KEY", KEY)
                .env("PARKWAY_LOG", "warn"),
        )?;
        println!("  {}", verified.trim());
    }
    server.stop();
    Ok(())
}

/// GETs `path` into `file`, sampling the server's RSS meanwhile: (status, body bytes,
/// seconds, peak RSS in KiB).
fn download(
    port: u16,
    path: &str,
    cookie: &str,
    pid: u32,
    file: &std::path::Path,
) -> Result<(u16, u64, f64, u64)> {
    let peak = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                if let Ok(kib) = rss_kib(pid).parse::<u64>() {
                    peak.fetch_max(kib, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let started = Instant::now();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| Error::io("connecting", e))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| Error::io("asking for the pack", e))?;
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .map_err(|e| Error::io("reading the pack", e))?;
    let seconds = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| Error::Failed("no HTTP answer".into()))?;
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = &answer[split + 4..];
    if status != 200 {
        return Err(Error::Failed(format!(
            "{path}: {head}\n{}",
            String::from_utf8_lossy(body)
        )));
    }
    std::fs::write(file, body).map_err(|e| Error::io("saving the pack", e))?;
    Ok((status, body.len() as u64, seconds, peak.load(Ordering::Relaxed)))
}
