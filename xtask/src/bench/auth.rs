//! `cargo xtask bench auth`: what authentication costs per request.

use std::process::Command;

use super::{dev_session, ensure_wrk, start_server, wrk_field};
use crate::{
    cmd::{self, Result},
    postgres, tools,
};

/// What authentication costs per request: a release server with a scratch database,
/// driven by `wrk` (2 threads, 32 connections, 10 s per row) on the same machine.
pub fn auth() -> Result<()> {
    tools::ensure_build_tools()?;
    ensure_wrk()?;
    cmd::step("cargo leptos build --release");
    tools::leptos_build(true)?;
    let binary = tools::server_binary(true)?;
    let url = postgres::recreate_database(&postgres::database_url()?, "parkway_bench")?;
    let (mut server, port, _) = start_server(&binary, &url, &[("PARKWAY_RATE_LIMIT_API", "100000000")])?;
    let base = format!("http://127.0.0.1:{port}");

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
        let field = |prefix: &str| wrk_field(&report, prefix);
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
