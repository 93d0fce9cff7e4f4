//! `cargo xtask bench auth`: what authentication costs per request.

use super::{dev_session, ensure_wrk, mint, print_row, rss_kib, start_server};
use crate::{cmd::Result, postgres};

/// What authentication costs per request: a release server with a scratch database,
/// driven by `wrk` (2 threads, 16 then 64 connections, 10 s each) on the same machine;
/// the server's RSS at the end.
pub fn auth() -> Result<()> {
    ensure_wrk()?;
    let binary = crate::site::release_server()?;
    let url = postgres::recreate_database(&postgres::database_url()?, "parkway_bench")?;
    let (mut server, port, pid) = start_server(&binary, &url, &[("PARKWAY_RATE_LIMIT_API", "100000000")])?;
    let base = format!("http://127.0.0.1:{port}");

    let mint = |role: &str| mint(&binary, &url, role).map(|t| format!("Authorization: Bearer {t}"));
    let developer = mint("developer")?;
    let admin = mint("platform-admin")?;
    let cookie = format!("Cookie: {}", dev_session(port)?);
    println!();
    println!(
        "{:<46} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "request", "req/s c16", "p50 ms", "p99 ms", "req/s c64", "p50 ms", "p99 ms"
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
        print_row(label, 46, &format!("{base}{path}"), header, 10, "")?;
    }
    println!("server RSS after the runs: {} KiB", rss_kib(pid));
    let _ = server.stop();
    Ok(())
}
