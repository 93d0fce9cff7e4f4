//! Storage of delivery events and of what is computed from them: sqlx only, no
//! authorization. Writing events also links incidents and marks the (service, day)
//! aggregates they change as dirty, in the caller's transaction; the refresher
//! recomputes from those marks.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use parkway_types::scorecards::{DeploymentStatus, EventSource, LinkMethod};
use sqlx::{PgConnection, PgExecutor};

use super::{
    Result,
    figures::{DailyRow, Rollup, ServiceFigures},
};

/// A deployment as it is stored; `service` is the catalog key it matched, if any.
#[derive(Debug, Clone)]
pub struct NewDeployment {
    pub id: String,
    pub service: Option<String>,
    pub service_given: String,
    pub environment: String,
    pub status: DeploymentStatus,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: DateTime<Utc>,
    pub sha: Option<String>,
    pub url: Option<String>,
    pub rework: bool,
    pub changes: Vec<(String, DateTime<Utc>)>,
}

#[derive(Debug, Clone)]
pub struct NewIncident {
    pub id: String,
    pub service: Option<String>,
    pub service_given: String,
    pub opened_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub deployment: Option<String>,
    pub sha: Option<String>,
}

/// Which of `keys` are catalog entities.
pub async fn known_entities(db: impl PgExecutor<'_>, keys: &[String]) -> Result<HashSet<String>> {
    let rows = sqlx::query_scalar!("select key from catalog_entities where key = any($1)", keys)
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Which of `ids` are stored deployments.
pub async fn existing_deployments(db: impl PgExecutor<'_>, ids: &[String]) -> Result<HashSet<String>> {
    let rows = sqlx::query_scalar!("select id from delivery_deployments where id = any($1)", ids)
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Which of the services `keys` sent a deployment of their own (any source but an
/// observed rollout) finished since `since`.
pub async fn services_sending(
    db: impl PgExecutor<'_>,
    keys: &[String],
    since: DateTime<Utc>,
) -> Result<HashSet<String>> {
    let rows = sqlx::query_scalar!(
        r#"select distinct service as "service!" from delivery_deployments
           where service = any($1) and source <> 'cluster' and finished_at >= $2"#,
        keys,
        since,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().collect())
}

/// The names unmatched events were sent with (deployments' and incidents'), at most
/// `limit` of them.
pub async fn unmatched_names(db: impl PgExecutor<'_>, limit: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar!(
        r#"select given as "given!" from (
               select service_given as given from delivery_deployments where service is null
               union
               select service_given from delivery_incidents where service is null
           ) names order by given limit $1"#,
        limit,
    )
    .fetch_all(db)
    .await?)
}

/// Gives the unmatched events sent under each of `given` the entity `keys` (pairwise),
/// marks the days of the successful production deployments among them dirty, and
/// returns the incidents whose link may change: those matched now and those of the
/// services that gained deployments.
pub async fn assign_unmatched(
    conn: &mut PgConnection,
    given: &[String],
    keys: &[String],
) -> Result<(Matched, Vec<String>)> {
    let deployments = sqlx::query_scalar!(
        "update delivery_deployments d set service = m.key
         from unnest($1::text[], $2::text[]) as m(given, key)
         where d.service is null and d.service_given = m.given
         returning d.id",
        given,
        keys,
    )
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query!(
        "insert into delivery_dirty (service, day)
         select distinct service, (finished_at at time zone 'UTC')::date from delivery_deployments
         where id = any($1) and environment = 'production' and status = 'success'
         on conflict on constraint delivery_dirty_pkey do nothing",
        &deployments,
    )
    .execute(&mut *conn)
    .await?;
    let mut incidents = sqlx::query_scalar!(
        "update delivery_incidents i set service = m.key
         from unnest($1::text[], $2::text[]) as m(given, key)
         where i.service is null and i.service_given = m.given
         returning i.id",
        given,
        keys,
    )
    .fetch_all(&mut *conn)
    .await?;
    let matched = Matched {
        deployments: deployments.len(),
        incidents: incidents.len(),
    };
    incidents.extend(
        sqlx::query_scalar!(
            "select i.id from delivery_incidents i
             where i.service in (select service from delivery_deployments where id = any($1))",
            &deployments,
        )
        .fetch_all(&mut *conn)
        .await?,
    );
    incidents.sort_unstable();
    incidents.dedup();
    Ok((matched, incidents))
}

