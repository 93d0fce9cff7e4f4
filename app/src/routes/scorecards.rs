//! `/scorecards` and its drill-downs (`/scorecards/units/{bu}`, `/teams/{team}`,
//! `/services/{ref}`): the four DORA keys with their bands and report year, 26-week
//! trends, the children's figures with their band distributions, and for a service
//! the deployments and incidents (with how each was linked) behind the numbers.
//! Everything is server-rendered and works without JavaScript.

mod chart;
mod governance;
pub mod maturity;

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use parkway_types::scorecards::{
    Band, DoraKey, ReportYear, ScorecardTable, Window, duration_words, page_href, percent_words, table_href,
};

use self::chart::{BandBar, TrendChart};
use self::governance::GovernanceKeys;
use self::maturity::MaturitySection;
use crate::components::loaded::loaded;
use crate::components::page::{Crumb, PageHeader};
use crate::components::style::{CARD, CARD_TITLE, CHOICE_OFF, CHOICE_ON, FOCUS_RING, LINK, TD, TERM};
use crate::components::table::{Column, DataTable};
use crate::serverfns::AppError;
use crate::serverfns::scorecards::{
    BandRule, ChildRow, DeploymentRow, DoraFigures, IncidentRow, ScorecardPage, TrendPoint, load_scorecard,
};

pub fn band_class(band: Option<Band>) -> &'static str {
    match band {
        Some(Band::Elite) => {
            "inline-flex rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200"
        }
        Some(Band::High) => {
            "inline-flex rounded-full bg-sky-100 px-2 py-0.5 text-xs font-medium text-sky-900 dark:bg-sky-950 dark:text-sky-200"
        }
        Some(Band::Medium) => {
            "inline-flex rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-950 dark:text-amber-200"
        }
        Some(Band::Low) => {
            "inline-flex rounded-full bg-red-100 px-2 py-0.5 text-xs font-medium text-red-900 dark:bg-red-950 dark:text-red-200"
        }
        None => {
            "inline-flex rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700 dark:bg-slate-800 dark:text-slate-200"
        }
    }
}

fn band_badge(band: Option<Band>) -> impl IntoView {
    view! { <span class=band_class(band)>{band.map_or("No value", Band::label)}</span> }
}

/// A key's value as people read it.
fn shown(key: DoraKey, f: &DoraFigures) -> String {
    match key {
        DoraKey::DeploymentFrequency => f
            .deploy_days_per_week_median
            .map(|d| format!("{d:.1} days/week"))
            .unwrap_or_else(|| "—".into()),
        DoraKey::LeadTime => f
            .lead_time_median_seconds
            .map(duration_words)
            .unwrap_or_else(|| "—".into()),
        DoraKey::ChangeFailureRate => f
            .change_failure_rate
            .map(percent_words)
            .unwrap_or_else(|| "—".into()),
        DoraKey::RecoveryTime => f
            .recovery_time_median_seconds
            .map(duration_words)
            .unwrap_or_else(|| "—".into()),
    }
}

fn trend_value(key: DoraKey, p: &TrendPoint) -> (Option<f64>, String) {
    match key {
        DoraKey::DeploymentFrequency => (
            p.deploy_days_per_week_median,
            p.deploy_days_per_week_median
                .map(|d| format!("{d:.1} deployment days"))
                .unwrap_or_else(|| "no deployments".into()),
        ),
        DoraKey::LeadTime => (
            p.lead_time_median_seconds.map(|v| v as f64),
            p.lead_time_median_seconds
                .map(duration_words)
                .unwrap_or_else(|| "—".into()),
        ),
        DoraKey::ChangeFailureRate => (
            p.change_failure_rate,
            p.change_failure_rate
                .map(percent_words)
                .unwrap_or_else(|| "—".into()),
        ),
        DoraKey::RecoveryTime => (
            p.recovery_time_median_seconds.map(|v| v as f64),
            p.recovery_time_median_seconds
                .map(duration_words)
                .unwrap_or_else(|| "—".into()),
        ),
    }
}

