//! Evidence packs against a real Postgres: exported by an allowed caller, verified
//! away from Parkway, and every file's tampering named; the controls point at the
//! rows behind their exceptions; refusals and bad parameters write nothing.

use std::io::{Cursor, Read, Write};

use chrono::Utc;
use parkway_core::{
    Ctx, Services,
    audit::AuditKey,
    catalog,
    evidence::{
        self,
        model::files,
        ops::{Ask, Pack},
        verify::{Mismatch, verify},
    },
    guardrails::{review::Person, store as guardrails_store},
    identity::{Principal, PrincipalKind, Role},
};
use sqlx::PgPool;
use uuid::Uuid;

const ORG: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: payments, title: Payments}
spec: {type: business-unit, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: checkout}
spec: {type: team, parent: payments, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: pay-api}
spec: {type: service, lifecycle: production, owner: checkout}
";

const THREATS: &str = include_str!("../../demo/guardrails/threats.yaml");
const GUARDRAILS: &str = include_str!("../../demo/guardrails/guardrails.yaml");

fn key() -> AuditKey {
    AuditKey::new("an-evidence-test-key-of-32-bytes!").expect("long enough")
}

fn person(handle: &str, roles: &[Role]) -> Principal {
    Principal {
        user_id: Uuid::new_v4(),
        kind: PrincipalKind::Person,
        handle: handle.to_owned(),
        display_name: handle.to_owned(),
        roles: roles.iter().copied().collect(),
        scopes: None,
        groups: vec![],
        teams: vec![],
        token: None,
    }
}

fn as_caller(pool: &PgPool, who: &Principal) -> Ctx {
    Ctx::new(
        Services::new(pool.clone(), Default::default()),
        Some(who.clone()),
        Some("req-e".into()),
    )
}

fn today() -> String {
    Utc::now().date_naive().to_string()
}

fn ask<'a>(unit: Option<&'a str>, from: &'a str, to: &'a str) -> Ask<'a> {
    Ask {
        business_unit: unit,
        from: Some(from),
        to: Some(to),
    }
}

/// A small company with one business unit, the demo guardrails published by the
/// operator (no second approver), a production tenant whose namespace was applied
/// with `baseline`, and an audit-only sample in a production cluster.
async fn seed(pool: &PgPool) -> Ctx {
    let admin = person("pat@example.com", &[Role::PlatformAdmin]);
    catalog::ops::import(&as_caller(pool, &admin), "org.yaml", ORG)
        .await
        .expect("imports the catalog");
    let operator = Person {
        id: None,
        actor: "system:cli".into(),
    };
    let outcome = guardrails_store::import(
        pool,
        &[("threats.yaml", THREATS), ("guardrails.yaml", GUARDRAILS)],
        &operator,
        guardrails_store::May::ALL,
        None,
    )
    .await
    .expect("imports the guardrails");
    guardrails_store::publish_as_operator(pool, &operator, &outcome.drafted_versions)
        .await
        .expect("publishes");
    sqlx::query(
        "insert into tenants (name, team, business_unit, tier, environments, quotas, approver, tier_rule_version,
                              state, requested_by, asked_by)
         values ('pay-prod', 'group:default/checkout', 'group:default/payments', 'internal', '{prod}', '{}',
                 'auto', 1, 'active', 'user:dana', 'user:dana')",
    )
    .execute(pool)
    .await
    .expect("a tenant");
    sqlx::query(
        r#"insert into tenant_steps (tenant, cluster, position, op, kind, api_version, name, manifest, state, applied_at)
           values ('pay-prod', 'prod-eu', 0, 'apply', 'Namespace', 'v1', 'pay-prod',
                   '{"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "baseline"}}}', 'applied', now())"#,
    )
    .execute(pool)
    .await
    .expect("its namespace step");
    sqlx::query(
        "insert into coverage_samples (day, guardrail, cluster, environment, mode, workloads, enforced, pass, fail, unknown)
         values (current_date, 1, 'prod-eu', 'prod', 'audit', 10, 0, 7, 3, 0),
                (current_date, 1, 'dev-eu', 'dev', 'enforce', 4, 4, 4, 0, 0)",
    )
    .execute(pool)
    .await
    .expect("coverage samples");
    as_caller(pool, &person("lee@example.com", &[Role::Leader]))
}

async fn export(ctx: &Ctx, unit: Option<&str>) -> Pack {
    let day = today();
    evidence::ops::export(ctx, &key(), &ask(unit, &day, &day))
        .await
        .expect("exports")
}