/// How many unmatched events found their entity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Matched {
    pub deployments: usize,
    pub incidents: usize,
}

/// Stores the deployments not stored before (by `id`) with their changes, marks the
/// days they change dirty and re-links the incidents they may explain. Returns the ids
/// stored now.
pub async fn insert_deployments(
    conn: &mut PgConnection,
    source: EventSource,
    rows: &[NewDeployment],
    link_window_seconds: i64,
) -> Result<Vec<String>> {
    let text = |f: fn(&NewDeployment) -> &str| rows.iter().map(f).collect::<Vec<&str>>();
    let optional = |f: fn(&NewDeployment) -> Option<&str>| rows.iter().map(f).collect::<Vec<Option<&str>>>();
    let stored: Vec<String> = sqlx::query_scalar!(
        "insert into delivery_deployments
             (id, source, service, service_given, environment, status, started_at, finished_at, sha, url, rework)
         select r.id, $1, r.service, r.service_given, r.environment, r.status, r.started_at, r.finished_at,
                r.sha, r.url, r.rework
         from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
                     $8::timestamptz[], $9::text[], $10::text[], $11::bool[])
              as r(id, service, service_given, environment, status, started_at, finished_at, sha, url, rework)
         on conflict on constraint delivery_deployments_pkey do nothing
         returning id",
        source.as_str(),
        text(|r| r.id.as_str()) as _,
        optional(|r| r.service.as_deref()) as _,
        text(|r| r.service_given.as_str()) as _,
        text(|r| r.environment.as_str()) as _,
        text(|r| r.status.as_str()) as _,
        &rows.iter().map(|r| r.started_at).collect::<Vec<_>>() as &[Option<DateTime<Utc>>],
        &rows.iter().map(|r| r.finished_at).collect::<Vec<_>>(),
        optional(|r| r.sha.as_deref()) as _,
        optional(|r| r.url.as_deref()) as _,
        &rows.iter().map(|r| r.rework).collect::<Vec<_>>(),
    )
    .fetch_all(&mut *conn)
    .await?;
    if stored.is_empty() {
        return Ok(stored);
    }
    let fresh: HashSet<&str> = stored.iter().map(String::as_str).collect();
    let mut deployments = Vec::new();
    let mut shas = Vec::new();
    let mut committed = Vec::new();
    let mut seen = HashSet::new();
    for row in rows.iter().filter(|r| fresh.contains(r.id.as_str())) {
        for (sha, at) in &row.changes {
            // A change listed twice in one deployment is one change.
            if seen.insert((row.id.as_str(), sha.as_str())) {
                deployments.push(row.id.as_str());
                shas.push(sha.as_str());
                committed.push(*at);
            }
        }
    }
    sqlx::query!(
        "insert into delivery_changes (deployment, sha, committed_at)
         select * from unnest($1::text[], $2::text[], $3::timestamptz[])
         on conflict on constraint delivery_changes_pkey do nothing",
        &deployments as _,
        &shas as _,
        &committed,
    )
    .execute(&mut *conn)
    .await?;
    // The days of these deployments, and of the deployments that carried their changes
    // first until now (a change's first deployment may move earlier).
    sqlx::query!(
        // Key lookups into an array, then the deployments by primary key: an `or` over
        // a sub-select, or a join the planner may turn into a hash join, scans every
        // deployment for every batch (1 s a batch at 200,000 deployments).
        "insert into delivery_dirty (service, day)
         select distinct d.service, (d.finished_at at time zone 'UTC')::date
         from delivery_deployments d
         where d.id = any(array(
                   select unnest($1::text[])
                   union
                   select c.deployment from unnest($2::text[]) s(sha) join delivery_changes c on c.sha = s.sha))
           and d.service is not null and d.environment = 'production' and d.status = 'success'
         on conflict on constraint delivery_dirty_pkey do nothing",
        &stored,
        &shas as _,
    )
    .execute(&mut *conn)
    .await?;
    // Incidents these deployments may explain: those naming them or their commits, and
    // those of the same services opened within the link window after one.
    let mut named_shas: BTreeSet<&str> = shas.iter().copied().collect();
    named_shas.extend(
        rows.iter()
            .filter(|r| fresh.contains(r.id.as_str()))
            .filter_map(|r| r.sha.as_deref()),
    );
    let named_shas: Vec<&str> = named_shas.into_iter().collect();
    let candidates = sqlx::query_scalar!(
        // Each way an incident can point at them is its own indexed lookup.
        r#"with fresh as (
             select service, finished_at from delivery_deployments
             where id = any($1) and service is not null and environment = 'production' and status = 'success'
         )
         select i.id as "id!" from delivery_incidents i where i.deployment_given = any($1)
         union
         select i.id from (select distinct service from fresh) f
         join delivery_incidents i on i.service = f.service
         where i.sha_given = any($2)
         union
         select i.id from fresh f
         join delivery_incidents i on i.service = f.service
          and i.opened_at >= f.finished_at
          and i.opened_at <= f.finished_at + make_interval(secs => $3)
         where i.link is distinct from 'deployment'"#,
        &stored,
        &named_shas as _,
        link_window_seconds as f64,
    )
    .fetch_all(&mut *conn)
    .await?;
    relink(conn, &candidates, link_window_seconds).await?;
    Ok(stored)
}

