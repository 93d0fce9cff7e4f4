//! Budgets of the release build: what a browser downloads before a page comes alive
//! (checked by `cargo xtask test`, which builds the release bundle alone for it), and
//! what one replica holds once it serves the demo company (`cargo xtask budgets`, which
//! builds the release server; README: Budgets).

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use crate::{
    bench,
    cmd::{self, Error, Result},
    e2e, postgres,
};

/// The WebAssembly bundle, brotli-compressed (quality 11, as a CDN or `--precompress`
/// serves it): the budget `cargo xtask budgets` holds the release build to.
pub const WASM_BROTLI_KIB: f64 = 300.0;

/// Resident memory of the release server after start-up with the demo data (three demo
/// clusters of 300 workloads, the 208-entity catalog, guardrails, 180 days of delivery
/// history) and 100 page and API requests.
pub const RSS_MIB: f64 = 40.0;

/// One file of the site bundle: name, raw, gzip and brotli sizes in bytes.
pub struct Size {
    pub name: &'static str,
    pub raw: u64,
    pub gzip: u64,
    pub brotli: u64,
}

/// The bundle's sizes, compressed with Node's zlib (gzip 9, brotli 11), so no extra
/// tool is needed.
pub fn bundle_sizes(pkg: &Path) -> Result<Vec<Size>> {
    let script = r#"
const fs = require('fs'), zlib = require('zlib'), path = require('path');
for (const name of ['parkway.wasm', 'parkway.js', 'parkway.css']) {
  const file = path.join(process.argv[1], name);
  if (!fs.existsSync(file)) { console.log(`${name} missing`); continue; }
  const raw = fs.readFileSync(file);
  const br = zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } });
  const gz = zlib.gzipSync(raw, { level: 9 });
  console.log(`${name} ${raw.length} ${gz.length} ${br.length}`);
}
"#;
    let report = cmd::output(Command::new("node").arg("-e").arg(script).arg(pkg))
        .map_err(|err| Error::Failed(format!("could not measure the bundle: {err}")))?;
    let mut sizes = Vec::new();
    for name in ["parkway.wasm", "parkway.js", "parkway.css"] {
        let line = report
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .ok_or_else(|| Error::Failed(format!("{name}: not measured")))?;
        let numbers: Vec<u64> = line
            .split_whitespace()
            .skip(1)
            .filter_map(|n| n.parse().ok())
            .collect();
        let [raw, gzip, brotli] = numbers[..] else {
            return Err(Error::Failed(format!("{name} is missing from {}", pkg.display())));
        };
        sizes.push(Size {
            name,
            raw,
            gzip,
            brotli,
        });
    }
    Ok(sizes)
}

pub fn kib(bytes: u64) -> f64 {
    bytes as f64 / 1024.0
}

/// Builds the WebAssembly as `cargo leptos build --release` does (the `wasm-release`
/// profile, wasm-bindgen, `wasm-opt -Oz` with the same features) but without the release
/// server, which takes far longer and is not measured here; returns the folder holding
/// `parkway.wasm`. Shares cargo-leptos' WebAssembly target folder.
pub fn release_bundle() -> Result<PathBuf> {
    let front = cmd::target_dir().join("front");
    cmd::cargo(&[
        "build",
        "--package",
        "parkway-frontend",
        "--lib",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm-release",
        "--target-dir",
        &front.to_string_lossy(),
    ])?;
    let built = front.join("wasm32-unknown-unknown/wasm-release/parkway_frontend.wasm");
    let out = cmd::target_dir().join("budget-pkg");
    let _ = std::fs::remove_dir_all(&out);
    cmd::status(
        Command::new("wasm-bindgen")
            .args([
                "--target",
                "web",
                "--no-typescript",
                "--out-name",
                "parkway",
                "--out-dir",
            ])
            .arg(&out)
            .arg(&built),
    )?;
    cmd::status(
        Command::new(cmd::root().join("node_modules/.bin/wasm-opt"))
            .args([
                "-Oz",
                "--enable-bulk-memory",
                "--enable-nontrapping-float-to-int",
                "-o",
            ])
            .arg(out.join("parkway.wasm"))
            .arg(out.join("parkway_bg.wasm")),
    )?;
    Ok(out)
}

