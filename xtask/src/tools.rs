//! Build and test tools, pinned here (Rust tools) and in `package.json` (npm tools),
//! installed only when missing and only from the package registries.
//!
//! Why the Rust tools are built from patched sources: on rustc 1.95 their published
//! lock files do not install (`cargo install --locked` hits a crate that needs a newer
//! rustc, or a yanked pin). We fetch the exact release from crates.io, move the one
//! offending crate to a version that works, and install that lock. See TOOLCHAIN.md.
//! A tool whose published lock builds as it is (leptosfmt) is installed from crates.io
//! with that lock.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use crate::cmd::{self, Error, Result};

/// A Rust tool installed into `~/.cargo/bin`.
struct RustTool {
    /// Crate on crates.io.
    krate: &'static str,
    /// Binary to probe with `--version`.
    binary: &'static str,
    /// Extra args before `--version` (`cargo leptos --version`).
    probe: &'static [&'static str],
    features: &'static [&'static str],
    /// `(crate, version)` pairs applied with `cargo update --precise` before installing.
    lock_fixes: &'static [(&'static str, &'static str)],
    /// Optimisation level of the install. Tools that only orchestrate (cargo-leptos,
    /// leptosfmt) build in a third of the time at 0; wasm-bindgen rewrites megabytes of
    /// WebAssembly on every release build and is minutes slower there at 0.
    opt_level: &'static str,
}

/// cargo-leptos, built without its downloader: it must find tailwindcss, wasm-opt and
/// wasm-bindgen on PATH (node_modules/.bin and ~/.cargo/bin) and never fetch binaries.
const CARGO_LEPTOS_VERSION: &str = "0.3.11";
const CARGO_LEPTOS: RustTool = RustTool {
    krate: "cargo-leptos",
    binary: "cargo",
    probe: &["leptos"],
    features: &["no_downloads"],
    lock_fixes: &[("cargo-util-schemas", "0.14.1")],
    opt_level: "0",
};

/// wasm-bindgen-cli must equal the `wasm-bindgen` crate in Cargo.lock; its version is
/// read from there, so it cannot drift.
const WASM_BINDGEN_CLI: RustTool = RustTool {
    krate: "wasm-bindgen-cli",
    binary: "wasm-bindgen",
    probe: &[],
    features: &[],
    lock_fixes: &[("webpki-roots", "1.0.10")],
    opt_level: "1",
};

/// Formats the `view!` macros rustfmt leaves alone (settings in `leptosfmt.toml`).
const LEPTOSFMT_VERSION: &str = "0.1.33";
const LEPTOSFMT: RustTool = RustTool {
    krate: "leptosfmt",
    binary: "leptosfmt",
    probe: &[],
    features: &[],
    lock_fixes: &[],
    opt_level: "0",
};

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Everything `cargo leptos build` needs.
pub fn ensure_build_tools() -> Result<()> {
    ensure_site_tools()?;
    ensure_rust_tool(&CARGO_LEPTOS, CARGO_LEPTOS_VERSION)
}

/// What building the site from its parts needs (`site::build_dev`): everything
/// cargo-leptos would call, without cargo-leptos.
pub fn ensure_site_tools() -> Result<()> {
    ensure_wasm_target()?;
    ensure_npm_packages()?;
    ensure_rust_tool(&WASM_BINDGEN_CLI, &locked_version("wasm-bindgen")?)
}

/// The formatter `cargo xtask test` checks the UI's `view!` macros with.
pub fn ensure_leptosfmt() -> Result<()> {
    ensure_rust_tool(&LEPTOSFMT, LEPTOSFMT_VERSION)
}

pub fn ensure_wasm_target() -> Result<()> {
    let installed = cmd::output(Command::new("rustup").args(["target", "list", "--installed"]))
        .map_err(|_| Error::Missing("rustup is needed to add the wasm32-unknown-unknown target".into()))?;
    if !installed.lines().any(|line| line.trim() == WASM_TARGET) {
        cmd::step("adding the wasm32-unknown-unknown Rust target");
        cmd::status(Command::new("rustup").args(["target", "add", WASM_TARGET]))?;
    }
    Ok(())
}

