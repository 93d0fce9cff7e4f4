//! Scorecard use cases, shared by the REST API and the pages' server functions:
//! authorize → read/validate → write → audit, the write and its audit event in one
//! transaction.

use std::collections::HashMap;

use chrono::{Datelike, Days, NaiveDate, Utc};
use parkway_types::{
    EntityKind, EntityRef,
    scorecards::{EventSource, ReportYear, WebhookKind, Window},
    views::scorecards::{ChildRow, DeploymentRow, DoraFigures, IncidentRow, IngestSummary, ScorecardPage},
};

use super::{
    Error, Result, bands,
    events::{self, DeploymentEvent, IncidentEvent},
    figures::{Rollup, ServiceFigures, service_period, trend_weeks},
    governance,
    refresh::{self, ENTERPRISE, team_scope, unit_scope, week_period, window_period},
    store::{self, NewDeployment, NewIncident},
    webhooks,
};
use crate::{
    Ctx, audit,
    identity::{Action, Resource},
};

/// Stores a batch of deployments from the events API (`body` is its JSON).
pub async fn ingest_deployments(ctx: &Ctx, body: &[u8]) -> Result<IngestSummary> {
    ctx.authorize(Action::WriteEvents, Resource::DeliveryEvents)?;
    let events: Vec<DeploymentEvent> = events::parse_batch(body)?;
    events::check_deployments(&events, Utc::now())?;
    let rows: Vec<NewDeployment> = events
        .into_iter()
        .map(|e| NewDeployment {
            service: None,
            service_given: e.service,
            id: e.id,
            environment: e.environment,
            status: e.status,
            started_at: e.started_at,
            finished_at: e.finished_at,
            sha: e.sha,
            url: e.url,
            rework: e.rework,
            changes: e.changes.into_iter().map(|c| (c.id, c.committed_at)).collect(),
        })
        .collect();
    store_deployments(ctx, EventSource::Api, rows).await
}

/// Stores deployments from any source (the API, a webhook, an observed rollout):
/// matches services, writes, audits once for the batch.
pub async fn store_deployments(
    ctx: &Ctx,
    source: EventSource,
    mut rows: Vec<NewDeployment>,
) -> Result<IngestSummary> {
    let keys = matched(ctx, rows.iter().map(|r| r.service_given.as_str())).await?;
    for row in &mut rows {
        row.service = keys.get(&row.service_given).cloned();
    }
    let mut tx = ctx.pool().begin().await?;
    let stored = store::insert_deployments(
        &mut tx,
        source,
        &rows,
        ctx.services.scorecards.link_window_seconds,
    )
    .await?;
    let summary = summary(
        rows.len(),
        &stored,
        rows.iter().map(|r| (r.id.as_str(), r.service.is_some())),
    );
    audit_ingest(ctx, &mut tx, "deployments", source, &summary).await?;
    tx.commit().await?;
    Ok(summary)
}

/// Stores a batch of incidents from the events API.
pub async fn ingest_incidents(ctx: &Ctx, body: &[u8]) -> Result<IngestSummary> {
    ctx.authorize(Action::WriteEvents, Resource::DeliveryEvents)?;
    let events: Vec<IncidentEvent> = events::parse_batch(body)?;
    events::check_incidents(&events, Utc::now())?;
    let keys = matched(ctx, events.iter().map(|e| e.service.as_str())).await?;
    let rows: Vec<NewIncident> = events
        .into_iter()
        .map(|e| NewIncident {
            service: keys.get(&e.service).cloned(),
            service_given: e.service,
            id: e.id,
            opened_at: e.opened_at,
            resolved_at: e.resolved_at,
            deployment: e.deployment,
            sha: e.sha,
        })
        .collect();
    let mut tx = ctx.pool().begin().await?;
    let stored = store::insert_incidents(
        &mut tx,
        EventSource::Api,
        &rows,
        ctx.services.scorecards.link_window_seconds,
    )
    .await?;
    let summary = summary(
        rows.len(),
        &stored,
        rows.iter().map(|r| (r.id.as_str(), r.service.is_some())),
    );
    audit_ingest(ctx, &mut tx, "incidents", EventSource::Api, &summary).await?;
    tx.commit().await?;
    Ok(summary)
}