/// Stores the incidents not stored before and links them. Returns the ids stored now.
pub async fn insert_incidents(
    conn: &mut PgConnection,
    source: EventSource,
    rows: &[NewIncident],
    link_window_seconds: i64,
) -> Result<Vec<String>> {
    let optional = |f: fn(&NewIncident) -> Option<&str>| rows.iter().map(f).collect::<Vec<Option<&str>>>();
    let stored: Vec<String> = sqlx::query_scalar!(
        "insert into delivery_incidents
             (id, source, service, service_given, opened_at, resolved_at, deployment_given, sha_given)
         select r.id, $1, r.service, r.service_given, r.opened_at, r.resolved_at, r.deployment, r.sha
         from unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::text[])
              as r(id, service, service_given, opened_at, resolved_at, deployment, sha)
         on conflict on constraint delivery_incidents_pkey do nothing
         returning id",
        source.as_str(),
        &rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>() as _,
        optional(|r| r.service.as_deref()) as _,
        &rows.iter().map(|r| r.service_given.as_str()).collect::<Vec<_>>() as _,
        &rows.iter().map(|r| r.opened_at).collect::<Vec<_>>(),
        &rows.iter().map(|r| r.resolved_at).collect::<Vec<_>>() as &[Option<DateTime<Utc>>],
        optional(|r| r.deployment.as_deref()) as _,
        optional(|r| r.sha.as_deref()) as _,
    )
    .fetch_all(&mut *conn)
    .await?;
    relink(conn, &stored, link_window_seconds).await?;
    Ok(stored)
}