/// What each key means, as the README defines it.
fn definition(key: DoraKey) -> &'static str {
    match key {
        DoraKey::DeploymentFrequency => {
            "Successful production deployments; banded by the median number of distinct deployment days per week in the window."
        }
        DoraKey::LeadTime => {
            "Per change, from its commit to the end of the first successful production deployment that carries it; the median over changes (non-positive differences excluded)."
        }
        DoraKey::ChangeFailureRate => {
            "Successful production deployments with at least one linked incident ÷ successful production deployments; a deployment with several incidents counts once."
        }
        DoraKey::RecoveryTime => {
            "Per failed deployment, from its end to the latest resolution of its linked incidents; the median over failed deployments (unresolved ones reported as open)."
        }
    }
}

const KEY_IDS: [&str; 4] = [
    "trend-frequency",
    "trend-lead-time",
    "trend-failure-rate",
    "trend-recovery",
];

/// The enterprise page.
#[component]
pub fn ScorecardsPage() -> impl IntoView {
    view! { <ScorecardView level="enterprise" /> }
}

#[component]
pub fn UnitScorecardPage() -> impl IntoView {
    view! { <ScorecardView level="units" /> }
}

#[component]
pub fn TeamScorecardPage() -> impl IntoView {
    view! { <ScorecardView level="teams" /> }
}

#[component]
pub fn ServiceScorecardPage() -> impl IntoView {
    view! { <ScorecardView level="services" /> }
}

#[component]
fn ScorecardView(level: &'static str) -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let page = Resource::new(
        move || {
            (
                params.with(|p| p.get("entity")).unwrap_or_default(),
                query.with(|q| q.get("window")).unwrap_or_default(),
                query.with(|q| q.get("year")).unwrap_or_default(),
            )
        },
        move |(entity, window, year)| load_scorecard(level.to_owned(), entity, window, year),
    );
    view! {
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-600 dark:text-slate-300">"Loading…"</p> }
        }>
            {move || loaded(async move {
                let p = page.await?;
                Ok::<_, AppError>(view! { <Scorecard p /> })
            })}
        </Suspense>
    }
}

/// `?window=…&year=…` for this page with one of them changed.
fn href_with(path: &str, window: Window, year: ReportYear) -> String {
    format!("{path}?window={}&year={}", window.as_str(), year.as_str())
}