/// The catalog key each given service name matches, for those that match.
async fn matched<'a>(ctx: &Ctx, given: impl Iterator<Item = &'a str>) -> Result<HashMap<String, String>> {
    let mut wanted: HashMap<String, String> = HashMap::new();
    for name in given {
        if let Ok(r) = events::service_ref(name) {
            wanted.entry(name.to_owned()).or_insert_with(|| r.key());
        }
    }
    let keys: Vec<String> = wanted.values().cloned().collect();
    let known = store::known_entities(ctx.pool(), &keys).await?;
    wanted.retain(|_, key| known.contains(key));
    Ok(wanted)
}

fn summary<'a>(
    received: usize,
    stored: &[String],
    rows: impl Iterator<Item = (&'a str, bool)>,
) -> IngestSummary {
    let stored_ids: std::collections::HashSet<&str> = stored.iter().map(String::as_str).collect();
    let unmatched = rows
        .filter(|(id, matched)| !matched && stored_ids.contains(id))
        .map(|(id, _)| id)
        .collect::<std::collections::HashSet<_>>()
        .len();
    IngestSummary {
        received: received as u32,
        stored: stored.len() as u32,
        duplicates: (received - stored.len()) as u32,
        unmatched: unmatched as u32,
    }
}

async fn audit_ingest(
    ctx: &Ctx,
    tx: &mut sqlx::PgConnection,
    what: &str,
    source: EventSource,
    summary: &IngestSummary,
) -> Result<()> {
    let mut event = ctx.audit_event("delivery.ingest", format!("events:{what}"));
    event.payload = serde_json::json!({
        "source": source.as_str(),
        "received": summary.received,
        "stored": summary.stored,
        "duplicates": summary.duplicates,
        "unmatched": summary.unmatched,
    });
    audit::append(&mut *tx, &event).await?;
    Ok(())
}

/// What `GET /api/v1/scorecards/dora` reads.
#[derive(Debug, Clone, Default)]
pub struct DoraQuery {
    pub entity: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub report_year: Option<ReportYear>,
}

/// The longest period one question may cover.
const MAX_PERIOD_DAYS: i64 = 366;

fn date(field: &'static str, value: &str) -> Result<NaiveDate> {
    let day = value
        .get(..10)
        .filter(|_| value.len() == 10 || value.as_bytes().get(10) == Some(&b'T'))
        .and_then(|d| d.parse::<NaiveDate>().ok())
        .ok_or_else(|| Error::BadParameter {
            field,
            reason: format!("`{value}` is not a date: expected YYYY-MM-DD"),
        })?;
    Ok(day)
}

/// The four keys of a service, a team, a business unit (`group:` refs) or the
/// enterprise (no entity) over `from..=to` (default: the 30 days to today), computed
/// from the per-day aggregates.
pub async fn dora(ctx: &Ctx, q: &DoraQuery) -> Result<DoraFigures> {
    ctx.authorize(Action::ViewPortal, Resource::Scorecards)?;
    let today = Utc::now().date_naive();
    let to =
        q.to.as_deref()
            .map(|t| date("to", t))
            .transpose()?
            .unwrap_or(today);
    let from = q
        .from
        .as_deref()
        .map(|f| date("from", f))
        .transpose()?
        .unwrap_or_else(|| to - Days::new(29));
    if from > to {
        return Err(Error::Field {
            field: "from",
            reason: format!("{from} is after `to` ({to})"),
        });
    }
    if (to - from).num_days() >= MAX_PERIOD_DAYS {
        return Err(Error::Field {
            field: "from",
            reason: format!("a period covers at most {MAX_PERIOD_DAYS} days"),
        });
    }
    if from.year() < 2000 {
        return Err(Error::Field {
            field: "from",
            reason: "figures start in 2000".into(),
        });
    }
    let year = q.report_year.unwrap_or(ReportYear::LATEST);
    let entity = q
        .entity
        .as_deref()
        .map(|e| {
            EntityRef::parse(e, None, parkway_types::DEFAULT_NAMESPACE).map_err(|err| Error::BadParameter {
                field: "entity",
                reason: err.to_string(),
            })
        })
        .transpose()?;
    figures(ctx.pool(), entity.as_ref(), from, to, year).await
}

