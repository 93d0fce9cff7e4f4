//! Guardrail and threat storage: versions written once, review columns moved by the
//! review's transitions, reads for the list, a guardrail's page and the register. No
//! authorization here; `ops` decides who may call what.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use parkway_types::{
    guardrails::{Decision, GuardrailId, Intent, ThreatId, ThreatStatus, VersionState},
    views::guardrails::{
        Category, GuardrailContent, GuardrailLink, GuardrailVersion, Implementation, Threat, ThreatContent,
        TierDecision, VersionReview,
    },
};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool, types::Json};

use super::{
    document::{self, Document, Known},
    error::{Error, Result},
    review::{Newest, Person, Transition},
};
use crate::{
    audit::{self, NewAuditEvent},
    catalog::yaml::{self, Limits},
};

/// Serializes numbering and review steps on guardrails (one writer at a time).
const GUARDRAILS_LOCK: i64 = 0x7061_726b_6772_6431; // "parkgrd1"

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn date(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

fn parse_date(d: Option<&String>) -> Option<NaiveDate> {
    d.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

fn number(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn unsigned(n: i32) -> u32 {
    u32::try_from(n).unwrap_or_default()
}

/// What the database knows that documents are checked against.
pub async fn known(conn: &mut PgConnection) -> Result<Known> {
    let tiers = sqlx::query_scalar!("select name from risk_tiers order by position")
        .fetch_all(&mut *conn)
        .await?;
    let categories = sqlx::query_scalar!("select slug from guardrail_categories order by position")
        .fetch_all(&mut *conn)
        .await?;
    let threats = sqlx::query_scalar!("select number from threats")
        .fetch_all(&mut *conn)
        .await?;
    Ok(Known {
        tiers,
        categories: categories.into_iter().collect(),
        threats: threats.into_iter().map(|n| ThreatId(unsigned(n))).collect(),
    })
}

/// The tiers, in order, with their titles.
pub async fn tiers(pool: &PgPool) -> Result<Vec<(String, String)>> {
    Ok(
        sqlx::query!("select name, title from risk_tiers order by position")
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|r| (r.name, r.title))
            .collect(),
    )
}

async fn category_titles(conn: &mut PgConnection) -> Result<BTreeMap<String, String>> {
    Ok(
        sqlx::query!("select slug, title from guardrail_categories order by position")
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|r| (r.slug, r.title))
            .collect(),
    )
}

/// The categories, in order: slug and title.
pub async fn categories(pool: &PgPool) -> Result<Vec<(String, String)>> {
    Ok(
        sqlx::query!("select slug, title from guardrail_categories order by position")
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|r| (r.slug, r.title))
            .collect(),
    )
}

/// The categories, in order, with how many guardrail versions name each.
pub async fn categories_in_use(pool: &PgPool) -> Result<Vec<Category>> {
    Ok(sqlx::query!(
        r#"select c.slug, c.title,
                  (select count(*) from guardrail_versions v where v.category = c.slug) as "versions!"
           from guardrail_categories c order by c.position"#
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| Category {
        slug: r.slug,
        title: r.title,
        versions: u32::try_from(r.versions).unwrap_or(u32::MAX),
    })
    .collect())
}

/// Records a category change in the audit trail, in the change's transaction.
async fn audit_category(
    tx: &mut PgConnection,
    (actor, action, slug): (&str, &str, &str),
    payload: serde_json::Value,
    request_id: Option<&str>,
) -> Result<()> {
    let mut event = NewAuditEvent::new(actor.to_owned(), action, format!("guardrail-category:{slug}"))
        .with_payload(payload);
    event.request_id = request_id.map(str::to_owned);
    audit::append(&mut *tx, &event).await?;
    Ok(())
}

/// How many guardrail versions name the category.
async fn versions_naming(tx: &mut PgConnection, slug: &str) -> Result<i64> {
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "n!" from guardrail_versions where category = $1"#,
        slug
    )
    .fetch_one(&mut *tx)
    .await?)
}

/// Adds a category at the end of the list; a slug taken is a conflict.
pub async fn add_category(
    pool: &PgPool,
    slug: &str,
    title: &str,
    actor: &str,
    request_id: Option<&str>,
) -> Result<Category> {
    let mut tx = pool.begin().await?;
    sqlx::query!("select pg_advisory_xact_lock($1)", GUARDRAILS_LOCK)
        .execute(&mut *tx)
        .await?;
    let inserted = sqlx::query!(
        "insert into guardrail_categories (slug, position, title)
         select $1, coalesce(max(position), 0) + 1, $2 from guardrail_categories
         on conflict (slug) do nothing",
        slug,
        title
    )
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(Error::Conflict(format!("the category `{slug}` exists already")));
    }
    audit_category(
        &mut tx,
        (actor, "guardrail-category.add", slug),
        serde_json::json!({ "slug": slug, "title": title }),
        request_id,
    )
    .await?;
    tx.commit().await?;
    Ok(Category {
        slug: slug.to_owned(),
        title: title.to_owned(),
        versions: 0,
    })
}