#[component]
fn Scorecard(p: ScorecardPage) -> impl IntoView {
    let segment = match (p.entity.is_some(), p.level.as_str()) {
        (false, _) => "enterprise",
        (true, "unit") => "units",
        (true, "team") => "teams",
        (true, _) => "services",
    };
    let path = match &p.entity {
        None => "/scorecards".to_owned(),
        Some(key) => page_href(segment, key),
    };
    let csv = {
        let key = p.entity.clone();
        let (window, year) = (p.window, p.report_year);
        move |table| table_href(segment, key.as_deref(), window, year, table)
    };
    let trail: Vec<Crumb> = p
        .parents
        .iter()
        .map(|(label, href)| Crumb {
            label: label.clone().into(),
            href: href.clone().into(),
        })
        .collect();
    let description = match p.level.as_str() {
        "enterprise" => {
            "Delivery across the enterprise: the four DORA keys, each business unit's medians and band distributions, and 26-week trends. Above a service every figure is a median of its children's figures, never a mean of raw events."
        }
        "unit" => "A business unit's delivery: the median of its teams' figures, and each team's.",
        "team" => "A team's delivery: the median of its services' figures, and each service's.",
        _ => "A service's delivery figures, and the deployments and incidents behind them.",
    };
    let window_links = Window::ALL
        .iter()
        .map(|w| {
            let on = *w == p.window;
            let class = if on { CHOICE_ON } else { CHOICE_OFF };
            view! {
                <a
                    href=href_with(&path, *w, p.report_year)
                    class=format!("{class} {FOCUS_RING}")
                    aria-current=on.then_some("page")
                >
                    {w.label()}
                </a>
            }
        })
        .collect_view();
    let year_links = ReportYear::ALL
        .iter()
        .map(|y| {
            let on = *y == p.report_year;
            let class = if on { CHOICE_ON } else { CHOICE_OFF };
            view! {
                <a
                    href=href_with(&path, p.window, *y)
                    class=format!("{class} {FOCUS_RING}")
                    aria-current=on.then_some("page")
                >
                    {format!("DORA {}", y.as_str())}
                </a>
            }
        })
        .collect_view();
    let f = p.figures.clone();
    let rollup = p.level != "service";
    let cards = DoraKey::ALL
        .iter()
        .map(|key| {
            let key = *key;
            let band = f.bands.of(key);
            let shares = f.band_shares.of(key).to_owned();
            let extra = match key {
                DoraKey::DeploymentFrequency => format!("{} deployments", f.deployments),
                DoraKey::ChangeFailureRate => format!("{} failed of {}", f.failed_deployments, f.deployments),
                DoraKey::RecoveryTime if f.open_failures > 0 => format!("{} still open", f.open_failures),
                DoraKey::RecoveryTime if f.failed_deployments == 0 => "no failed deployments".to_owned(),
                _ => String::new(),
            };
            view! {
                <section class=CARD aria-label=key.label()>
                    <h2 class="text-sm font-medium text-slate-600 dark:text-slate-300">{key.label()}</h2>
                    <p class="mt-2 text-2xl font-semibold text-slate-900 dark:text-white">{shown(key, &f)}</p>
                    <p class="mt-2 flex items-center gap-2 text-xs text-slate-600 dark:text-slate-300">
                        {band_badge(band)} <span>{extra}</span>
                    </p>
                    {rollup
                        .then(|| {
                            view! {
                                <div class="mt-3">
                                    <BandBar counts=shares />
                                </div>
                            }
                        })}
                </section>
            }
        })
        .collect_view();
    let trends = DoraKey::ALL
        .iter()
        .zip(KEY_IDS)
        .map(|(key, id)| {
            let points = p
                .trend
                .iter()
                .map(|t| {
                    let (v, s) = trend_value(*key, t);
                    (t.week.clone(), v, s)
                })
                .collect();
            view! {
                <div>
                    <h3 class="text-sm font-medium text-slate-700 dark:text-slate-200">{key.label()}</h3>
                    <TrendChart id title=key.label() points />
                </div>
            }
        })
        .collect_view();
    let refreshed = p
        .refreshed_at
        .clone()
        .map(|t| {
            format!(
                "Figures refreshed {} UTC.",
                t.get(..16).unwrap_or(&t).replace('T', " ")
            )
        })
        .unwrap_or_else(|| "No figures yet: they appear once deployment events arrive.".into());
    let period = format!(
        "{} to {} · bands of the DORA {} report",
        f.from,
        f.to,
        p.report_year.as_str()
    );
    let services_line = match (p.level.as_str(), f.services) {
        ("service", _) => String::new(),
        (_, 1) => " · 1 service with deployments in the window.".to_owned(),
        (_, n) => format!(" · {n} services with deployments in the window."),
    };
    let children = p.children.clone();
    let children_label = p.children_label.clone();
    let has_children = p.level != "service";
    let rules = p.band_rules.clone();
    view! {
        <PageHeader title=p.title.clone() description trail />
        <div class="mt-4 flex flex-wrap items-center gap-4">
            <nav aria-label="Window" class="flex gap-2">
                {window_links}
            </nav>
            <nav aria-label="Report year" class="flex gap-2">
                {year_links}
            </nav>
            <a class=format!("{LINK} text-sm") href="/scorecards/maturity">
                "Maturity scorecards"
            </a>
        </div>
        <p class="mt-3 text-sm text-slate-600 dark:text-slate-300" data-testid="report-year">
            {period}
            {services_line}
            " "
            {refreshed}
        </p>
        <div class="mt-4 grid gap-4 sm:grid-cols-2 xl:grid-cols-4">{cards}</div>
        <section class=format!("{CARD} mt-6") aria-labelledby="trends-title">
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <h2 id="trends-title" class=CARD_TITLE>
                    "26-week trends"
                </h2>
                <a
                    href=csv(ScorecardTable::Trend)
                    class=format!("{LINK} {FOCUS_RING} rounded text-xs")
                    download
                    aria-label="Download CSV: weekly trends"
                >
                    "Download CSV"
                </a>
            </div>
            <div class="mt-2 grid gap-6 sm:grid-cols-2">{trends}</div>
        </section>
        {has_children
            .then(|| {
                view! {
                    <section class=format!("{CARD} mt-6") aria-labelledby="children-title">
                        <h2 id="children-title" class=CARD_TITLE>
                            {format!("By {}", children_label.to_lowercase())}
                        </h2>
                        <Children
                            rows=children
                            label=children_label.clone()
                            csv=csv(ScorecardTable::Children)
                        />
                    </section>
                }
            })}
        {(p.level == "service")
            .then(|| {
                view! {
                    <Events
                        deployments=p.deployments.clone()
                        incidents=p.incidents.clone()
                        csv=(csv(ScorecardTable::Deployments), csv(ScorecardTable::Incidents))
                    />
                }
            })}
        {(p.level == "service").then(|| view! { <MaturitySection items=p.maturity.clone() /> })}
        <GovernanceKeys g=p.governance.clone() window_days=p.window.days() />
        <Definitions rules year=p.report_year />
    }
}