/// The four keys of a service, a group or the enterprise (`None`) over `from..=to`,
/// from the per-day aggregates; no authorization (the callers' operations do it).
pub async fn figures(
    pool: &sqlx::PgPool,
    entity: Option<&EntityRef>,
    from: NaiveDate,
    to: NaiveDate,
    year: ReportYear,
) -> Result<DoraFigures> {
    let rollup = match entity {
        None => {
            let days = store::daily_rows(pool, None, from, to).await?;
            let members = store::members(pool, None).await?;
            refresh::tree(&members, &period_figures(&days, from, to)).enterprise
        }
        Some(r) if r.kind == EntityKind::Group => {
            let key = r.key();
            let members = group_members(pool, &key).await?;
            let services: Vec<String> = members.iter().map(|m| m.service.clone()).collect();
            let days = store::daily_rows(pool, Some(&services), from, to).await?;
            let t = refresh::tree(&members, &period_figures(&days, from, to));
            t.units
                .get(&key)
                .or_else(|| t.teams.get(&key))
                .cloned()
                .unwrap_or_default()
        }
        Some(r) => {
            let key = r.key();
            if store::known_entities(pool, std::slice::from_ref(&key))
                .await?
                .is_empty()
            {
                return Err(Error::NotFound(format!("catalog entity {key}")));
            }
            let days = store::daily_rows(pool, Some(std::slice::from_ref(&key)), from, to).await?;
            days.get(&key)
                .map(|rows| Rollup::of_service(&service_period(rows, from, to)))
                .unwrap_or_default()
        }
    };
    Ok(rollup.figures(entity.map(EntityRef::key), from, to, year))
}

fn period_figures(
    days: &HashMap<String, Vec<super::figures::DailyRow>>,
    from: NaiveDate,
    to: NaiveDate,
) -> HashMap<String, ServiceFigures> {
    days.iter()
        .map(|(service, rows)| (service.clone(), service_period(rows, from, to)))
        .collect()
}

/// The services a group's figures are made of: those it owns, or those of the
/// business unit it is. 404 for a group the catalog does not have.
async fn group_members(pool: &sqlx::PgPool, key: &str) -> Result<Vec<store::Member>> {
    if store::known_entities(pool, &[key.to_owned()]).await?.is_empty() {
        return Err(Error::NotFound(format!("catalog entity {key}")));
    }
    let rows = sqlx::query_scalar!(
        "select key from catalog_entities where (owner = $1 or business_unit = $1) and orphaned_at is null",
        key
    )
    .fetch_all(pool)
    .await?;
    store::members(pool, Some(&rows)).await
}

/// Which scorecard page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Level {
    Enterprise,
    Unit(String),
    Team(String),
    Service(String),
}

/// The page a route names: `enterprise`, or `units` / `teams` / `services` with the
/// path segment naming one.
pub fn level(level: &str, entity: &str) -> Result<Level> {
    match level {
        "enterprise" | "" => Ok(Level::Enterprise),
        "units" => Ok(Level::Unit(group_key(entity)?)),
        "teams" => Ok(Level::Team(group_key(entity)?)),
        "services" => Ok(Level::Service(service_key(entity)?)),
        other => Err(Error::NotFound(format!("scorecard level `{other}`"))),
    }
}

/// A page's window and report year; empty means the default (30 days, the latest
/// report).
pub fn page_params(window: &str, year: &str) -> Result<(Window, ReportYear)> {
    let window = match window {
        "" => Window::Days30,
        w => word("window", w)?,
    };
    let year = match year {
        "" => ReportYear::LATEST,
        y => word("year", y)?,
    };
    Ok((window, year))
}