/// Links each incident to the deployment that caused it: the one it names, else the
/// first successful production deployment of its service that carries the commit it
/// names, else the latest successful production deployment of its service finished
/// at most the window before it opened. Marks the days of the deployments that gain
/// or lose an incident dirty.
pub async fn relink(conn: &mut PgConnection, incidents: &[String], link_window_seconds: i64) -> Result<()> {
    if incidents.is_empty() {
        return Ok(());
    }
    sqlx::query!(
        "with picked as (
             select i.id, i.deployment as old, l.deployment as new, l.link
             from delivery_incidents i
             left join lateral (
                 select * from (
                     select d.id as deployment, 'deployment' as link, 1 as rank
                     from delivery_deployments d where d.id = i.deployment_given
                     union all
                     (select d.id, 'sha', 2 from delivery_deployments d
                      where i.sha_given is not null and d.service = i.service
                        and d.environment = 'production' and d.status = 'success'
                        and d.id in (
                                select c.deployment from delivery_changes c where c.sha = i.sha_given
                                union all
                                select d2.id from delivery_deployments d2 where d2.sha = i.sha_given)
                      order by d.finished_at, d.id limit 1)
                     union all
                     (select d.id, 'window', 3 from delivery_deployments d
                      where d.service = i.service and d.environment = 'production' and d.status = 'success'
                        and d.finished_at <= i.opened_at
                        and d.finished_at >= i.opened_at - make_interval(secs => $2)
                      order by d.finished_at desc, d.id desc limit 1)
                 ) candidates order by rank limit 1
             ) l on true
             where i.id = any($1)
             for update of i
         ),
         changed as (
             update delivery_incidents i set deployment = p.new, link = p.link
             from picked p
             where i.id = p.id and (i.deployment is distinct from p.new or i.link is distinct from p.link)
             returning p.old, p.new
         ),
         touched as (
             select old as id from changed where old is not null
             union select new from changed where new is not null
             -- A new incident on a deployment that kept its link still changes its day.
             union select p.new from picked p where p.new is not null
         )
         insert into delivery_dirty (service, day)
         select distinct d.service, (d.finished_at at time zone 'UTC')::date
         from touched t join delivery_deployments d on d.id = t.id
         where d.service is not null and d.environment = 'production' and d.status = 'success'
         on conflict on constraint delivery_dirty_pkey do nothing",
        incidents,
        link_window_seconds as f64,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The event tables whose statistics [`analyze_grown`] keeps fresh, each with its
/// statement (fixed text: nothing from outside reaches it).
const EVENT_TABLES: [(&str, &str); 5] = [
    ("delivery_deployments", "analyze delivery_deployments"),
    ("delivery_changes", "analyze delivery_changes"),
    ("delivery_incidents", "analyze delivery_incidents"),
    ("delivery_daily", "analyze delivery_daily"),
    ("delivery_dirty", "analyze delivery_dirty"),
];

/// Re-reads the statistics of the event tables that grew by a fifth (and at least
/// 10,000 rows) since they were last analyzed. A bulk ingestion outruns autovacuum
/// (which wakes once a minute, and is off on some machines), and on stale statistics
/// Postgres plans the per-batch key lookups as scans of the whole table: ingestion
/// fell from thousands of events a second to a few hundred. Returns the tables
/// analyzed. A role that does not own the tables gets a warning from Postgres and
/// nothing else: then autovacuum has to do it.
pub async fn analyze_grown(pool: &sqlx::PgPool) -> Result<Vec<String>> {
    let grown: Vec<String> = sqlx::query_scalar!(
        r#"select relname as "relname!" from pg_stat_user_tables
           where relname = any($1) and schemaname = current_schema()
             and n_mod_since_analyze > greatest(10000, n_live_tup / 5)"#,
        &EVENT_TABLES.map(|(table, _)| table.to_owned()) as &[String],
    )
    .fetch_all(pool)
    .await?;
    for table in &grown {
        if let Some((_, analyze)) = EVENT_TABLES.iter().find(|(t, _)| *t == table.as_str()) {
            sqlx::query(*analyze).execute(pool).await?;
        }
    }
    Ok(grown)
}

/// Takes up to `limit` dirty (service, day) marks, skipping those another refresher
/// holds. They are gone when the caller's transaction commits.
pub async fn claim_dirty(conn: &mut PgConnection, limit: i64) -> Result<Vec<(String, NaiveDate)>> {
    let rows = sqlx::query!(
        "delete from delivery_dirty where (service, day) in (
             select service, day from delivery_dirty order by service, day limit $1 for update skip locked)
         returning service, day",
        limit,
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.service, r.day)).collect())
}

