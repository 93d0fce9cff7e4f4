//! The REST API against its own OpenAPI document: schemathesis (PyPI) generates
//! requests for every operation from `/api/v1/openapi.json` and checks that none is
//! answered with a server error and every answer matches the documented schema.
//!
//! It runs against the built server on a free port and its own fresh database
//! (`parkway_schemathesis`, with the demo catalog imported), so the entities, tokens
//! and mappings it creates, replaces or removes never touch the browser tests' data.
//! It calls with a platform-admin API token minted by `parkway token create`, so
//! every operation is reachable.

use std::{
    fs,
    path::Path,
    process::{Command, Stdio},
    time::Instant,
};

use crate::{
    cmd::{self, Error, Result},
    e2e, postgres, tools,
};

const DATABASE: &str = "parkway_schemathesis";

/// Requests generated per operation and phase: about 1,350 requests in all, a minute on
/// two cores.
const MAX_EXAMPLES: &str = "40";

/// The checks that must pass: no 5xx, every answer matches its documented schema, and
/// its status and media type are documented ones.
const CHECKS: &str =
    "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance";

pub fn run(admin_url: &str, server: &Path) -> Result<()> {
    let st = tools::ensure_schemathesis()?;
    let root = cmd::root();
    let artifacts = root.join("end2end/artifacts");
    fs::create_dir_all(&artifacts).map_err(|e| Error::io("creating end2end/artifacts", e))?;
    let url = postgres::recreate_database(admin_url, DATABASE)?;
    let roles = postgres::RoleUrls::set_up(&url);
    crate::import_demo_catalog(server, &roles)?;
    cmd::step("minting a platform-admin API token for schemathesis");
    let mut mint = Command::new(server);
    roles.apply(&mut mint);
    let token = cmd::output(
        mint.args([
            "token",
            "create",
            "--name",
            "schemathesis",
            "--role",
            "platform-admin",
            "--expires",
            "1d",
        ])
        .env("PARKWAY_LOG", "warn")
        .current_dir(&root),
    )?
    .trim()
    .to_owned();
    if token.is_empty() {
        return Err(Error::Failed("`parkway token create` printed no token".into()));
    }

    let port = e2e::free_port()?;
    let log_path = artifacts.join("schemathesis-server.log");
    let log = fs::File::create(&log_path).map_err(|e| Error::io("creating the server log", e))?;
    let log_err = log
        .try_clone()
        .map_err(|e| Error::io("creating the server log", e))?;
    cmd::step(&format!("starting {} on 127.0.0.1:{port}", server.display()));
    let mut command = Command::new(server);
    roles.apply(&mut command);
    let child = command
        .env("PARKWAY_LISTEN", format!("127.0.0.1:{port}"))
        .env("PARKWAY_SITE_ROOT", root.join("target/site"))
        .env("PARKWAY_LOG_FORMAT", "json")
        // Generated requests come fast from one token: the per-token limit would
        // answer 429 to most of them and hide what the operations do.
        .env("PARKWAY_RATE_LIMIT_API", "1000000")
        .env_remove("KUBECONFIG")
        .env_remove("PARKWAY_KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("PARKWAY_OIDC_ISSUER")
        .env_remove("PARKWAY_DEV_SIGN_IN")
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .map_err(|e| Error::io("starting the server", e))?;
    let mut server = e2e::Server(child);
    e2e::wait_ready(port, &mut server.0)?;

    let base = format!("http://127.0.0.1:{port}");
    cmd::step(&format!(
        "schemathesis {} against {base}/api/v1/openapi.json ({CHECKS}, {MAX_EXAMPLES} examples per operation)",
        tools::SCHEMATHESIS_VERSION
    ));
    let started = Instant::now();
    let report = artifacts.join("schemathesis");
    let schema = format!("{base}/api/v1/openapi.json");
    let st_run = |name: &str, operations: &[&str]| {
        let mut run = Command::new(&st);
        run.args(["run", &schema])
            .args(operations)
            .args(["--checks", CHECKS])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .args(["--max-examples", MAX_EXAMPLES])
            // Reproducible: the same requests every run, so a failure can be replayed.
            .args(["--seed", "1"])
            .args(["--workers", "2"])
            .args(["--report", "junit"])
            .arg("--report-dir")
            .arg(report.join(name))
            .current_dir(&root);
        cmd::status(&mut run)
    };
    // Token revocation runs on its own: schemathesis reuses ids it reads from answers
    // (the token listing includes the run's own token), and once that one is revoked
    // every later request is a 401 that tests nothing. Alone, it only sees ids it
    // makes up, so it exercises the refusals, never the run's token.
    let revoke = "delete_api_v1_tokens_id";
    let outcome = st_run("api", &["--exclude-operation-id", revoke])
        .and_then(|()| st_run("token-revoke", &["--include-operation-id", revoke]));
    eprintln!(
        "schemathesis took {:.0} s; JUnit report in {}",
        started.elapsed().as_secs_f64(),
        report.display()
    );
    let stopped = server.stop();
    outcome.map_err(|err| Error::Failed(format!("{err}\nserver log: {}", log_path.display())))?;
    match stopped {
        Some(status) if status.success() => Ok(()),
        _ => Err(Error::Failed(format!(
            "the server did not shut down cleanly after schemathesis; see {}",
            log_path.display()
        ))),
    }
}