/// Gives a category a new title (documents keep its slug).
pub async fn rename_category(
    pool: &PgPool,
    slug: &str,
    title: &str,
    actor: &str,
    request_id: Option<&str>,
) -> Result<Category> {
    let mut tx = pool.begin().await?;
    let before = sqlx::query_scalar!(
        "select title from guardrail_categories where slug = $1 for update",
        slug
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::NotFound(format!("category {slug}")))?;
    sqlx::query!(
        "update guardrail_categories set title = $2 where slug = $1",
        slug,
        title
    )
    .execute(&mut *tx)
    .await?;
    let versions = versions_naming(&mut tx, slug).await?;
    audit_category(
        &mut tx,
        (actor, "guardrail-category.rename", slug),
        serde_json::json!({ "slug": slug, "before": before, "after": title }),
        request_id,
    )
    .await?;
    tx.commit().await?;
    Ok(Category {
        slug: slug.to_owned(),
        title: title.to_owned(),
        versions: u32::try_from(versions).unwrap_or(u32::MAX),
    })
}

/// Removes a category no guardrail version names (versions never change, so one that
/// is named stays for good).
pub async fn remove_category(
    pool: &PgPool,
    slug: &str,
    actor: &str,
    request_id: Option<&str>,
) -> Result<Category> {
    let mut tx = pool.begin().await?;
    sqlx::query!("select pg_advisory_xact_lock($1)", GUARDRAILS_LOCK)
        .execute(&mut *tx)
        .await?;
    let title = sqlx::query_scalar!("select title from guardrail_categories where slug = $1", slug)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::NotFound(format!("category {slug}")))?;
    let versions = versions_naming(&mut tx, slug).await?;
    if versions > 0 {
        return Err(Error::Conflict(format!(
            "{versions} guardrail version{} name `{slug}`, and versions never change: rename it instead",
            if versions == 1 { "" } else { "s" }
        )));
    }
    sqlx::query!("delete from guardrail_categories where slug = $1", slug)
        .execute(&mut *tx)
        .await?;
    audit_category(
        &mut tx,
        (actor, "guardrail-category.remove", slug),
        serde_json::json!({ "slug": slug, "title": title }),
        request_id,
    )
    .await?;
    tx.commit().await?;
    Ok(Category {
        slug: slug.to_owned(),
        title,
        versions: 0,
    })
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct GuardrailImport {
    /// Guardrails that got a new draft version: `GR-001 v3`.
    pub drafted: Vec<String>,
    /// Threats created or changed (a new version each).
    pub threats_saved: Vec<String>,
    /// Documents identical to what is stored: nothing was written for them.
    pub unchanged: Vec<String>,
    /// The drafts this import wrote, for the operator's `--publish`.
    #[serde(skip)]
    pub drafted_versions: Vec<(GuardrailId, u32)>,
}

/// What the importing caller may write.
#[derive(Debug, Clone, Copy)]
pub struct May {
    /// Draft guardrails (`guardrail.edit`).
    pub draft: bool,
    /// Record threats (`threat.edit`).
    pub record_threats: bool,
    /// Accept a threat's risk (`threat.accept`).
    pub accept: bool,
}

impl May {
    /// The CLI: the operator may do everything.
    pub const ALL: May = May {
        draft: true,
        record_threats: true,
        accept: true,
    };
}