/// Recomputes the aggregates of the given (service, day) pairs from the events.
pub async fn recompute_daily(conn: &mut PgConnection, pairs: &[(String, NaiveDate)]) -> Result<()> {
    let services: Vec<&str> = pairs.iter().map(|(s, _)| s.as_str()).collect();
    let days: Vec<NaiveDate> = pairs.iter().map(|(_, d)| *d).collect();
    sqlx::query!(
        "with pairs as (select * from unnest($1::text[], $2::date[]) as p(service, day)),
         deps as (
             select p.service, p.day, d.id, d.finished_at, d.rework
             from pairs p join delivery_deployments d on d.service = p.service
              and d.finished_at >= p.day::timestamp at time zone 'UTC'
              and d.finished_at < (p.day + 1)::timestamp at time zone 'UTC'
              and d.environment = 'production' and d.status = 'success'
         ),
         incidents as (
             select d.id, count(*) filter (where i.resolved_at is null) as open,
                    max(i.resolved_at) as last_resolved
             from deps d join delivery_incidents i on i.deployment = d.id group by d.id
         ),
         lead as (
             select d.service, d.day,
                    array_agg(extract(epoch from d.finished_at - c.committed_at)::integer) as seconds
             from deps d join delivery_changes c on c.deployment = d.id
             where c.committed_at < d.finished_at
               and not exists (
                   select 1 from delivery_changes c2 join delivery_deployments d2 on d2.id = c2.deployment
                   where c2.sha = c.sha and d2.service = d.service
                     and d2.environment = 'production' and d2.status = 'success'
                     and (d2.finished_at, d2.id) < (d.finished_at, d.id))
             group by d.service, d.day
         ),
         per_day as (
             select p.service, p.day,
                    count(d.id)::integer as deployments,
                    count(d.id) filter (where d.rework)::integer as rework,
                    count(i.id)::integer as failed,
                    count(i.id) filter (where i.open > 0)::integer as open_failures,
                    coalesce(array_agg(greatest(extract(epoch from i.last_resolved - d.finished_at), 0)::integer)
                             filter (where i.id is not null and i.open = 0), '{}') as recoveries,
                    coalesce(min(l.seconds), '{}') as lead_times
             from pairs p
             left join deps d on d.service = p.service and d.day = p.day
             left join incidents i on i.id = d.id
             left join lead l on l.service = p.service and l.day = p.day
             group by p.service, p.day
         ),
         gone as (
             delete from delivery_daily dd using per_day pd
             where dd.service = pd.service and dd.day = pd.day and pd.deployments = 0
         )
         insert into delivery_daily (service, day, deployments, rework, failed, open_failures, lead_times, recoveries)
         select service, day, deployments, rework, failed, open_failures, lead_times, recoveries
         from per_day where deployments > 0
         on conflict on constraint delivery_daily_pkey do update set
             deployments = excluded.deployments, rework = excluded.rework, failed = excluded.failed,
             open_failures = excluded.open_failures, lead_times = excluded.lead_times,
             recoveries = excluded.recoveries",
        &services as _,
        &days,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The days of `services` from `from` on (every service with data when `services` is
/// `None`).
pub async fn daily_rows(
    db: impl PgExecutor<'_>,
    services: Option<&[String]>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<String, Vec<DailyRow>>> {
    let rows = sqlx::query!(
        "select service, day, deployments, rework, failed, open_failures, lead_times, recoveries
         from delivery_daily
         where ($1::text[] is null or service = any($1)) and day >= $2 and day <= $3",
        services,
        from,
        to,
    )
    .fetch_all(db)
    .await?;
    let mut by_service: HashMap<String, Vec<DailyRow>> = HashMap::new();
    for r in rows {
        by_service.entry(r.service).or_default().push(DailyRow {
            day: r.day,
            deployments: r.deployments,
            rework: r.rework,
            failed: r.failed,
            open_failures: r.open_failures,
            lead_times: r.lead_times,
            recoveries: r.recoveries,
        });
    }
    Ok(by_service)
}

/// Services with any day from `from` on.
pub async fn services_with_data(db: impl PgExecutor<'_>, from: NaiveDate) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar!(
        "select distinct service from delivery_daily where day >= $1",
        from
    )
    .fetch_all(db)
    .await?)
}

/// Replaces the stored figures of each service in `figures` (every period of it).
pub async fn write_service_figures(
    conn: &mut PgConnection,
    as_of: NaiveDate,
    services: &[String],
    figures: &[(String, String, ServiceFigures)],
) -> Result<()> {
    sqlx::query!(
        "delete from scorecard_service_figures where service = any($1)",
        services
    )
    .execute(&mut *conn)
    .await?;
    let col = |f: fn(&ServiceFigures) -> i64| figures.iter().map(|(_, _, x)| f(x)).collect::<Vec<i64>>();
    sqlx::query!(
        "insert into scorecard_service_figures
             (service, period, as_of, deployments, deploy_days_per_week_median, lead_time_median, failed,
              open_failures, recovery_median, rework)
         select r.service, r.period, $3, r.deployments::integer, r.deploy_days, r.lead_time, r.failed::integer,
                r.open_failures::integer, r.recovery, r.rework::integer
         from unnest($1::text[], $2::text[], $4::int8[], $5::float8[], $6::int8[], $7::int8[], $8::int8[],
                     $9::int8[], $10::int8[])
              as r(service, period, deployments, deploy_days, lead_time, failed, open_failures, recovery, rework)",
        &figures.iter().map(|(s, _, _)| s.as_str()).collect::<Vec<_>>() as _,
        &figures.iter().map(|(_, p, _)| p.as_str()).collect::<Vec<_>>() as _,
        as_of,
        &col(|f| f.deployments),
        &figures.iter().map(|(_, _, f)| f.deploy_days_per_week_median).collect::<Vec<_>>() as &[Option<f64>],
        &figures.iter().map(|(_, _, f)| f.lead_time_median).collect::<Vec<_>>() as &[Option<i64>],
        &col(|f| f.failed),
        &col(|f| f.open_failures),
        &figures.iter().map(|(_, _, f)| f.recovery_median).collect::<Vec<_>>() as &[Option<i64>],
        &col(|f| f.rework),
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Stored figures of one period: of the given services, or of all.
pub async fn service_figures(
    db: impl PgExecutor<'_>,
    period: &str,
    services: Option<&[String]>,
) -> Result<HashMap<String, ServiceFigures>> {
    Ok(figures_of(db, std::slice::from_ref(&period.to_owned()), services)
        .await?
        .into_iter()
        .map(|((service, _), f)| (service, f))
        .collect())
}

/// The stored figures of the given services (all when `None`) for several periods
/// in one query, by (service, period).
pub async fn figures_of(
    db: impl PgExecutor<'_>,
    periods: &[String],
    services: Option<&[String]>,
) -> Result<HashMap<(String, String), ServiceFigures>> {
    let rows = sqlx::query!(
        "select service, period, deployments, deploy_days_per_week_median, lead_time_median, failed,
                open_failures, recovery_median, rework
         from scorecard_service_figures where period = any($1) and ($2::text[] is null or service = any($2))",
        periods,
        services,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                (r.service, r.period),
                ServiceFigures {
                    deployments: i64::from(r.deployments),
                    deploy_days_per_week_median: r.deploy_days_per_week_median,
                    lead_time_median: r.lead_time_median,
                    failed: i64::from(r.failed),
                    open_failures: i64::from(r.open_failures),
                    recovery_median: r.recovery_median,
                    rework: i64::from(r.rework),
                },
            )
        })
        .collect())
}

/// Where a service sits in the organisation: its owning team and business unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub service: String,
    pub title: String,
    pub team: Option<String>,
    pub unit: Option<String>,
}

