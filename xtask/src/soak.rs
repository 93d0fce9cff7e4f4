//! `cargo xtask soak [--seconds N] [--connections N]`: Parkway under load and faults,
//! bounded in time, on loopback only, against a Postgres cluster of its own (which it
//! stops and starts) and the release server with the demo data and a 50,000-entity
//! catalog.
//!
//! 1. `kill -9` in the middle of the 50,000-entity import: after a restart the import
//!    is all or nothing; imported again, all of it.
//! 2. Start-up with 50,000 entities and migrations done: time to `/readyz` 200.
//! 3. N seconds (default 60) at 256 connections over the main pages and API: errors,
//!    p50/p99, RSS every second (growth after warm-up).
//! 4. Postgres stopped and started during load: failed requests, `/readyz` going 503
//!    then 200, the same process serving after, every write acknowledged before the
//!    stop still there.
//! 5. A demo cluster stopped and started every few seconds during load: errors, the
//!    watches live again at the end, RSS growth.

use std::{
    io::Write,
    process::Command,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use crate::{
    bench::{
        self,
        catalog::{api_import, count, data, query_one, read_catalog},
    },
    cmd::{self, Error, Result},
    e2e, postgres,
};

struct Options {
    seconds: u32,
    connections: u32,
}

impl Options {
    fn parse(args: &[&str]) -> Result<Self> {
        let mut options = Self {
            seconds: 60,
            connections: 256,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut number = |what: &str| -> Result<u32> {
                args.next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n > 0)
                    .ok_or_else(|| Error::Usage(format!("{what} needs a whole number above 0")))
            };
            match *arg {
                "--seconds" => options.seconds = number("--seconds")?,
                "--connections" => options.connections = number("--connections")?,
                other => {
                    return Err(Error::Usage(format!(
                        "unknown argument `{other}`: soak [--seconds N] [--connections N]"
                    )));
                }
            }
        }
        Ok(options)
    }
}

/// No API rate limit in the way of the load, time for the big import, and the demo
/// clusters answering quickly when they come back.
const SETTINGS: [(&str, &str); 4] = [
    ("PARKWAY_RATE_LIMIT_API", "100000000"),
    ("PARKWAY_REQUEST_TIMEOUT_SECS", "600"),
    ("PARKWAY_CLUSTER_PROBE_SECONDS", "1"),
    ("PARKWAY_DB_MAX_CONNECTIONS", "16"),
];

