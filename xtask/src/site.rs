//! The development site — what `cargo xtask run` serves and what `cargo xtask test` runs
//! schemathesis and the browser tests against — built from its parts instead of by
//! cargo-leptos: the development server exactly as the Rust tests compiled it (same
//! features, so nothing is compiled twice, and `run` after `test` starts at once), the
//! release WebAssembly the budget measures (so the browser tests drive the bundle that
//! ships, built once), Tailwind's stylesheet and the public assets. The release site for
//! `budgets`, the benches and the soak is built the same way around the release server;
//! cargo-leptos stays the builder of `run --release` and the image. Doing without it
//! saves its installation (six and a half minutes on a fresh two-core machine) and a
//! second, development WebAssembly build. The layout is cargo-leptos' (`target/site`,
//! `pkg/parkway.{js,wasm,css}`), so the server cannot tell the two apart.

use std::{fs, path::PathBuf, process::Command};

use crate::{
    budgets,
    cmd::{self, Error, Result},
    tools,
};

/// The server build a site carries.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// The development build the Rust tests compiled (`run`, `test`).
    Development,
    /// The release build (`budgets` measures it).
    Release,
}

/// Builds the site into `target/site` with the development server; returns its binary.
pub fn build_dev(features: &str) -> Result<PathBuf> {
    build(Server::Development, features)
}

/// The release site with the demo endpoint, as the benches and the soak measure it;
/// returns the server binary.
pub fn release_server() -> Result<PathBuf> {
    build(Server::Release, crate::DEMO_FEATURE)
}

/// Builds the site into `target/site` around `server`; returns the server binary.
pub fn build(server: Server, features: &str) -> Result<PathBuf> {
    tools::ensure_site_tools()?;
    let release = server == Server::Release;
    if release {
        cmd::step("building the release server and WebAssembly");
        cmd::cargo(&[
            "build",
            "--release",
            "--package",
            "parkway-server",
            "--bin",
            "parkway",
            "--features",
            features,
        ])?;
    } else {
        cmd::step("building the development server and the release WebAssembly");
        cmd::cargo(&["build", "--workspace", "--bin", "parkway", "--features", features])?;
    }
    let bundle = budgets::release_bundle()?;
    let root = cmd::root();
    let site = root.join("target/site");
    let pkg = site.join("pkg");
    let _ = fs::remove_dir_all(&pkg);
    fs::create_dir_all(&pkg).map_err(|e| Error::io("creating target/site/pkg", e))?;
    for name in ["parkway.js", "parkway.wasm"] {
        fs::copy(bundle.join(name), pkg.join(name)).map_err(|e| Error::io(&format!("copying {name}"), e))?;
    }
    cmd::status(
        Command::new(root.join("node_modules/.bin/tailwindcss"))
            .args(["--input", "style/tailwind.css", "--output"])
            .arg(pkg.join("parkway.css"))
            .arg("--minify")
            .current_dir(&root),
    )?;
    for entry in fs::read_dir(root.join("public")).map_err(|e| Error::io("reading public/", e))? {
        let entry = entry.map_err(|e| Error::io("reading public/", e))?;
        fs::copy(entry.path(), site.join(entry.file_name())).map_err(|e| Error::io("copying public/", e))?;
    }
    budgets::wasm(&pkg, budgets::WASM_BROTLI_KIB)?;
    tools::server_binary(release)
}