fn entries(pack: &mut Pack) -> Vec<(String, Vec<u8>)> {
    use std::io::{Seek, SeekFrom};
    pack.archive.file.seek(SeekFrom::Start(0)).expect("rewinds");
    let mut zip = zip::ZipArchive::new(&pack.archive.file).expect("a zip");
    (0..zip.len())
        .map(|i| {
            let mut file = zip.by_index(i).expect("an entry");
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).expect("reads");
            (file.name().expect("a name").into_owned(), bytes)
        })
        .collect()
}

fn zipped(entries: &[(String, Vec<u8>)]) -> Cursor<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .expect("starts");
        zip.write_all(bytes).expect("writes");
    }
    let mut out = zip.finish().expect("finishes");
    out.set_position(0);
    out
}

fn text_of<'a>(entries: &'a [(String, Vec<u8>)], name: &str) -> &'a str {
    let (_, bytes) = entries.iter().find(|(n, _)| n == name).expect("in the pack");
    std::str::from_utf8(bytes).expect("utf-8")
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_pack_verifies_and_an_edited_byte_in_any_file_is_named(pool: PgPool) {
    let ctx = seed(&pool).await;
    let mut pack = export(&ctx, Some("payments")).await;
    assert!(
        pack.filename.starts_with("parkway-evidence-payments-"),
        "{}",
        pack.filename
    );
    let entries = entries(&mut pack);
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        files::ACCESS,
        files::GUARDRAIL_INDEX,
        files::CHANGES,
        files::TENANTS,
        files::COVERAGE,
        files::DELIVERY,
        files::AUDIT,
        files::CHAIN,
        files::SUMMARY,
        files::MANIFEST,
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    assert!(
        names.iter().any(|n| n.starts_with("guardrails/GR-001-v1.yaml")),
        "every guardrail in force as YAML: {names:?}"
    );
    let verified = verify(zipped(&entries), &key()).expect("an untouched pack verifies");
    assert_eq!(verified.manifest.exported_by, "user:lee@example.com");
    assert_eq!(
        verified.manifest.parameters.business_unit,
        "group:default/payments"
    );
    assert!(
        verified.events > 0,
        "the period's audit events are in the extract"
    );

    for (i, (name, bytes)) in entries.iter().enumerate() {
        let mut edited = entries.clone();
        let at = bytes.len() / 2;
        edited[i].1[at] ^= 0x01;
        let err: Mismatch = verify(zipped(&edited), &key()).expect_err("tampered");
        assert_eq!(&err.file, name, "editing {name} at byte {at}: {err}");
    }
    let other_key = AuditKey::new(&"x".repeat(32)).expect("key");
    let err = verify(zipped(&entries), &other_key).expect_err("another key");
    assert_eq!(err.file, files::MANIFEST, "{err}");

    let mut extra = entries.clone();
    extra.push(("notes.txt".into(), b"slipped in".to_vec()));
    assert_eq!(
        verify(zipped(&extra), &key()).expect_err("an extra file").file,
        "notes.txt"
    );
    let missing: Vec<_> = entries
        .iter()
        .filter(|(n, _)| n != files::COVERAGE)
        .cloned()
        .collect();
    assert_eq!(
        verify(zipped(&missing), &key()).expect_err("a missing file").file,
        files::COVERAGE
    );

    let audited: Vec<(String, String)> =
        sqlx::query_as("select actor, target from audit_events where action = 'evidence.export'")
            .fetch_all(&pool)
            .await
            .expect("reads");
    assert_eq!(
        audited,
        [(
            "user:lee@example.com".to_owned(),
            "evidence:group:default/payments".to_owned()
        )]
    );
}