/// A parameter that must be one of `T`'s words; else a 400 naming it and listing them.
pub fn word<T>(field: &'static str, value: &str) -> Result<T>
where
    T: std::str::FromStr<Err = parkway_types::guardrails::NotOneOf>,
{
    value
        .parse()
        .map_err(|e: parkway_types::guardrails::NotOneOf| Error::BadParameter {
            field,
            reason: e.to_string(),
        })
}

/// The group key a page path names: a bare name or a full ref.
pub fn group_key(segment: &str) -> Result<String> {
    EntityRef::parse(segment, Some(EntityKind::Group), parkway_types::DEFAULT_NAMESPACE)
        .map(|r| r.key())
        .map_err(|err| Error::NotFound(format!("scorecard {segment} ({err})")))
}

/// The entity key a service page path names: a component's bare name or a full ref.
pub fn service_key(segment: &str) -> Result<String> {
    events::service_ref(segment)
        .map(|r| r.key())
        .map_err(|err| Error::NotFound(format!("scorecard {segment} ({err})")))
}

pub use parkway_types::scorecards::page_href;

/// One table of a scorecard page, as CSV: the rows the page shows, to whoever may
/// read the page.
pub async fn export_table(
    ctx: &Ctx,
    level: &Level,
    window: Window,
    year: ReportYear,
    which: parkway_types::scorecards::ScorecardTable,
) -> Result<crate::csv::Table> {
    let page = page(ctx, level, window, year).await?;
    super::export::scorecard_table(&page, which)
}

/// One scorecard page: the figures of its scope for `window`, the 26-week trend,
/// its children's figures, and for a service the events behind them.
pub async fn page(ctx: &Ctx, level: &Level, window: Window, year: ReportYear) -> Result<ScorecardPage> {
    ctx.authorize(Action::ViewPortal, Resource::Scorecards)?;
    let today = Utc::now().date_naive();
    let from = today - Days::new(window.days() as u64 - 1);
    let weeks = trend_weeks(today, parkway_types::scorecards::TREND_WEEKS);
    let period = window_period(window);
    let mut periods: Vec<String> = weeks.iter().map(|w| week_period(*w)).collect();
    periods.push(period.clone());
    let (level_name, entity, scope) = match level {
        Level::Enterprise => ("enterprise", None, Some(ENTERPRISE.to_owned())),
        Level::Unit(k) => ("unit", Some(k.clone()), Some(unit_scope(k))),
        Level::Team(k) => ("team", Some(k.clone()), Some(team_scope(k))),
        Level::Service(k) => ("service", Some(k.clone()), None),
    };
    let mut titles = match &entity {
        Some(key) => {
            let titles = store::titles(ctx.pool(), std::slice::from_ref(key)).await?;
            if titles.is_empty() {
                return Err(Error::NotFound(format!("catalog entity {key}")));
            }
            titles
        }
        None => HashMap::new(),
    };
    // The scope's own figures and trend.
    let (own, trend_rollups, refreshed_at) = match &scope {
        Some(scope) => {
            let (found, refreshed) =
                store::rollups(ctx.pool(), std::slice::from_ref(scope), &periods).await?;
            let get = |p: &str| {
                found
                    .get(&(scope.clone(), p.to_owned()))
                    .cloned()
                    .unwrap_or_default()
            };
            (
                get(&period),
                weeks.iter().map(|w| get(&week_period(*w))).collect::<Vec<_>>(),
                refreshed,
            )
        }
        None => {
            let key = entity.clone().unwrap_or_default();
            let by_period = store::figures_of(ctx.pool(), &periods, Some(std::slice::from_ref(&key))).await?;
            let get = |p: &str| {
                by_period
                    .get(&(key.clone(), p.to_owned()))
                    .map(Rollup::of_service)
                    .unwrap_or_default()
            };
            let refreshed = store::state(ctx.pool()).await?.and_then(|(_, at)| at);
            (
                get(&period),
                weeks.iter().map(|w| get(&week_period(*w))).collect(),
                refreshed,
            )
        }
    };
    let figures = own.figures(entity.clone(), from, today, year);
    let trend = weeks
        .iter()
        .zip(&trend_rollups)
        .map(|(w, r)| r.trend_point(*w))
        .collect();
    // Children.
    let (children_label, child_level, child_keys): (&str, &str, Vec<String>) = match level {
        Level::Enterprise => {
            let units = sqlx::query_scalar!(
                "select distinct business_unit as \"unit!\" from catalog_entities
                 where business_unit is not null and orphaned_at is null order by 1"
            )
            .fetch_all(ctx.pool())
            .await?;
            ("Business unit", "units", units)
        }
        Level::Unit(k) => {
            let teams = sqlx::query_scalar!(
                "select distinct owner as \"owner!\" from catalog_entities
                 where business_unit = $1 and owner is not null and kind = 'component' and orphaned_at is null
                 order by 1",
                k
            )
            .fetch_all(ctx.pool())
            .await?;
            ("Team", "teams", teams)
        }
        Level::Team(k) => {
            let services = sqlx::query_scalar!(
                "select key from catalog_entities where owner = $1 and kind = 'component' and orphaned_at is null
                 order by key",
                k
            )
            .fetch_all(ctx.pool())
            .await?;
            ("Service", "services", services)
        }
        Level::Service(_) => ("", "", Vec::new()),
    };
    let child_rollups: HashMap<String, Rollup> = match level {
        Level::Team(_) => store::service_figures(ctx.pool(), &period, Some(&child_keys))
            .await?
            .into_iter()
            .map(|(k, f)| (k, Rollup::of_service(&f)))
            .collect(),
        Level::Enterprise | Level::Unit(_) => {
            let scope_of = if child_level == "units" {
                unit_scope
            } else {
                team_scope
            };
            let scopes: Vec<String> = child_keys.iter().map(|k| scope_of(k)).collect();
            let (found, _) = store::rollups(ctx.pool(), &scopes, std::slice::from_ref(&period)).await?;
            child_keys
                .iter()
                .filter_map(|k| {
                    found
                        .get(&(scope_of(k), period.clone()))
                        .map(|r| (k.clone(), r.clone()))
                })
                .collect()
        }
        Level::Service(_) => HashMap::new(),
    };
    titles.extend(store::titles(ctx.pool(), &child_keys).await?);
    let children = child_keys
        .iter()
        .map(|k| ChildRow {
            entity: k.clone(),
            title: titles.get(k).cloned().unwrap_or_else(|| k.clone()),
            href: page_href(child_level, k),
            figures: child_rollups.get(k).cloned().unwrap_or_default().figures(
                Some(k.clone()),
                from,
                today,
                year,
            ),
        })
        .collect();
    let parents = parents(ctx, level).await?;
    let (deployments, incidents) = match level {
        Level::Service(key) => (
            store::deployments(ctx.pool(), Some(key), 50)
                .await?
                .into_iter()
                .map(deployment_row)
                .collect(),
            store::incidents(ctx.pool(), Some(key), 50)
                .await?
                .into_iter()
                .map(incident_row)
                .collect(),
        ),
        _ => (Vec::new(), Vec::new()),
    };
    let governance_scope = match level {
        Level::Enterprise => governance::Scope::Enterprise,
        Level::Unit(k) => governance::Scope::Unit(k.clone()),
        Level::Team(k) => governance::Scope::Team(k.clone()),
        Level::Service(k) => governance::Scope::Service(k.clone()),
    };
    let since = from
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_else(Utc::now);
    let governance = governance::of(ctx, &governance_scope, since).await?;
    let maturity = match level {
        Level::Service(key) => super::maturity::ops::of_entity(ctx, key).await?,
        _ => Vec::new(),
    };
    Ok(ScorecardPage {
        governance,
        maturity,
        level: level_name.to_owned(),
        title: entity
            .as_ref()
            .and_then(|k| titles.get(k).cloned())
            .unwrap_or_else(|| "Scorecards".to_owned()),
        entity,
        parents,
        window,
        report_year: year,
        figures,
        trend,
        children_label: children_label.to_owned(),
        children,
        band_rules: bands::rules(year),
        refreshed_at: refreshed_at.map(|t| t.to_rfc3339()),
        deployments,
        incidents,
    })
}

/// The breadcrumb above a page: the enterprise, the unit, the team.
async fn parents(ctx: &Ctx, level: &Level) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    if matches!(level, Level::Enterprise) {
        return Ok(out);
    }
    out.push(("Enterprise".to_owned(), "/scorecards".to_owned()));
    let (unit, team) = match level {
        Level::Team(k) => {
            let unit = sqlx::query_scalar!(
                "select business_unit from catalog_entities where owner = $1 and business_unit is not null limit 1",
                k
            )
            .fetch_optional(ctx.pool())
            .await?
            .flatten();
            (unit, None)
        }
        Level::Service(k) => {
            let row = sqlx::query!(
                "select owner, business_unit from catalog_entities where key = $1",
                k
            )
            .fetch_optional(ctx.pool())
            .await?;
            row.map(|r| (r.business_unit, r.owner)).unwrap_or_default()
        }
        _ => (None, None),
    };
    let keys: Vec<String> = unit.iter().chain(team.iter()).cloned().collect();
    let titles = store::titles(ctx.pool(), &keys).await?;
    if let Some(u) = unit {
        out.push((
            titles.get(&u).cloned().unwrap_or_else(|| u.clone()),
            page_href("units", &u),
        ));
    }
    if let Some(t) = team {
        out.push((
            titles.get(&t).cloned().unwrap_or_else(|| t.clone()),
            page_href("teams", &t),
        ));
    }
    Ok(out)
}

