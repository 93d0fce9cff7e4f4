//! The browser suite: the real built server on a free port against its own fresh
//! database, driven by `node --test` + playwright-core in Debian's Chromium.

use std::{
    fs,
    io::{BufRead, BufReader, Read, Write},
    net::{TcpListener, TcpStream},
    path::Path,
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

use crate::{
    cmd::{self, Error, Result},
    postgres, tools,
};

const E2E_DATABASE: &str = "parkway_e2e";
const START_TIMEOUT: Duration = Duration::from_secs(60);

pub fn run(admin_url: &str, server: &Path) -> Result<()> {
    let binary = server;
    let root = cmd::root();
    let artifacts = root.join("end2end/artifacts");
    fs::create_dir_all(&artifacts).map_err(|e| Error::io("creating end2end/artifacts", e))?;
    let url = postgres::recreate_database(admin_url, E2E_DATABASE)?;
    let roles = postgres::RoleUrls::set_up(&url);
    crate::import_demo_catalog(server, &roles)?;
    let port = free_port()?;
    let op_port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let issuer = format!("http://127.0.0.1:{op_port}");
    let _provider = start_provider(&root, op_port, &format!("{base}/auth/callback"), &artifacts)?;
    let log =
        fs::File::create(artifacts.join("server.log")).map_err(|e| Error::io("creating server.log", e))?;
    let log_err = log.try_clone().map_err(|e| Error::io("creating server.log", e))?;
    cmd::step(&format!("starting {} on 127.0.0.1:{port}", server.display()));
    let mut command = Command::new(server);
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
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .map_err(|e| Error::io("starting the server", e))?;
    let mut server = Server(child);
    wait_ready(port, &mut server.0)?;

    let mut tests: Vec<_> = fs::read_dir(root.join("end2end/tests"))
        .map_err(|e| Error::io("reading end2end/tests", e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.to_string_lossy().ends_with(".test.mjs"))
        // `PARKWAY_E2E_ONLY=onboarding` runs only the files whose name contains it.
        .filter(|path| {
            std::env::var("PARKWAY_E2E_ONLY").map_or(true, |only| path.to_string_lossy().contains(&only))
        })
        .collect();
    tests.sort();
    cmd::step(&format!(
        "browser tests ({} files) in headless Chromium",
        tests.len()
    ));
    let chromium = tools::chromium_path().ok_or_else(|| Error::Missing("Chromium is missing".into()))?;
    let mut node = Command::new("node");
    node.arg("--test")
        .arg("--test-concurrency=1")
        .args(&tests)
        .current_dir(&root)
        .env("PARKWAY_BASE_URL", &base)
        .env("PARKWAY_SERVER_BIN", binary)
        .env("PARKWAY_OIDC_ISSUER", &issuer)
        .env("PARKWAY_CHROMIUM", chromium)
        .env("PARKWAY_ARTIFACTS", &artifacts);
    let outcome = cmd::status(&mut node);
    let stopped = server.stop();
    let log = artifacts.join("server.log");
    outcome.map_err(|err| Error::Failed(format!("{err}\nserver log: {}", log.display())))?;
    match stopped {
        Some(status) if status.success() => Ok(()),
        Some(status) => Err(Error::Failed(format!(
            "the server exited with {status} on SIGTERM instead of shutting down cleanly; see {}",
            log.display()
        ))),
        None => Err(Error::Failed(format!(
            "the server did not stop within 10 s of SIGTERM (graceful shutdown is broken); see {}",
            log.display()
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
fn start_provider(root: &Path, port: u16, redirect: &str, artifacts: &Path) -> Result<Provider> {
    cmd::step(&format!("starting the test OpenID Provider on 127.0.0.1:{port}"));
    let log = fs::File::create(artifacts.join("oidc-provider.log"))
        .map_err(|e| Error::io("creating oidc-provider.log", e))?;
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
        return Err(Error::Failed(
            "the test OpenID Provider did not start; see end2end/artifacts/oidc-provider.log".into(),
        ));
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
                "the server exited during start-up ({status}); see end2end/artifacts/server.log"
            )));
        }
        if http_status(port, "/readyz") == Some(200) {
            return Ok(());
        }
        // Fine enough to time a start-up of well under a second (`bench catalog`).
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(Error::Failed(
        "the server did not become ready within 60 s; see end2end/artifacts/server.log".into(),
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