#[component]
fn Children(rows: Vec<ChildRow>, label: String, csv: String) -> impl IntoView {
    let columns = vec![
        Column::owned(label.clone()),
        Column::new("Deployments"),
        Column::new("Frequency"),
        Column::new("Lead time"),
        Column::new("Change failure rate"),
        Column::new("Recovery"),
        Column::new("Lead time bands"),
    ];
    view! {
        <DataTable
            caption=format!("Delivery by {}", label.to_lowercase())
            columns
            rows
            empty="Nothing below this level in the catalog yet."
            testid="scorecard-children"
            csv
            row=|c: ChildRow| {
                let f = c.figures.clone();
                view! {
                    <tr>
                        <td class=TD>
                            <a class=LINK href=c.href.clone()>
                                {c.title.clone()}
                            </a>
                        </td>
                        <td class=TD>{f.deployments}</td>
                        {DoraKey::ALL
                            .iter()
                            .map(|key| {
                                view! {
                                    <td class=TD>
                                        <span class="flex flex-wrap items-center gap-2">
                                            <span>{shown(*key, &f)}</span>
                                            {band_badge(f.bands.of(*key))}
                                        </span>
                                    </td>
                                }
                            })
                            .collect_view()}
                        <td class=TD>
                            <BandBar counts=f.band_shares.lead_time />
                        </td>
                    </tr>
                }
            }
        />
    }
}