/// Imports files of documents in one transaction, all or nothing: threats are saved,
/// guardrails become new draft versions by `author`. A guardrail may name a threat
/// from any of the files. `may_accept` says whether the author may accept a threat's
/// risk (one that was not accepted before, or until another date).
pub async fn import(
    pool: &PgPool,
    files: &[(&str, &str)],
    author: &Person,
    may: May,
    request_id: Option<&str>,
) -> Result<GuardrailImport> {
    let mut parsed = Vec::with_capacity(files.len());
    for (file, text) in files {
        let nodes = yaml::parse(text, Limits::default()).map_err(|e| Error::Invalid {
            file: (*file).to_owned(),
            problems: vec![crate::catalog::model::problem(e.pos, "(yaml)", e.reason)],
        })?;
        parsed.push((*file, nodes));
    }
    let mut tx = pool.begin().await?;
    sqlx::query!("select pg_advisory_xact_lock($1)", GUARDRAILS_LOCK)
        .execute(&mut *tx)
        .await?;
    let mut known = known(&mut tx).await?;
    known
        .threats
        .extend(parsed.iter().flat_map(|(_, nodes)| document::threat_ids(nodes)));
    let mut docs = Vec::new();
    for (file, nodes) in &parsed {
        docs.extend(document::read(nodes, &known).map_err(|problems| Error::Invalid {
            file: (*file).to_owned(),
            problems,
        })?);
    }
    if docs.is_empty() {
        return Err(Error::Field {
            field: "documents",
            reason: "there are none: expected `Guardrail` or `Threat` documents".into(),
        });
    }
    for doc in &docs {
        match doc {
            Document::Guardrail { id, .. } if !may.draft => {
                return Err(Error::Refused(format!(
                    "{id}: drafting guardrails needs the coe-editor role (guardrail.edit); nothing was imported"
                )));
            }
            Document::Threat { id, .. } if !may.record_threats => {
                return Err(Error::Refused(format!(
                    "{id}: recording threats needs the coe-editor or security-approver role (threat.edit); nothing was imported"
                )));
            }
            _ => {}
        }
    }
    let mut outcome = GuardrailImport::default();
    // Threats first: guardrails may name them.
    for doc in &docs {
        if let Document::Threat { id, content } = doc {
            match save_threat(&mut tx, *id, content, author, may.accept).await? {
                Some(version) => outcome.threats_saved.push(format!("{id} v{version}")),
                None => outcome.unchanged.push(id.to_string()),
            }
        }
    }
    for doc in &docs {
        if let Document::Guardrail { id, content, .. } = doc {
            match draft(&mut tx, *id, content, author, None).await? {
                Some(version) => {
                    outcome.drafted.push(format!("{id} v{version}"));
                    outcome.drafted_versions.push((*id, version));
                }
                None => outcome.unchanged.push(id.to_string()),
            }
        }
    }
    let names: Vec<&str> = files.iter().map(|(f, _)| *f).collect();
    let hashes: Vec<String> = files
        .iter()
        .map(|(_, t)| hex::encode(Sha256::digest(t.as_bytes())))
        .collect();
    let mut event = NewAuditEvent::new(
        author.actor.clone(),
        "guardrail.import",
        format!("guardrail-file:{}", names.join(",")),
    )
    .with_payload(serde_json::json!({
        "files": names,
        "sha256": hashes,
        "drafted": outcome.drafted,
        "threats_saved": outcome.threats_saved,
        "unchanged": outcome.unchanged,
    }));
    event.request_id = request_id.map(str::to_owned);
    audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// Saves a threat as a new version when it differs from the stored one.
async fn save_threat(
    tx: &mut PgConnection,
    id: ThreatId,
    content: &ThreatContent,
    author: &Person,
    may_accept: bool,
) -> Result<Option<u32>> {
    let current = load_threat_content(tx, id).await?;
    if current.as_ref().is_some_and(|(c, _, _)| c == content) {
        return Ok(None);
    }
    let accepted_before = current.as_ref().and_then(|(c, _, by)| {
        (c.status == ThreatStatus::Accepted).then(|| (c.accepted_until.clone(), by.clone()))
    });
    let accepted_by = if content.status == ThreatStatus::Accepted {
        match accepted_before {
            Some((until, by)) if until == content.accepted_until => by,
            _ if may_accept => Some(author.actor.clone()),
            _ => {
                return Err(Error::Refused(format!(
                    "{id}: accepting a risk needs the security-approver role (threat.accept)"
                )));
            }
        }
    } else {
        None
    };
    let version = current.map_or(1, |(_, v, _)| v + 1);
    let n = number(id.0);
    sqlx::query!(
        "insert into threats (number, version, title, description, component, stride, tactic, likelihood,
                              impact, residual_risk, owner, status, accepted_by, accepted_until, review_date,
                              updated_by, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, now())
         on conflict (number) do update set version = excluded.version, title = excluded.title,
             description = excluded.description, component = excluded.component, stride = excluded.stride,
             tactic = excluded.tactic, likelihood = excluded.likelihood, impact = excluded.impact,
             residual_risk = excluded.residual_risk, owner = excluded.owner, status = excluded.status,
             accepted_by = excluded.accepted_by, accepted_until = excluded.accepted_until,
             review_date = excluded.review_date, updated_by = excluded.updated_by, updated_at = now()",
        n,
        number(version),
        content.title,
        content.description,
        content.component,
        content.stride.as_str(),
        content.tactic.as_str(),
        i16::from(content.likelihood),
        i16::from(content.impact),
        i16::from(content.residual_risk),
        content.owner,
        content.status.as_str(),
        accepted_by,
        parse_date(content.accepted_until.as_ref()),
        parse_date(content.review_date.as_ref()),
        author.actor,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "insert into threat_versions (threat, version, document, author) values ($1, $2, $3, $4)",
        n,
        number(version),
        Json(content) as _,
        author.actor,
    )
    .execute(&mut *tx)
    .await?;
    Ok(Some(version))
}

/// The stored threat, its version and who accepted it, locked for the import's change.
async fn load_threat_content(
    conn: &mut PgConnection,
    id: ThreatId,
) -> Result<Option<(ThreatContent, u32, Option<String>)>> {
    let row = sqlx::query_as!(
        ThreatRow,
        "select number, version, title, description, component, stride, tactic, likelihood, impact,
                residual_risk, owner, status, accepted_by, accepted_until, review_date, updated_by, updated_at
         from threats where number = $1 for update",
        number(id.0)
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| {
        let version = unsigned(r.version);
        let by = r.accepted_by.clone();
        (r.content(), version, by)
    }))
}