fn deployment_row(d: store::DeploymentRecord) -> DeploymentRow {
    DeploymentRow {
        id: d.id,
        source: d.source.parse().unwrap_or(EventSource::Api),
        service: d.service,
        service_given: d.service_given,
        environment: d.environment,
        status: d
            .status
            .parse()
            .unwrap_or(parkway_types::scorecards::DeploymentStatus::Failure),
        finished_at: d.finished_at.to_rfc3339(),
        sha: d.sha,
        url: d.url,
        changes: d.changes,
        incidents: d.incidents,
    }
}

fn incident_row(i: store::IncidentRecord) -> IncidentRow {
    IncidentRow {
        id: i.id,
        source: i.source.parse().unwrap_or(EventSource::Api),
        service: i.service,
        service_given: i.service_given,
        opened_at: i.opened_at.to_rfc3339(),
        resolved_at: i.resolved_at.map(|t| t.to_rfc3339()),
        deployment: i.deployment,
        link: i.link,
    }
}

pub use parkway_types::views::scorecards::{DeliveryAdmin, SourceView, Unmatched};

/// The newest 500 deployments and incidents that matched no catalog entity (platform
/// admins): what the sender or the catalog must fix.
pub async fn unmatched(ctx: &Ctx) -> Result<Unmatched> {
    ctx.authorize(Action::ManageEvents, Resource::DeliveryEvents)?;
    Ok(Unmatched {
        deployments: store::deployments(ctx.pool(), None, 500)
            .await?
            .into_iter()
            .map(deployment_row)
            .collect(),
        incidents: store::incidents(ctx.pool(), None, 500)
            .await?
            .into_iter()
            .map(incident_row)
            .collect(),
    })
}