/// `npm ci` when node_modules is missing or older than the lock file.
fn ensure_npm_packages() -> Result<()> {
    let root = cmd::root();
    let lock = root.join("package-lock.json");
    let installed = root.join("node_modules/.package-lock.json");
    let fresh = match (modified(&lock), modified(&installed)) {
        (Some(lock), Some(installed)) => installed >= lock,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    if cmd::available("npm", "--version").is_none() {
        return Err(Error::Missing(
            "npm is missing (Tailwind, wasm-opt and the browser-test driver come from npm): \
             install Node.js 20 or newer, e.g. `apt-get install -y nodejs npm`"
                .into(),
        ));
    }
    cmd::step("installing npm packages (tailwindcss, binaryen, playwright-core)");
    cmd::status(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&root),
    )
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn ensure_rust_tool(tool: &RustTool, version: &str) -> Result<()> {
    let mut probe = Command::new(tool.binary);
    probe.args(tool.probe).arg("--version");
    let current = cmd::output(&mut probe).unwrap_or_default();
    if current.split_whitespace().any(|word| word == version) {
        return Ok(());
    }
    cmd::step(&format!(
        "installing {} {version} from crates.io (once; later runs reuse ~/.cargo/bin)",
        tool.krate
    ));
    let mut install = Command::new("cargo");
    if tool.lock_fixes.is_empty() {
        // Its published lock builds on our rustc as it is: install it straight from
        // crates.io (binary-only crates cannot be unpacked as a dependency anyway).
        install.args(["install", tool.krate, "--version", version, "--locked", "--force"]);
    } else {
        let work = patched_source(tool, version)?;
        install
            .args(["install", "--path", ".", "--locked", "--force"])
            .current_dir(&work);
    }
    install
        // Tools ship with fat LTO, one codegen unit and full optimisation: ~20 min for
        // cargo-leptos on two cores (6 min at opt-level 0, see `opt_level`).
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", tool.opt_level)
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_TARGET_DIR", cmd::target_dir().join("xtask-tools/target"))
        .env_remove("SQLX_OFFLINE");
    if !tool.features.is_empty() {
        install.args(["--features", &tool.features.join(",")]);
    }
    cmd::status(&mut install)?;
    let _ = fs::remove_dir_all(cmd::target_dir().join("xtask-tools/target"));
    Ok(())
}

/// The tool's sources from crates.io with its lock fixes applied, in a build folder.
fn patched_source(tool: &RustTool, version: &str) -> Result<PathBuf> {
    let source = fetch_source(tool.krate, version)?;
    let work = cmd::target_dir()
        .join("xtask-tools")
        .join(format!("{}-{version}", tool.krate));
    if work.exists() {
        fs::remove_dir_all(&work).map_err(|e| Error::io("clearing the tool build folder", e))?;
    }
    copy_dir(&source, &work)?;
    // A pinned toolchain file would make rustup try to download another toolchain.
    let _ = fs::remove_file(work.join("rust-toolchain.toml"));
    let _ = fs::remove_file(work.join("rust-toolchain"));
    // The build folder may sit inside our own workspace (target/); an empty
    // `[workspace]` table keeps cargo from treating the tool as one of our members.
    let manifest = work.join("Cargo.toml");
    let text = fs::read_to_string(&manifest).map_err(|e| Error::io("reading the tool manifest", e))?;
    if !text.lines().any(|line| line.trim() == "[workspace]") {
        fs::write(&manifest, format!("{text}\n[workspace]\n"))
            .map_err(|e| Error::io("writing the tool manifest", e))?;
    }
    for (krate, precise) in tool.lock_fixes {
        let mut fix = Command::new("cargo");
        fix.args(["update", "--package", krate, "--precise", precise])
            .current_dir(&work);
        // A fix that no longer applies (crate not in the lock) is not an error.
        if let Err(err) = cmd::output(&mut fix) {
            eprintln!("note: lock fix {krate}@{precise} not applied: {err}");
        }
    }
    Ok(work)
}

/// Lets cargo download and unpack `krate@version` (through a throw-away manifest that
/// depends on it) and returns the unpacked source folder.
fn fetch_source(krate: &str, version: &str) -> Result<PathBuf> {
    let scratch = cmd::target_dir()
        .join("xtask-tools")
        .join(format!("fetch-{krate}-{version}"));
    fs::create_dir_all(scratch.join("src")).map_err(|e| Error::io("creating a fetch folder", e))?;
    let manifest = format!(
        "[package]\nname = \"fetch-tool\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[dependencies]\n{krate} = \"={version}\"\n\n[workspace]\n"
    );
    fs::write(scratch.join("Cargo.toml"), manifest).map_err(|e| Error::io("writing a fetch manifest", e))?;
    fs::write(scratch.join("src/lib.rs"), "").map_err(|e| Error::io("writing a fetch manifest", e))?;
    let metadata = cmd::output(
        Command::new("cargo")
            .args(["metadata", "--format-version", "1"])
            .current_dir(&scratch),
    )?;
    // The unpacked crate's manifest path, found without a JSON parser: the only
    // `…/<krate>-<version>/Cargo.toml` in the metadata.
    let needle = format!("/{krate}-{version}/Cargo.toml\"");
    let manifest_path = metadata
        .split("\"manifest_path\":\"")
        .skip(1)
        .filter_map(|rest| rest.find('"').map(|end| &rest[..=end]))
        .find(|path| path.ends_with(&needle))
        .map(|path| path.trim_end_matches('"').replace("\\\\", "\\"))
        .ok_or_else(|| Error::Failed(format!("cargo did not unpack {krate} {version}")))?;
    Path::new(&manifest_path)
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| Error::Failed(format!("odd manifest path for {krate}: {manifest_path}")))
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).map_err(|e| Error::io("copying tool sources", e))?;
    for entry in fs::read_dir(from).map_err(|e| Error::io("copying tool sources", e))? {
        let entry = entry.map_err(|e| Error::io("copying tool sources", e))?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target).map_err(|e| Error::io("copying tool sources", e))?;
        }
    }
    Ok(())
}