/// Someone holding the key rewrites an audit event and re-signs the manifest: the
/// chain extract still gives them away, naming the line.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_rewritten_audit_event_is_named_even_under_a_re_signed_manifest(pool: PgPool) {
    let ctx = seed(&pool).await;
    let mut pack = export(&ctx, None).await;
    let mut entries = entries(&mut pack);
    let audit = text_of(&entries, files::AUDIT).to_owned();
    let lines: Vec<&str> = audit.lines().collect();
    assert!(lines.len() > 3, "the enterprise pack holds the period's events");
    let forged = lines[2].replacen("\"actor\":\"", "\"actor\":\"x", 1);
    assert_ne!(forged, lines[2]);
    let mut rewritten: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    rewritten[2] = forged;
    let new_audit = format!("{}\n", rewritten.join("\n"));
    let mut manifest: evidence::model::Manifest =
        serde_json::from_str(text_of(&entries, files::MANIFEST)).expect("a manifest");
    for f in &mut manifest.files {
        if f.path == files::AUDIT {
            f.sha256 = evidence::model::sha256_hex(new_audit.as_bytes());
            f.bytes = new_audit.len() as u64;
        }
    }
    manifest.sign(&key());
    for (name, bytes) in &mut entries {
        if name == files::AUDIT {
            *bytes = new_audit.clone().into_bytes();
        }
        if name == files::MANIFEST {
            *bytes = serde_json::to_vec_pretty(&manifest).expect("json");
        }
    }
    let err = verify(zipped(&entries), &key()).expect_err("a forged event");
    assert_eq!((err.file.as_str(), err.line), (files::AUDIT, Some(3)), "{err}");
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn controls_point_at_the_rows_behind_their_exceptions(pool: PgPool) {
    let ctx = seed(&pool).await;
    let mut pack = export(&ctx, Some("group:default/payments")).await;
    let entries = entries(&mut pack);
    let control = |id: &str| {
        pack.summary
            .controls
            .iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("control {id}"))
            .clone()
    };
    let line_of = |file: &str, line: u64| -> String {
        text_of(&entries, file)
            .split("\r\n")
            .nth(usize::try_from(line).expect("small") - 1)
            .expect("the line exists")
            .to_owned()
    };

    let second = control("second-approver");
    assert!(!second.held, "the operator published without review");
    assert!(second.checked >= 1 && second.exceptions_total == second.checked);
    let first = &second.exceptions[0];
    assert_eq!(first.file, files::GUARDRAIL_INDEX);
    assert!(
        line_of(&first.file, first.line).starts_with("GR-001,1,"),
        "{first:?}"
    );
    assert_eq!(first.href.as_deref(), Some("/guardrails/GR-001"));

    let psa = control("psa-restricted");
    assert!(!psa.held);
    assert_eq!((psa.checked, psa.exceptions_total), (1, 1));
    let row = &psa.exceptions[0];
    assert!(line_of(&row.file, row.line).starts_with("pay-prod,"), "{row:?}");
    assert!(row.what.contains("baseline"), "{row:?}");

    let coverage = control("coverage-enforced");
    assert_eq!(
        (coverage.held, coverage.checked, coverage.exceptions_total),
        (false, 1, 1),
        "only production samples count"
    );
    let row = &coverage.exceptions[0];
    assert!(
        line_of(&row.file, row.line).contains(",prod-eu,prod,audit,"),
        "{row:?}"
    );

    assert!(control("chain-intact").held);
    assert!(
        control("tenant-decisions").held,
        "nothing was decided in this period"
    );

    let summary: serde_json::Value =
        serde_json::from_str(text_of(&entries, files::SUMMARY)).expect("summary.json");
    assert_eq!(
        summary["controls"].as_array().map(Vec::len),
        Some(pack.summary.controls.len()),
        "the pack carries the summary the page shows"
    );
    let tenants = text_of(&entries, files::TENANTS);
    assert!(tenants.contains("pay-prod"), "the unit's tenant is in its pack");
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn refusals_and_bad_parameters_write_nothing(pool: PgPool) {
    let leader = seed(&pool).await;
    let day = today();
    let developer = as_caller(&pool, &person("dana@example.com", &[Role::Developer]));
    let err = evidence::ops::export(&developer, &key(), &ask(None, &day, &day))
        .await
        .expect_err("a developer may not");
    assert!(matches!(err, evidence::Error::Denied(_)), "{err}");
    let cases: [(Ask<'_>, &str); 6] = [
        (ask(None, "2026-02-30", &day), "from"),
        (ask(None, &day, "yesterday"), "to"),
        (
            Ask {
                business_unit: None,
                from: None,
                to: Some(&day),
            },
            "from",
        ),
        (ask(None, "2024-01-01", "2025-06-01"), "from"),
        (ask(Some("checkout"), &day, &day), "business_unit"),
        (ask(Some("component:pay-api"), &day, &day), "business_unit"),
    ];
    for (asked, field) in cases {
        let err = evidence::ops::export(&leader, &key(), &asked)
            .await
            .expect_err("refused");
        let failure = parkway_core::Failure::from(err);
        assert_eq!(failure.field.as_deref(), Some(field), "{failure}");
        assert_eq!(failure.status(), 400, "{failure}");
    }
    let err = evidence::ops::export(&leader, &key(), &ask(Some("nowhere"), &day, &day))
        .await
        .expect_err("unknown unit");
    assert_eq!(parkway_core::Failure::from(err).status(), 404);
    let written: i64 = sqlx::query_scalar("select count(*) from audit_events where action like 'evidence.%'")
        .fetch_one(&pool)
        .await
        .expect("counts");
    assert_eq!(written, 0, "nothing refused was audited as an export");
}
