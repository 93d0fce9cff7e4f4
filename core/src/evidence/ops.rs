//! Evidence use cases, shared by the page, the REST API and the CLI: authorize, read
//! the parameters, write every file (or only count them, for the summary), sign, and
//! audit the export.

use chrono::{Days, Utc};
use parkway_types::{
    EntityKind, EntityRef,
    url::encode,
    views::evidence::{ChainSummary, ControlResult, EvidenceChoices, EvidenceSummary, PackFile, UnitChoice},
};
use serde::Serialize;
use serde_json::json;
use sqlx::PgPool;

use super::{
    Error, Result, collect,
    model::{Controls, FORMAT, Manifest, Parameters, Period, Scope, files},
    pack::{Archive, PackWriter},
    sample,
};
use crate::{
    Ctx, Services,
    audit::{self, AuditKey},
    identity::{Action, Resource},
};

/// A pack ready to send: the archive (at its start), its file name and its summary.
#[derive(Debug)]
pub struct Pack {
    pub archive: Archive,
    pub filename: String,
    pub summary: EvidenceSummary,
    /// SHA-256 of `manifest.json`: what the audit event records, so the pack handed
    /// out can be recognised later.
    pub manifest_sha256: String,
}

/// What the form offers: every business unit in the catalog and the last 90 days.
pub async fn choices(ctx: &Ctx) -> Result<EvidenceChoices> {
    ctx.authorize(Action::ExportEvidence, Resource::Evidence)?;
    let rows = sqlx::query!(
        "select key, coalesce(title, name) as \"label!\" from catalog_entities
         where kind = 'group' and spec_type = 'business-unit' and orphaned_at is null
         order by 2, key"
    )
    .fetch_all(ctx.pool())
    .await?;
    let today = Utc::now().date_naive();
    Ok(EvidenceChoices {
        units: std::iter::once(UnitChoice {
            value: String::new(),
            label: "Whole enterprise".into(),
        })
        .chain(rows.into_iter().map(|r| UnitChoice {
            value: r.key,
            label: r.label,
        }))
        .collect(),
        default_from: (today - Days::new(89)).to_string(),
        default_to: today.to_string(),
    })
}

/// The parameters as a form or a query gives them.
#[derive(Debug, Clone, Default)]
pub struct Ask<'a> {
    /// A business unit's reference (`payments`, `group:default/payments`); none,
    /// blank or `enterprise` for the whole enterprise.
    pub business_unit: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
}

/// The pack's summary, computed by writing every file into nothing (the same rows,
/// hashes and controls as the archive). Audited as `evidence.view`.
pub async fn summary(ctx: &Ctx, key: &AuditKey, ask: &Ask<'_>) -> Result<EvidenceSummary> {
    ctx.authorize(Action::ExportEvidence, Resource::Evidence)?;
    let job = Job::new(ctx.pool(), Some(&ctx.services), key, ask, ctx.actor()).await?;
    let (scope, period) = (&job.scope, job.period);
    let (summary, _, _) = build(&job, PackWriter::counting()).await?;
    let event = ctx
        .audit_event("evidence.view", format!("evidence:{}", scope.name()))
        .with_payload(json!({ "business_unit": scope.name(), "from": period.from, "to": period.to }));
    audit::append(ctx.pool(), &event).await?;
    Ok(summary)
}

/// The pack as a zip archive. Audited as `evidence.export` with the manifest's hash.
pub async fn export(ctx: &Ctx, key: &AuditKey, ask: &Ask<'_>) -> Result<Pack> {
    ctx.authorize(Action::ExportEvidence, Resource::Evidence)?;
    let job = Job::new(ctx.pool(), Some(&ctx.services), key, ask, ctx.actor()).await?;
    let pack = write(&job).await?;
    audit_export(ctx.pool(), ctx.audit_event("", ""), &job.scope, job.period, &pack).await?;
    Ok(pack)
}

