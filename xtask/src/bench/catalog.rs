//! `cargo xtask bench catalog [--data FILE] [--seconds N] [--no-plans]`: the catalog
//! at 50,000 entities, as issue 13 measures it. Imports one multi-document file (the
//! generated catalog, or any Backstage catalog given with `--data`) through the
//! server's REST API, timed, with the server's memory before, during and after; times
//! an import of 10,000 entities in one file with the CLI; restarts the server (start-up
//! to `/readyz` 200 with the catalog loaded) and drives the API and the pages with
//! `wrk` at 16 and 64 connections. Prints one table. Release build, scratch databases.

pub(crate) mod data;

use std::{
    io::{Read, Write},
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use super::{dev_session, ensure_wrk, mint, rss_kib, start_server, wrk};
use crate::{
    cmd::{self, Error, Result},
    postgres,
};

/// What `cargo xtask bench catalog` was asked.
struct Options {
    /// A Backstage catalog (multi-document YAML) to import instead of the generated one.
    data: Option<PathBuf>,
    /// Length of each `wrk` run (20 s for published figures).
    seconds: u32,
    /// Skip the query plans at the end.
    plans: bool,
}

impl Options {
    fn parse(args: &[&str]) -> Result<Self> {
        let mut options = Options {
            data: None,
            seconds: 20,
            plans: true,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match *arg {
                "--data" => {
                    let path = args
                        .next()
                        .ok_or_else(|| Error::Usage("--data needs a file".into()))?;
                    options.data = Some(PathBuf::from(path));
                }
                "--seconds" => {
                    options.seconds = args
                        .next()
                        .and_then(|n| n.parse().ok())
                        .filter(|&n| n > 0)
                        .ok_or_else(|| Error::Usage("--seconds needs a whole number above 0".into()))?;
                }
                "--no-plans" => options.plans = false,
                other => {
                    return Err(Error::Usage(format!(
                        "unknown argument `{other}`: bench catalog [--data FILE] [--seconds N] [--no-plans]"
                    )));
                }
            }
        }
        Ok(options)
    }
}

/// Settings every server of this benchmark runs with: no API rate limit in the way,
/// and time for a large import.
const SERVER_SETTINGS: [(&str, &str); 3] = [
    ("PARKWAY_RATE_LIMIT_API", "100000000"),
    ("PARKWAY_REQUEST_TIMEOUT_SECS", "600"),
    ("PARKWAY_DEMO_CLUSTER_SEED", "30"),
];

pub fn catalog(args: &[&str]) -> Result<()> {
    let options = Options::parse(args)?;
    ensure_wrk()?;
    let binary = crate::site::release_server()?;
    let dir = std::env::temp_dir().join("parkway-bench-catalog");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating the bench folder", e))?;

    let data = match &options.data {
        Some(path) => path.clone(),
        None => {
            let path = dir.join("catalog-50000.yaml");
            cmd::step("generating the catalog: 50,000 entities in one file");
            std::fs::write(&path, data::generate(1)).map_err(|e| Error::io("writing the catalog", e))?;
            path
        }
    };
    let data_bytes = std::fs::metadata(&data)
        .map_err(|e| Error::io(&format!("reading {}", data.display()), e))?
        .len();

    // 10,000 entities in one file, by the CLI, into an empty database.
    let small = dir.join("catalog-10000.yaml");
    std::fs::write(&small, data::generate(5)).map_err(|e| Error::io("writing the catalog", e))?;
    let url_small = fresh_database(&binary, "parkway_bench_catalog_10k")?;
    cmd::step("importing 10,000 entities in one file with the CLI");
    let (small_seconds, small_peak_kib) = cli_import(&binary, &url_small, &small)?;

    // The whole file through the REST API of a running server.
    let url = fresh_database(&binary, "parkway_bench_catalog")?;
    let admin = mint(&binary, &url, "platform-admin")?;
    let developer = mint(&binary, &url, "developer")?;
    let (mut server, port, pid) = start_server(&binary, &url, &SERVER_SETTINGS)?;
    std::thread::sleep(Duration::from_secs(2));
    let first = measured_import(pid, port, &admin, &data)?;
    let entities = count(&url, "select count(*) from catalog_entities")?;
    let _ = server.stop();

    // Start-up with the catalog loaded; then the same catalog, changed, imported again
    // into the running replica: its memory before, at the peak and a minute after.
    let started = Instant::now();
    let (mut server, port, pid) = start_server(&binary, &url, &SERVER_SETTINGS)?;
    let startup = started.elapsed().as_secs_f64();
    read_catalog(port, &admin)?;
    std::thread::sleep(Duration::from_secs(2));
    // The same file name: an import's source is its name, and this one replaces it.
    let changed_dir = dir.join("changed");
    std::fs::create_dir_all(&changed_dir).map_err(|e| Error::io("creating the bench folder", e))?;
    let changed = changed_dir.join(data.file_name().unwrap_or_default());
    let text = std::fs::read_to_string(&data).map_err(|e| Error::io("reading the catalog", e))?;
    std::fs::write(
        &changed,
        text.replace("  description: ", "  description: Changed. "),
    )
    .map_err(|e| Error::io("writing the changed catalog", e))?;
    drop(text);
    let again = measured_import(pid, port, &admin, &changed)?;
    let base = format!("http://127.0.0.1:{port}");
    let cookie = format!("Cookie: {}", dev_session(port)?);
    let token = format!("Authorization: Bearer {developer}");
    let owner = query_one(
        &url,
        "select owner from catalog_entities where kind = 'component' and owner is not null
         group by owner order by count(*) desc, owner limit 1",
    )?;
    let word = search_word(&url)?;
    let rows: [(String, String, &str); 8] = [
        (
            "list, by name".into(),
            "/api/v1/catalog/entities?limit=50".into(),
            &token,
        ),
        (
            "list, newest first (sort=updated)".into(),
            "/api/v1/catalog/entities?sort=updated&limit=50".into(),
            &token,
        ),
        (
            format!("filtered (kind=component&owner={owner})"),
            format!("/api/v1/catalog/entities?kind=component&owner={owner}&limit=50"),
            &token,
        ),
        (
            format!("full text (q={word})"),
            format!("/api/v1/catalog/entities?q={word}&limit=50"),
            &token,
        ),
        (
            "/api/v1/me with a bearer token".into(),
            "/api/v1/me".into(),
            &token,
        ),
        ("/healthz".into(), "/healthz".into(), ""),
        ("/catalog page (session)".into(), "/catalog".into(), &cookie),
        (
            "/catalog?q=chekout page (session)".into(),
            "/catalog?q=chekout".into(),
            &cookie,
        ),
    ];
    let seconds = options.seconds;
    println!();
    println!(
        "Parkway, {entities} entities ({}), wrk {seconds} s per run, release build",
        options
            .data
            .as_ref()
            .map_or_else(|| "generated".to_owned(), |p| p.display().to_string())
    );
    println!();
    println!(
        "| request (50 per page) | req/s c16 | p50 ms c16 | p99 ms c16 | req/s c64 |\n|---|---|---|---|---|"
    );
    for (label, path, header) in &rows {
        let target = format!("{base}{path}");
        let (rps16, p50, p99, bad16) = wrk(&target, header, 16, seconds)?;
        let (rps64, _, _, bad64) = wrk(&target, header, 64, seconds)?;
        println!(
            "| {label} | {rps16:.0} | {p50:.2} | {p99:.2} | {rps64:.0} |{}",
            if bad16 || bad64 { " (non-2xx answers!)" } else { "" }
        );
    }
    println!(
        "| import of 10,000 entities in one file (CLI) | {small_seconds:.2} s, peak RSS {} MiB | | | |",
        small_peak_kib / 1024
    );
    println!(
        "| import of {entities} entities, {:.1} MiB in one file (REST API), into an empty catalog / changed, into the loaded one | {:.2} s / {:.2} s | | | |",
        data_bytes as f64 / 1_048_576.0,
        first.seconds,
        again.seconds
    );
    for (label, m) in [("empty", &first), ("loaded", &again)] {
        println!(
            "| server RSS, import into the {label} catalog: before / peak during / after, index loaded / a minute after | {} / {} / {} / {} MiB ({:+.0} % a minute after) | | | |",
            m.before / 1024,
            m.peak / 1024,
            m.after / 1024,
            m.minute / 1024,
            (m.minute as f64 / m.before.max(1) as f64 - 1.0) * 100.0
        );
    }
    println!("| start-up to /readyz 200 with {entities} entities | {startup:.2} s | | | |");
    println!();
    println!("server RSS after the runs: {} KiB", rss_kib(pid));
    let _ = server.stop();
    if options.plans {
        plans(&url)?;
    }
    Ok(())
}

/// A scratch database named `name`, migrated by the release binary.
fn fresh_database(binary: &Path, name: &str) -> Result<String> {
    let url = postgres::recreate_database(&postgres::database_url()?, name)?;
    cmd::status(
        Command::new(binary)
            .arg("migrate")
            .env("DATABASE_URL", &url)
            .env("PARKWAY_LOG", "warn"),
    )?;
    Ok(url)
}

/// `parkway catalog import FILE`, timed, with the importing process's peak RSS
/// (`VmHWM`, read until it exits) in KiB.
fn cli_import(binary: &Path, url: &str, file: &Path) -> Result<(f64, u64)> {
    let started = Instant::now();
    let mut child = Command::new(binary)
        .args(["catalog", "import"])
        .arg(file)
        .env("DATABASE_URL", url)
        .env("PARKWAY_LOG", "warn")
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| Error::io("starting the import", e))?;
    let mut peak = 0;
    let status = loop {
        peak = peak.max(hwm_kib(child.id()));
        if let Some(status) = child
            .try_wait()
            .map_err(|e| Error::io("waiting for the import", e))?
        {
            break status;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    if !status.success() {
        return Err(Error::Failed(format!(
            "the import of {} failed ({status})",
            file.display()
        )));
    }
    Ok((started.elapsed().as_secs_f64(), peak))
}

/// `POST /api/v1/catalog/import?source=FILE-NAME` with the file as `application/yaml`:
/// the answer's status line and a summary, or an error with its body.
pub(crate) fn api_import(port: u16, token: &str, file: &Path) -> Result<String> {
    let body = std::fs::read(file).map_err(|e| Error::io("reading the catalog", e))?;
    let source = file
        .file_name()
        .map_or_else(|| "bench".to_owned(), |n| n.to_string_lossy().into_owned());
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| Error::io("connecting", e))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(600)))
        .map_err(|e| Error::io("connecting", e))?;
    write!(
        stream,
        "POST /api/v1/catalog/import?source={} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/yaml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        encode(&source),
        body.len()
    )
    .and_then(|()| stream.write_all(&body))
    .map_err(|e| Error::io("sending the catalog", e))?;
    drop(body);
    let mut answer = String::new();
    stream
        .read_to_string(&mut answer)
        .map_err(|e| Error::io("reading the import's answer", e))?;
    let status = answer.lines().next().unwrap_or_default().to_owned();
    if !(status.contains(" 200 ") || status.contains(" 201 ")) {
        let shown: String = answer.chars().take(2_000).collect();
        return Err(Error::Failed(format!("the import was refused: {shown}")));
    }
    Ok(status)
}

