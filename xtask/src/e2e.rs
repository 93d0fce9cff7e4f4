//! The browser suite: the real built server on a free port against its own fresh
//! database, driven by `node --test` + playwright-core in Debian's Chromium.

use std::{
    fs,
    io::{BufRead, BufReader, Read, Write},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

use crate::{
    cmd::{self, Error, Result},
    postgres, tools,
};

/// How many servers the browser files are spread over. Most of a browser test's time is
/// waiting (for a page, a hydration, a sync the server runs every few seconds), so two
/// shards on a two-core machine finish in little more than half the time of one.
/// `PARKWAY_E2E_SHARDS` overrides it (1 runs every file against one server).
const DEFAULT_SHARDS: usize = 2;
/// The browser tests' server signs with this (test data only, not a secret), so the
/// evidence test can verify a downloaded pack.
const E2E_AUDIT_KEY: &str = "parkway-browser-tests-audit-key-0123456789";
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs every browser test file, spread over shards that each have their own database,
/// OpenID Provider and server (so no file sees another's writes), all at once.
pub fn run(admin_url: &str, server: &Path) -> Result<()> {
    let root = cmd::root();
    let artifacts = root.join("end2end/artifacts");
    fs::create_dir_all(&artifacts).map_err(|e| Error::io("creating end2end/artifacts", e))?;
    let files = test_files(&root)?;
    let shards = std::env::var("PARKWAY_E2E_SHARDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_SHARDS)
        .clamp(1, files.len().max(1));
    let plan = split(files, shards);
    cmd::step(&format!(
        "browser tests ({} files, {shards} servers at once) in headless Chromium",
        plan.iter().map(Vec::len).sum::<usize>()
    ));
    // Databases and roles one after the other (roles are cluster-wide, and two
    // sessions creating the same one race); everything else at once.
    let mut databases = Vec::new();
    for index in 0..plan.len() {
        let url = postgres::recreate_database(admin_url, &format!("parkway_e2e_{index}"))?;
        databases.push(postgres::RoleUrls::set_up(&url));
    }
    let outcomes: Vec<(usize, Result<()>)> = std::thread::scope(|scope| {
        let running: Vec<_> = plan
            .iter()
            .zip(&databases)
            .enumerate()
            .map(|(index, (files, roles))| {
                let artifacts = &artifacts;
                scope.spawn(move || (index, run_shard(index, roles, server, files, artifacts)))
            })
            .collect();
        running
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|_| (usize::MAX, Err(Error::Failed("a shard panicked".into()))))
            })
            .collect()
    });
    let mut failures = Vec::new();
    for (index, outcome) in outcomes {
        // Each shard's report, whole, one after the other (they ran interleaved).
        if let Ok(report) = fs::read_to_string(artifacts.join(format!("browser-tests-{index}.log"))) {
            print!("{report}");
        }
        if let Err(err) = outcome {
            failures.push(format!("shard {index}: {err}"));
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Error::Failed(failures.join("\n")))
    }
}

