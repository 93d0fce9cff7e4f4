//! `cargo xtask bench guardrails [--seconds N]`: the guardrails at the scale issue 14
//! names — 300 published guardrails and 3 demo clusters of 20,000 workloads each, with
//! their policies and policy reports — served by the release server. Prints req/s at
//! 16 and 64 connections with p50/p99, the p50 of one connection at a time (the
//! server-side latency the issue's 10 ms goal is about), and the server's RSS.

use std::{fmt::Write as _, process::Command, time::Duration};

use super::{dev_session, ensure_wrk, mint, print_row, rss_kib, start_server, wrk};
use crate::{
    cmd::{self, Error, Result},
    postgres,
};

const GUARDRAILS: u32 = 300;
const THREATS: u32 = 40;
/// Workloads over all three demo clusters (dev, stage, prod).
const WORKLOADS: &str = "60000";

/// Policies the demo clusters run, with a rule each: generated guardrails point at
/// them, so every page computes real coverage over 20,000 workloads per cluster.
const POLICIES: [(&str, &str); 5] = [
    ("restrict-privileged", "privileged-containers"),
    ("disallow-latest-tag", "validate-image-tag"),
    ("require-requests-limits", "validate-resources"),
    ("restrict-image-registries", "validate-registries"),
    ("require-labels", "check-team-label"),
];

const CATEGORIES: [&str; 6] = [
    "workload-separation",
    "least-privilege",
    "secure-defaults",
    "controlled-entry-and-exit",
    "supply-chain",
    "audit-and-response",
];

/// Threat and guardrail documents as the CoE would write them, numbered.
fn documents() -> String {
    let mut out = String::new();
    let stride = [
        "spoofing",
        "tampering",
        "information-disclosure",
        "elevation-of-privilege",
    ];
    for n in 1..=THREATS {
        let _ = write!(
            out,
            "apiVersion: parkway.dev/v1\nkind: Threat\nmetadata: {{id: TH-{n:03}, title: \"Generated threat {n}\"}}\n\
             spec: {{stride: {}, tactic: privilege-escalation, likelihood: {}, impact: {}, residualRisk: {}, status: open}}\n---\n",
            stride[n as usize % stride.len()],
            n % 5 + 1,
            (n / 5) % 5 + 1,
            n % 20 + 1,
        );
    }
    let decisions = ["allowed", "needs-approval", "blocked"];
    for n in 1..=GUARDRAILS {
        let i = n as usize;
        let (policy, rule) = POLICIES[i % POLICIES.len()];
        let pick = |k: usize| decisions[(i + k) % 3];
        let _ = write!(
            out,
            "apiVersion: parkway.dev/v1\nkind: Guardrail\nmetadata: {{id: GR-{n:03}, title: \"Generated guardrail {n} for {policy}\"}}\n\
             spec:\n  category: {}\n  objective: \"Workloads follow rule {n} of the paved road.\"\n  severity: {}\n  behavior: preventive\n  guidance: mandatory\n\
             \x20 decisions: {{public: {}, internal: {}, confidential: {}, restricted: blocked}}\n\
             \x20 implementations:\n    - {{engine: kyverno, policy: {policy}, rule: {rule}}}\n\
             \x20 frameworks: [\"CIS 5.{n}\"]\n  threats: [TH-{:03}]\n  owner: group:default/platform\n  reviewDue: 2027-06-30\n\
             \x20 body: |\n    ## Why\n    Rule {n} keeps workloads inside the platform's guardrails; without it a tenant can\n    reach what it should not.\n\n    ## How to comply\n\n    Set the field in every pod template, for example:\n\n    ```yaml\n    securityContext: {{runAsNonRoot: true}}\n    ```\n---\n",
            CATEGORIES[i % CATEGORIES.len()],
            ["critical", "high", "medium", "low"][i % 4],
            pick(0),
            pick(1),
            pick(2),
            i % THREATS as usize + 1,
        );
    }
    out
}

/// Seconds per `wrk` run from `--seconds N` (10 unless given).
fn seconds(args: &[&str]) -> Result<u32> {
    match args {
        [] => Ok(10),
        ["--seconds", n] => n
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| Error::Usage("--seconds needs a whole number above 0".into())),
        _ => Err(Error::Usage("bench guardrails [--seconds N]".into())),
    }
}