/// Membership of the given services (all catalog components when `None`).
pub async fn members(db: impl PgExecutor<'_>, services: Option<&[String]>) -> Result<Vec<Member>> {
    let rows = sqlx::query!(
        "select key, coalesce(title, name) as \"title!\", owner, business_unit from catalog_entities
         where ($1::text[] is null or key = any($1)) and orphaned_at is null",
        services,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Member {
            service: r.key,
            title: r.title,
            team: r.owner,
            unit: r.business_unit,
        })
        .collect())
}

/// Titles of catalog entities, for tables.
pub async fn titles(db: impl PgExecutor<'_>, keys: &[String]) -> Result<HashMap<String, String>> {
    let rows = sqlx::query!(
        "select key, coalesce(title, name) as \"title!\" from catalog_entities where key = any($1)",
        keys
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.key, r.title)).collect())
}

/// Replaces every roll-up.
pub async fn write_rollups(conn: &mut PgConnection, rollups: &[(String, String, Rollup)]) -> Result<()> {
    let json = rollups
        .iter()
        .map(|(_, _, r)| serde_json::to_value(r))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| super::Error::Internal(format!("roll-up as JSON: {e}")))?;
    sqlx::query!("delete from scorecard_rollups")
        .execute(&mut *conn)
        .await?;
    sqlx::query!(
        "insert into scorecard_rollups (scope, period, rollup)
         select * from unnest($1::text[], $2::text[], $3::jsonb[])",
        &rollups.iter().map(|(s, _, _)| s.as_str()).collect::<Vec<_>>() as _,
        &rollups.iter().map(|(_, p, _)| p.as_str()).collect::<Vec<_>>() as _,
        &json,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Stored roll-ups of `scopes` for `periods`, and when they were computed.
pub async fn rollups(
    db: impl PgExecutor<'_>,
    scopes: &[String],
    periods: &[String],
) -> Result<(HashMap<(String, String), Rollup>, Option<DateTime<Utc>>)> {
    let rows = sqlx::query!(
        "select scope, period, rollup, refreshed_at from scorecard_rollups
         where scope = any($1) and period = any($2)",
        scopes,
        periods,
    )
    .fetch_all(db)
    .await?;
    let mut newest = None;
    let mut out = HashMap::new();
    for r in rows {
        let rollup: Rollup = serde_json::from_value(r.rollup)
            .map_err(|e| super::Error::Internal(format!("stored roll-up {} {}: {e}", r.scope, r.period)))?;
        newest = newest.max(Some(r.refreshed_at));
        out.insert((r.scope, r.period), rollup);
    }
    Ok((out, newest))
}

/// The day the stored figures were computed for, and when roll-ups were last written.
pub async fn state(db: impl PgExecutor<'_>) -> Result<Option<(NaiveDate, Option<DateTime<Utc>>)>> {
    Ok(sqlx::query!("select as_of, rollups_at from scorecard_state")
        .fetch_optional(db)
        .await?
        .map(|r| (r.as_of, r.rollups_at)))
}

pub async fn set_state(db: impl PgExecutor<'_>, as_of: NaiveDate, rollups_at: DateTime<Utc>) -> Result<()> {
    sqlx::query!(
        "insert into scorecard_state (id, as_of, rollups_at) values (true, $1, $2)
         on conflict on constraint scorecard_state_pkey do update set as_of = excluded.as_of, rollups_at = excluded.rollups_at",
        as_of,
        rollups_at,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A deployment as tables list it.
#[derive(Debug, Clone)]
pub struct DeploymentRecord {
    pub id: String,
    pub source: String,
    pub service: Option<String>,
    pub service_given: String,
    pub environment: String,
    pub status: String,
    pub finished_at: DateTime<Utc>,
    pub sha: Option<String>,
    pub url: Option<String>,
    pub changes: i64,
    pub incidents: i64,
}

/// The latest deployments of a service (or the unmatched ones when `service` is
/// `None`), newest first.
pub async fn deployments(
    db: impl PgExecutor<'_>,
    service: Option<&str>,
    limit: i64,
) -> Result<Vec<DeploymentRecord>> {
    let rows = sqlx::query!(
        "select d.id, d.source, d.service, d.service_given, d.environment, d.status, d.finished_at, d.sha, d.url,
                (select count(*) from delivery_changes c where c.deployment = d.id) as \"changes!\",
                (select count(*) from delivery_incidents i where i.deployment = d.id) as \"incidents!\"
         from delivery_deployments d
         where ($1::text is not null and d.service = $1) or ($1::text is null and d.service is null)
         order by d.finished_at desc, d.id desc limit $2",
        service,
        limit,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| DeploymentRecord {
            id: r.id,
            source: r.source,
            service: r.service,
            service_given: r.service_given,
            environment: r.environment,
            status: r.status,
            finished_at: r.finished_at,
            sha: r.sha,
            url: r.url,
            changes: r.changes,
            incidents: r.incidents,
        })
        .collect())
}

#[derive(Debug, Clone)]
pub struct IncidentRecord {
    pub id: String,
    pub source: String,
    pub service: Option<String>,
    pub service_given: String,
    pub opened_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub deployment: Option<String>,
    pub link: Option<LinkMethod>,
}

/// The latest incidents of a service (or the unmatched ones), newest first.
pub async fn incidents(
    db: impl PgExecutor<'_>,
    service: Option<&str>,
    limit: i64,
) -> Result<Vec<IncidentRecord>> {
    let rows = sqlx::query!(
        "select id, source, service, service_given, opened_at, resolved_at, deployment, link
         from delivery_incidents
         where ($1::text is not null and service = $1) or ($1::text is null and service is null)
         order by opened_at desc, id desc limit $2",
        service,
        limit,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| IncidentRecord {
            id: r.id,
            source: r.source,
            service: r.service,
            service_given: r.service_given,
            opened_at: r.opened_at,
            resolved_at: r.resolved_at,
            deployment: r.deployment,
            link: r.link.and_then(|l| l.parse().ok()),
        })
        .collect())
}

/// A webhook source as admins see it (never its secret).
#[derive(Debug, Clone)]
pub struct SourceRecord {
    pub name: String,
    pub kind: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

pub async fn sources(db: impl PgExecutor<'_>) -> Result<Vec<SourceRecord>> {
    let rows = sqlx::query!("select name, kind, created_by, created_at from delivery_sources order by name")
        .fetch_all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| SourceRecord {
            name: r.name,
            kind: r.kind,
            created_by: r.created_by,
            created_at: r.created_at,
        })
        .collect())
}