/// Fails when the release WebAssembly in `pkg` is over `limit` KiB brotli, naming the
/// budget too.
pub fn wasm(pkg: &Path, limit: f64) -> Result<()> {
    let raw = std::fs::read(pkg.join("parkway.wasm")).map_err(|e| Error::io("reading parkway.wasm", e))?;
    let script = r#"
const zlib = require('zlib');
const raw = require('fs').readFileSync(0);
console.log(zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length);
"#;
    let mut node = Command::new("node")
        .arg("-e")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| Error::io("starting node", e))?;
    {
        use std::io::Write;
        let mut stdin = node.stdin.take().expect("piped");
        stdin.write_all(&raw).map_err(|e| Error::io("compressing", e))?;
    }
    let answer = node.wait_with_output().map_err(|e| Error::io("compressing", e))?;
    let compressed: u64 = String::from_utf8_lossy(&answer.stdout)
        .trim()
        .parse()
        .map_err(|_| Error::Failed("could not measure the WebAssembly bundle".into()))?;
    let brotli = kib(compressed);
    cmd::step(&format!(
        "WebAssembly: {brotli:.1} KiB brotli (raw {:.1} KiB) of {limit} KiB",
        kib(raw.len() as u64)
    ));
    if brotli > limit {
        return Err(Error::Failed(format!(
            "the WebAssembly bundle is {brotli:.1} KiB brotli, over {limit} KiB \
             (`cargo xtask bench wasm` shows what a browser downloads)"
        )));
    }
    Ok(())
}

/// Starts `binary` (a release build) on a fresh database with the demo data, sends 100
/// requests over the main pages and APIs, and fails when its resident memory is over
/// [`RSS_MIB`]. Returns the figure in MiB.
pub fn rss(binary: &Path, admin_url: &str) -> Result<f64> {
    let url = postgres::recreate_database(admin_url, "parkway_rss_budget")?;
    let roles = postgres::RoleUrls {
        owner: url.clone(),
        app: url.clone(),
    };
    crate::import_demo_catalog(binary, &roles)?;
    let (mut server, port, pid) = bench::start_server(binary, &url, &[])?;
    let cookie = bench::dev_session(port)?;
    let component = bench::catalog::query_one(
        &url,
        "select name from catalog_entities where kind = 'component' order by name limit 1",
    )?;
    let paths = [
        "/".to_owned(),
        "/catalog".into(),
        "/api/v1/catalog/entities?limit=50".into(),
        "/catalog?q=payments".into(),
        format!("/catalog/component/default/{component}"),
        "/guardrails".into(),
        "/scorecards".into(),
        "/onboarding".into(),
        "/admin/clusters".into(),
        "/api/v1/clusters".into(),
    ];
    for i in 0..100 {
        let path = &paths[i % paths.len()];
        let status = e2e::http_status_with(port, path, &cookie);
        if status != Some(200) {
            return Err(Error::Failed(format!(
                "GET {path} answered {status:?} during the memory budget"
            )));
        }
    }
    // Let the first watch syncs and the requests' buffers settle.
    std::thread::sleep(Duration::from_secs(3));
    let rss = bench::rss_kib(pid).parse::<f64>().unwrap_or(f64::NAN) / 1024.0;
    let _ = server.stop();
    let _ = postgres::psql(
        &postgres::with_database(admin_url, "postgres"),
        "drop database if exists parkway_rss_budget with (force)",
    );
    cmd::step(&format!(
        "memory budget: {rss:.1} MiB resident after start-up with the demo data and 100 requests, of {RSS_MIB} MiB"
    ));
    if rss.is_nan() || rss > RSS_MIB {
        return Err(Error::Failed(format!(
            "the server holds {rss:.1} MiB after start-up and 100 requests, over the {RSS_MIB} MiB budget"
        )));
    }
    Ok(rss)
}
