//! `cargo xtask bench …`: repeatable measurements reported in issue notes.

use std::{
    io::{Read, Write},
    net::TcpStream,
    process::{Command, Stdio},
    time::Duration,
};

use crate::{
    cmd::{self, Error, Result},
    e2e, postgres, tools,
};

/// Builds the release bundle and reports what a browser downloads.
pub fn wasm() -> Result<()> {
    tools::ensure_build_tools()?;
    cmd::step("cargo leptos build --release");
    tools::leptos_build(true)?;
    let pkg = cmd::root().join("target/site/pkg");
    // Node's zlib has brotli and gzip built in, so no extra tool is needed.
    let script = r#"
const fs = require('fs'), zlib = require('zlib'), path = require('path');
for (const name of ['parkway.wasm', 'parkway.js', 'parkway.css']) {
  const file = path.join(process.argv[1], name);
  if (!fs.existsSync(file)) { console.log(`${name}: missing`); continue; }
  const raw = fs.readFileSync(file);
  const br = zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } });
  const gz = zlib.gzipSync(raw, { level: 9 });
  const kb = n => (n / 1024).toFixed(1) + ' KiB';
  console.log(`${name.padEnd(18)} raw ${kb(raw.length).padStart(10)}   gzip ${kb(gz.length).padStart(10)}   brotli ${kb(br.length).padStart(10)}`);
}
"#;
    let report = cmd::output(Command::new("node").arg("-e").arg(script).arg(&pkg))
        .map_err(|err| Error::Failed(format!("could not measure the bundle: {err}")))?;
    println!("{report}");
    Ok(())
}

/// What authentication costs per request: a release server with a scratch database,
/// driven by `wrk` (2 threads, 32 connections, 10 s per row) on the same machine.
pub fn auth() -> Result<()> {
    tools::ensure_build_tools()?;
    ensure_wrk()?;
    cmd::step("cargo leptos build --release");
    tools::leptos_build(true)?;
    let binary = tools::server_binary(true)?;
    let url = postgres::recreate_database(&postgres::database_url()?, "parkway_bench")?;
    let port = e2e::free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    cmd::step(&format!("starting the release server on {base}"));
    let child = Command::new(&binary)
        .env("DATABASE_URL", &url)
        .env("PARKWAY_LISTEN", format!("127.0.0.1:{port}"))
        .env("PARKWAY_SITE_ROOT", cmd::root().join("target/site"))
        .env("PARKWAY_DEV_SIGN_IN", "1")
        .env("PARKWAY_RATE_LIMIT_API", "100000000")
        .env("PARKWAY_LOG", "warn")
        .env_remove("PARKWAY_OIDC_ISSUER")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| Error::io("starting the server", e))?;
    let mut server = e2e::Server(child);
    e2e::wait_ready(port, &mut server.0)?;

    let token = cmd::output(
        Command::new(&binary)
            .args([
                "token",
                "create",
                "--name",
                "bench",
                "--role",
                "developer",
                "--expires",
                "1d",
            ])
            .env("DATABASE_URL", &url)
            .env("PARKWAY_LOG", "warn"),
    )?;
    let cookie = dev_session(port)?;
    println!();
    println!("{:<44} {:>10} {:>10} {:>10}", "request", "req/s", "p50", "p99");
    let rows: [(&str, &str, String); 4] = [
        ("GET /healthz (no authentication)", "/healthz", String::new()),
        (
            "GET /api/v1/me with a bearer token",
            "/api/v1/me",
            format!("Authorization: Bearer {}", token.trim()),
        ),
        (
            "GET /api/v1/me with a session cookie",
            "/api/v1/me",
            format!("Cookie: {cookie}"),
        ),
        (
            "GET / (server-rendered page, session)",
            "/",
            format!("Cookie: {cookie}"),
        ),
    ];
    for (label, path, header) in rows {
        let mut wrk = Command::new("wrk");
        wrk.args(["-t2", "-c32", "-d10s", "--latency"]);
        if !header.is_empty() {
            wrk.args(["-H", &header]);
        }
        let report = cmd::output(wrk.arg(format!("{base}{path}")))?;
        let non_2xx = report.lines().any(|l| l.contains("Non-2xx"));
        let field = |prefix: &str| {
            report
                .lines()
                .map(str::trim)
                .find(|l| l.starts_with(prefix))
                .and_then(|l| l.split_whitespace().nth(1))
                .unwrap_or("?")
                .to_owned()
        };
        println!(
            "{label:<44} {:>10} {:>10} {:>10}{}",
            field("Requests/sec:"),
            field("50%"),
            field("99%"),
            if non_2xx { "   (non-2xx answers!)" } else { "" }
        );
    }
    let _ = server.stop();
    Ok(())
}

fn ensure_wrk() -> Result<()> {
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
fn dev_session(port: u16) -> Result<String> {
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

/// Cache memory and sync time at 300 and 20,000 workloads on the demo endpoint, and
/// how many rows a snapshot write touches when nothing changed (release build).
pub fn cluster() -> Result<()> {
    let admin = postgres::database_url()?;
    for workloads in ["300", "20000"] {
        // A fresh database each time, so the first write inserts every row.
        let url = postgres::recreate_database(&admin, "parkway_bench_cluster")?;
        cmd::step(&format!("cluster caches at {workloads} workloads"));
        let mut run = cmd::cargo_command(&[
            "run",
            "--release",
            "--quiet",
            "--package",
            "parkway-core",
            "--example",
            "cluster_bench",
            "--",
            "measure",
            workloads,
        ]);
        run.env("DATABASE_URL", &url).env("RUST_LOG", "warn");
        cmd::status(&mut run)?;
    }
    Ok(())
}