/// Every source of `kind` with its sealed secret.
pub async fn sealed_secrets(db: impl PgExecutor<'_>, kind: &str) -> Result<Vec<(String, Vec<u8>)>> {
    let rows = sqlx::query!(
        "select name, secret_sealed from delivery_sources where kind = $1 order by name",
        kind
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.name, r.secret_sealed)).collect())
}

/// Adds a source; `false` when the name is taken.
pub async fn add_source(
    conn: &mut PgConnection,
    name: &str,
    kind: &str,
    sealed: &[u8],
    by: &str,
) -> Result<bool> {
    let done = sqlx::query!(
        "insert into delivery_sources (name, kind, secret_sealed, created_by) values ($1, $2, $3, $4)
         on conflict on constraint delivery_sources_pkey do nothing",
        name,
        kind,
        sealed,
        by,
    )
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes a source; `None` when there was none, else its kind.
pub async fn remove_source(conn: &mut PgConnection, name: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar!(
        "delete from delivery_sources where name = $1 returning kind",
        name
    )
    .fetch_optional(&mut *conn)
    .await?)
}

/// Records a delivery id; `false` when it was received before (a replay).
pub async fn first_delivery(conn: &mut PgConnection, kind: &str, delivery: &str) -> Result<bool> {
    let done = sqlx::query!(
        "insert into delivery_webhook_deliveries (kind, delivery) values ($1, $2)
         on conflict on constraint delivery_webhook_deliveries_pkey do nothing",
        kind,
        delivery,
    )
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The catalog entity whose `annotation` (e.g. `github.com/project-slug`) is `slug`.
pub async fn entity_by_annotation(
    db: impl PgExecutor<'_>,
    annotation: &str,
    slug: &str,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar!(
        "select key from catalog_entities
         where body->'metadata'->'annotations'->>$1 = $2 and orphaned_at is null
         order by (kind = 'component') desc, key limit 1",
        annotation,
        slug,
    )
    .fetch_optional(db)
    .await?)
}
