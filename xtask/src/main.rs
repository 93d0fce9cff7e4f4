//! `cargo xtask …`: the commands the README gives.
//!
//! - `run [--release]` — install missing tools, start Postgres, build (the development
//!   server and release WebAssembly `test` builds, or everything with cargo-leptos
//!   `--release`), serve on 127.0.0.1:3000
//! - `test`   — fmt, clippy, every Rust test against Postgres, then schemathesis
//!   against the REST API and the browser suite
//! - `schemathesis` — the REST API against its OpenAPI document, alone
//! - `tools` — install the build and browser-test tools that are missing
//! - `checks` — the architecture checks `test` starts with
//! - `budgets` — the release build against the WebAssembly and memory budgets
//! - `budgets wasm` — the release WebAssembly alone against its budget (`test` runs it)
//! - `check-migrations` — the expand/contract check `test` runs
//! - `image [--debug]` — the container image (buildah, `FROM scratch`) as an OCI archive,
//!   checked: non-root user, `parkway --version` from its root filesystem
//! - `soak [--seconds N] [--connections N]` — load and faults: kill -9 during an import,
//!   start-up at 50,000 entities, 256 connections, Postgres restarted, clusters flapping
//! - `db-url` — print (starting if needed) the private Postgres cluster's URL
//! - `prepare`— refresh the committed `.sqlx/` query cache from a live database
//! - `bench wasm` — release WebAssembly size, raw and compressed
//! - `bench auth` — throughput and latency of authenticated requests (wrk)
//! - `bench cluster` — watch-cache memory and sync time, snapshot writes per sync
//! - `bench guardrails [--seconds N]` — guardrail list, page and coverage at 300
//!   guardrails and 3 × 20,000 workloads
//! - `bench catalog [--data FILE]` — import time and memory, API and page throughput at
//!   50,000 entities, start-up time
//! - `bench onboarding [--tenants N]` — 1,000 tenants approved at once: time to active,
//!   exactly-once, RSS, API and page throughput
//! - `bench scorecards` — 5,000 services, 1,000,000 deployments, 100,000 incidents through
//!   the events API: events/s, refresh catch-up, RSS, scorecard page and DORA API throughput
//! - `bench evidence` — a year of the demo company with 500,000 audit events: the
//!   enterprise's and a unit's pack (time, size, RSS while writing), page and API req/s
//!
//! Dependency-free on purpose so it compiles in seconds on a fresh clone.

mod bench;
mod budgets;
mod checks;
mod cmd;
mod e2e;
mod image;
mod migrations;
mod postgres;
mod schemathesis;
mod site;
mod soak;
mod tools;

use std::process::ExitCode;

use cmd::{Error, Result};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  run [--release]
               install what is missing, start Postgres, build and serve Parkway on http://127.0.0.1:3000
               (a development build, which reuses what `test` compiled; --release to measure)
  test         cargo fmt --check, clippy, all Rust tests against Postgres, then schemathesis and the browser tests
  schemathesis build the server and check the REST API against its OpenAPI document (no 5xx, answers match)
  e2e          build the server and run the browser tests alone (PARKWAY_E2E_ONLY=name picks files)
  tools        install the build and browser-test tools that are missing
  checks       the architecture checks test runs first (doors call operations, one table, named constraints)
  budgets      release build against the budgets: WebAssembly <= 300 KiB brotli, server RSS <= 40 MiB
               after start-up with the demo data and 100 requests
  budgets wasm the release WebAssembly alone (no release server) against its 300 KiB; test runs it
  check-migrations
               the expand/contract check test runs: the previous release's queries against this
               tree's migrations, drops/renames only as marked contract steps
  image [--debug]
               build the container image with buildah (FROM scratch, Debian runtime packages) as
               target/image/parkway-VERSION.oci.tar and check its user and entry point
  soak [--seconds N] [--connections N]
               load and faults, loopback only: kill -9 during a 50,000-entity import, start-up time,
               N s (60) at 256 connections over the main pages and API (errors, p99, RSS every
               second), Postgres stopped and started under load, a demo cluster flapping
  db-url       print the private Postgres cluster's URL (starting it if needed)
  prepare      refresh the .sqlx/ query cache from a live, migrated database
  bench wasm   build the release bundle and report the WebAssembly size (raw, gzip, brotli)
  bench auth   release server + wrk (c16, c64): req/s and latency with no auth, a token, a session, users, audit head
  bench cluster  cache memory and sync time at 300 and 20,000 workloads; snapshot rows per sync
  bench catalog [--data FILE] [--seconds N] [--no-plans]
               50,000 entities in one file (generated, or FILE): import time and memory,
               API and page req/s (c16, c64) and p50/p99, start-up time, query plans
  bench guardrails [--seconds N]
               300 guardrails, 3 demo clusters x 20,000 workloads: list, page, coverage and
               not-really-mitigated req/s (c16, c64), p50/p99, p50 at one connection, RSS
  bench onboarding [--tenants N] [--seconds N]
               1,000 tenant requests (3 environments) approved at once: approval → active
               p50/p99, all active, each object applied once, RSS; API and page req/s
  bench scorecards [--services N] [--deployments N] [--incidents N] [--seconds N]
               5,000 services, 1,000,000 deployments (5 changes each), 100,000 incidents
               posted through the events API: events/s, refresher catch-up, RSS; the
               enterprise, unit and team pages and the DORA API req/s (c16, c64), p50/p99
  bench evidence [--events N] [--seconds N]
               a year of the demo company (365 days of delivery, daily coverage samples,
               500,000 chained audit events): the enterprise's and Payments' packs (time,
               size, server RSS while writing, verified); page and API req/s (c16, c64)