pub fn guardrails(args: &[&str]) -> Result<()> {
    let seconds = seconds(args)?;
    ensure_wrk()?;
    let binary = crate::site::release_server()?;
    let url = postgres::recreate_database(&postgres::database_url()?, "parkway_bench_guardrails")?;
    let file = std::env::temp_dir().join("parkway-bench-guardrails.yaml");
    std::fs::write(&file, documents()).map_err(|e| Error::io("writing the generated guardrails", e))?;
    cmd::step(&format!(
        "importing and publishing {GUARDRAILS} guardrails and {THREATS} threats"
    ));
    cmd::status(
        Command::new(&binary)
            .args(["migrate"])
            .env("DATABASE_URL", &url)
            .env("PARKWAY_LOG", "warn"),
    )?;
    cmd::status(
        Command::new(&binary)
            .args(["guardrails", "import", "--publish"])
            .arg(&file)
            .env("DATABASE_URL", &url)
            .env("PARKWAY_LOG", "warn"),
    )?;
    let (mut server, port, pid) = start_server(
        &binary,
        &url,
        &[
            ("PARKWAY_RATE_LIMIT_API", "100000000"),
            ("PARKWAY_DEMO_CLUSTER_SEED", WORKLOADS),
        ],
    )?;
    let base = format!("http://127.0.0.1:{port}");
    let token = format!("Authorization: Bearer {}", mint(&binary, &url, "developer")?);
    let admin = format!("Authorization: Bearer {}", mint(&binary, &url, "platform-admin")?);
    wait_for_clusters(&base, &token, &admin)?;
    let cookie = format!("Cookie: {}", dev_session(port)?);
    println!("\nserver RSS with the caches loaded: {} KiB", rss_kib(pid));
    println!(
        "{:<52} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10}",
        "request", "req/s c16", "p50 ms", "p99 ms", "req/s c64", "p50 ms", "p99 ms", "p50 ms c1"
    );
    let rows: [(&str, &str, &str); 8] = [
        ("GET /api/v1/guardrails (300)", "/api/v1/guardrails", &token),
        (
            "GET /api/v1/guardrails?q=privilegd",
            "/api/v1/guardrails?q=privilegd",
            &token,
        ),
        (
            "GET /api/v1/guardrails/GR-150",
            "/api/v1/guardrails/GR-150",
            &token,
        ),
        (
            "GET /api/v1/guardrails/GR-150/coverage",
            "/api/v1/guardrails/GR-150/coverage",
            &token,
        ),
        ("GET /guardrails page (session)", "/guardrails", &cookie),
        (
            "GET /guardrails/GR-150 page (session)",
            "/guardrails/GR-150",
            &cookie,
        ),
        (
            "GET /guardrails/GR-150/diff page (session)",
            "/guardrails/GR-150/diff",
            &cookie,
        ),
        // Last: its first call computes every guardrail in every cluster.
        (
            "GET /api/v1/threats/not-really-mitigated",
            "/api/v1/threats/not-really-mitigated",
            &token,
        ),
    ];
    for (label, path, header) in rows {
        let target = format!("{base}{path}");
        // One connection at a time: the server-side latency.
        let (_, p50_1, _, _) = wrk(&target, header, 1, seconds.min(5))?;
        print_row(label, 52, &target, header, seconds, &format!(" {p50_1:>10.2}"))?;
    }
    println!("server RSS after the runs: {} KiB", rss_kib(pid));
    let _ = server.stop();
    Ok(())
}

/// Waits until every demo cluster serves live coverage (the caches hold 20,000
/// workloads each), so the runs measure reads, not the initial listing.
fn wait_for_clusters(base: &str, token: &str, admin: &str) -> Result<()> {
    cmd::step("waiting for the three demo clusters' caches and their first snapshot");
    let deadline = std::time::Instant::now() + Duration::from_secs(600);
    while std::time::Instant::now() < deadline {
        let answer = cmd::output(Command::new("curl").args([
            "-sf",
            "-H",
            token,
            &format!("{base}/api/v1/guardrails/GR-001/coverage"),
        ]))
        .unwrap_or_default();
        // The first snapshot write of 60,000 workloads is a one-off load on Postgres:
        // measure after it, as a replica runs most of its life.
        let clusters =
            cmd::output(Command::new("curl").args(["-sf", "-H", admin, &format!("{base}/api/v1/clusters")]))
                .unwrap_or_default();
        // Three clusters read live, each with workloads in scope, each written once.
        if answer.matches("\"cluster\":").count() == 3
            && answer.contains("\"unreadable\":[]")
            && !answer.contains("\"workloads\":0,")
            && clusters.matches("\"last_sync\":\"").count() == 3
        {
            return Ok(());
        }
        std::thread::sleep(Duration::from_secs(2));
    }
    Err(Error::Failed(
        "the demo clusters did not become readable within 10 minutes".into(),
    ))
}