struct ThreatRow {
    number: i32,
    version: i32,
    title: String,
    description: String,
    component: Option<String>,
    stride: String,
    tactic: String,
    likelihood: i16,
    impact: i16,
    residual_risk: i16,
    owner: Option<String>,
    status: String,
    accepted_by: Option<String>,
    accepted_until: Option<NaiveDate>,
    review_date: Option<NaiveDate>,
    updated_by: String,
    updated_at: DateTime<Utc>,
}

fn small(n: i16) -> u8 {
    u8::try_from(n).unwrap_or_default()
}

impl ThreatRow {
    fn content(&self) -> ThreatContent {
        ThreatContent {
            title: self.title.clone(),
            description: self.description.clone(),
            component: self.component.clone(),
            // The table's checks keep these within their sets.
            stride: self
                .stride
                .parse()
                .unwrap_or(parkway_types::guardrails::Stride::Tampering),
            tactic: self
                .tactic
                .parse()
                .unwrap_or(parkway_types::guardrails::Tactic::Impact),
            likelihood: small(self.likelihood),
            impact: small(self.impact),
            residual_risk: small(self.residual_risk),
            owner: self.owner.clone(),
            status: self.status.parse().unwrap_or(ThreatStatus::Open),
            accepted_until: date(self.accepted_until),
            review_date: date(self.review_date),
        }
    }

    fn into_threat(self, mitigated_by: Vec<GuardrailLink>) -> Threat {
        let content = self.content();
        Threat {
            id: ThreatId(unsigned(self.number)),
            version: unsigned(self.version),
            inherent_risk: parkway_types::guardrails::inherent_risk(content.likelihood, content.impact),
            content,
            accepted_by: self.accepted_by,
            updated_by: self.updated_by,
            updated_at: rfc3339(self.updated_at),
            mitigated_by,
        }
    }
}

/// Adds a new draft version when the content differs from the newest version's.
async fn draft(
    tx: &mut PgConnection,
    id: GuardrailId,
    content: &GuardrailContent,
    author: &Person,
    submit: Option<&str>,
) -> Result<Option<u32>> {
    let n = number(id.0);
    sqlx::query!(
        "insert into guardrails (number) values ($1) on conflict do nothing",
        n
    )
    .execute(&mut *tx)
    .await?;
    let newest = newest(tx, id).await?;
    if let Some((state, newest_content)) = newest.as_ref().map(|(n, c)| (n.state, c))
        && state != VersionState::Retired
        && newest_content == content
    {
        return Ok(None);
    }
    let version = newest.map_or(1, |(n, _)| n.version + 1);
    insert_version(
        tx,
        id,
        version,
        content,
        (
            if submit.is_some() {
                VersionState::InReview
            } else {
                VersionState::Draft
            },
            Intent::Publish,
        ),
        author,
        submit,
    )
    .await?;
    Ok(Some(version))
}