/// [`export`] for the operator's CLI (`system:cli`): no caller to authorize, no live
/// clusters to sample (the stored daily samples are used).
pub async fn export_as_operator(pool: &PgPool, key: &AuditKey, ask: &Ask<'_>) -> Result<Pack> {
    let job = Job::new(pool, None, key, ask, "system:cli".to_owned()).await?;
    let pack = write(&job).await?;
    let base = audit::NewAuditEvent::new(&job.actor, "", "");
    audit_export(pool, base, &job.scope, job.period, &pack).await?;
    Ok(pack)
}

/// One pack to make: where from, signed with what, of what, by whom.
struct Job<'a> {
    pool: &'a PgPool,
    /// The replica's services (to sample today's coverage first); none for the CLI.
    services: Option<&'a Services>,
    key: &'a AuditKey,
    scope: Scope,
    title: String,
    period: Period,
    actor: String,
}

impl<'a> Job<'a> {
    async fn new(
        pool: &'a PgPool,
        services: Option<&'a Services>,
        key: &'a AuditKey,
        ask: &Ask<'_>,
        actor: String,
    ) -> Result<Self> {
        let (scope, title, period) = parameters(pool, ask).await?;
        Ok(Self {
            pool,
            services,
            key,
            scope,
            title,
            period,
            actor,
        })
    }
}

async fn write(job: &Job<'_>) -> Result<Pack> {
    let (scope, period) = (&job.scope, job.period);
    let (summary, archive, manifest_sha256) = build(job, PackWriter::zip()?).await?;
    let archive = archive.ok_or_else(|| Error::Io(std::io::Error::other("no archive was written")))?;
    let name = match scope {
        Scope::Enterprise => "enterprise".to_owned(),
        Scope::Unit(key) => EntityRef::parse_key(key).map_or_else(|_| "unit".to_owned(), |r| r.name),
    };
    Ok(Pack {
        archive,
        filename: format!("parkway-evidence-{name}-{}-{}.zip", period.from, period.to),
        summary,
        manifest_sha256,
    })
}

async fn audit_export(
    pool: &PgPool,
    base: audit::NewAuditEvent,
    scope: &Scope,
    period: Period,
    pack: &Pack,
) -> Result<()> {
    let event = audit::NewAuditEvent {
        action: "evidence.export".into(),
        target: format!("evidence:{}", scope.name()),
        payload: json!({
            "business_unit": scope.name(),
            "from": period.from,
            "to": period.to,
            "files": pack.summary.files.len(),
            "bytes": pack.archive.bytes,
            "manifest_sha256": pack.manifest_sha256,
        }),
        ..base
    };
    audit::append(pool, &event).await?;
    Ok(())
}

/// Resolves the scope and checks the period.
async fn parameters(pool: &PgPool, ask: &Ask<'_>) -> Result<(Scope, String, Period)> {
    let period = Period::parse(ask.from, ask.to)?;
    let unit = ask
        .business_unit
        .map(str::trim)
        .filter(|u| !u.is_empty() && !u.eq_ignore_ascii_case("enterprise"));
    let Some(unit) = unit else {
        return Ok((Scope::Enterprise, "Whole enterprise".into(), period));
    };
    let r =
        EntityRef::parse(unit, Some(EntityKind::Group), parkway_types::DEFAULT_NAMESPACE).map_err(|e| {
            Error::Field {
                field: "business_unit",
                reason: e.to_string(),
            }
        })?;
    if r.kind != EntityKind::Group {
        return Err(Error::Field {
            field: "business_unit",
            reason: format!("`{unit}` is a {}, not a business unit (a Group)", r.kind),
        });
    }
    let key = r.key();
    let found = sqlx::query!(
        "select coalesce(title, name) as \"title!\", spec_type from catalog_entities
         where key = $1 and orphaned_at is null",
        key
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| Error::NotFound(format!("business unit {key}")))?;
    if found.spec_type.as_deref() != Some("business-unit") {
        return Err(Error::Field {
            field: "business_unit",
            reason: format!(
                "{key} is a group of type `{}`, not a business unit (spec.type: business-unit)",
                found.spec_type.as_deref().unwrap_or("none")
            ),
        });
    }
    Ok((Scope::Unit(key), found.title, period))
}