/// A webhook source to add: `POST /api/v1/webhook-sources`.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSource {
    /// Lower-case letters, digits and `-`, at most 63.
    pub name: String,
    pub kind: WebhookKind,
    /// The secret configured at the sender (GitHub's webhook secret, GitLab's secret
    /// token, or a Standard Webhooks `whsec_…` key); 16 to 512 characters. Stored
    /// sealed, never shown again.
    pub secret: String,
}

fn source_view(r: store::SourceRecord) -> SourceView {
    let kind = r.kind.parse().unwrap_or(WebhookKind::Github);
    SourceView {
        endpoint: format!("/api/v1/webhooks/{}", kind.as_str()),
        name: r.name,
        kind,
        created_by: r.created_by,
        created_at: r.created_at.to_rfc3339(),
    }
}

/// The webhook sources (platform admins).
pub async fn sources(ctx: &Ctx) -> Result<Vec<SourceView>> {
    ctx.authorize(Action::ManageEvents, Resource::DeliveryEvents)?;
    Ok(store::sources(ctx.pool())
        .await?
        .into_iter()
        .map(source_view)
        .collect())
}

/// The platform admin's page: the webhook sources and the unmatched events.
pub async fn delivery_admin(ctx: &Ctx) -> Result<DeliveryAdmin> {
    Ok(DeliveryAdmin {
        sources: sources(ctx).await?,
        unmatched: unmatched(ctx).await?,
    })
}