/// Writes a version; `review` is its state and what it asks for.
async fn insert_version(
    tx: &mut PgConnection,
    id: GuardrailId,
    version: u32,
    c: &GuardrailContent,
    (state, intent): (VersionState, Intent),
    author: &Person,
    note: Option<&str>,
) -> Result<()> {
    let n = number(id.0);
    let decisions: BTreeMap<&str, Decision> = c
        .decisions
        .iter()
        .map(|d| (d.tier.as_str(), d.decision))
        .collect();
    let submitted = (state == VersionState::InReview).then(Utc::now);
    sqlx::query!(
        "insert into guardrail_versions (guardrail, version, state, intent, title, objective, body, category,
             severity, behavior, guidance, decisions, requestable_label, implementations, frameworks, owner,
             review_due, author, author_id, change_note, submitted_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
        n,
        number(version),
        state.as_str(),
        intent.as_str(),
        c.title,
        c.objective,
        c.body,
        c.category,
        c.severity.as_str(),
        c.behavior.as_str(),
        c.guidance.as_str(),
        Json(&decisions) as _,
        c.requestable,
        Json(&c.implementations) as _,
        &c.frameworks,
        c.owner,
        parse_date(c.review_due.as_ref()),
        author.actor,
        author.id,
        note,
        submitted,
    )
    .execute(&mut *tx)
    .await?;
    let threats: Vec<i32> = c.threats.iter().map(|t| number(t.0)).collect();
    sqlx::query!(
        "insert into guardrail_version_threats (guardrail, version, threat)
         select $1, $2, unnest($3::int[])",
        n,
        number(version),
        &threats,
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// One version row as stored.
struct VersionRow {
    guardrail: i32,
    version: i32,
    state: String,
    intent: String,
    title: String,
    objective: String,
    body: String,
    category: String,
    severity: String,
    behavior: String,
    guidance: String,
    decisions: Json<BTreeMap<String, Decision>>,
    requestable_label: Option<String>,
    implementations: Json<Vec<Implementation>>,
    frameworks: Vec<String>,
    owner: Option<String>,
    review_due: Option<NaiveDate>,
    author: String,
    author_id: Option<uuid::Uuid>,
    created_at: DateTime<Utc>,
    change_note: Option<String>,
    submitted_at: Option<DateTime<Utc>>,
    approved_by: Option<String>,
    approved_at: Option<DateTime<Utc>>,
    rejected_by: Option<String>,
    rejected_at: Option<DateTime<Utc>>,
    review_comment: Option<String>,
    published_by: Option<String>,
    published_at: Option<DateTime<Utc>>,
    retired_by: Option<String>,
    retired_at: Option<DateTime<Utc>>,
    threats: Vec<i32>,
}

impl VersionRow {
    fn state(&self) -> VersionState {
        self.state.parse().unwrap_or(VersionState::Draft)
    }

    fn intent(&self) -> Intent {
        self.intent.parse().unwrap_or(Intent::Publish)
    }

    fn content(&self, tiers: &[String]) -> GuardrailContent {
        GuardrailContent {
            title: self.title.clone(),
            objective: self.objective.clone(),
            body: self.body.clone(),
            category: self.category.clone(),
            severity: self
                .severity
                .parse()
                .unwrap_or(parkway_types::guardrails::Severity::Medium),
            behavior: self
                .behavior
                .parse()
                .unwrap_or(parkway_types::guardrails::Behavior::Preventive),
            guidance: self
                .guidance
                .parse()
                .unwrap_or(parkway_types::guardrails::Guidance::Elective),
            decisions: tiers
                .iter()
                .filter_map(|t| {
                    self.decisions.0.get(t).map(|d| TierDecision {
                        tier: t.clone(),
                        decision: *d,
                    })
                })
                .collect(),
            requestable: self.requestable_label.clone(),
            implementations: self.implementations.0.clone(),
            frameworks: self.frameworks.clone(),
            threats: self.threats.iter().map(|t| ThreatId(unsigned(*t))).collect(),
            owner: self.owner.clone(),
            review_due: date(self.review_due),
        }
    }

    fn review(&self) -> VersionReview {
        VersionReview {
            version: unsigned(self.version),
            state: self.state(),
            intent: self.intent(),
            author: self.author.clone(),
            created_at: rfc3339(self.created_at),
            change_note: self.change_note.clone(),
            submitted_at: self.submitted_at.map(rfc3339),
            approved_by: self.approved_by.clone(),
            approved_at: self.approved_at.map(rfc3339),
            rejected_by: self.rejected_by.clone(),
            rejected_at: self.rejected_at.map(rfc3339),
            review_comment: self.review_comment.clone(),
            published_by: self.published_by.clone(),
            published_at: self.published_at.map(rfc3339),
            retired_by: self.retired_by.clone(),
            retired_at: self.retired_at.map(rfc3339),
        }
    }

    fn newest(&self) -> Newest {
        Newest {
            version: unsigned(self.version),
            state: self.state(),
            intent: self.intent(),
            approved: self.approved_by.is_some(),
            author: Person {
                id: self.author_id,
                actor: self.author.clone(),
            },
        }
    }

    fn into_version(self, tiers: &[String]) -> GuardrailVersion {
        GuardrailVersion {
            id: GuardrailId(unsigned(self.guardrail)),
            content: self.content(tiers),
            review: self.review(),
        }
    }
}

/// Every version of a guardrail, oldest first (empty when there is none).
async fn versions_of(conn: &mut PgConnection, id: GuardrailId) -> Result<Vec<VersionRow>> {
    let n = number(id.0);
    Ok(sqlx::query_as!(
        VersionRow,
        r#"select guardrail, version, state, intent, title, objective, body, category, severity, behavior,
                  guidance, decisions as "decisions: Json<BTreeMap<String, Decision>>", requestable_label,
                  implementations as "implementations: Json<Vec<Implementation>>", frameworks, owner,
                  review_due, author, author_id, created_at, change_note, submitted_at, approved_by,
                  approved_at, rejected_by, rejected_at, review_comment, published_by, published_at,
                  retired_by, retired_at,
                  array(select t.threat from guardrail_version_threats t
                        where t.guardrail = v.guardrail and t.version = v.version
                        order by t.threat) as "threats!"
           from guardrail_versions v where guardrail = $1 order by version"#,
        n
    )
    .fetch_all(&mut *conn)
    .await?)
}

async fn tier_names(conn: &mut PgConnection) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar!("select name from risk_tiers order by position")
            .fetch_all(&mut *conn)
            .await?,
    )
}

/// The newest version's review facts and content, under the guardrails lock.
async fn newest(tx: &mut PgConnection, id: GuardrailId) -> Result<Option<(Newest, GuardrailContent)>> {
    let tiers = tier_names(tx).await?;
    Ok(versions_of(tx, id)
        .await?
        .pop()
        .map(|row| (row.newest(), row.content(&tiers))))
}

/// Every version, oldest first, with the newest one's review facts (for offering
/// steps, outside the lock); `None` when the guardrail does not exist. One query.
pub async fn history(pool: &PgPool, id: GuardrailId) -> Result<Option<(Vec<GuardrailVersion>, Newest)>> {
    let mut conn = pool.acquire().await?;
    let tiers = tier_names(&mut conn).await?;
    let rows = versions_of(&mut conn, id).await?;
    let Some(newest) = rows.last().map(VersionRow::newest) else {
        return Ok(None);
    };
    Ok(Some((
        rows.into_iter().map(|r| r.into_version(&tiers)).collect(),
        newest,
    )))
}

