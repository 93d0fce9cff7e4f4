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

/// The release server on a free port against `url`, with development sign-in and
/// `extra` settings; returns it (stopped when dropped), its port and process id.
fn start_server(
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
fn wrk_field(report: &str, prefix: &str) -> String {
    report
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("?")
        .to_owned()
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

/// Words the synthetic descriptions draw on, so text search has something to find.
const WORDS: [&str; 24] = [
    "invoice",
    "payment",
    "ledger",
    "shipment",
    "inventory",
    "catalog",
    "search",
    "pricing",
    "refund",
    "customer",
    "account",
    "session",
    "report",
    "forecast",
    "recommendation",
    "notification",
    "identity",
    "consent",
    "warehouse",
    "routing",
    "checkout",
    "basket",
    "review",
    "analytics",
];

/// Synthetic descriptors: `(file name, YAML, entities)` in import order, about 50,000
/// entities and 200,000 relations in all (each component declares five).
fn synthetic_catalog() -> Vec<(String, String, usize)> {
    use std::fmt::Write as _;
    let (units, teams_per_unit, systems, apis, files, per_file) = (10, 50, 5_000, 4_500, 4, 10_000);
    let teams = units * teams_per_unit;
    let mut org = String::new();
    for u in 0..units {
        let _ = write!(
            org,
            "---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {{name: unit-{u}}}\nspec: {{type: business-unit, children: []}}\n"
        );
        let _ = write!(
            org,
            "---\napiVersion: backstage.io/v1alpha1\nkind: Domain\nmetadata: {{name: domain-{u}}}\nspec: {{owner: unit-{u}}}\n"
        );
    }
    for t in 0..teams {
        let _ = write!(
            org,
            "---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {{name: team-{t}}}\nspec: {{type: team, parent: unit-{}, children: []}}\n",
            t / teams_per_unit
        );
    }
    for s in 0..systems {
        let _ = write!(
            org,
            "---\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata: {{name: system-{s}}}\nspec: {{owner: team-{}, domain: domain-{}}}\n",
            s % teams,
            (s % teams) / teams_per_unit
        );
    }
    let mut api_file = String::new();
    for a in 0..apis {
        let _ = write!(
            api_file,
            "---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {{name: api-{a}, description: \"{} {} interface\"}}\nspec: {{type: openapi, lifecycle: production, owner: team-{}, system: system-{}, definition: \"openapi: 3.0.0\"}}\n",
            WORDS[a % 24],
            WORDS[(a / 24) % 24],
            a % teams,
            a % systems
        );
    }
    let mut out = vec![
        ("bench-org.yaml".to_owned(), org, units * 2 + teams + systems),
        ("bench-apis.yaml".to_owned(), api_file, apis),
    ];
    let lifecycles = [
        "production",
        "production",
        "production",
        "experimental",
        "deprecated",
    ];
    for f in 0..files {
        let mut text = String::new();
        for i in 0..per_file {
            let c = f * per_file + i;
            let depends = if i == 0 {
                String::new()
            } else {
                format!(", dependsOn: [component:svc-{}]", c - 1 - (c % 7).min(i - 1))
            };
            let _ = write!(
                text,
                "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-{c}\n  title: Service {c}\n  description: \"Handles {} and {} for team {}.\"\n  tags: [{}, tier-{}]\n  labels: {{tier: tier-{}}}\nspec: {{type: service, lifecycle: {}, owner: team-{}, system: system-{}, consumesApis: [api-{}, api-{}]{depends}}}\n",
                WORDS[c % 24],
                WORDS[(c / 24) % 24],
                c % teams,
                WORDS[(c / 7) % 24],
                c % 3 + 1,
                c % 3 + 1,
                lifecycles[c % 5],
                c % teams,
                c % systems,
                c % apis,
                (c * 7 + 3) % apis,
            );
        }
        out.push((format!("bench-components-{f}.yaml"), text, per_file));
    }
    out
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// `wrk` against one URL: `(req/s, p50 ms, p99 ms, non-2xx seen)`.
fn wrk(url: &str, cookie: &str, connections: u32, seconds: u32) -> Result<(f64, f64, f64, bool)> {
    let report = cmd::output(Command::new("wrk").args([
        format!("-t{}", connections.min(2)),
        format!("-c{connections}"),
        format!("-d{seconds}s"),
        "--latency".to_owned(),
        "-H".to_owned(),
        format!("Cookie: {cookie}"),
        url.to_owned(),
    ]))?;
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

/// The plans of the catalog page's queries, as the server runs them (custom plans for
/// the actual filters), so a sequential scan cannot hide.
fn explain_hot_queries(url: &str) -> Result<()> {
    const COLUMNS: &str = "key, kind, namespace, name, title, description, spec_type, lifecycle, tier, owner, business_unit, tags";
    let queries = [
        (
            "unfiltered page",
            format!("select {COLUMNS} from catalog_entities e order by e.name, e.key limit 51"),
        ),
        (
            "filtered page",
            format!(
                "select {COLUMNS} from catalog_entities e where e.kind = 'component' and e.owner = 'group:default/team-7' \
                 and e.lifecycle = 'production' order by e.name, e.key limit 51"
            ),
        ),
        (
            "recently updated page",
            format!("select {COLUMNS} from catalog_entities e order by e.updated_at desc, e.key desc limit 51"),
        ),
        (
            "typo corrections",
            "select word from catalog_words where word % 'invocie' order by similarity(word, 'invocie') desc, word limit 4".to_owned(),
        ),
        (
            "text search hits (ranked once, shared by the page and its facet counts)",
            "select s.entity_id, ts_rank(s.search, t.query) from catalog_search s, \
             to_tsquery('english', '(invocie:* | invoice)') as t(query) where s.search @@ t.query"
                .to_owned(),
        ),
        (
            "text search page rows (50 keys)",
            format!(
                "select {COLUMNS} from catalog_entities where key = any(array(select 'component:default/svc-' || g from generate_series(1, 50) g))"
            ),
        ),
    ];
    println!();
    for (label, sql) in queries {
        let plan = cmd::output(Command::new("psql").args([
            url,
            "-Atc",
            &format!("explain (analyze, buffers off, costs off) {sql}"),
        ]))?;
        let seq = if plan.contains("Seq Scan") {
            "  (sequential scan)"
        } else {
            ""
        };
        println!("plan: {label}{seq}");
        for line in plan.lines() {
            println!("    {line}");
        }
    }
    Ok(())
}

/// The catalog at 50,000 entities and ~200,000 relations: import time per 10,000
/// entities, page latency (one connection: server time) and throughput (64
/// connections) for the main views, server memory. Release build, scratch database.
pub fn catalog() -> Result<()> {
    tools::ensure_build_tools()?;
    ensure_wrk()?;
    cmd::step("cargo leptos build --release");
    tools::leptos_build(true)?;
    let binary = tools::server_binary(true)?;
    let url = postgres::recreate_database(&postgres::database_url()?, "parkway_bench_catalog")?;
    let dir = std::env::temp_dir().join("parkway-bench-catalog");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating the bench folder", e))?;
    cmd::status(
        Command::new(&binary)
            .arg("migrate")
            .env("DATABASE_URL", &url)
            .env("PARKWAY_LOG", "warn"),
    )?;
    cmd::step("importing ~50,000 synthetic entities");
    let mut component_imports = Vec::new();
    for (name, text, entities) in synthetic_catalog() {
        let path = dir.join(&name);
        std::fs::write(&path, &text).map_err(|e| Error::io("writing descriptors", e))?;
        let started = std::time::Instant::now();
        cmd::status(
            Command::new(&binary)
                .args(["catalog", "import"])
                .arg(&path)
                .env("DATABASE_URL", &url)
                .env("PARKWAY_LOG", "warn"),
        )?;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "  {name}: {entities} entities, {:.1} MiB, imported in {seconds:.2} s",
            text.len() as f64 / 1_048_576.0
        );
        if name.starts_with("bench-components") {
            component_imports.push(seconds);
        }
    }
    let counts = cmd::output(
        Command::new("psql")
            .args([&url, "-Atc", "select (select count(*) from catalog_entities) || ' entities, ' || (select count(*) / 2 from catalog_relations) || ' relations (' || (select count(*) from catalog_relations) || ' stored halves)'"]),
    )?;
    println!("  catalog: {}", counts.trim());
    println!(
        "  import of 10,000 components (each resolving 5 references): median {:.2} s of {} runs",
        median(component_imports.clone()),
        component_imports.len()
    );

    let (mut server, port, pid) = start_server(&binary, &url, &[("PARKWAY_DEMO_CLUSTER_SEED", "30")])?;
    let base = format!("http://127.0.0.1:{port}");
    let cookie = dev_session(port)?;
    println!();
    println!(
        "{:<58} {:>9} {:>9} {:>12}",
        "page (median of 3 runs)", "p50 ms", "p99 ms", "req/s @64"
    );
    let views = [
        ("catalog, unfiltered", "/catalog"),
        (
            "catalog, filtered (kind + lifecycle + owner)",
            "/catalog?kind=component&lifecycle=production&owner=group%3Adefault%2Fteam-7",
        ),
        ("catalog, recently updated first", "/catalog?sort=updated"),
        (
            "catalog, text search with a typo (\"invocie\": 5,023 hits)",
            "/catalog?q=invocie",
        ),
        (
            "catalog, text search for one name (\"svc-12345\")",
            "/catalog?q=svc-12345",
        ),
        ("entity page", "/catalog/component/default/svc-12345"),
    ];
    for (label, path) in views {
        let target = format!("{base}{path}");
        let mut p50 = Vec::new();
        let mut p99 = Vec::new();
        let mut non_2xx = false;
        for _ in 0..3 {
            let (_, a, b, bad) = wrk(&target, &cookie, 1, 5)?;
            p50.push(a);
            p99.push(b);
            non_2xx |= bad;
        }
        let (rps, _, _, bad) = wrk(&target, &cookie, 64, 10)?;
        println!(
            "{label:<58} {:>9.2} {:>9.2} {:>12.0}{}",
            median(p50),
            median(p99),
            rps,
            if non_2xx || bad {
                "   (non-2xx answers!)"
            } else {
                ""
            }
        );
    }
    explain_hot_queries(&url)?;
    let rss = std::fs::read_to_string(format!("/proc/{pid}/status"))
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