/// Adds a webhook source with its secret, sealed. Audited without the secret.
pub async fn add_source(ctx: &Ctx, new: &NewSource) -> Result<SourceView> {
    ctx.authorize(Action::ManageEvents, Resource::DeliveryEvents)?;
    let mut problems = Vec::new();
    let name_ok = !new.name.is_empty()
        && new.name.len() <= 63
        && new
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !name_ok {
        problems.push((
            "name".to_owned(),
            "lower-case letters, digits and `-`, 1 to 63".to_owned(),
        ));
    }
    let chars = new.secret.chars().count();
    if !(16..=512).contains(&chars) || new.secret.chars().any(char::is_control) {
        problems.push((
            "secret".to_owned(),
            "16 to 512 characters without control characters".to_owned(),
        ));
    }
    if !problems.is_empty() {
        return Err(Error::Invalid { problems });
    }
    let sealed = ctx
        .services
        .scorecards
        .sealing_key
        .seal(new.secret.as_bytes())
        .ok_or_else(|| Error::Internal("could not seal the webhook secret".into()))?;
    let mut tx = ctx.pool().begin().await?;
    if !store::add_source(&mut tx, &new.name, new.kind.as_str(), &sealed, &ctx.actor()).await? {
        return Err(Error::Conflict(format!(
            "a webhook source called `{}` exists",
            new.name
        )));
    }
    let mut event = ctx.audit_event("webhook-source.add", format!("webhook-source:{}", new.name));
    event.payload = serde_json::json!({"kind": new.kind.as_str()});
    audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    let added = store::sources(ctx.pool())
        .await?
        .into_iter()
        .find(|s| s.name == new.name)
        .ok_or_else(|| Error::NotFound(format!("webhook source `{}`", new.name)))?;
    Ok(source_view(added))
}

/// Removes a webhook source: its sender's deliveries are refused from now on. Audited.
pub async fn remove_source(ctx: &Ctx, name: &str) -> Result<()> {
    ctx.authorize(Action::ManageEvents, Resource::DeliveryEvents)?;
    let mut tx = ctx.pool().begin().await?;
    let kind = store::remove_source(&mut tx, name)
        .await?
        .ok_or_else(|| Error::NotFound(format!("webhook source `{name}`")))?;
    let mut event = ctx.audit_event("webhook-source.remove", format!("webhook-source:{name}"));
    event.payload = serde_json::json!({"kind": kind});
    audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    Ok(())
}

/// The headers a webhook's credential and identity travel in.
#[derive(Debug, Clone, Default)]
pub struct WebhookHeaders {
    /// `X-Hub-Signature-256`
    pub github_signature: Option<String>,
    /// `X-GitHub-Event`
    pub github_event: Option<String>,
    /// `X-GitHub-Delivery`
    pub github_delivery: Option<String>,
    /// `X-Gitlab-Token`
    pub gitlab_token: Option<String>,
    /// `X-Gitlab-Event-UUID`
    pub gitlab_event_uuid: Option<String>,
    /// Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`.
    pub webhook_id: Option<String>,
    pub webhook_timestamp: Option<String>,
    pub webhook_signature: Option<String>,
}

/// The source whose secret the delivery is signed with, if any.
fn verified(
    kind: WebhookKind,
    secrets: &[(String, Vec<u8>)],
    h: &WebhookHeaders,
    body: &[u8],
) -> Option<String> {
    let now = Utc::now();
    secrets.iter().find_map(|(name, secret)| {
        let ok = match kind {
            WebhookKind::Github => h
                .github_signature
                .as_deref()
                .is_some_and(|sig| webhooks::github_signed(secret, body, sig)),
            WebhookKind::Gitlab => {
                h.gitlab_token.as_deref().is_some_and(|t| webhooks::gitlab_token(secret, t))
                    || matches!(
                        (&h.webhook_id, &h.webhook_timestamp, &h.webhook_signature),
                        (Some(id), Some(ts), Some(sig)) if webhooks::standard_signed(secret, id, ts, body, sig, now)
                    )
            }
        };
        ok.then(|| name.clone())
    })
}