/// What a review step did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct StepOutcome {
    pub id: GuardrailId,
    /// The version the step acted on (or created, when asking to retire).
    pub version: u32,
    pub state: VersionState,
    pub intent: Intent,
    pub approved: bool,
}

/// Takes a review step on the newest version: `decide` is the review's rule, run on the
/// version as locked, so two reviewers cannot race.
pub async fn step(
    pool: &PgPool,
    id: GuardrailId,
    actor: &Person,
    note: Option<&str>,
    decide: impl FnOnce(&Newest) -> Result<Transition>,
    request_id: Option<&str>,
) -> Result<StepOutcome> {
    let mut tx = pool.begin().await?;
    sqlx::query!("select pg_advisory_xact_lock($1)", GUARDRAILS_LOCK)
        .execute(&mut *tx)
        .await?;
    let Some((newest, content)) = newest(&mut tx, id).await? else {
        return Err(Error::NotFound(format!("guardrail {id}")));
    };
    let transition = decide(&newest)?;
    let n = number(id.0);
    let v = number(newest.version);
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    let (version, state, intent, approved) = match transition {
        Transition::Submit => {
            sqlx::query!(
                "update guardrail_versions set state = 'in-review', change_note = $3, submitted_at = now(),
                     approved_by = null, approved_by_id = null, approved_at = null
                 where guardrail = $1 and version = $2",
                n,
                v,
                note
            )
            .execute(&mut *tx)
            .await?;
            (newest.version, VersionState::InReview, newest.intent, false)
        }
        Transition::Approve => {
            sqlx::query!(
                "update guardrail_versions set approved_by = $3, approved_by_id = $4, approved_at = now(),
                     review_comment = coalesce($5, review_comment)
                 where guardrail = $1 and version = $2",
                n,
                v,
                actor.actor,
                actor.id,
                note
            )
            .execute(&mut *tx)
            .await?;
            (newest.version, VersionState::InReview, newest.intent, true)
        }
        Transition::Reject => {
            sqlx::query!(
                "update guardrail_versions set state = 'draft', rejected_by = $3, rejected_at = now(),
                     review_comment = $4, approved_by = null, approved_by_id = null, approved_at = null
                 where guardrail = $1 and version = $2",
                n,
                v,
                actor.actor,
                note
            )
            .execute(&mut *tx)
            .await?;
            (newest.version, VersionState::Draft, newest.intent, false)
        }
        Transition::Publish => {
            sqlx::query!(
                "update guardrail_versions set state = 'published', published_by = $3, published_at = now()
                 where guardrail = $1 and version = $2",
                n,
                v,
                actor.actor
            )
            .execute(&mut *tx)
            .await?;
            (newest.version, VersionState::Published, newest.intent, true)
        }
        Transition::AskToRetire => {
            let version = newest.version + 1;
            insert_version(
                &mut tx,
                id,
                version,
                &content,
                (VersionState::InReview, Intent::Retire),
                actor,
                note,
            )
            .await?;
            (version, VersionState::InReview, Intent::Retire, false)
        }
        Transition::Retire => {
            sqlx::query!(
                "update guardrail_versions set state = 'retired', retired_by = $3, retired_at = now()
                 where guardrail = $1 and version = $2",
                n,
                v,
                actor.actor
            )
            .execute(&mut *tx)
            .await?;
            (newest.version, VersionState::Retired, newest.intent, true)
        }
    };
    let mut event = NewAuditEvent::new(
        actor.actor.clone(),
        transition.audit_action(),
        format!("guardrail:{id}"),
    )
    .with_payload(serde_json::json!({
        "guardrail": id.to_string(),
        "version": version,
        "from": newest.state.as_str(),
        "to": state.as_str(),
        "intent": intent.as_str(),
        "note": note,
    }));
    event.request_id = request_id.map(str::to_owned);
    audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    Ok(StepOutcome {
        id,
        version,
        state,
        intent,
        approved,
    })
}

/// What the editor saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub id: GuardrailId,
    pub version: u32,
    pub state: VersionState,
}