#[component]
fn Events(
    deployments: Vec<DeploymentRow>,
    incidents: Vec<IncidentRow>,
    /// Where the deployments and the incidents download as CSV.
    csv: (String, String),
) -> impl IntoView {
    view! {
        <section class=format!("{CARD} mt-6") aria-labelledby="deployments-title">
            <h2 id="deployments-title" class=CARD_TITLE>
                "Latest deployments"
            </h2>
            <DataTable
                caption="Latest deployments"
                columns=Column::new_all(
                    &["Deployment", "Environment", "Status", "Finished", "Changes", "Incidents", "Source"],
                )
                rows=deployments
                empty="No deployment events for this service yet."
                testid="deployments"
                csv=csv.0
                row=|d: DeploymentRow| {
                    view! {
                        <tr id=format!("deployment-{}", d.id)>
                            <td class=format!(
                                "{TD} font-mono text-xs",
                            )>
                                {match d.url.clone() {
                                    Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
                                        view! {
                                            <a class=LINK href=url rel="noopener noreferrer">
                                                {d.id.clone()}
                                            </a>
                                        }
                                            .into_any()
                                    }
                                    _ => view! { <span>{d.id.clone()}</span> }.into_any(),
                                }}
                            </td>
                            <td class=TD>{d.environment.clone()}</td>
                            <td class=TD>{d.status.label()}</td>
                            <td class=TD>{d.finished_at.get(..16).unwrap_or_default().replace('T', " ")}</td>
                            <td class=TD>{d.changes}</td>
                            <td class=TD>{d.incidents}</td>
                            <td class=format!("{TD} {TERM}")>{d.source.label()}</td>
                        </tr>
                    }
                }
            />
        </section>
        <section class=format!("{CARD} mt-6") aria-labelledby="incidents-title">
            <h2 id="incidents-title" class=CARD_TITLE>
                "Latest incidents"
            </h2>
            <DataTable
                caption="Latest incidents and the deployment each is linked to"
                columns=Column::new_all(
                    &["Incident", "Opened", "Resolved", "Linked deployment", "How linked"],
                )
                rows=incidents
                empty="No incidents for this service."
                testid="incidents"
                csv=csv.1
                row=|i: IncidentRow| {
                    view! {
                        <tr>
                            <td class=format!("{TD} font-mono text-xs")>{i.id.clone()}</td>
                            <td class=TD>{i.opened_at.get(..16).unwrap_or_default().replace('T', " ")}</td>
                            <td class=TD>
                                {i
                                    .resolved_at
                                    .clone()
                                    .map(|r| r.get(..16).unwrap_or_default().replace('T', " "))
                                    .unwrap_or_else(|| "open".into())}
                            </td>
                            <td class=format!(
                                "{TD} font-mono text-xs",
                            )>
                                {match i.deployment.clone() {
                                    Some(d) => {
                                        view! {
                                            <a class=LINK href=format!("#deployment-{d}")>
                                                {d.clone()}
                                            </a>
                                        }
                                            .into_any()
                                    }
                                    None => view! { <span>"not linked"</span> }.into_any(),
                                }}
                            </td>
                            <td class=TD>{i.link.map_or("—", |l| l.label())}</td>
                        </tr>
                    }
                }
            />
        </section>
    }
}

#[component]
fn Definitions(rules: Vec<BandRule>, year: ReportYear) -> impl IntoView {
    let keys = DoraKey::ALL
        .iter()
        .map(|key| {
            let bounds = rules
                .iter()
                .filter(|r| r.key == *key)
                .map(|r| format!("{} {}", r.band.label(), r.rule))
                .collect::<Vec<_>>()
                .join(" · ");
            view! {
                <div class="mt-3">
                    <dt class="font-medium text-slate-900 dark:text-white">{key.label()}</dt>
                    <dd class="mt-1 text-slate-600 dark:text-slate-300">{definition(*key)}</dd>
                    <dd class="mt-1 text-xs text-slate-600 dark:text-slate-300">
                        {format!("Bands ({}): {bounds}", year.as_str())}
                    </dd>
                </div>
            }
        })
        .collect_view();
    view! {
        <section class=format!("{CARD} mt-6") aria-labelledby="definitions-title">
            <h2 id="definitions-title" class=CARD_TITLE>
                "Definitions"
            </h2>
            <dl class="text-sm">
                {keys} <div class="mt-3">
                    <dt class="font-medium text-slate-900 dark:text-white">"Linking an incident"</dt>
                    <dd class="mt-1 text-slate-600 dark:text-slate-300">
                        "By the deployment it names, else by the commit it names (the first successful production deployment that carries it), else the latest successful production deployment of the same service that finished at most the link window (24 hours unless configured) before it opened."
                    </dd>
                </div> <div class="mt-3">
                    <dt class="font-medium text-slate-900 dark:text-white">"Roll-ups"</dt>
                    <dd class="mt-1 text-slate-600 dark:text-slate-300">
                        "A team's value is the median of its services' values, a business unit's the median of its teams', the enterprise's the median of its business units'; counts are sums and the band bars count services."
                    </dd>
                </div>
            </dl>
        </section>
    }
}