";

fn main() -> ExitCode {
    cmd::start_clock();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let outcome = match args.as_slice() {
        ["run", rest @ ..] => run(rest),
        ["test", rest @ ..] => test(rest),
        ["schemathesis"] => schemathesis_alone(),
        ["e2e"] => e2e_alone(),
        ["tools"] => tools::ensure_build_tools()
            .and_then(|()| tools::ensure_leptosfmt())
            .and_then(|()| tools::ensure_chromium()),
        ["checks"] => checks::run(),
        ["db-url"] => postgres::database_url().map(|url| println!("{url}")),
        ["prepare"] => prepare(),
        ["image", rest @ ..] => image::build(rest),
        ["budgets"] => budgets_alone(),
        ["budgets", "wasm"] => tools::ensure_site_tools()
            .and_then(|()| budgets::release_bundle())
            .and_then(|pkg| budgets::wasm(&pkg, budgets::WASM_BROTLI_KIB)),
        ["check-migrations"] => postgres::database_url().and_then(|url| migrations::check(&url)),
        ["soak", rest @ ..] => soak::soak(rest),
        ["bench", "wasm"] => bench::wasm(),
        ["bench", "auth"] => bench::auth(),
        ["bench", "cluster"] => bench::cluster(),
        ["bench", "catalog", rest @ ..] => bench::catalog(rest),
        ["bench", "guardrails", rest @ ..] => bench::guardrails(rest),
        ["bench", "onboarding", rest @ ..] => bench::onboarding(rest),
        ["bench", "scorecards", rest @ ..] => bench::scorecards(rest),
        ["bench", "evidence", rest @ ..] => bench::evidence(rest),
        ["help" | "--help" | "-h"] | [] => {
            print!("{USAGE}");
            Ok(())
        }
        _ => Err(Error::Usage(format!(
            "unknown command: {}\n\n{USAGE}",
            args.join(" ")
        ))),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("\nxtask: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The server feature that compiles in the demo Kubernetes endpoint.
const DEMO_FEATURE: &str = "parkway-server/demo-cluster";

/// README command 1.
fn run(args: &[&str]) -> Result<()> {
    // A development build by default: a newcomer's first page comes in minutes, reusing
    // what `cargo xtask test` compiled. `--release` for measuring (bench builds its own).
    let release = args.contains(&"--release");
    let url = postgres::database_url()?;
    let binary = if release {
        tools::ensure_build_tools()?;
        cmd::step("building Parkway with cargo-leptos (release)");
        tools::leptos_build(true)?;
        tools::server_binary(true)?
    } else {
        // The site `test` builds, from the same compiled crates: after `cargo xtask
        // test`, nothing is compiled again, and on a fresh clone cargo-leptos (minutes
        // to install) is not needed for the first page.
        site::build_dev(DEMO_FEATURE)?
    };
    // Migrations run as `parkway_owner`, the server as `parkway_app`, which may only
    // read and append the audit trail.
    let roles = postgres::RoleUrls::set_up(&url);
    import_demo_catalog(&binary, &roles)?;
    let listen = std::env::var("PARKWAY_LISTEN").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    cmd::step(&format!("serving Parkway on http://{listen} (Ctrl-C stops it)"));
    let mut server = std::process::Command::new(binary);
    roles.apply(&mut server);
    server
        .env("PARKWAY_LISTEN", &listen)
        .env("PARKWAY_SITE_ROOT", cmd::root().join("target/site"));
    // The embedded default has no identity provider: offer the demo users, unless
    // the person running it configured a real provider.
    if std::env::var_os("PARKWAY_OIDC_ISSUER").is_none() {
        server.env("PARKWAY_DEV_SIGN_IN", "1");
    }
    // A stable audit key for the demo (unless one is configured), so evidence packs and
    // published chain heads stay verifiable across restarts.
    if std::env::var_os("PARKWAY_AUDIT_KEY").is_none() {
        let (key, path) = demo_audit_key()?;
        cmd::step(&format!(
            "signing the audit chain head and evidence packs with the demo key in {} (PARKWAY_AUDIT_KEY)",
            path.display()
        ));
        server.env("PARKWAY_AUDIT_KEY", key);
    }
    // Runs in the foreground; Ctrl-C reaches the server too (same process group), and
    // it shuts down gracefully.
    cmd::status(&mut server)
}

/// The demo's audit key: random, made once per target folder and kept there (owner
/// read-only), so `PARKWAY_AUDIT_KEY=$(cat …) parkway evidence verify` works on packs
/// the demo exported.
fn demo_audit_key() -> Result<(String, std::path::PathBuf)> {
    let path = cmd::target_dir().join("parkway-demo-audit-key");
    if let Ok(key) = std::fs::read_to_string(&path)
        && key.trim().len() >= 32
    {
        return Ok((key.trim().to_owned(), path));
    }
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .map_err(|e| Error::io("reading /dev/urandom", e))?;
    let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    std::fs::write(&path, &key).map_err(|e| Error::io("writing the demo audit key", e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400));
    }
    Ok((key, path))
}

/// Migrates, then imports the demo company's descriptors (`demo/catalog`, generated
/// from the same seed as the demo clusters). Re-running updates them in place.
pub(crate) fn import_demo_catalog(binary: &std::path::Path, roles: &postgres::RoleUrls) -> Result<()> {
    import_demo_catalog_for(binary, roles, 180)
}

/// [`import_demo_catalog`] with `days` of delivery history.
pub(crate) fn import_demo_catalog_for(
    binary: &std::path::Path,
    roles: &postgres::RoleUrls,
    days: u32,
) -> Result<()> {
    cmd::step("importing the demo catalog (demo/catalog)");
    let root = cmd::root();
    let mut migrate = std::process::Command::new(binary);
    roles.apply(&mut migrate);
    migrate.arg("migrate").current_dir(&root);
    cmd::status(&mut migrate)?;
    let mut teams: Vec<String> = std::fs::read_dir(root.join("demo/catalog/teams"))
        .map_err(|e| Error::io("reading demo/catalog/teams", e))?
        .filter_map(|entry| entry.ok())
        .map(|entry| format!("demo/catalog/teams/{}", entry.file_name().to_string_lossy()))
        .collect();
    teams.sort();
    let mut import = std::process::Command::new(binary);
    roles.apply(&mut import);
    import
        .args([
            "catalog",
            "import",
            "demo/catalog/org.yaml",
            "demo/catalog/apis.yaml",
        ])
        .args(&teams)
        .env("PARKWAY_LOG", "warn")
        .current_dir(&root);
    cmd::status(&mut import)?;
    cmd::step("importing and publishing the demo guardrails (demo/guardrails)");
    let mut guardrails = std::process::Command::new(binary);
    roles.apply(&mut guardrails);
    guardrails
        .args([
            "guardrails",
            "import",
            "--publish",
            "demo/guardrails/threats.yaml",
            "demo/guardrails/guardrails.yaml",
        ])
        .env("PARKWAY_LOG", "warn")
        .current_dir(&root);
    cmd::status(&mut guardrails)?;
    cmd::step(&format!(
        "loading the demo company's delivery history ({days} days of deployments and incidents)"
    ));
    let mut delivery = std::process::Command::new(binary);
    roles.apply(&mut delivery);
    delivery
        .args(["scorecards", "demo", "--days", &days.to_string()])
        .env("PARKWAY_LOG", "warn")
        .current_dir(&root);
    cmd::status(&mut delivery)
}

/// `cargo xtask budgets`: the release build against both budgets.
fn budgets_alone() -> Result<()> {
    // The release site from its parts (what `cargo leptos build --release` makes); the
    // WebAssembly budget is checked while it is assembled.
    let server = site::release_server()?;
    budgets::rss(&server, &postgres::database_url()?).map(drop)
}

/// The browser tests alone; `PARKWAY_E2E_ONLY` picks files.
fn e2e_alone() -> Result<()> {
    tools::ensure_chromium()?;
    let url = postgres::database_url()?;
    let server = site::build_dev(DEMO_FEATURE)?;
    e2e::run(&url, &server)
}

/// README command 2.
fn test(args: &[&str]) -> Result<()> {
    let skip_e2e = args.contains(&"--no-e2e");
    cmd::step("architecture checks (doors call operations, one table component, named constraints)");
    checks::run()?;
    cmd::step("cargo fmt --check");
    cmd::cargo(&["fmt", "--all", "--", "--check"])
        .map_err(|_| Error::Failed("formatting differs: run `cargo fmt --all`".into()))?;
    cmd::step("leptosfmt --check app/src (the view! macros)");
    tools::ensure_leptosfmt()?;
    cmd::status(
        std::process::Command::new("leptosfmt")
            .args(["--check", "app/src"])
            .current_dir(cmd::root()),
    )
    .map_err(|_| {
        Error::Failed("view! formatting differs: run `leptosfmt app/src && cargo fmt --all`".into())
    })?;
    cmd::step("cargo clippy --all-targets -- -D warnings");
    cmd::cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--features",
        DEMO_FEATURE,
        "--",
        "-D",
        "warnings",
    ])?;
    // The hydrate-only code paths compile for WebAssembly only; lint them there too.
    tools::ensure_wasm_target()?;
    // Same target folder as cargo-leptos' WebAssembly build, so they share proc-macros.
    let front = cmd::target_dir().join("front");
    let front = front.to_string_lossy();
    cmd::cargo(&[
        "clippy",
        "--package",
        "parkway-frontend",
        "--target",
        "wasm32-unknown-unknown",
        "--target-dir",
        &front,
        "--",
        "-D",
        "warnings",
    ])?;
    let url = postgres::database_url()?;
    migrations::check(&url)?;
    cmd::step("Rust tests (against Postgres)");
    let mut tests = cmd::cargo_command(&["test", "--workspace", "--features", DEMO_FEATURE]);
    tests.env("DATABASE_URL", &url);
    cmd::status(&mut tests)?;
    real_cluster_test()?;
    if skip_e2e {
        cmd::step(
            "NOT RUN (--no-e2e): schemathesis against the REST API and the browser tests; \
             run `cargo xtask test` without --no-e2e (or `cargo xtask schemathesis`) for them",
        );
        return Ok(());
    }
    tools::ensure_chromium()?;
    let server = site::build_dev(DEMO_FEATURE)?;
    cmd::step("the container image around this build (cargo xtask image builds the production one)");
    image::test_with(&server)?;
    schemathesis::run(&url, &server)?;
    e2e::run(&url, &server)?;
    cmd::step("all checks passed");
    Ok(())
}

