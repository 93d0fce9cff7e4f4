//! `cargo xtask bench catalog`: the catalog at ~50,000 entities — import time, page
//! latency and throughput, server memory, and the plans of the page's queries as the
//! application's own functions run them (`core/examples/catalog_plans.rs`).

use std::process::Command;

use super::{dev_session, ensure_wrk, median, rss_kib, start_server, wrk};
use crate::{
    cmd::{self, Error, Result},
    postgres, tools,
};

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
    let files = synthetic_catalog();
    cmd::step(&format!(
        "importing {} synthetic entities from {} files",
        files.iter().map(|(_, _, entities)| entities).sum::<usize>(),
        files.len()
    ));
    let mut component_imports = Vec::new();
    let mut component_entities = Vec::new();
    for (name, text, entities) in files {
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
            component_entities.push(entities);
        }
    }
    let counts = cmd::output(
        Command::new("psql")
            .args([&url, "-Atc", "select (select count(*) from catalog_entities) || ' entities, ' || (select count(*) / 2 from catalog_relations) || ' relations (' || (select count(*) from catalog_relations) || ' stored halves)'"]),
    )?;
    println!("  catalog: {}", counts.trim());
    println!(
        "  import of one file of {} components: median {:.2} s of {} runs",
        median(component_entities.iter().map(|&n| n as f64).collect()),
        median(component_imports.clone()),
        component_imports.len()
    );

    let (mut server, port, pid) = start_server(&binary, &url, &[("PARKWAY_DEMO_CLUSTER_SEED", "30")])?;
    let base = format!("http://127.0.0.1:{port}");
    let cookie = dev_session(port)?;
    let typo_hits = search_hits(port, &cookie, "invocie")?;
    let name_hits = search_hits(port, &cookie, "svc-12345")?;
    println!();
    println!(
        "{:<58} {:>9} {:>9} {:>12}",
        format!("page (median of {RUNS} runs)"),
        "p50 ms",
        "p99 ms",
        "req/s @64"
    );
    let views = [
        ("catalog, unfiltered".to_owned(), "/catalog"),
        (
            "catalog, filtered (kind + lifecycle + owner)".to_owned(),
            "/catalog?kind=component&lifecycle=production&owner=group%3Adefault%2Fteam-7",
        ),
        (
            "catalog, recently updated first".to_owned(),
            "/catalog?sort=updated",
        ),
        (
            format!("catalog, text search with a typo (\"invocie\": {typo_hits} hits)"),
            "/catalog?q=invocie",
        ),
        (
            format!("catalog, text search for one name (\"svc-12345\": {name_hits} hits)"),
            "/catalog?q=svc-12345",
        ),
        ("entity page".to_owned(), "/catalog/component/default/svc-12345"),
    ];
    let cookie_header = format!("Cookie: {cookie}");
    for (label, path) in views {
        let target = format!("{base}{path}");
        let mut p50 = Vec::new();
        let mut p99 = Vec::new();
        let mut non_2xx = false;
        for _ in 0..RUNS {
            let (_, a, b, bad) = wrk(&target, &cookie_header, 1, 5)?;
            p50.push(a);
            p99.push(b);
            non_2xx |= bad;
        }
        let (rps, _, _, bad) = wrk(&target, &cookie_header, 64, 10)?;
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
    plans(&url)?;
    println!("server RSS after the runs: {} KiB", rss_kib(pid));
    let _ = server.stop();
    Ok(())
}

/// Latency runs per page; the table shows their medians.
const RUNS: usize = 3;

/// How many entities the search `q` finds, as the API counts them (the facets'
/// `total` under that search), so the table names the measured count.
fn search_hits(port: u16, cookie: &str, q: &str) -> Result<String> {
    use std::io::{Read as _, Write as _};
    let mut stream =
        std::net::TcpStream::connect(("127.0.0.1", port)).map_err(|e| Error::io("connecting", e))?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .map_err(|e| Error::io("connecting", e))?;
    write!(
        stream,
        "GET /api/v1/catalog/facets?q={q} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| Error::io("asking for the facets", e))?;
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
        .split_once("\"total\":")
        .map(|(_, rest)| rest.chars().take_while(char::is_ascii_digit).collect::<String>())
        .filter(|digits| !digits.is_empty())
        .ok_or_else(|| Error::Failed(format!("no total in the facets of q={q}: {answer}")))
}

/// The plans of the catalog page's queries, as the application's own listing and
/// search functions run them (`auto_explain` on their connection sends each plan
/// back), so a sequential scan cannot hide and no copy of the SQL can drift from it.
fn plans(url: &str) -> Result<()> {
    cmd::step("the catalog page's query plans (core/examples/catalog_plans.rs)");
    cmd::status(&mut super::core_example("catalog_plans", &[url]))
}