pub fn soak(args: &[&str]) -> Result<()> {
    let options = Options::parse(args)?;
    bench::ensure_wrk()?;
    let binary = crate::site::release_server()?;
    let postgres = postgres::PrivateCluster::at(cmd::root().join(".parkway/soak-postgres"))?;
    let admin = postgres.ensure_running()?;
    let url = postgres::recreate_database(&admin, "parkway_soak")?;
    let roles = postgres::RoleUrls {
        owner: url.clone(),
        app: url.clone(),
    };
    crate::import_demo_catalog(&binary, &roles)?;
    let token = bench::mint(&binary, &url, "platform-admin")?;
    let dir = cmd::target_dir().join("soak");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating the soak folder", e))?;
    let catalog = dir.join("catalog-50000.yaml");
    cmd::step("generating the catalog: 50,000 entities in one file");
    std::fs::write(&catalog, data::generate(1)).map_err(|e| Error::io("writing the catalog", e))?;
    let mut report = Vec::new();

    // 1. kill -9 in the middle of the import.
    let (mut server, port, pid) = bench::start_server(&binary, &url, &SETTINGS)?;
    cmd::step("kill -9 while the 50,000-entity import is being written");
    let importing = {
        let (token, catalog) = (token.clone(), catalog.clone());
        std::thread::spawn(move || api_import(port, &token, &catalog))
    };
    // The import has been read and is being validated and written when the first
    // new rows appear in the server's transaction; kill it a moment into that.
    std::thread::sleep(Duration::from_secs(3));
    cmd::status(Command::new("kill").args(["-KILL", &pid.to_string()]))?;
    let _ = server.0.wait();
    let refused = importing.join().map_or(true, |answer| answer.is_err());
    let kept = count(
        &url,
        "select count(*) from catalog_entities where source = 'catalog-50000.yaml'",
    )?;
    if kept != 0 && kept != 50_000 {
        return Err(Error::Failed(format!(
            "after kill -9 the import is half there: {kept} entities"
        )));
    }
    let (mut server, port, _) = bench::start_server(&binary, &url, &SETTINGS)?;
    let started = Instant::now();
    api_import(port, &token, &catalog)?;
    let import_seconds = started.elapsed().as_secs_f64();
    let all = count(
        &url,
        "select count(*) from catalog_entities where source = 'catalog-50000.yaml'",
    )?;
    if all != 50_000 {
        return Err(Error::Failed(format!(
            "the second import stored {all} of 50,000 entities"
        )));
    }
    report.push(format!(
        "kill -9 during the import      {} entities of it after restart (all or nothing; answer lost: {refused}); imported again in {import_seconds:.1} s: {all}",
        kept
    ));
    let _ = server.stop();

    // 2. Start-up with the catalog and migrations done.
    let started = Instant::now();
    let (mut server, port, pid) = bench::start_server(&binary, &url, &SETTINGS)?;
    let startup = started.elapsed();
    read_catalog(port, &token)?;
    report.push(format!(
        "start-up to /readyz 200         {:.0} ms with 50,000 entities (goal ≤ 1,000 ms)",
        startup.as_secs_f64() * 1000.0
    ));

    // 3. The steady load.
    let cookie = format!("Cookie: {}", bench::dev_session(port)?);
    let paths = mix(&url)?;
    let script = dir.join("mix.lua");
    write_script(&script, &paths)?;
    cmd::step(&format!(
        "{} s at {} connections over {} paths",
        options.seconds,
        options.connections,
        paths.len()
    ));
    let sampler = sample_rss(pid);
    let steady = load(port, &cookie, &script, options.connections, options.seconds)?;
    let rss = sampler.stop();
    report.push(format!("steady load                     {}", steady.summary()));
    report.push(format!("  RSS every second              {}", rss_summary(&rss)));
    if steady.errors > 0 {
        report.push("  ERRORS under steady load".into());
    }

    // 4. Postgres stopped and started under load.
    cmd::step("Postgres stopped for 3 s and started again under load");
    let sampler = sample_rss(pid);
    let readiness = watch_readiness(port);
    let writes = keep_writing(port, token.clone());
    let outage = {
        let (cookie, script) = (cookie.clone(), script.clone());
        let connections = options.connections;
        std::thread::spawn(move || load(port, &cookie, &script, connections, 30))
    };
    std::thread::sleep(Duration::from_secs(8));
    let stopped_at = Instant::now();
    postgres.stop()?;
    std::thread::sleep(Duration::from_secs(3));
    postgres.ensure_running()?;
    let down_for = stopped_at.elapsed();
    let during = outage
        .join()
        .map_err(|_| Error::Failed("the load thread panicked".into()))??;
    let acknowledged = writes.stop();
    let seen = readiness.stop();
    let _ = sampler.stop();
    let alive = std::fs::metadata(format!("/proc/{pid}")).is_ok();
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|name| {
            count(
                &url,
                &format!("select count(*) from catalog_entities where name = '{name}'"),
            )
            .map_or(true, |n| n != 1)
        })
        .collect();
    let went_503 = seen.contains(&503);
    let back_200 = seen
        .iter()
        .rposition(|&s| s == 503)
        .is_some_and(|i| seen[i..].contains(&200));
    report.push(format!(
        "Postgres down {:.1} s under load {}; /readyz {} then {}; same process serving after: {alive}; writes acknowledged {} lost {}",
        down_for.as_secs_f64(),
        during.summary(),
        if went_503 { "went 503" } else { "NEVER went 503" },
        if back_200 { "200 again" } else { "NOT 200 again" },
        acknowledged.len(),
        lost.len()
    ));

    // 5. A demo cluster flapping under load.
    cmd::step("demo-prod stopped and started every 3 s under load");
    let sampler = sample_rss(pid);
    let flapping = Arc::new(AtomicBool::new(true));
    let flapper = {
        let (flapping, cookie) = (flapping.clone(), cookie.clone());
        std::thread::spawn(move || {
            let mut flaps = 0;
            let mut action = "stop";
            while flapping.load(Ordering::Relaxed) {
                if outage_form(port, &cookie, "demo-prod", action) {
                    flaps += 1;
                }
                action = if action == "stop" { "start" } else { "stop" };
                std::thread::sleep(Duration::from_secs(3));
            }
            outage_form(port, &cookie, "demo-prod", "start");
            flaps
        })
    };
    let flapped = load(port, &cookie, &script, options.connections, 30)?;
    flapping.store(false, Ordering::Relaxed);
    let flaps = flapper.join().unwrap_or(0);
    let rss = sampler.stop();
    let recovered = wait_clusters_live(port, &cookie, Duration::from_secs(30));
    report.push(format!(
        "cluster flapping ({flaps} stops/starts) {}; watches live again: {recovered}; RSS {}",
        flapped.summary(),
        rss_summary(&rss)
    ));
    let _ = server.stop();

    println!();
    println!(
        "== cargo xtask soak ({} s, {} connections) ==",
        options.seconds, options.connections
    );
    for line in &report {
        println!("{line}");
    }
    let growth = growth_after_warm_up(&rss);
    if steady.errors > 0 || !lost.is_empty() || !alive || !went_503 || !back_200 || !recovered {
        return Err(Error::Failed("the soak found problems (above)".into()));
    }
    if growth.is_some_and(|g| g >= 10.0) {
        return Err(Error::Failed(format!("memory grew {growth:?} % after warm-up")));
    }
    Ok(())
}