/// The `*.test.mjs` files, `PARKWAY_E2E_ONLY=onboarding` keeping those whose name
/// contains it.
fn test_files(root: &Path) -> Result<Vec<PathBuf>> {
    let only = std::env::var("PARKWAY_E2E_ONLY").ok();
    let mut tests: Vec<PathBuf> = fs::read_dir(root.join("end2end/tests"))
        .map_err(|e| Error::io("reading end2end/tests", e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.to_string_lossy().ends_with(".test.mjs"))
        .filter(|path| {
            only.as_ref()
                .is_none_or(|only| path.to_string_lossy().contains(only))
        })
        .collect();
    tests.sort();
    Ok(tests)
}

/// Longest first onto the least loaded shard, file size standing in for duration (good
/// enough, and it needs no timings kept anywhere); each shard then runs its files in
/// name order.
fn split(mut files: Vec<PathBuf>, shards: usize) -> Vec<Vec<PathBuf>> {
    let size = |path: &PathBuf| fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    files.sort_by_key(|path| std::cmp::Reverse(size(path)));
    let mut plan: Vec<(u64, Vec<PathBuf>)> = vec![(0, Vec::new()); shards];
    for file in files {
        let lightest = plan
            .iter_mut()
            .min_by_key(|(load, _)| *load)
            .expect("at least one shard");
        lightest.0 += size(&file);
        lightest.1.push(file);
    }
    plan.into_iter()
        .map(|(_, mut files)| {
            files.sort();
            files
        })
        .filter(|files| !files.is_empty())
        .collect()
}

/// One shard: its fresh database (`roles`) given the demo data, the test OpenID Provider, the server,
/// and `node --test` over `files`; the report goes to `browser-tests-N.log`.
fn run_shard(
    index: usize,
    roles: &postgres::RoleUrls,
    binary: &Path,
    files: &[PathBuf],
    artifacts: &Path,
) -> Result<()> {
    let root = cmd::root();
    crate::import_demo_catalog(binary, roles)?;
    let port = free_port()?;
    let op_port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let issuer = format!("http://127.0.0.1:{op_port}");
    let _provider = start_provider(
        &root,
        op_port,
        &format!("{base}/auth/callback"),
        &artifacts.join(format!("oidc-provider-{index}.log")),
    )?;
    let log_path = artifacts.join(format!("server-{index}.log"));
    let log = fs::File::create(&log_path).map_err(|e| Error::io("creating the server log", e))?;
    let log_err = log
        .try_clone()
        .map_err(|e| Error::io("creating the server log", e))?;
    cmd::step(&format!(
        "shard {index}: {} on 127.0.0.1:{port}, {} files",
        binary.display(),
        files.len()
    ));
    let mut command = Command::new(binary);
    roles.apply(&mut command);
    let child = command
        .env("PARKWAY_LISTEN", format!("127.0.0.1:{port}"))
        .env("PARKWAY_SITE_ROOT", root.join("target/site"))
        .env("PARKWAY_LOG_FORMAT", "json")
        .env("PARKWAY_PUBLIC_URL", &base)
        .env("PARKWAY_OIDC_ISSUER", &issuer)
        .env("PARKWAY_OIDC_CLIENT_ID", "parkway")
        .env("PARKWAY_OIDC_CLIENT_SECRET", "parkway-test-secret")
        .env("PARKWAY_OIDC_SCOPES", "profile email groups")
        // The demo clusters, whatever the machine's own kubeconfig says; probed and
        // snapshotted often so the pages settle quickly.
        .env_remove("KUBECONFIG")
        .env_remove("PARKWAY_KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("PARKWAY_CLUSTER_PROBE_SECONDS", "1")
        .env("PARKWAY_CLUSTER_SYNC_SECONDS", "2")
        .env(
            "PARKWAY_ROLE_MAPPINGS",
            "parkway-admins=platform-admin,team-search=developer,parkway-team-owners=team-owner,parkway-coe-editors=coe-editor,parkway-security-approvers=security-approver",
        )
        .env_remove("PARKWAY_DEV_SIGN_IN")
        .env("PARKWAY_AUDIT_KEY", E2E_AUDIT_KEY)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .map_err(|e| Error::io("starting the server", e))?;
    let mut server = Server(child);
    wait_ready(port, &mut server.0)
        .map_err(|err| Error::Failed(format!("{err}; see {}", log_path.display())))?;

    let chromium = tools::chromium_path().ok_or_else(|| Error::Missing("Chromium is missing".into()))?;
    let report_path = artifacts.join(format!("browser-tests-{index}.log"));
    let report = fs::File::create(&report_path).map_err(|e| Error::io("creating the test report", e))?;
    let report_err = report
        .try_clone()
        .map_err(|e| Error::io("creating the test report", e))?;
    let mut node = Command::new("node");
    node.arg("--test")
        .arg("--test-concurrency=1")
        .arg("--test-reporter=spec")
        .args(files)
        .current_dir(&root)
        .env("PARKWAY_BASE_URL", &base)
        .env("PARKWAY_SERVER_BIN", binary)
        .env("PARKWAY_OIDC_ISSUER", &issuer)
        .env("PARKWAY_CHROMIUM", chromium)
        .env("PARKWAY_ARTIFACTS", artifacts)
        .env("PARKWAY_AUDIT_KEY", E2E_AUDIT_KEY)
        .stdout(report)
        .stderr(report_err);
    let started = Instant::now();
    let outcome = cmd::status(&mut node);
    let stopped = server.stop();
    cmd::step(&format!(
        "shard {index}: {} files in {:.0} s ({})",
        files.len(),
        started.elapsed().as_secs_f64(),
        if outcome.is_ok() { "passed" } else { "FAILED" }
    ));
    outcome.map_err(|err| Error::Failed(format!("{err}\nserver log: {}", log_path.display())))?;
    match stopped {
        Some(status) if status.success() => Ok(()),
        Some(status) => Err(Error::Failed(format!(
            "the server exited with {status} on SIGTERM instead of shutting down cleanly; see {}",
            log_path.display()
        ))),
        None => Err(Error::Failed(format!(
            "the server did not stop within 10 s of SIGTERM (graceful shutdown is broken); see {}",
            log_path.display()
        ))),
    }
}

pub fn free_port() -> Result<u16> {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| Error::io("finding a free port", e))
}

/// The test OpenID Provider (npm `oidc-provider`), killed when dropped.
struct Provider(Child);

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `end2end/oidc-provider.mjs` and waits for its `ready` line.
fn start_provider(root: &Path, port: u16, redirect: &str, log_path: &Path) -> Result<Provider> {
    let log = fs::File::create(log_path).map_err(|e| Error::io("creating oidc-provider.log", e))?;
    let mut child = Command::new("node")
        .arg(root.join("end2end/oidc-provider.mjs"))
        .current_dir(root)
        .env("OP_PORT", port.to_string())
        .env("RP_REDIRECT", redirect)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .map_err(|e| Error::io("starting node end2end/oidc-provider.mjs", e))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| Error::Failed("no stdout from the provider".into()))?;
    let provider = Provider(child);
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .map_err(|e| Error::io("waiting for the provider", e))?;
    if first.trim() != "ready" {
        return Err(Error::Failed(format!(
            "the test OpenID Provider did not start; see {}",
            log_path.display()
        )));
    }
    Ok(provider)
}