/// `summary.json`: what the summary page shows, inside the pack it describes.
#[derive(Serialize)]
struct SummaryFile<'a> {
    parameters: &'a Parameters,
    controls: &'a [ControlResult],
    chain: &'a ChainSummary,
}

/// Packs a replica assembles at once; more wait their turn. Each is CPU and I/O bound
/// and holds a connection, a page of the chain and the zip's buffers, so queueing
/// keeps memory flat under a burst of exports without making any slower overall.
const AT_ONCE: usize = 2;
static BUILDS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(AT_ONCE);

/// Writes every file in order, then the summary and the signed manifest. With the
/// replica's services, today's coverage sample is taken first.
async fn build(job: &Job<'_>, mut pack: PackWriter) -> Result<(EvidenceSummary, Option<Archive>, String)> {
    let _turn = BUILDS
        .acquire()
        .await
        .map_err(|_| Error::Io(std::io::Error::other("the evidence queue is closed")))?;
    let (pool, key, scope, period) = (job.pool, job.key, &job.scope, job.period);
    if let Some(services) = job.services {
        sample::sample(services).await?;
    }
    let verification = audit::verify(pool).await?;
    let req = collect::Request {
        scope,
        period,
        head_id: verification.head.id,
    };
    let mut controls = Controls::default();
    collect::access(pool, &req, &mut pack, &mut controls).await?;
    collect::guardrails(pool, &req, &mut pack, &mut controls).await?;
    collect::changes(pool, &req, &mut pack, &mut controls).await?;
    collect::tenants(pool, &req, &mut pack, &mut controls).await?;
    collect::coverage(pool, &req, &mut pack, &mut controls).await?;
    collect::delivery(pool, &req, &mut pack).await?;
    let chain = collect::audit_trail(pool, &req, &verification, key, &mut pack, &mut controls).await?;
    let controls = controls.into_results();
    let parameters = Parameters {
        business_unit: scope.name().to_owned(),
        from: period.from,
        to: period.to,
    };
    pack.begin(files::SUMMARY).await?;
    let summary_file = SummaryFile {
        parameters: &parameters,
        controls: &controls,
        chain: &chain,
    };
    pack.row(serde_json::to_string_pretty(&summary_file)?.as_bytes())
        .await?;
    pack.end().await?;
    let mut manifest = Manifest {
        format: FORMAT.to_owned(),
        parameters,
        exported_by: job.actor.clone(),
        exported_at: Utc::now(),
        key: if key.is_ephemeral() {
            "ephemeral"
        } else {
            "configured"
        }
        .to_owned(),
        files: pack.files().to_vec(),
        signature: String::new(),
    };
    manifest.sign(key);
    pack.begin(files::MANIFEST).await?;
    pack.row(serde_json::to_string_pretty(&manifest)?.as_bytes())
        .await?;
    let (written, archive) = pack.finish().await?;
    let manifest_sha256 = written
        .iter()
        .find(|f| f.path == files::MANIFEST)
        .map(|f| f.sha256.clone())
        .unwrap_or_default();
    let mut download = format!("/api/v1/evidence?from={}&to={}", period.from, period.to);
    if let Some(unit) = scope.unit() {
        download.push_str(&format!("&business_unit={}", encode(unit)));
    }
    let summary = EvidenceSummary {
        scope: scope.name().to_owned(),
        scope_title: job.title.clone(),
        from: period.from.to_string(),
        to: period.to.to_string(),
        files: written
            .into_iter()
            .map(|f| PackFile {
                path: f.path,
                rows: f.rows,
                bytes: f.bytes,
            })
            .collect(),
        controls,
        chain,
        download,
        ephemeral_key: key.is_ephemeral(),
    };
    Ok((summary, archive, manifest_sha256))
}