/// `against_a_real_cluster` is ignored unless a cluster is named; with one, run it.
fn real_cluster_test() -> Result<()> {
    if std::env::var_os("PARKWAY_TEST_KUBECONFIG").is_none() {
        cmd::step("NOT RUN: against_a_real_cluster (ignored above; set PARKWAY_TEST_KUBECONFIG to run it)");
        return Ok(());
    }
    cmd::step("the cluster scenarios against the real cluster in PARKWAY_TEST_KUBECONFIG");
    cmd::cargo(&[
        "test",
        "--package",
        "parkway-core",
        "--test",
        "cluster_demo",
        "--",
        "--ignored",
        "--exact",
        "against_a_real_cluster",
    ])
}

/// `cargo xtask schemathesis`: build the server (as `test` does) and run schemathesis.
fn schemathesis_alone() -> Result<()> {
    let url = postgres::database_url()?;
    let server = site::build_dev(DEMO_FEATURE)?;
    schemathesis::run(&url, &server)
}

/// Compiles every query against a scratch database migrated with `psql`, writing the
/// query descriptions to `.sqlx/` so builds work with `SQLX_OFFLINE=true`.
fn prepare() -> Result<()> {
    let admin = postgres::database_url()?;
    let scratch = postgres::recreate_database(&admin, "parkway_sqlx_prepare")?;
    postgres::apply_migrations_with_psql(&scratch)?;
    let cache = cmd::root().join(".sqlx");
    if cache.exists() {
        std::fs::remove_dir_all(&cache).map_err(|e| Error::io("clearing .sqlx", e))?;
    }
    std::fs::create_dir_all(&cache).map_err(|e| Error::io("creating .sqlx", e))?;
    // Force the crates with queries to re-expand their macros.
    cmd::cargo(&["clean", "--package", "parkway-core"])?;
    let mut check = cmd::cargo_command(&[
        "check",
        "--workspace",
        "--all-targets",
        "--features",
        DEMO_FEATURE,
    ]);
    check
        .env("SQLX_OFFLINE", "false")
        .env("DATABASE_URL", &scratch)
        .env("SQLX_OFFLINE_DIR", &cache);
    cmd::status(&mut check)?;
    cmd::step("query cache written to .sqlx/ — commit it");
    Ok(())
}