/// Saves an edit as a new version (the browser's editor): a draft, or in review at once
/// when `submit` carries the change note. `based_on` is the version the editor started
/// from: a newer one in between is a conflict, not lost. `read` checks the document
/// against what the database knows, under the lock.
pub async fn save_draft(
    pool: &PgPool,
    editing: Option<GuardrailId>,
    based_on: Option<u32>,
    read: impl FnOnce(&Known) -> Result<(GuardrailId, GuardrailContent)>,
    (author, submit): (&Person, Option<&str>),
    request_id: Option<&str>,
) -> Result<Saved> {
    let mut tx = pool.begin().await?;
    sqlx::query!("select pg_advisory_xact_lock($1)", GUARDRAILS_LOCK)
        .execute(&mut *tx)
        .await?;
    let known = known(&mut tx).await?;
    let (id, content) = read(&known)?;
    let current = newest(&mut tx, id).await?.map(|(n, _)| n.version);
    if editing.is_none() && current.is_some() {
        return Err(Error::Conflict(format!(
            "{id} exists already: edit it at /guardrails/{id}/edit, or give the new guardrail another id"
        )));
    }
    if current != based_on {
        return Err(Error::Conflict(match current {
            Some(v) => format!(
                "{id} has changed since you started editing: version {v} is the newest now; reload and edit again"
            ),
            None => format!("{id} does not exist"),
        }));
    }
    let version = draft(&mut tx, id, &content, author, submit)
        .await?
        .ok_or_else(|| {
            Error::Conflict("nothing changed: the newest version already says exactly this".into())
        })?;
    let state = if submit.is_some() {
        VersionState::InReview
    } else {
        VersionState::Draft
    };
    let mut event = NewAuditEvent::new(
        author.actor.clone(),
        if submit.is_some() {
            "guardrail.submit"
        } else {
            "guardrail.draft"
        },
        format!("guardrail:{id}"),
    )
    .with_payload(serde_json::json!({
        "guardrail": id.to_string(),
        "version": version,
        "from": serde_json::Value::Null,
        "to": state.as_str(),
        "intent": Intent::Publish.as_str(),
        "note": submit,
        "via": "editor",
    }));
    event.request_id = request_id.map(str::to_owned);
    audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    Ok(Saved { id, version, state })
}

/// The next free guardrail number, for a new guardrail's template.
pub async fn next_guardrail_id(pool: &PgPool) -> Result<GuardrailId> {
    let next = sqlx::query_scalar!("select coalesce(max(number), 0) + 1 as \"n!\" from guardrails")
        .fetch_one(pool)
        .await?;
    Ok(GuardrailId(unsigned(next)))
}

/// What documents are checked against, outside a transaction (the editor's preview).
pub async fn known_now(pool: &PgPool) -> Result<Known> {
    let mut conn = pool.acquire().await?;
    known(&mut conn).await
}

/// A row of the list: the newest published version of each guardrail not retired.
pub struct Listed {
    pub version: GuardrailVersion,
    pub category_title: String,
}

/// The published set: each guardrail's newest published version, unless retired.
pub async fn published(pool: &PgPool) -> Result<Vec<Listed>> {
    let mut conn = pool.acquire().await?;
    let tiers = tier_names(&mut conn).await?;
    let rows = sqlx::query_as!(
        VersionRow,
        r#"select guardrail, version, state, intent, title, objective, body, category, severity, behavior,
                  guidance, decisions as "decisions: Json<BTreeMap<String, Decision>>", requestable_label,
                  implementations as "implementations: Json<Vec<Implementation>>", frameworks, owner,
                  review_due, author, author_id, created_at, change_note, submitted_at, approved_by,
                  approved_at, rejected_by, rejected_at, review_comment, published_by, published_at,
                  retired_by, retired_at,
                  array(select t.threat from guardrail_version_threats t
                        where t.guardrail = v.guardrail and t.version = v.version
                        order by t.threat) as "threats!"
           from guardrail_versions v
           where state = 'published'
             and version = (select max(version) from guardrail_versions p
                            where p.guardrail = v.guardrail and p.state = 'published')
             and not exists (select 1 from guardrail_versions r
                             where r.guardrail = v.guardrail and r.state = 'retired')
           order by guardrail"#
    )
    .fetch_all(&mut *conn)
    .await?;
    // On the same connection: taking a second one while holding the first deadlocks
    // the pool when every connection is held by a request waiting for another.
    let titles: BTreeMap<String, String> = category_titles(&mut conn).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let category_title = titles
                .get(&r.category)
                .cloned()
                .unwrap_or_else(|| r.category.clone());
            Listed {
                version: r.into_version(&tiers),
                category_title,
            }
        })
        .collect())
}

/// The threats, with the published guardrails that mitigate each.
pub async fn threats(pool: &PgPool) -> Result<Vec<Threat>> {
    let rows = sqlx::query_as!(
        ThreatRow,
        "select number, version, title, description, component, stride, tactic, likelihood, impact,
                residual_risk, owner, status, accepted_by, accepted_until, review_date, updated_by, updated_at
         from threats order by residual_risk desc, number"
    )
    .fetch_all(pool)
    .await?;
    let mut links = mitigations(pool).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let by = links.remove(&r.number).unwrap_or_default();
            r.into_threat(by)
        })
        .collect())
}

pub async fn threat(pool: &PgPool, id: ThreatId) -> Result<Option<Threat>> {
    let n = number(id.0);
    let row = sqlx::query_as!(
        ThreatRow,
        "select number, version, title, description, component, stride, tactic, likelihood, impact,
                residual_risk, owner, status, accepted_by, accepted_until, review_date, updated_by, updated_at
         from threats where number = $1",
        n
    )
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let by = mitigations(pool).await?.remove(&n).unwrap_or_default();
    Ok(Some(row.into_threat(by)))
}