/// The version of `krate` resolved in the workspace's Cargo.lock.
pub fn locked_version(krate: &str) -> Result<String> {
    let lock =
        fs::read_to_string(cmd::root().join("Cargo.lock")).map_err(|e| Error::io("reading Cargo.lock", e))?;
    let marker = format!("name = \"{krate}\"\nversion = \"");
    lock.split("[[package]]")
        .find_map(|block| {
            let start = block.find(&marker)? + marker.len();
            block[start..].split('"').next().map(str::to_owned)
        })
        .ok_or_else(|| Error::Failed(format!("{krate} is not in Cargo.lock")))
}

/// Debian's Chromium for the browser tests; installed with apt when we are root.
pub fn ensure_chromium() -> Result<()> {
    if chromium_path().is_some() {
        return Ok(());
    }
    if !cmd::is_root() {
        return Err(Error::Missing(
            "Chromium is missing for the browser tests: run `sudo apt-get install -y chromium` \
             (or set PARKWAY_CHROMIUM to a Chromium/Chrome binary)"
                .into(),
        ));
    }
    cmd::step("installing Debian's chromium for the browser tests");
    cmd::status(Command::new("apt-get").arg("update").arg("-q"))?;
    cmd::status(
        Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends", "chromium"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    chromium_path()
        .map(drop)
        .ok_or_else(|| Error::Missing("apt-get installed chromium but /usr/bin/chromium is not there".into()))
}

pub fn chromium_path() -> Option<PathBuf> {
    std::env::var_os("PARKWAY_CHROMIUM")
        .map(PathBuf::from)
        .into_iter()
        .chain([PathBuf::from("/usr/bin/chromium")])
        .find(|path| path.exists())
}

/// `cargo leptos build`, with `node_modules/.bin` (tailwindcss, wasm-opt) first on PATH.
pub fn leptos_build(release: bool) -> Result<()> {
    // The demo Kubernetes endpoint is compiled in for `run` and the browser tests only.
    leptos_build_with(release, true)
}

/// As [`leptos_build`], with or without the demo Kubernetes endpoint (images leave it out).
pub fn leptos_build_with(release: bool, demo: bool) -> Result<()> {
    let mut build = cmd::cargo_command(&["leptos", "build"]);
    if demo {
        build.args(["--bin-features", "demo-cluster"]);
    }
    if release {
        build.arg("--release");
    }
    let bin = cmd::root().join("node_modules/.bin");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin];
    paths.extend(std::env::split_paths(&path));
    let joined =
        std::env::join_paths(paths).map_err(|_| Error::Failed("PATH contains an invalid entry".into()))?;
    build.env("PATH", joined);
    cmd::status(&mut build)
}

