//! Evidence packs through both outside doors: `GET /api/v1/evidence` and the
//! `parkway evidence export|verify` subcommands, as real processes.

use std::{
    io::{Read, Write},
    time::Duration,
};

use axum::http::StatusCode;
use parkway_core::{audit::AuditKey, evidence::verify::verify, identity::Role};
use sqlx::{
    ConnectOptions, PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};

mod common;

const KEY: &str = "0123456789abcdef0123456789abcdef-evidence";

const ORG: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: payments}
spec: {type: business-unit, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: checkout}
spec: {type: team, parent: payments, children: []}
";

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

async fn import_org(pool: &PgPool) {
    parkway_core::catalog::store::import(pool, "org.yaml", "org.yaml", ORG.to_owned(), "system:test", None)
        .await
        .expect("imports");
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn the_api_sends_a_signed_zip_to_those_allowed(pool: PgPool) {
    import_org(&pool).await;
    let app = common::app_with(pool.clone(), Duration::from_secs(30), &["--audit-key", KEY]);
    let leader = common::session_cookie(&pool, &[Role::Leader]).await;
    let day = today();
    let path = format!("/api/v1/evidence?business_unit=payments&from={day}&to={day}");
    let answer = common::get(&app, &path, Some(&leader)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.header("content-type"), "application/zip");
    assert_eq!(
        answer.header("content-disposition"),
        format!("attachment; filename=\"parkway-evidence-payments-{day}-{day}.zip\"")
    );
    assert_eq!(answer.header("content-length"), answer.bytes.len().to_string());
    let verified = verify(
        std::io::Cursor::new(answer.bytes.clone()),
        &AuditKey::new(KEY).expect("key"),
    )
    .expect("the download verifies under the configured key");
    assert_eq!(
        verified.manifest.parameters.business_unit,
        "group:default/payments"
    );
    assert_eq!(verified.manifest.key, "configured");

    let approver = common::session_cookie(&pool, &[Role::SecurityApprover]).await;
    let enterprise = format!("/api/v1/evidence?from={day}&to={day}");
    assert_eq!(
        common::get(&app, &enterprise, Some(&approver)).await.status,
        StatusCode::OK
    );

    let developer = common::session_cookie(&pool, &[Role::Developer]).await;
    let refused = common::get(&app, &enterprise, Some(&developer)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(refused.body.contains("evidence.export"), "{}", refused.body);
    assert_eq!(
        common::get(&app, &enterprise, None).await.status,
        StatusCode::UNAUTHORIZED
    );

    for (query, status, field) in [
        (format!("to={day}"), StatusCode::BAD_REQUEST, Some("from")),
        (
            format!("from={day}&to=31-12-2026"),
            StatusCode::BAD_REQUEST,
            Some("to"),
        ),
        (
            format!("from=2025-01-01&to={day}"),
            StatusCode::BAD_REQUEST,
            Some("from"),
        ),
        (
            format!("business_unit=checkout&from={day}&to={day}"),
            StatusCode::BAD_REQUEST,
            Some("business_unit"),
        ),
        (
            format!("business_unit=nowhere&from={day}&to={day}"),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            format!("unit=payments&from={day}&to={day}"),
            StatusCode::BAD_REQUEST,
            None,
        ),
    ] {
        let answer = common::get(&app, &format!("/api/v1/evidence?{query}"), Some(&leader)).await;
        assert_eq!(answer.status, status, "{query}: {}", answer.body);
        if let Some(field) = field {
            assert_eq!(answer.json()["error"]["field"], field, "{query}: {}", answer.body);
        }
    }
    let exports: i64 =
        sqlx::query_scalar("select count(*) from audit_events where action = 'evidence.export'")
            .fetch_one(&pool)
            .await
            .expect("counts");
    assert_eq!(exports, 2, "each download is audited, refusals are not exports");
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn the_cli_exports_and_verify_names_the_edited_file(options: PgPoolOptions, connect: PgConnectOptions) {
    let url = connect.to_url_lossy().to_string();
    let pool = options.connect_with(connect).await.expect("pool");
    import_org(&pool).await;
    let dir = std::env::temp_dir().join(format!("parkway-evidence-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a folder");
    let pack = dir.join("pack.zip");
    let pack_arg = pack.display().to_string();
    let day = today();
    let run = |args: &[&str], key: Option<&str>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_parkway"));
        command
            .args(args)
            .env("DATABASE_URL", &url)
            .env("PARKWAY_LOG", "warn")
            .env_remove("PARKWAY_AUDIT_KEY");
        if let Some(key) = key {
            command.env("PARKWAY_AUDIT_KEY", key);
        }
        command.output().expect("runs parkway")
    };
    let export = [
        "evidence",
        "export",
        "--business-unit",
        "group:default/payments",
        "--from",
        &day,
        "--to",
        &day,
        "--output",
        &pack_arg,
    ];
    let out = run(&export, None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("PARKWAY_AUDIT_KEY must be set"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&export, Some(KEY));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("controls held"));

    // Without --output, into a pipe: the zip on standard output.
    let piped = run(&export[..8], Some(KEY));
    assert!(
        piped.status.success(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    let verified = verify(
        std::io::Cursor::new(piped.stdout),
        &AuditKey::new(KEY).expect("key"),
    )
    .expect("the piped pack verifies");
    assert_eq!(verified.manifest.exported_by, "system:cli");

    let out = run(&["evidence", "verify", &pack_arg], Some(KEY));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("evidence pack intact"), "{stdout}");

    // One byte of access.csv changed, the archive otherwise rebuilt as it was.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&pack).expect("opens")).expect("a zip");
    let edited = dir.join("edited.zip");
    let mut out_zip = zip::ZipWriter::new(std::fs::File::create(&edited).expect("creates"));
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).expect("entry");
        let name = entry.name().expect("a name").into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("reads");
        if name == "access.csv" {
            bytes[0] ^= 0x20;
        }
        out_zip
            .start_file(name, zip::write::SimpleFileOptions::default())
            .expect("starts");
        out_zip.write_all(&bytes).expect("writes");
    }
    out_zip.finish().expect("finishes");
    let out = run(&["evidence", "verify", &edited.display().to_string()], Some(KEY));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("access.csv: its SHA-256 does not match"),
        "{stderr}"
    );

    let out = run(&["evidence", "verify", &pack_arg], Some(&"k".repeat(40)));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("manifest.json"));
    let audited: Vec<String> =
        sqlx::query_scalar("select actor from audit_events where action = 'evidence.export'")
            .fetch_all(&pool)
            .await
            .expect("reads");
    assert_eq!(audited, ["system:cli", "system:cli"]);
    let _ = std::fs::remove_dir_all(&dir);
}
