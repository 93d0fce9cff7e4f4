//! CLI subcommands of the server binary: operator tasks that need the same database
//! and the same domain code as the portal.

use std::process::ExitCode;

use anyhow::Context;
use parkway_core::{
    audit::{self, ChainHead, HeadCheck},
    identity::{
        Action,
        role_mappings::parse_role,
        tokens::{self, NewToken, Owner},
    },
};

use crate::{apply_migrations, config::DbConfig, connect};

/// `parkway migrate`: as the owner (`PARKWAY_MIGRATE_DATABASE_URL`) when set, then
/// grants the `DATABASE_URL` role its runtime privileges.
pub async fn migrate(db: &DbConfig) -> anyhow::Result<ExitCode> {
    if apply_migrations(db).await? {
        println!(
            "migrations applied as the owner; the runtime role may only read and append the audit trail"
        );
    } else {
        println!("migrations applied");
        eprintln!(
            "note: migrated over DATABASE_URL, so the role Parkway serves with owns the audit trail and could rewrite it; \
             see the README (Database roles) for PARKWAY_MIGRATE_DATABASE_URL"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `parkway audit verify [--expect-head ID:HASH]`: exit 0 when every row verifies
/// (and the expected head is still there), 1 naming every problem otherwise.
pub async fn audit_verify(db: &DbConfig, expect_head: Option<ChainHead>) -> anyhow::Result<ExitCode> {
    let pool = connect(db).await?;
    let verification = audit::verify_against(&pool, expect_head)
        .await
        .context("could not read the audit log")?;
    for broken in &verification.breaks {
        eprintln!("audit chain BROKEN: {broken}");
    }
    match verification.expected {
        Some((head, HeadCheck::Missing)) => eprintln!(
            "audit chain TRUNCATED: the expected head {head} is gone (the newest row is now {}); rows were removed from the end",
            verification.head.id
        ),
        Some((head, HeadCheck::Rewritten)) => eprintln!(
            "audit chain REWRITTEN: row {} no longer has the expected hash {}; the trail was replaced from there",
            head.id,
            hex::encode(head.hash)
        ),
        Some((_, HeadCheck::Present)) | None => {}
    }
    if verification.is_intact() {
        let anchored = match verification.expected {
            Some((head, _)) => format!(", including the expected head {}", head.id),
            None => String::new(),
        };
        println!(
            "audit chain intact: {} events verified{anchored}; head {}",
            verification.rows, verification.head
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "audit chain FAILED verification: {} of {} rows broken",
            verification.breaks.len(),
            verification.rows
        );
        Ok(ExitCode::FAILURE)
    }
}

/// `parkway token create --name NAME --role ROLE [--expires 30d] [--scope ACTION]…`:
/// prints the secret once on stdout (and nothing else there, so scripts can capture it).
pub async fn token_create(
    db: &DbConfig,
    name: &str,
    role: &str,
    expires: &str,
    scopes: &[String],
) -> anyhow::Result<ExitCode> {
    let role = parse_role(role).map_err(|err| anyhow::anyhow!("{err}"))?;
    let lifetime = tokens::parse_lifetime(expires).map_err(|err| anyhow::anyhow!("{err}"))?;
    let scopes = scopes
        .iter()
        .map(|s| s.parse::<Action>().map_err(|err| anyhow::anyhow!("scope: {err}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    parkway_core::identity::users::validate_account_name(name).map_err(|err| anyhow::anyhow!("{err}"))?;
    let pool = connect(db).await?;
    let request = NewToken {
        name: format!("{name} (CLI, {})", chrono::Utc::now().format("%Y-%m-%d %H:%M:%S")),
        owner: Owner::Service {
            account: name.to_owned(),
            role,
        },
        scopes,
        lifetime,
        parent: None,
    };
    let created = tokens::create(&pool, &request, "system:cli", None)
        .await
        .map_err(|err| anyhow::anyhow!("could not create the token: {err}"))?;
    eprintln!(
        "created token {} for service account `{}` with role {} (expires {}); it is shown only now:",
        created.info.id,
        name,
        role,
        created
            .info
            .expires_at
            .map_or_else(|| "never".to_owned(), |t| t.to_rfc3339()),
    );
    println!("{}", created.secret);
    Ok(ExitCode::SUCCESS)
}

/// `parkway user deactivate HANDLE`: off-boards the person with that handle. Refuses
/// (exit 1) when no person or more than one has it, or when they already are.
pub async fn user_deactivate(db: &DbConfig, handle: &str) -> anyhow::Result<ExitCode> {
    use parkway_core::identity::users;
    let pool = connect(db).await?;
    let found = users::people_with_handle(&pool, handle.trim())
        .await
        .context("could not look the person up")?;
    let id = match found.as_slice() {
        [id] => *id,
        [] => {
            eprintln!("no person has the handle `{handle}` (see the People section of /admin/roles)");
            return Ok(ExitCode::FAILURE);
        }
        many => {
            eprintln!(
                "{} people have the handle `{handle}` (signed in through different providers); deactivate one by id: POST /api/v1/users/{{id}}/deactivate with one of {}",
                many.len(),
                many.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            return Ok(ExitCode::FAILURE);
        }
    };
    match users::deactivate(&pool, id, "system:cli", None).await {
        Ok(done) => {
            println!(
                "deactivated `{handle}`: {} sessions ended, {} API tokens revoked",
                done.sessions_ended,
                done.tokens_revoked.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(
            err
            @ (parkway_core::identity::Error::Conflict(_) | parkway_core::identity::Error::Invalid { .. }),
        ) => {
            eprintln!("{err}");
            Ok(ExitCode::FAILURE)
        }
        Err(err) => Err(anyhow::anyhow!("could not deactivate `{handle}`: {err}")),
    }
}

/// `parkway catalog import FILE…`: imports each file as its own source. Problems go to
/// stderr, one per line; the exit status is non-zero if any file was refused. A file
/// over `limit` (`PARKWAY_IMPORT_MAX_MB`) is refused before it is read.
pub async fn catalog_import(
    db: &DbConfig,
    limit: parkway_core::catalog::ImportLimit,
    files: &[std::path::PathBuf],
) -> anyhow::Result<ExitCode> {
    use parkway_core::catalog::{Error as CatalogError, store};
    let pool = connect(db).await?;
    let mut failed = false;
    for path in files {
        let name = path.display().to_string();
        let size = std::fs::metadata(path).map(|m| usize::try_from(m.len()).unwrap_or(usize::MAX));
        if let Ok(size) = size
            && let Err(err) = limit.check(&name, size)
        {
            eprintln!("{err}");
            failed = true;
            continue;
        }
        let text = match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(err) => {
                    eprintln!("{name}: not UTF-8 text: {err}");
                    failed = true;
                    continue;
                }
            },
            Err(err) => {
                eprintln!("{name}: cannot read: {err}");
                failed = true;
                continue;
            }
        };
        match store::import(&pool, &name, &name, text, "system:cli", None).await {
            Ok(outcome) => eprintln!(
                "{name}: {} created, {} updated, {} unchanged, {} orphaned",
                outcome.created.len(),
                outcome.updated.len(),
                outcome.unchanged,
                outcome.orphaned.len()
            ),
            Err(CatalogError::Invalid { file, problems }) => {
                for problem in &problems {
                    eprintln!("{}", problem.render(&file));
                }
                eprintln!(
                    "{file}: refused ({} problems); nothing from it was imported",
                    problems.len()
                );
                failed = true;
            }
            Err(other) => return Err(anyhow::anyhow!("{name}: {other}")),
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Reads one file for an import: within the limit, UTF-8.
fn read_text(path: &std::path::Path, limit: parkway_core::catalog::ImportLimit) -> Result<String, String> {
    let name = path.display().to_string();
    let size = std::fs::metadata(path).map(|m| usize::try_from(m.len()).unwrap_or(usize::MAX));
    if let Ok(size) = size
        && let Err(err) = limit.check(&name, size)
    {
        return Err(err.to_string());
    }
    let bytes = std::fs::read(path).map_err(|err| format!("{name}: cannot read: {err}"))?;
    String::from_utf8(bytes).map_err(|err| format!("{name}: not UTF-8 text: {err}"))
}

/// `parkway guardrails import [--publish] FILE…`: all files in one transaction.
pub async fn guardrails_import(
    db: &DbConfig,
    limit: parkway_core::catalog::ImportLimit,
    files: &[std::path::PathBuf],
    publish: bool,
) -> anyhow::Result<ExitCode> {
    use parkway_core::guardrails::{Error as GuardrailsError, review::Person, store};
    let mut texts = Vec::with_capacity(files.len());
    for path in files {
        match read_text(path, limit) {
            Ok(text) => texts.push((path.display().to_string(), text)),
            Err(err) => {
                eprintln!("{err}; nothing was imported");
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    let pool = connect(db).await?;
    let operator = Person {
        id: None,
        actor: "system:cli".into(),
    };
    let borrowed: Vec<(&str, &str)> = texts.iter().map(|(f, t)| (f.as_str(), t.as_str())).collect();
    match store::import(&pool, &borrowed, &operator, store::May::ALL, None).await {
        Ok(outcome) => {
            eprintln!(
                "{} guardrail draft{} ({}), {} threat{} saved, {} unchanged",
                outcome.drafted.len(),
                if outcome.drafted.len() == 1 { "" } else { "s" },
                outcome.drafted.join(", "),
                outcome.threats_saved.len(),
                if outcome.threats_saved.len() == 1 { "" } else { "s" },
                outcome.unchanged.len()
            );
            if publish {
                let published =
                    store::publish_as_operator(&pool, &operator, &outcome.drafted_versions).await?;
                eprintln!(
                    "published by the operator without review: {}",
                    published.join(", ")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(GuardrailsError::Invalid { file, problems }) => {
            for problem in &problems {
                eprintln!("{}", problem.render(&file));
            }
            eprintln!(
                "{file}: {} problem{}; nothing was imported",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            );
            Ok(ExitCode::FAILURE)
        }
        Err(err) => {
            eprintln!("{err}; nothing was imported");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `parkway guardrails export`: the published set and the register, to stdout.
/// `parkway tenants cluster-roles`: the tier ClusterRoles as YAML documents.
pub async fn tenants_cluster_roles(db: &DbConfig) -> anyhow::Result<ExitCode> {
    let pool = connect(db).await?;
    let mut conn = pool.acquire().await?;
    let tiers = parkway_core::onboarding::store::tier_rules(&mut conn).await?;
    let documents: Vec<String> = tiers
        .iter()
        .map(|(t, _)| {
            parkway_core::onboarding::manifests::to_yaml(
                &parkway_core::onboarding::manifests::tier_cluster_role(&t.tier, t.rule.pod_exec),
            )
        })
        .collect();
    print!("{}", documents.join("---\n"));
    Ok(ExitCode::SUCCESS)
}

/// `parkway scorecards demo`: the demo company's delivery history, once.
pub async fn scorecards_demo(
    db: &DbConfig,
    days: u32,
    settings: parkway_core::scorecards::Settings,
) -> anyhow::Result<ExitCode> {
    let pool = connect(db).await?;
    match parkway_core::scorecards::demo::load(&pool, days, settings.link_window_seconds).await? {
        (0, 0) => eprintln!("delivery events are stored already: the demo history was not loaded"),
        (deployments, incidents) => {
            eprintln!("loaded {deployments} deployments and {incidents} incidents over {days} days")
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn guardrails_export(db: &DbConfig) -> anyhow::Result<ExitCode> {
    let pool = connect(db).await?;
    print!("{}", parkway_core::guardrails::store::export(&pool).await?);
    Ok(ExitCode::SUCCESS)
}

/// What `parkway evidence export` was asked for.
pub struct EvidenceAsk<'a> {
    pub business_unit: Option<&'a str>,
    pub from: &'a str,
    pub to: &'a str,
    pub output: Option<&'a std::path::Path>,
}

/// The configured audit key; evidence is worthless signed with a key that dies
/// with the process.
fn configured_key(args: &crate::config::AuditArgs) -> anyhow::Result<audit::AuditKey> {
    let secret = args.audit_key.as_ref().ok_or_else(|| {
        anyhow::anyhow!("PARKWAY_AUDIT_KEY must be set: evidence packs are signed and checked with it")
    })?;
    audit::AuditKey::new(secret.expose()).map_err(|reason| anyhow::anyhow!(reason))
}

/// `parkway evidence export --business-unit REF --from DATE --to DATE [--output FILE]`.
pub async fn evidence_export(
    db: &DbConfig,
    audit_args: &crate::config::AuditArgs,
    ask: &EvidenceAsk<'_>,
) -> anyhow::Result<ExitCode> {
    use parkway_core::evidence::ops::{self, Ask};
    let key = configured_key(audit_args)?;
    let pool = connect(db).await?;
    let request = Ask {
        business_unit: ask.business_unit,
        from: Some(ask.from),
        to: Some(ask.to),
    };
    let mut pack = ops::export_as_operator(&pool, &key, &request)
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    // Like `guardrails export`, the pack goes to standard output when that is a pipe
    // or a file (`… > pack.zip`); never as binary onto a terminal.
    let to_stdout = match ask.output {
        Some(path) => path.as_os_str() == "-",
        None => !std::io::IsTerminal::is_terminal(&std::io::stdout()),
    };
    let path = ask.output.map_or_else(
        || std::path::PathBuf::from(&pack.filename),
        std::path::Path::to_path_buf,
    );
    if to_stdout {
        std::io::copy(&mut pack.archive.file, &mut std::io::stdout().lock())?;
    } else {
        let mut out =
            std::fs::File::create(&path).with_context(|| format!("could not create {}", path.display()))?;
        std::io::copy(&mut pack.archive.file, &mut out)?;
    }
    let held = pack.summary.controls.iter().filter(|c| c.held).count();
    eprintln!(
        "wrote {} ({} bytes, {} files) for {} from {} to {}; {held} of {} controls held, {} audit events",
        if to_stdout {
            "the pack to standard output".to_owned()
        } else {
            path.display().to_string()
        },
        pack.archive.bytes,
        pack.summary.files.len(),
        pack.summary.scope,
        pack.summary.from,
        pack.summary.to,
        pack.summary.controls.len(),
        pack.summary.chain.events_in_period,
    );
    for control in pack.summary.controls.iter().filter(|c| !c.held) {
        eprintln!(
            "  exception: {} ({} rows)",
            control.title, control.exceptions_total
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `parkway evidence verify PACK.zip`: exit 0 when everything matches, 1 naming the
/// first file or row that does not.
pub fn evidence_verify(
    audit_args: &crate::config::AuditArgs,
    pack: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let key = configured_key(audit_args)?;
    let file = std::fs::File::open(pack).with_context(|| format!("could not open {}", pack.display()))?;
    match parkway_core::evidence::verify::verify(std::io::BufReader::new(file), &key) {
        Ok(ok) => {
            let m = &ok.manifest;
            println!(
                "evidence pack intact: {} files match their SHA-256, the manifest and chain head signatures hold, {} audit events re-verified up to head {}; {} from {} to {}, exported by {} at {}",
                m.files.len(),
                ok.events,
                ok.head,
                m.parameters.business_unit,
                m.parameters.from,
                m.parameters.to,
                m.exported_by,
                m.exported_at.to_rfc3339(),
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(mismatch) => {
            eprintln!("evidence pack FAILED verification: {mismatch}");
            Ok(ExitCode::FAILURE)
        }
    }
}