/// Threat number → the published guardrails (newest published version, not retired)
/// that name it.
async fn mitigations(pool: &PgPool) -> Result<BTreeMap<i32, Vec<GuardrailLink>>> {
    let rows = sqlx::query!(
        "select t.threat, v.guardrail, v.title
         from guardrail_version_threats t
         join guardrail_versions v on v.guardrail = t.guardrail and v.version = t.version
         where v.state = 'published'
           and v.version = (select max(version) from guardrail_versions p
                            where p.guardrail = v.guardrail and p.state = 'published')
           and not exists (select 1 from guardrail_versions r where r.guardrail = v.guardrail and r.state = 'retired')
         order by t.threat, v.guardrail"
    )
    .fetch_all(pool)
    .await?;
    let mut out: BTreeMap<i32, Vec<GuardrailLink>> = BTreeMap::new();
    for r in rows {
        out.entry(r.threat).or_default().push(GuardrailLink {
            id: GuardrailId(unsigned(r.guardrail)),
            title: r.title,
        });
    }
    Ok(out)
}

/// Threat titles by id, for a guardrail's page.
pub async fn threat_titles(pool: &PgPool, ids: &[ThreatId]) -> Result<BTreeMap<ThreatId, String>> {
    let numbers: Vec<i32> = ids.iter().map(|t| number(t.0)).collect();
    Ok(sqlx::query!(
        "select number, title from threats where number = any($1)",
        &numbers
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (ThreatId(unsigned(r.number)), r.title))
    .collect())
}

/// When the person last opened the list, and records now as their new visit.
pub async fn visit(pool: &PgPool, user: uuid::Uuid) -> Result<Option<DateTime<Utc>>> {
    let before = sqlx::query_scalar!("select seen_at from guardrail_visits where user_id = $1", user)
        .fetch_optional(pool)
        .await?;
    sqlx::query!(
        "insert into guardrail_visits (user_id, seen_at) values ($1, now())
         on conflict (user_id) do update set seen_at = now()",
        user
    )
    .execute(pool)
    .await?;
    Ok(before)
}

/// The published guardrails and every threat as YAML documents that import unchanged.
pub async fn export(pool: &PgPool) -> Result<String> {
    let mut threats = threats(pool).await?;
    threats.sort_by_key(|t| t.id);
    let mut out = String::new();
    for t in &threats {
        super::export::threat(&mut out, t.id, &t.content);
    }
    for g in published(pool).await? {
        super::export::guardrail(&mut out, g.version.id, &g.version.content);
    }
    Ok(out)
}

/// Publishes the drafts an import just wrote, as the operator: the bootstrap of an
/// installation (`parkway guardrails import --publish`). Each is audited as published
/// without a second review. A draft that is no longer the newest version is left alone.
pub async fn publish_as_operator(
    pool: &PgPool,
    operator: &Person,
    drafts: &[(GuardrailId, u32)],
) -> Result<Vec<String>> {
    let mut tx = pool.begin().await?;
    sqlx::query!("select pg_advisory_xact_lock($1)", GUARDRAILS_LOCK)
        .execute(&mut *tx)
        .await?;
    let mut published = Vec::with_capacity(drafts.len());
    for (id, version) in drafts {
        let done = sqlx::query!(
            "update guardrail_versions v set state = 'published', submitted_at = now(),
                 change_note = coalesce(change_note, 'published by the operator at installation'),
                 approved_by = $3, approved_at = now(), published_by = $3, published_at = now()
             where guardrail = $1 and version = $2 and state = 'draft'
               and version = (select max(version) from guardrail_versions n where n.guardrail = v.guardrail)",
            number(id.0),
            number(*version),
            operator.actor
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done == 0 {
            continue;
        }
        let event = NewAuditEvent::new(
            operator.actor.clone(),
            "guardrail.publish",
            format!("guardrail:{id}"),
        )
        .with_payload(serde_json::json!({
            "guardrail": id.to_string(),
            "version": version,
            "from": "draft",
            "to": "published",
            "operator_without_review": true,
        }));
        audit::append(&mut *tx, &event).await?;
        published.push(format!("{id} v{version}"));
    }
    tx.commit().await?;
    Ok(published)
}

/// The newest publications, newest first: the Atom feed's entries.
pub async fn publications(pool: &PgPool, limit: i64) -> Result<Vec<super::feed::Publication>> {
    let rows = sqlx::query!(
        r#"select guardrail, version, title, objective, change_note, published_by as "published_by!",
                  published_at as "published_at!"
           from guardrail_versions
           where published_at is not null and published_by is not null
           order by published_at desc, guardrail desc
           limit $1"#,
        limit
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| super::feed::Publication {
            id: GuardrailId(unsigned(r.guardrail)),
            version: unsigned(r.version),
            title: r.title,
            objective: r.objective,
            change_note: r.change_note,
            published_by: r.published_by,
            published_at: rfc3339(r.published_at),
        })
        .collect())
}