/// The main pages and API calls, with real names from the database.
fn mix(url: &str) -> Result<Vec<String>> {
    let component = query_one(
        url,
        "select name from catalog_entities where kind = 'component' and source like 'demo/%' order by name limit 1",
    )?;
    let word = bench::catalog::search_word(url)?;
    let guardrail: u32 = query_one(url, "select min(number) from guardrails")?
        .parse()
        .map_err(|_| Error::Failed("no guardrail in the demo data".into()))?;
    Ok(vec![
        "/catalog".into(),
        "/api/v1/catalog/entities?limit=50".into(),
        format!("/api/v1/catalog/entities?q={word}"),
        format!("/catalog?q={word}"),
        format!("/catalog/component/default/{component}"),
        format!("/api/v1/catalog/entities/component/default/{component}"),
        format!("/guardrails/GR-{guardrail:03}"),
        "/guardrails".into(),
        "/scorecards".into(),
    ])
}

fn write_script(path: &std::path::Path, paths: &[String]) -> Result<()> {
    let list: Vec<String> = paths.iter().map(|p| format!("  \"{p}\",")).collect();
    let text = format!(
        "-- Rotates over Parkway's main pages and API calls (written by cargo xtask soak).\n\
         local paths = {{\n{}\n}}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format(\"GET\", paths[(i % #paths) + 1])\nend\n",
        list.join("\n")
    );
    std::fs::write(path, text).map_err(|e| Error::io("writing the wrk script", e))
}

/// One `wrk` run's figures.
struct Load {
    requests: u64,
    errors: u64,
    rps: f64,
    p50: String,
    p99: String,
}

impl Load {
    fn summary(&self) -> String {
        format!(
            "{} requests, {:.0} req/s, p50 {}, p99 {}, {} errors",
            self.requests, self.rps, self.p50, self.p99, self.errors
        )
    }
}

fn load(port: u16, cookie: &str, script: &std::path::Path, connections: u32, seconds: u32) -> Result<Load> {
    let report = cmd::output(
        Command::new("wrk")
            .args([
                "-t2",
                &format!("-c{connections}"),
                &format!("-d{seconds}s"),
                "--timeout",
                "10s",
                "--latency",
                "-H",
                cookie,
                "-s",
            ])
            .arg(script)
            .arg(format!("http://127.0.0.1:{port}")),
    )?;
    let number_after = |label: &str| -> u64 {
        report
            .lines()
            .find_map(|l| l.trim().strip_prefix(label))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.trim_end_matches(',').parse().ok())
            .unwrap_or(0)
    };
    let requests = report
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let socket_errors: u64 = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("Socket errors:"))
        .map(|rest| {
            rest.split(',')
                .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0);
    Ok(Load {
        requests,
        errors: socket_errors + number_after("Non-2xx or 3xx responses:"),
        rps: bench::wrk_field(&report, "Requests/sec:")
            .parse()
            .unwrap_or(f64::NAN),
        p50: bench::wrk_field(&report, "50%"),
        p99: bench::wrk_field(&report, "99%"),
    })
}

/// Work repeated on a thread every `interval` until stopped; what it collected.
struct Repeating<T> {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Vec<T>>,
}

impl<T: Send + 'static> Repeating<T> {
    fn start(interval: Duration, mut tick: impl FnMut(&mut Vec<T>) + Send + 'static) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut collected = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    tick(&mut collected);
                    std::thread::sleep(interval);
                }
                collected
            })
        };
        Self { stop, thread }
    }

    fn stop(self) -> Vec<T> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}