/// A replica's memory around one import through the API (KiB), and its time.
struct Measured {
    seconds: f64,
    before: u64,
    peak: u64,
    /// Idle, once a catalog read has loaded the new index.
    after: u64,
    minute: u64,
}

/// Imports `file` into the server `pid` listening on `port`, sampling its memory,
/// then reads the catalog once (as the next visitor would, loading the new index)
/// and waits a minute for the memory to settle.
fn measured_import(pid: u32, port: u16, token: &str, file: &Path) -> Result<Measured> {
    let before = kib(&rss_kib(pid));
    cmd::step(&format!(
        "importing {} through POST /api/v1/catalog/import",
        file.display()
    ));
    let sampler = RssSampler::start(pid);
    let started = Instant::now();
    let answer = api_import(port, token, file)?;
    let seconds = started.elapsed().as_secs_f64();
    read_catalog(port, token)?;
    let peak = sampler.stop().max(hwm_kib(pid));
    println!("  {answer}");
    std::thread::sleep(Duration::from_secs(2));
    let after = kib(&rss_kib(pid));
    cmd::step("waiting a minute for the server's memory to settle");
    std::thread::sleep(Duration::from_secs(58));
    Ok(Measured {
        seconds,
        before,
        peak,
        after,
        minute: kib(&rss_kib(pid)),
    })
}