/// A webhook delivery: verified against every secret of its kind (401, audited, when
/// none matches), deduplicated by its delivery id, read, matched to a catalog service
/// by the kind's project-slug annotation, stored like an API deployment.
pub async fn receive_webhook(
    ctx: &Ctx,
    kind: WebhookKind,
    h: &WebhookHeaders,
    body: &[u8],
) -> Result<IngestSummary> {
    let key = &ctx.services.scorecards.sealing_key;
    let secrets: Vec<(String, Vec<u8>)> = store::sealed_secrets(ctx.pool(), kind.as_str())
        .await?
        .into_iter()
        .filter_map(|(name, sealed)| match key.open(&sealed) {
            Some(secret) => Some((name, secret)),
            None => {
                tracing::warn!(source = %name, "a webhook secret cannot be opened (sealed under another PARKWAY_AUDIT_KEY): add the source again");
                None
            }
        })
        .collect();
    let Some(source) = verified(kind, &secrets, h, body) else {
        let reason = match kind {
            WebhookKind::Github if h.github_signature.is_none() => {
                "X-Hub-Signature-256 is missing".to_owned()
            }
            WebhookKind::Github => {
                "the X-Hub-Signature-256 signature matches no GitHub source's secret".to_owned()
            }
            WebhookKind::Gitlab if h.gitlab_token.is_none() && h.webhook_signature.is_none() => {
                "neither X-Gitlab-Token nor a webhook-signature is present".to_owned()
            }
            WebhookKind::Gitlab => "the token or signature matches no GitLab source's secret".to_owned(),
        };
        ctx.services.refusals.spawn(
            ctx.pool().clone(),
            crate::audit::security::Refusal {
                kind: crate::audit::security::RefusalKind::Webhook,
                actor: format!("webhook:{}", kind.as_str()),
                attempted: format!("POST /api/v1/webhooks/{}", kind.as_str()),
                target: format!("webhooks:{}", kind.as_str()),
                reason: reason.clone(),
                request_id: ctx.request_id.clone(),
            },
        );
        return Err(Error::Unauthenticated(reason));
    };
    let delivery = match kind {
        WebhookKind::Github => Some(h.github_delivery.clone().ok_or_else(|| Error::BadParameter {
            field: "X-GitHub-Delivery",
            reason: "missing: GitHub sends it with every delivery".into(),
        })?),
        WebhookKind::Gitlab => h.webhook_id.clone().or_else(|| h.gitlab_event_uuid.clone()),
    };
    let parsed = match kind {
        WebhookKind::Github => webhooks::github(h.github_event.as_deref().unwrap_or_default(), body),
        WebhookKind::Gitlab => webhooks::gitlab(body),
    }
    .map_err(|(field, reason)| Error::Malformed { field, reason })?;
    let mut tx = ctx.pool().begin().await?;
    if let Some(delivery) = &delivery
        && !store::first_delivery(&mut tx, kind.as_str(), delivery).await?
    {
        return Ok(IngestSummary {
            received: 1,
            duplicates: 1,
            ..IngestSummary::default()
        });
    }
    let reported = match parsed {
        webhooks::Delivery::Deployment(d) => d,
        webhooks::Delivery::Ignored(_) => {
            tx.commit().await?;
            return Ok(IngestSummary {
                received: 1,
                ..IngestSummary::default()
            });
        }
    };
    let now = Utc::now();
    let mut problems = Vec::new();
    for (field, at) in [
        ("finished_at", Some(reported.finished_at)),
        ("started_at", reported.started_at),
    ] {
        if let Some(reason) = at.and_then(|at| events::time_problem(&at, now)) {
            problems.push((field.to_owned(), reason));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid { problems });
    }
    let service = store::entity_by_annotation(&mut *tx, kind.annotation(), &reported.project).await?;
    let row = NewDeployment {
        id: reported.id,
        service_given: format!("{}:{}", kind.as_str(), reported.project),
        service,
        environment: reported.environment,
        status: reported.status,
        started_at: reported.started_at,
        finished_at: reported.finished_at,
        sha: reported.sha,
        url: reported.url,
        rework: false,
        changes: Vec::new(),
    };
    let matched = row.service.is_some();
    let stored = store::insert_deployments(
        &mut tx,
        kind.source(),
        std::slice::from_ref(&row),
        ctx.services.scorecards.link_window_seconds,
    )
    .await?;
    let summary = summary(1, &stored, std::iter::once((row.id.as_str(), matched)));
    let mut event = crate::audit::NewAuditEvent::new(
        format!("webhook:{source}"),
        "delivery.ingest",
        "events:deployments",
    );
    event.request_id = ctx.request_id.clone();
    event.payload = serde_json::json!({
        "source": kind.as_str(), "delivery": delivery, "stored": summary.stored,
        "duplicates": summary.duplicates, "unmatched": summary.unmatched,
    });
    audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    Ok(summary)
}