/// `VmRSS` (KiB) of a process every second.
fn sample_rss(pid: u32) -> Repeating<u64> {
    Repeating::start(Duration::from_secs(1), move |samples| {
        samples.push(bench::rss_kib(pid).parse().unwrap_or(0));
    })
}

/// Warm-up is the first quarter of the samples; growth compares the mean of the last
/// five samples with the sample that ends the warm-up, in per cent.
fn growth_after_warm_up(samples: &[u64]) -> Option<f64> {
    if samples.len() < 8 {
        return None;
    }
    let warm = samples[samples.len() / 4] as f64;
    let tail = &samples[samples.len() - 5..];
    let end = tail.iter().sum::<u64>() as f64 / tail.len() as f64;
    Some((end - warm) / warm * 100.0)
}

fn rss_summary(samples: &[u64]) -> String {
    let mib = |k: u64| k as f64 / 1024.0;
    match (samples.first(), samples.iter().max(), samples.last()) {
        (Some(&first), Some(&max), Some(&last)) => format!(
            "{:.0} → max {:.0} → {:.0} MiB over {} samples; growth after warm-up {}",
            mib(first),
            mib(max),
            mib(last),
            samples.len(),
            growth_after_warm_up(samples).map_or("n/a".into(), |g| format!("{g:+.1} %"))
        ),
        _ => "no samples".into(),
    }
}

/// `/readyz` every 100 ms; the statuses seen, in order, without repeats.
fn watch_readiness(port: u16) -> Repeating<u16> {
    Repeating::start(Duration::from_millis(100), move |seen| {
        let status = e2e::http_status(port, "/readyz").unwrap_or(0);
        if seen.last() != Some(&status) {
            seen.push(status);
        }
    })
}

/// Small catalog imports every 100 ms; the names whose import was acknowledged
/// (200/201).
fn keep_writing(port: u16, token: String) -> Repeating<String> {
    let dir = cmd::target_dir().join("soak/writes");
    let _ = std::fs::create_dir_all(&dir);
    let mut i = 0;
    Repeating::start(Duration::from_millis(100), move |acknowledged| {
        i += 1;
        let name = format!("soak-write-{i}");
        let file = dir.join(format!("{name}.yaml"));
        let yaml = format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: experimental\n  owner: payments\n"
        );
        if std::fs::File::create(&file)
            .and_then(|mut f| f.write_all(yaml.as_bytes()))
            .is_ok()
            && api_import(port, &token, &file).is_ok()
        {
            acknowledged.push(name);
        }
    })
}

/// `POST /admin/clusters/{name}/outage` (`stop` or `start`), as the admin page does.
fn outage_form(port: u16, cookie: &str, cluster: &str, action: &str) -> bool {
    let body = format!("action={action}");
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let sent = write!(
        stream,
        "POST /admin/clusters/{cluster}/outage HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\n{cookie}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut answer = String::new();
    sent.is_ok()
        && std::io::Read::read_to_string(&mut stream, &mut answer).is_ok()
        && answer.starts_with("HTTP/1.1 303")
}

/// Whether every cluster's caches serve live data again (`GET /api/v1/clusters`).
fn wait_clusters_live(port: u16, cookie: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            let _ = write!(
                stream,
                "GET /api/v1/clusters HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{cookie}\r\nConnection: close\r\n\r\n"
            );
            let mut answer = String::new();
            let _ = std::io::Read::read_to_string(&mut stream, &mut answer);
            let settling = ["\"unreachable\"", "\"connecting\"", "\"syncing\""];
            if answer.starts_with("HTTP/1.1 200") && !settling.iter().any(|s| answer.contains(s)) {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::growth_after_warm_up;

    #[test]
    fn growth_is_measured_after_the_first_quarter() {
        // A fast climb while caches fill, then flat: no growth.
        let flat = [10, 50, 90, 100, 100, 101, 100, 99, 100, 101, 100, 100];
        let growth = growth_after_warm_up(&flat).expect("enough samples");
        assert!(growth.abs() < 1.0, "{growth}");
        // A steady leak shows.
        let leak: Vec<u64> = (0..20).map(|i| 100 + i * 5).collect();
        assert!(growth_after_warm_up(&leak).expect("enough") > 10.0);
        assert_eq!(growth_after_warm_up(&[1, 2, 3]), None);
    }
}