/// Stops the server on every path out, including test failures and panics.
pub struct Server(pub Child);

impl Server {
    /// SIGTERM first, so the graceful-shutdown path runs (and is checked: the exit
    /// status is returned); SIGKILL and `None` if it hangs.
    pub fn stop(&mut self) -> Option<ExitStatus> {
        if let Ok(Some(status)) = self.0.try_wait() {
            return Some(status);
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.0.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // A no-op when `stop` already ran: it returns the reaped status at once.
        let _ = self.stop();
    }
}

pub fn wait_ready(port: u16, child: &mut Child) -> Result<()> {
    let started = Instant::now();
    while started.elapsed() < START_TIMEOUT {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(Error::Failed(format!(
                "the server exited during start-up ({status})"
            )));
        }
        if http_status(port, "/readyz") == Some(200) {
            return Ok(());
        }
        // Fine enough to time a start-up of well under a second (`bench catalog`).
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(Error::Failed(
        "the server did not become ready within 60 s".into(),
    ))
}

/// Status code of a GET sent with `cookie` (`name=value`), after reading the whole
/// answer (so the server renders all of it), or `None` if nothing answered.
pub fn http_status_with(port: u16, path: &str, cookie: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).ok()?;
    std::str::from_utf8(answer.get(9..12)?).ok()?.parse().ok()
}

/// Status code of a plain HTTP/1.1 GET, or `None` if nothing answered.
pub fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}
