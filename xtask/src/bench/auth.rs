//! `cargo xtask bench auth`: what authentication costs per request.

use std::process::Command;

use super::{dev_session, ensure_wrk, start_server, wrk_field};
use crate::{
    cmd::{self, Result},
    postgres, tools,
};

/// What authentication costs per request: a release server with a scratch database,
/// driven by `wrk` (2 threads, 16 then 64 connections, 10 s each) on the same machine;
/// the server's RSS at the end.
pub fn auth() -> Result<()> {
    tools::ensure_build_tools()?;
    ensure_wrk()?;
    cmd::step("cargo leptos build --release");
    tools::leptos_build(true)?;
    let binary = tools::server_binary(true)?;
    let url = postgres::recreate_database(&postgres::database_url()?, "parkway_bench")?;
    let (mut server, port, _) = start_server(&binary, &url, &[("PARKWAY_RATE_LIMIT_API", "100000000")])?;
    let base = format!("http://127.0.0.1:{port}");

    let mint = |role: &str| {
        cmd::output(
            Command::new(&binary)
                .args([
                    "token",
                    "create",
                    "--name",
                    &format!("bench-{role}"),
                    "--role",
                    role,
                    "--expires",
                    "1d",
                ])
                .env("DATABASE_URL", &url)
                .env("PARKWAY_LOG", "warn"),
        )
        .map(|t| format!("Authorization: Bearer {}", t.trim()))
    };
    let developer = mint("developer")?;
    let admin = mint("platform-admin")?;
    let cookie = format!("Cookie: {}", dev_session(port)?);
    println!();
    println!(
        "{:<46} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "request", "req/s c16", "p50", "p99", "req/s c64", "p50", "p99"
    );
    let rows: [(&str, &str, &str); 6] = [
        ("GET /healthz (no authentication)", "/healthz", ""),
        ("GET /api/v1/me with a bearer token", "/api/v1/me", &developer),
        ("GET /api/v1/me with a session cookie", "/api/v1/me", &cookie),
        ("GET / (server-rendered page, session)", "/", &cookie),
        (
            "GET /api/v1/users (platform-admin token)",
            "/api/v1/users",
            &admin,
        ),
        (
            "GET /api/v1/audit/head (platform-admin token)",
            "/api/v1/audit/head",
            &admin,
        ),
    ];
    for (label, path, header) in rows {
        let mut cells = Vec::new();
        let mut refused = false;
        for connections in ["16", "64"] {
            let mut wrk = Command::new("wrk");
            wrk.args(["-t2", &format!("-c{connections}"), "-d10s", "--latency"]);
            if !header.is_empty() {
                wrk.args(["-H", header]);
            }
            let report = cmd::output(wrk.arg(format!("{base}{path}")))?;
            refused |= report.lines().any(|l| l.contains("Non-2xx"));
            for prefix in ["Requests/sec:", "50%", "99%"] {
                cells.push(wrk_field(&report, prefix));
            }
        }
        println!(
            "{label:<46} {}{}",
            cells
                .iter()
                .map(|c| format!("{c:>9}"))
                .collect::<Vec<_>>()
                .join(" "),
            if refused { "   (non-2xx answers!)" } else { "" }
        );
    }
    let rss = std::fs::read_to_string(format!("/proc/{}/status", server.0.id()))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("?").to_owned())
        })
        .unwrap_or_else(|| "?".into());
    println!("server RSS after the runs: {rss} KiB");
    let _ = server.stop();
    Ok(())
}
