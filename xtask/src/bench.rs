//! `cargo xtask bench …`: repeatable measurements reported in issue notes, one file
//! per benchmark; what they share (a release server, `wrk` and its report, a
//! development session) is here.

mod auth;
pub(crate) mod catalog;
mod cluster;
mod evidence;
mod guardrails;
mod onboarding;
mod scorecards;
mod wasm;

use std::{
    io::{Read, Write},
    net::TcpStream,
    process::{Command, Stdio},
    time::Duration,
};

pub use auth::auth;
pub use catalog::catalog;
pub use cluster::cluster;
pub use evidence::evidence;
pub use guardrails::guardrails;
pub use onboarding::onboarding;
pub use scorecards::scorecards;
pub use wasm::wasm;

use crate::{
    cmd::{self, Error, Result},
    e2e,
};

/// `cargo run --release` of one of `core/examples/`, which measure the application's
/// own functions directly, with `args`.
pub(super) fn core_example(name: &str, args: &[&str]) -> Command {
    let mut run = cmd::cargo_command(&[
        "run",
        "--release",
        "--quiet",
        "--package",
        "parkway-core",
        "--example",
        name,
        "--",
    ]);
    run.args(args);
    run
}

/// The release server on a free port against `url`, with development sign-in and
/// `extra` settings; returns it (stopped when dropped), its port and process id.
pub(super) fn start_server(
    binary: &std::path::Path,
    url: &str,
    extra: &[(&str, &str)],
) -> Result<(e2e::Server, u16, u32)> {
    let port = e2e::free_port()?;
    cmd::step(&format!("starting the release server on http://127.0.0.1:{port}"));
    let child = Command::new(binary)
        .env("DATABASE_URL", url)
        .env("PARKWAY_LISTEN", format!("127.0.0.1:{port}"))
        .env("PARKWAY_SITE_ROOT", cmd::root().join("target/site"))
        .env("PARKWAY_DEV_SIGN_IN", "1")
        .env("PARKWAY_LOG", "warn")
        .envs(extra.iter().copied())
        .env_remove("PARKWAY_OIDC_ISSUER")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| Error::io("starting the server", e))?;
    let pid = child.id();
    let mut server = e2e::Server(child);
    e2e::wait_ready(port, &mut server.0)?;
    Ok((server, port, pid))
}

/// The value after `prefix` in a `wrk --latency` report (`Requests/sec:`, `50%`), or `?`.
pub(super) fn wrk_field(report: &str, prefix: &str) -> String {
    report
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("?")
        .to_owned()
}

pub(super) fn ensure_wrk() -> Result<()> {
    if cmd::available("wrk", "--version").is_some() || Command::new("wrk").arg("-v").output().is_ok() {
        return Ok(());
    }
    if !cmd::is_root() {
        return Err(Error::Missing("wrk is missing: apt-get install -y wrk".into()));
    }
    cmd::step("installing wrk from Debian");
    cmd::status(Command::new("apt-get").args(["install", "-y", "-q", "wrk"]))
}

/// Signs in as the development admin and returns the `name=value` session cookie.
pub(super) fn dev_session(port: u16) -> Result<String> {
    let body = "user=pat&next=%2F";
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| Error::io("connecting", e))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| Error::io("connecting", e))?;
    write!(
        stream,
        "POST /auth/dev HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| Error::io("signing in", e))?;
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
        .lines()
        .find_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
        .ok_or_else(|| Error::Failed(format!("development sign-in did not set a cookie: {answer}")))
}

/// The resident memory of process `pid` in KiB (`VmRSS`), or `?`.
pub(super) fn rss_kib(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("?").to_owned())
        })
        .unwrap_or_else(|| "?".into())
}

/// `wrk` against one URL, sending `header` (`Name: value`; none when empty):
/// `(req/s, p50 ms, p99 ms, non-2xx seen)`.
pub(super) fn wrk(url: &str, header: &str, connections: u32, seconds: u32) -> Result<(f64, f64, f64, bool)> {
    let mut command = Command::new("wrk");
    command.args([
        format!("-t{}", connections.min(2)),
        format!("-c{connections}"),
        format!("-d{seconds}s"),
        // wrk leaves answers slower than its 2 s default out of the latencies (as
        // timeouts); a queued evidence pack can take longer and must still count.
        "--timeout".to_owned(),
        "30s".to_owned(),
        "--latency".to_owned(),
    ]);
    if !header.is_empty() {
        command.args(["-H", header]);
    }
    let report = cmd::output(command.arg(url))?;
    let field = |prefix: &str| wrk_field(&report, prefix);
    let ms = |text: String| -> f64 {
        if let Some(v) = text.strip_suffix("us") {
            v.parse::<f64>().unwrap_or(f64::NAN) / 1000.0
        } else if let Some(v) = text.strip_suffix("ms") {
            v.parse().unwrap_or(f64::NAN)
        } else if let Some(v) = text.strip_suffix('s') {
            v.parse::<f64>().unwrap_or(f64::NAN) * 1000.0
        } else {
            f64::NAN
        }
    };
    Ok((
        field("Requests/sec:").parse().unwrap_or(f64::NAN),
        ms(field("50%")),
        ms(field("99%")),
        report.contains("Non-2xx"),
    ))
}

/// One table row: `wrk` at 16 and 64 connections against `url`, printed as req/s,
/// p50 and p99 for each after `label` (padded to `width`), then `extra` (further
/// columns), flagged when any answer was not 2xx.
pub(super) fn print_row(
    label: &str,
    width: usize,
    url: &str,
    header: &str,
    seconds: u32,
    extra: &str,
) -> Result<()> {
    let (rps16, p50_16, p99_16, bad16) = wrk(url, header, 16, seconds)?;
    let (rps64, p50_64, p99_64, bad64) = wrk(url, header, 64, seconds)?;
    println!(
        "{label:<width$} {rps16:>9.0} {p50_16:>9.2} {p99_16:>9.2} {rps64:>9.0} {p50_64:>9.2} {p99_64:>9.2}{extra}{}",
        if bad16 || bad64 {
            "   (non-2xx answers!)"
        } else {
            ""
        }
    );
    Ok(())
}

/// An API token of `role`, as `parkway token create` prints it.
pub(super) fn mint(binary: &std::path::Path, url: &str, role: &str) -> Result<String> {
    Ok(cmd::output(
        Command::new(binary)
            .args([
                "token",
                "create",
                "--name",
                &format!("bench-{role}"),
                "--role",
                role,
            ])
            .args(["--expires", "1d"])
            .env("DATABASE_URL", url)
            .env("PARKWAY_LOG", "warn"),
    )?
    .trim()
    .to_owned())
}
