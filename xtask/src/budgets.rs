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
    e2e, postgres, tools,
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
/// tool is needed. Files `pkg` lacks are left out (the budget's release bundle has no
/// stylesheet).
pub fn bundle_sizes(pkg: &Path) -> Result<Vec<Size>> {
    let script = r#"
const fs = require('fs'), zlib = require('zlib'), path = require('path');
for (const name of ['parkway.wasm', 'parkway.js', 'parkway.css']) {
  const file = path.join(process.argv[1], name);
  if (!fs.existsSync(file)) continue;
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
        let Some(line) = report.lines().find(|l| l.split_whitespace().next() == Some(name)) else {
            continue;
        };
        let numbers: Vec<u64> = line
            .split_whitespace()
            .skip(1)
            .filter_map(|n| n.parse().ok())
            .collect();
        let [raw, gzip, brotli] = numbers[..] else {
            return Err(Error::Failed(format!("{name}: unreadable sizes `{line}`")));
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
    // wasm-bindgen and `wasm-opt -Oz` take over a minute on two cores; when cargo left
    // the module as it was, their output from last time is still right.
    let stamp_file = out.join("source-stamp");
    let wasm_opt = cmd::root().join("node_modules/.bin/wasm-opt");
    let stamp = std::fs::metadata(&built)
        .and_then(|m| Ok(format!("{} {:?}", m.len(), m.modified()?)))
        .map_err(|e| Error::io("reading the built WebAssembly", e))?;
    // The tools' versions too: a new wasm-bindgen or wasm-opt means new output.
    let stamp = format!(
        "{stamp} wasm-bindgen {} wasm-opt {:?}",
        tools::locked_version("wasm-bindgen")?,
        std::fs::metadata(&wasm_opt).and_then(|m| m.modified()).ok()
    );
    if out.join("parkway.wasm").exists()
        && out.join("parkway.js").exists()
        && std::fs::read_to_string(&stamp_file).is_ok_and(|old| old == stamp)
    {
        cmd::step("WebAssembly unchanged since its last wasm-bindgen and wasm-opt: reusing them");
        return Ok(out);
    }
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
        Command::new(&wasm_opt)
            .args([
                "-Oz",
                "--enable-bulk-memory",
                "--enable-nontrapping-float-to-int",
                "-o",
            ])
            .arg(out.join("parkway.wasm"))
            .arg(out.join("parkway_bg.wasm")),
    )?;
    std::fs::write(&stamp_file, stamp).map_err(|e| Error::io("writing the WebAssembly stamp", e))?;
    Ok(out)
}

/// Fails when the release WebAssembly in `pkg` is over `limit` KiB brotli, naming the
/// budget too.
pub fn wasm(pkg: &Path, limit: f64) -> Result<()> {
    let sizes = bundle_sizes(pkg)?;
    let Some(wasm) = sizes.iter().find(|s| s.name == "parkway.wasm") else {
        return Err(Error::Failed(format!("no parkway.wasm in {}", pkg.display())));
    };
    let brotli = kib(wasm.brotli);
    cmd::step(&format!(
        "WebAssembly: {brotli:.1} KiB brotli (raw {:.1} KiB) of {limit} KiB",
        kib(wasm.raw)
    ));
    if brotli > limit {
        return Err(Error::Failed(format!(
            "the WebAssembly bundle is {brotli:.1} KiB brotli, over {limit} KiB \
             (`cargo xtask bench wasm` shows what a browser downloads)"
        )));
    }
    Ok(())
}

/// Resident memory of one process, from `/proc/PID/smaps_rollup`, in MiB: all of it,
/// and the part that is heap and stacks (the rest is mostly the binary's code pages).
struct Memory {
    rss: f64,
    anonymous: f64,
}

impl Memory {
    fn of(pid: u32) -> Result<Self> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
            .map_err(|e| Error::io("reading smaps_rollup", e))?;
        let field = |name: &str| {
            text.lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
                .map(|kib| kib / 1024.0)
                .ok_or_else(|| Error::Failed(format!("no {name} in smaps_rollup")))
        };
        Ok(Self {
            rss: field("Rss:")?,
            anonymous: field("Anonymous:")?,
        })
    }

    fn describe(&self) -> String {
        format!(
            "{:.1} MiB resident ({:.1} MiB heap and stacks, {:.1} MiB code and other file pages)",
            self.rss,
            self.anonymous,
            self.rss - self.anonymous
        )
    }
}

/// Starts `binary` (a release build) on a fresh database with the demo data, sends 100
/// requests over the main pages and APIs, and fails when its resident memory is over
/// [`RSS_MIB`]. The demo clusters, which stand in for Kubernetes API servers that run
/// elsewhere, serve from a process of their own (`parkway demo-clusters`), as real API
/// servers would; the server with them built in is measured and reported too. Returns
/// the budget's figure in MiB.
pub fn rss(binary: &Path, admin_url: &str) -> Result<f64> {
    let url = postgres::recreate_database(admin_url, "parkway_rss_budget")?;
    let roles = postgres::RoleUrls {
        owner: url.clone(),
        app: url.clone(),
    };
    crate::import_demo_catalog(binary, &roles)?;
    let built_in = serve_and_measure(binary, &url, &[])?;
    cmd::step(&format!(
        "memory with the demo clusters inside the server: {}",
        built_in.describe()
    ));
    let kubeconfig = cmd::target_dir().join("budget-kubeconfig.yaml");
    let _ = std::fs::remove_file(&kubeconfig);
    let mut clusters = crate::e2e::Server(
        Command::new(binary)
            .arg("demo-clusters")
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .env("PARKWAY_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .map_err(|e| Error::io("starting parkway demo-clusters", e))?,
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !kubeconfig.exists() {
        if std::time::Instant::now() > deadline {
            return Err(Error::Failed(
                "parkway demo-clusters wrote no kubeconfig within a minute".into(),
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let kubeconfig_path = kubeconfig.to_string_lossy().into_owned();
    let measured = serve_and_measure(binary, &url, &[("PARKWAY_KUBECONFIG", &kubeconfig_path)]);
    let _ = clusters.stop();
    let _ = postgres::psql(
        &postgres::with_database(admin_url, "postgres"),
        "drop database if exists parkway_rss_budget with (force)",
    );
    let memory = measured?;
    cmd::step(&format!(
        "memory budget: {} after start-up with the demo data and 100 requests, of {RSS_MIB} MiB",
        memory.describe()
    ));
    if memory.rss > RSS_MIB {
        return Err(Error::Failed(format!(
            "the server holds {:.1} MiB after start-up and 100 requests, over the {RSS_MIB} MiB budget",
            memory.rss
        )));
    }
    Ok(memory.rss)
}

/// Serves the database at `url`, sends the 100 requests, lets the first cluster syncs
/// and the requests' buffers settle, and measures the server.
fn serve_and_measure(binary: &Path, url: &str, extra: &[(&str, &str)]) -> Result<Memory> {
    let (mut server, port, pid) = bench::start_server(binary, url, extra)?;
    let cookie = bench::dev_session(port)?;
    let component = bench::catalog::query_one(
        url,
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
            let _ = server.stop();
            return Err(Error::Failed(format!(
                "GET {path} answered {status:?} during the memory budget"
            )));
        }
    }
    std::thread::sleep(Duration::from_secs(3));
    let memory = Memory::of(pid);
    let _ = server.stop();
    memory
}
