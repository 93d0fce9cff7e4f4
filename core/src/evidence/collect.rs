//! The files of a pack, each streamed from Postgres row by row into the
//! [`PackWriter`], with the controls tallied from the same rows. No authorization
//! here: [`super::ops`] does it before anything is read.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use futures::TryStreamExt;
use parkway_types::{
    EntityRef,
    guardrails::GuardrailId,
    scorecards::ReportYear,
    views::evidence::{ChainSummary, ExceptionRow},
};
use serde_json::Value;
use sqlx::PgPool;

use super::{
    Result,
    model::{Control, Controls, Period, Scope, files, second_approver},
    pack::PackWriter,
    verify::{AuditLine, ChainFile, ChainVerification, Extract, HeadRecord},
};
use crate::{
    audit::{self, AuditKey, SignedHead, model::canonical_json},
    csv::opt,
    guardrails, scorecards,
};

/// What every file is cut to.
pub struct Request<'a> {
    pub scope: &'a Scope,
    pub period: Period,
    /// The newest audit event the pack covers (the verified head).
    pub head_id: i64,
}

impl Request<'_> {
    fn unit(&self) -> Option<&str> {
        self.scope.unit()
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn json_text(value: &Value) -> String {
    let mut out = String::new();
    canonical_json(value, &mut out);
    out
}

fn exception(file: &str, line: u64, what: String, href: Option<String>) -> ExceptionRow {
    ExceptionRow {
        file: file.to_owned(),
        line,
        what,
        href,
    }
}

/// `access.csv`: every role held in the period and how (a group mapping, a service
/// account's token), then the token, deactivation and mapping events of the period.
pub async fn access(
    pool: &PgPool,
    req: &Request<'_>,
    pack: &mut PackWriter,
    controls: &mut Controls,
) -> Result<()> {
    pack.begin(files::ACCESS).await?;
    pack.csv_header(&[
        "record", "subject", "role", "via", "by", "at", "teams", "audit_id", "detail",
    ])
    .await?;
    let (start, end) = (req.period.start(), req.period.end());
    let mut people = sqlx::query!(
        r#"select u.handle, u.issuer, u.deactivated_at, u.deactivated_by, m.role, m.group_name,
                  m.created_by, m.created_at,
                  array(select t.team from team_members t where t.user_id = u.id order by t.team) as "teams!"
           from users u join role_mappings m on m.group_name = any(u.groups)
           where u.kind = 'person' and m.created_at < $2
             and (u.deactivated_at is null or u.deactivated_at >= $1)
             and ($3::text is null or m.role not in ('developer', 'team-owner') or exists (
                 select 1 from team_members t join catalog_entities e on e.key = 'group:default/' || t.team
                 where t.user_id = u.id and e.business_unit = $3))
           order by u.handle, m.role, m.group_name"#,
        start,
        end,
        req.unit(),
    )
    .fetch(pool);
    while let Some(p) = people.try_next().await? {
        let mut detail = Vec::new();
        let dev = p.issuer == "dev";
        if dev {
            detail.push(
                "development sign-in: groups chosen at sign-in, not from an identity provider".to_owned(),
            );
        }
        if let Some(at) = p.deactivated_at {
            detail.push(format!(
                "deactivated {} by {}",
                time(at),
                p.deactivated_by.as_deref().unwrap_or("?")
            ));
        }
        let line = pack
            .csv_row(&[
                "role",
                &p.handle,
                &p.role,
                &format!("group:{}", p.group_name),
                &p.created_by,
                &time(p.created_at),
                &p.teams.join(" "),
                "",
                &detail.join("; "),
            ])
            .await?;
        if dev {
            controls.failed(
                Control::RolesMapped,
                exception(
                    files::ACCESS,
                    line,
                    format!(
                        "{} holds {} through the development sign-in, not a provider's group",
                        p.handle, p.role
                    ),
                    Some("/admin/roles".into()),
                ),
            );
        } else {
            controls.passed(Control::RolesMapped);
        }
    }
    drop(people);
    let mut tokens = sqlx::query!(
        r#"select u.handle, t.name, t.role as "role!", t.created_by, t.created_at, t.expires_at, t.revoked_at
           from api_tokens t join users u on u.id = t.owner_id
           where t.role is not null and t.created_at < $2
             and (t.revoked_at is null or t.revoked_at >= $1)
             and (t.expires_at is null or t.expires_at >= $1)
           order by u.handle, t.created_at"#,
        start,
        end,
    )
    .fetch(pool);
    while let Some(t) = tokens.try_next().await? {
        let detail = format!(
            "service account token; expires {}{}",
            t.expires_at.map_or_else(|| "never".to_owned(), time),
            t.revoked_at
                .map(|r| format!("; revoked {}", time(r)))
                .unwrap_or_default()
        );
        let line = pack
            .csv_row(&[
                "role",
                &t.handle,
                &t.role,
                &format!("token:{}", t.name),
                &t.created_by,
                &time(t.created_at),
                "",
                "",
                &detail,
            ])
            .await?;
        controls.failed(
            Control::RolesMapped,
            exception(
                files::ACCESS,
                line,
                format!(
                    "service account {} holds {} through its token `{}`, granted by {}",
                    t.handle, t.role, t.name, t.created_by
                ),
                Some("/tokens".into()),
            ),
        );
    }
    drop(tokens);
    let actions: Vec<String> = [
        "token.create",
        "token.revoke",
        "user.deactivate",
        "role-mapping.add",
        "role-mapping.remove",
        "auth.dev-access.remove",
    ]
    .map(str::to_owned)
    .to_vec();
    let mut events = sqlx::query!(
        "select id, occurred_at, actor, action, target, payload from audit_events
         where id <= $3 and occurred_at >= $1 and occurred_at < $2 and action = any($4)
         order by id",
        start,
        end,
        req.head_id,
        &actions,
    )
    .fetch(pool);
    while let Some(e) = events.try_next().await? {
        let role = e.payload.get("role").and_then(Value::as_str).unwrap_or_default();
        pack.csv_row(&[
            "event",
            &e.target,
            role,
            &e.action,
            &e.actor,
            &time(e.occurred_at),
            "",
            &e.id.to_string(),
            &json_text(&e.payload),
        ])
        .await?;
    }
    Ok(())
}

/// A version in force in the period, and when its force ended (none: still in force).
type InForce = (i32, Option<DateTime<Utc>>);

/// `guardrails/`: every version in force at some time in the period, as exported
/// YAML, and `guardrails/index.csv` with its approver, publish time and change note.
pub async fn guardrails(
    pool: &PgPool,
    req: &Request<'_>,
    pack: &mut PackWriter,
    controls: &mut Controls,
) -> Result<()> {
    let in_force = sqlx::query!(
        r#"select guardrail as "guardrail!", version as "version!", published_at as "published_at!", ended_at
           from (
               select p.guardrail, p.version, p.published_at,
                      coalesce(p.next_published,
                               (select min(r.retired_at) from guardrail_versions r
                                where r.guardrail = p.guardrail and r.version > p.version and r.state = 'retired'))
                          as ended_at
               from (select guardrail, version, published_at,
                            lead(published_at) over (partition by guardrail order by version) as next_published
                     from guardrail_versions where published_at is not null) p
           ) v
           where published_at < $2 and (ended_at is null or ended_at >= $1)
           order by guardrail, version"#,
        req.period.start(),
        req.period.end(),
    )
    .fetch_all(pool)
    .await?;
    let mut by_guardrail: BTreeMap<i32, Vec<InForce>> = BTreeMap::new();
    for v in &in_force {
        by_guardrail
            .entry(v.guardrail)
            .or_default()
            .push((v.version, v.ended_at));
    }
    let mut index = Vec::new();
    for (number, versions) in by_guardrail {
        let id = GuardrailId(number.unsigned_abs());
        let Some((history, _)) = guardrails::store::history(pool, id).await? else {
            continue;
        };
        for (version, ended) in versions {
            let Some(v) = history
                .iter()
                .find(|h| i64::from(h.review.version) == i64::from(version))
            else {
                continue;
            };
            let path = format!("{}{id}-v{version}.yaml", files::GUARDRAILS_DIR);
            let r = &v.review;
            let mut yaml = format!(
                "# {id} version {version}, in force from {} until {}\n# author {}; approved by {} at {}; published by {}\n# change note: {}\n",
                r.published_at.as_deref().unwrap_or("?"),
                ended.map_or_else(|| "now".to_owned(), time),
                r.author,
                r.approved_by.as_deref().unwrap_or("nobody"),
                r.approved_at.as_deref().unwrap_or("-"),
                r.published_by.as_deref().unwrap_or("?"),
                r.change_note.as_deref().unwrap_or("").replace('\n', " "),
            );
            guardrails::export::guardrail(&mut yaml, id, &v.content);
            pack.begin(&path).await?;
            pack.row(yaml.as_bytes()).await?;
            index.push((id, version, v.content.title.clone(), r.clone(), ended, path));
        }
    }
    pack.begin(files::GUARDRAIL_INDEX).await?;
    pack.csv_header(&[
        "guardrail",
        "version",
        "title",
        "author",
        "approved_by",
        "approved_at",
        "published_by",
        "published_at",
        "in_force_until",
        "change_note",
        "file",
    ])
    .await?;
    for (id, version, title, r, ended, path) in index {
        let line = pack
            .csv_row(&[
                &id.to_string(),
                &version.to_string(),
                &title,
                &r.author,
                r.approved_by.as_deref().unwrap_or_default(),
                r.approved_at.as_deref().unwrap_or_default(),
                r.published_by.as_deref().unwrap_or_default(),
                r.published_at.as_deref().unwrap_or_default(),
                &ended.map(time).unwrap_or_default(),
                r.change_note.as_deref().unwrap_or_default(),
                &path,
            ])
            .await?;
        if second_approver(&r.author, r.approved_by.as_deref()) {
            controls.passed(Control::SecondApprover);
        } else {
            let who = match r.approved_by.as_deref() {
                Some(a) if a.starts_with("system:") => format!("published by {a} without a second review"),
                Some(a) => format!("approved by its author {a}"),
                None => "published without an approver".to_owned(),
            };
            controls.failed(
                Control::SecondApprover,
                exception(
                    files::GUARDRAIL_INDEX,
                    line,
                    format!("{id} version {version} was {who}"),
                    Some(format!("/guardrails/{id}")),
                ),
            );
        }
    }
    Ok(())
}

/// `changes.csv`: tenant requests, decisions, provisioning and re-applies, tier rule
/// edits, catalog imports and edits of the period, as the audit trail has them.
pub async fn changes(
    pool: &PgPool,
    req: &Request<'_>,
    pack: &mut PackWriter,
    controls: &mut Controls,
) -> Result<()> {
    pack.begin(files::CHANGES).await?;
    pack.csv_header(&[
        "audit_id",
        "at",
        "actor",
        "action",
        "target",
        "business_unit",
        "detail",
    ])
    .await?;
    let mut rows = sqlx::query!(
        r#"select a.id, a.occurred_at, a.actor, a.action, a.target, a.payload,
                  coalesce(t.business_unit, e.business_unit) as unit
           from audit_events a
           left join tenants t on a.target = 'tenant:' || t.name
           left join catalog_entities e on a.target = 'catalog-entity:' || e.key
           where a.id <= $3 and a.occurred_at >= $1 and a.occurred_at < $2
             and (a.action like 'tenant.%' or a.action like 'catalog.%' or a.action like 'tier-rule.%')
             and ($4::text is null or a.action = 'catalog.import' or a.action like 'tier-rule.%'
                  or coalesce(t.business_unit, e.business_unit) = $4)
           order by a.id"#,
        req.period.start(),
        req.period.end(),
        req.head_id,
        req.unit(),
    )
    .fetch(pool);
    while let Some(r) = rows.try_next().await? {
        let line = pack
            .csv_row(&[
                &r.id.to_string(),
                &time(r.occurred_at),
                &r.actor,
                &r.action,
                &r.target,
                r.unit.as_deref().unwrap_or_default(),
                &json_text(&r.payload),
            ])
            .await?;
        let decision = ["tenant.approve", "tenant.reject"]
            .iter()
            .any(|verb| r.action.starts_with(verb));
        if !decision {
            continue;
        }
        let requester = r.payload.get("requested_by").and_then(Value::as_str);
        match requester {
            Some(requester) if requester == r.actor => controls.failed(
                Control::TenantDecisions,
                exception(
                    files::CHANGES,
                    line,
                    format!("{} decided ({}) their own request", r.actor, r.action),
                    r.target
                        .strip_prefix("tenant:")
                        .map(|name| format!("/onboarding/{name}")),
                ),
            ),
            _ => controls.passed(Control::TenantDecisions),
        }
    }
    Ok(())
}

/// `tenants.csv`: each tenant's namespace per cluster with its Pod Security labels as
/// applied, and whether the live labels drifted.
pub async fn tenants(
    pool: &PgPool,
    req: &Request<'_>,
    pack: &mut PackWriter,
    controls: &mut Controls,
) -> Result<()> {
    pack.begin(files::TENANTS).await?;
    pack.csv_header(&[
        "tenant",
        "team",
        "business_unit",
        "tier",
        "environments",
        "state",
        "cluster",
        "psa_enforce",
        "psa_audit",
        "psa_warn",
        "applied_at",
        "drift",
    ])
    .await?;
    let mut rows = sqlx::query!(
        r#"select t.name, t.team, t.business_unit, t.tier, t.environments, t.state, t.drift,
                  s.cluster, s.manifest, s.applied_at
           from tenants t join tenant_steps s on s.tenant = t.name and s.kind = 'Namespace' and s.op = 'apply'
           where ($3::text is null or t.business_unit = $3) and t.requested_at < $2
             and not (t.state in ('decommissioned', 'rejected') and t.updated_at < $1)
           order by t.name, s.cluster"#,
        req.period.start(),
        req.period.end(),
        req.unit(),
    )
    .fetch(pool);
    while let Some(t) = rows.try_next().await? {
        let label = |mode: &str| {
            t.manifest
                .as_ref()
                .and_then(|m| m.pointer("/metadata/labels"))
                .and_then(|l| l.get(format!("pod-security.kubernetes.io/{mode}")))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let drifted: Vec<String> = t
            .drift
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d.get("cluster").and_then(Value::as_str) == Some(t.cluster.as_str()))
            .filter_map(|d| d.get("field").and_then(Value::as_str))
            .map(str::to_owned)
            .collect();
        let enforce = label("enforce");
        let line = pack
            .csv_row(&[
                &t.name,
                &t.team,
                t.business_unit.as_deref().unwrap_or_default(),
                &t.tier,
                &t.environments.join(" "),
                &t.state,
                &t.cluster,
                &enforce,
                &label("audit"),
                &label("warn"),
                &t.applied_at.map(time).unwrap_or_default(),
                &drifted.join(" "),
            ])
            .await?;
        if !t.environments.iter().any(|e| e == "prod") {
            continue;
        }
        let psa_drift = drifted
            .iter()
            .any(|f| f.contains("pod-security.kubernetes.io/enforce"));
        if enforce == "restricted" && !psa_drift {
            controls.passed(Control::PsaRestricted);
        } else {
            let why = if enforce != "restricted" {
                format!(
                    "its namespace enforces `{}`",
                    if enforce.is_empty() {
                        "nothing"
                    } else {
                        enforce.as_str()
                    }
                )
            } else {
                "the live namespace's Pod Security label drifted from restricted".to_owned()
            };
            controls.failed(
                Control::PsaRestricted,
                exception(
                    files::TENANTS,
                    line,
                    format!("production tenant {} in cluster {}: {why}", t.name, t.cluster),
                    Some(format!("/onboarding/{}", t.name)),
                ),
            );
        }
    }
    Ok(())
}

/// `coverage.csv`: the daily samples of every published guardrail's coverage and
/// compliance in every cluster (clusters are shared by every business unit).
pub async fn coverage(
    pool: &PgPool,
    req: &Request<'_>,
    pack: &mut PackWriter,
    controls: &mut Controls,
) -> Result<()> {
    pack.begin(files::COVERAGE).await?;
    pack.csv_header(&[
        "day",
        "guardrail",
        "cluster",
        "environment",
        "mode",
        "workloads",
        "enforced",
        "pass",
        "fail",
        "unknown",
        "coverage",
        "compliance",
    ])
    .await?;
    let mut rows = sqlx::query!(
        "select day, guardrail, cluster, environment, mode, workloads, enforced, pass, fail, unknown
         from coverage_samples where day >= $1 and day <= $2
         order by day, guardrail, cluster",
        req.period.from,
        req.period.to,
    )
    .fetch(pool);
    while let Some(s) = rows.try_next().await? {
        let id = GuardrailId(s.guardrail.unsigned_abs());
        let ratio = |part: i32, whole: i32| {
            if whole > 0 {
                format!("{:.4}", f64::from(part) / f64::from(whole))
            } else {
                String::new()
            }
        };
        let line = pack
            .csv_row(&[
                &s.day.to_string(),
                &id.to_string(),
                &s.cluster,
                &s.environment,
                &s.mode,
                &s.workloads.to_string(),
                &s.enforced.to_string(),
                &s.pass.to_string(),
                &s.fail.to_string(),
                &s.unknown.to_string(),
                &ratio(s.enforced, s.workloads),
                &ratio(s.pass, s.pass + s.fail),
            ])
            .await?;
        if s.environment != "prod" {
            continue;
        }
        if s.mode == "enforce" {
            controls.passed(Control::CoverageEnforced);
        } else {
            let how = if s.mode == "audit" {
                "audit only"
            } else {
                "no implementing policy"
            };
            controls.failed(
                Control::CoverageEnforced,
                exception(
                    files::COVERAGE,
                    line,
                    format!("{id} in {} on {}: {how}", s.cluster, s.day),
                    Some(format!("/guardrails/{id}")),
                ),
            );
        }
    }
    Ok(())
}

/// `delivery.csv`: the DORA figures of the period for the scope, then the deployments
/// and incidents of its services behind them.
pub async fn delivery(pool: &PgPool, req: &Request<'_>, pack: &mut PackWriter) -> Result<()> {
    pack.begin(files::DELIVERY).await?;
    pack.csv_header(&[
        "record",
        "service",
        "id",
        "environment",
        "status",
        "at",
        "until",
        "sha",
        "detail",
    ])
    .await?;
    let entity = req.unit().and_then(|key| EntityRef::parse_key(key).ok());
    let figures = scorecards::ops::figures(
        pool,
        entity.as_ref(),
        req.period.from,
        req.period.to,
        ReportYear::LATEST,
    )
    .await?;
    let scope = req.scope.name().to_owned();
    if let Value::Object(map) = serde_json::to_value(&figures)? {
        for (name, value) in map {
            if matches!(name.as_str(), "entity" | "from" | "to") {
                continue;
            }
            let value = match value {
                Value::String(s) => s,
                Value::Null => String::new(),
                other => json_text(&other),
            };
            pack.csv_row(&["figure", &scope, &name, "", "", "", "", "", &value])
                .await?;
        }
    }
    let (start, end, unit) = (req.period.start(), req.period.end(), req.unit());
    let mut deployments = sqlx::query!(
        r#"select d.id, d.service as "service!", d.environment, d.status, d.started_at, d.finished_at,
                  d.sha, d.rework, d.source
           from delivery_deployments d join catalog_entities e on e.key = d.service
           where d.finished_at >= $1 and d.finished_at < $2
             and ($3::text is null or e.business_unit = $3 or e.owner = $3)
           order by d.finished_at, d.id"#,
        start,
        end,
        unit,
    )
    .fetch(pool);
    while let Some(d) = deployments.try_next().await? {
        let detail = format!("source {}{}", d.source, if d.rework { "; rework" } else { "" });
        pack.csv_row(&[
            "deployment",
            &d.service,
            &d.id,
            &d.environment,
            &d.status,
            &time(d.finished_at),
            &opt(d.started_at.map(time)),
            d.sha.as_deref().unwrap_or_default(),
            &detail,
        ])
        .await?;
    }
    drop(deployments);
    let mut incidents = sqlx::query!(
        r#"select i.id, i.service as "service!", i.opened_at, i.resolved_at, i.deployment, i.link, i.source
           from delivery_incidents i join catalog_entities e on e.key = i.service
           where i.opened_at >= $1 and i.opened_at < $2
             and ($3::text is null or e.business_unit = $3 or e.owner = $3)
           order by i.opened_at, i.id"#,
        start,
        end,
        unit,
    )
    .fetch(pool);
    while let Some(i) = incidents.try_next().await? {
        let detail = match (&i.deployment, &i.link) {
            (Some(d), Some(how)) => {
                format!("source {}; caused by deployment {d} (linked by {how})", i.source)
            }
            _ => format!("source {}; linked to no deployment", i.source),
        };
        pack.csv_row(&[
            "incident",
            &i.service,
            &i.id,
            "",
            if i.resolved_at.is_some() {
                "resolved"
            } else {
                "open"
            },
            &time(i.opened_at),
            &opt(i.resolved_at.map(time)),
            "",
            &detail,
        ])
        .await?;
    }
    Ok(())
}

/// `audit.jsonl` (every event of the period, as stored, up to the verified head) and
/// `chain.json` (the signed head and the whole chain's verification).
pub async fn audit_trail(
    pool: &PgPool,
    req: &Request<'_>,
    verification: &audit::Verification,
    key: &AuditKey,
    pack: &mut PackWriter,
    controls: &mut Controls,
) -> Result<ChainSummary> {
    pack.begin(files::AUDIT).await?;
    let mut rows = sqlx::query!(
        "select id, occurred_at, actor, action, target, payload, request_id, prev_hash, hash
         from audit_events where id <= $3 and occurred_at >= $1 and occurred_at < $2 order by id",
        req.period.start(),
        req.period.end(),
        req.head_id,
    )
    .fetch(pool);
    let (mut events, mut first, mut last) = (0_u64, None, None);
    while let Some(r) = rows.try_next().await? {
        let line = AuditLine {
            id: r.id,
            occurred_at: r.occurred_at,
            actor: r.actor,
            action: r.action,
            target: r.target,
            payload: r.payload,
            request_id: r.request_id,
            prev_hash: hex::encode(r.prev_hash),
            hash: hex::encode(r.hash),
        };
        let mut text = serde_json::to_string(&line)?;
        text.push('\n');
        pack.row(text.as_bytes()).await?;
        events += 1;
        first.get_or_insert(r.id);
        last = Some(r.id);
    }
    drop(rows);
    let signed = SignedHead::new(verification.head, key, Utc::now());
    let chain = ChainFile {
        head: HeadRecord {
            id: signed.id,
            hash: signed.hash,
            signature: signed.signature,
            at: signed.at,
        },
        verification: ChainVerification {
            rows: verification.rows,
            intact: verification.breaks.is_empty(),
            breaks: verification.breaks.iter().map(ToString::to_string).collect(),
        },
        extract: Extract {
            file: files::AUDIT.to_owned(),
            events,
            first_id: first,
            last_id: last,
        },
    };
    pack.begin(files::CHAIN).await?;
    pack.row(serde_json::to_string_pretty(&chain)?.as_bytes()).await?;
    if verification.breaks.is_empty() {
        controls.passed(Control::ChainIntact);
    }
    for broken in &verification.breaks {
        controls.failed(
            Control::ChainIntact,
            exception(files::CHAIN, 1, broken.to_string(), Some("/admin/audit".into())),
        );
    }
    Ok(ChainSummary {
        head_id: verification.head.id,
        rows_verified: verification.rows,
        intact: verification.breaks.is_empty(),
        events_in_period: events,
    })
}