/// One catalog page through the API: what loads a replica's index.
pub(crate) fn read_catalog(port: u16, token: &str) -> Result<()> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| Error::io("connecting", e))?;
    write!(
        stream,
        "GET /api/v1/catalog/entities?limit=1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| Error::io("reading the catalog", e))?;
    let mut answer = String::new();
    stream
        .read_to_string(&mut answer)
        .map_err(|e| Error::io("reading the catalog", e))?;
    if !answer.starts_with("HTTP/1.1 200") {
        let shown: String = answer.chars().take(500).collect();
        return Err(Error::Failed(format!("the catalog read failed: {shown}")));
    }
    Ok(())
}

/// `text` percent-encoded for a query string.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => char::from(b).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Samples a process's `VmRSS` every 50 ms on a thread until stopped; the highest seen.
struct RssSampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    thread: std::thread::JoinHandle<()>,
}

impl RssSampler {
    fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let thread = {
            let (stop, peak) = (stop.clone(), peak.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    peak.fetch_max(kib(&rss_kib(pid)), Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
        };
        Self { stop, peak, thread }
    }

    fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
        self.peak.load(Ordering::Relaxed)
    }
}

/// A process's peak resident memory so far (`VmHWM`) in KiB, 0 when unreadable.
fn hwm_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn kib(text: &str) -> u64 {
    text.parse().unwrap_or(0)
}