/// Where cargo-leptos put the server binary.
pub fn server_binary(release: bool) -> Result<PathBuf> {
    let path = cmd::target_dir()
        .join(if release { "release" } else { "debug" })
        .join("parkway");
    if path.exists() {
        Ok(path)
    } else {
        Err(Error::Failed(format!(
            "the build did not produce {}",
            path.display()
        )))
    }
}

/// schemathesis, from PyPI, for `cargo xtask schemathesis` (and `test`).
pub const SCHEMATHESIS_VERSION: &str = "4.32.5";
/// Its Hypothesis, pinned below the releases (6.13x+) whose strategy `repr` parses
/// source with `ast.parse`, which fails on CPython 3.11.7 with "AST constructor
/// recursion depth mismatch" mid-run (a Runtime Error on `POST /catalog/import`).
const HYPOTHESIS_VERSION: &str = "6.131.0";

/// The `st` binary of a virtualenv under `~/.cache/parkway` holding the pinned
/// schemathesis; created (with `python3 -m venv` and pip, PyPI only) when missing.
pub fn ensure_schemathesis() -> Result<PathBuf> {
    let home = std::env::var_os("HOME").ok_or_else(|| Error::Missing("HOME is not set".into()))?;
    let venv = PathBuf::from(home).join(".cache/parkway").join(format!(
        "schemathesis-{SCHEMATHESIS_VERSION}-hypothesis-{HYPOTHESIS_VERSION}"
    ));
    let st = venv.join("bin/st");
    let current = cmd::output(Command::new(&st).arg("--version")).unwrap_or_default();
    if current
        .split_whitespace()
        .any(|word| word == SCHEMATHESIS_VERSION)
    {
        return Ok(st);
    }
    if cmd::available("python3", "--version").is_none() {
        return Err(Error::Missing(
            "python3 is missing (schemathesis comes from PyPI): apt-get install -y python3 python3-venv"
                .into(),
        ));
    }
    cmd::step(&format!(
        "installing schemathesis {SCHEMATHESIS_VERSION} from PyPI into {} (once)",
        venv.display()
    ));
    let _ = fs::remove_dir_all(&venv);
    let mut create = Command::new("python3");
    create.args(["-m", "venv"]).arg(&venv);
    if cmd::status(&mut create).is_err() {
        // Debian ships venv's pip bootstrap separately.
        if !cmd::is_root() {
            return Err(Error::Missing(
                "python3 cannot create a virtualenv: sudo apt-get install -y python3-venv".into(),
            ));
        }
        cmd::status(Command::new("apt-get").arg("update").arg("-q"))?;
        cmd::status(
            Command::new("apt-get")
                .args(["install", "-y", "-q", "python3-venv"])
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )?;
        let _ = fs::remove_dir_all(&venv);
        cmd::status(&mut create)?;
    }
    cmd::status(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .arg(format!("schemathesis=={SCHEMATHESIS_VERSION}"))
            .arg(format!("hypothesis=={HYPOTHESIS_VERSION}")),
    )?;
    Ok(st)
}