/// The one value `sql` selects.
pub(crate) fn query_one(url: &str, sql: &str) -> Result<String> {
    let value = cmd::output(Command::new("psql").args([url, "-Atc", sql]))?;
    let value = value.trim().to_owned();
    if value.is_empty() {
        return Err(Error::Failed(format!("no answer from: {sql}")));
    }
    Ok(value)
}

pub(crate) fn count(url: &str, sql: &str) -> Result<u64> {
    query_one(url, sql)?
        .parse()
        .map_err(|_| Error::Failed(format!("not a count: {sql}")))
}

/// `payments` when it finds something; otherwise the word of the data found in the
/// most descriptors (at least five letters), so full text always has hits to rank.
pub(crate) fn search_word(url: &str) -> Result<String> {
    let hits = count(
        url,
        "select count(*) from catalog_search where search @@ websearch_to_tsquery('english', 'payments')",
    )?;
    if hits > 0 {
        return Ok("payments".into());
    }
    query_one(
        url,
        "select word from ts_stat('select search from catalog_search')
         where length(word) >= 5 and word ~ '^[a-z]+$' order by ndoc desc, word limit 1",
    )
}

/// The plans of the catalog page's queries, as the application's own listing and
/// search functions run them (`auto_explain` on their connection sends each plan
/// back), so a sequential scan cannot hide and no copy of the SQL can drift from it.
fn plans(url: &str) -> Result<()> {
    cmd::step("the catalog page's query plans (core/examples/catalog_plans.rs)");
    cmd::status(&mut super::core_example("catalog_plans", &[url]))
}
