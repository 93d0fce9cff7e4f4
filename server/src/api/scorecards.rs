//! `/api/v1/events/*` and `/api/v1/scorecards/*`: adapters onto
//! `parkway_core::scorecards::ops`.

use std::marker::PhantomData;

use axum::{
    Json,
    body::Bytes,
    extract::{FromRequest, Request, rejection::BytesRejection},
    http::HeaderMap,
};
use parkway_core::{
    scorecards::{
        events::{DeploymentBatch, IncidentBatch},
        ops::{self, DoraQuery, NewSource, SourceView, Unmatched, WebhookHeaders},
    },
    types::{
        scorecards::{ReportYear, ScorecardTable, WebhookKind, Window},
        views::scorecards::{DoraFigures, IngestSummary},
    },
};
use serde::Deserialize;

use super::{
    Op,
    answer::{Created, CsvFile, NoContent},
};
use crate::{
    error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult},
    state::AppState,
};

/// The largest events body read: 1,000 deployments with their changes fit easily.
pub const EVENTS_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// A JSON body handed to the operation as bytes, so the operation reads it and names
/// the field where it fails; `S` is its documented shape.
pub struct JsonBytes<S> {
    pub bytes: Bytes,
    shape: PhantomData<S>,
}

impl<S> FromRequest<AppState> for JsonBytes<S> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let headers: HeaderMap = req.headers().clone();
        let media = super::media_type(&headers).to_owned();
        if media != "application/json" {
            return Err(ApiError::UnsupportedMediaType(format!(
                "the body must be application/json, not `{media}`"
            )));
        }
        let bytes = Bytes::from_request(req, state).await?;
        Ok(Self {
            bytes,
            shape: PhantomData,
        })
    }
}

/// `POST /api/v1/events/deployments`
pub async fn deployments(Op(ctx): Op, body: JsonBytes<DeploymentBatch>) -> ApiResult<Json<IngestSummary>> {
    Ok(Json(ops::ingest_deployments(&ctx, &body.bytes).await?))
}

/// `POST /api/v1/events/incidents`
pub async fn incidents(Op(ctx): Op, body: JsonBytes<IncidentBatch>) -> ApiResult<Json<IngestSummary>> {
    Ok(Json(ops::ingest_incidents(&ctx, &body.bytes).await?))
}

/// `GET /api/v1/events/unmatched`
pub async fn unmatched(Op(ctx): Op) -> ApiResult<Json<Unmatched>> {
    Ok(Json(ops::unmatched(&ctx).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DoraParams {
    /// A service (`component:default/checkout-api`), a team or business unit
    /// (`group:default/payments`); none for the enterprise.
    entity: Option<String>,
    /// First day, `YYYY-MM-DD` (default: 29 days before `to`).
    from: Option<String>,
    /// Last day, `YYYY-MM-DD` (default: today, UTC).
    to: Option<String>,
    /// The DORA report whose bands apply: `2023` or `2024` (default).
    #[param(inline)]
    report_year: Option<ReportYear>,
}

/// `GET /api/v1/scorecards/dora`
pub async fn dora(Op(ctx): Op, ApiQuery(p): ApiQuery<DoraParams>) -> ApiResult<Json<DoraFigures>> {
    let query = DoraQuery {
        entity: p.entity,
        from: p.from,
        to: p.to,
        report_year: p.report_year,
    };
    Ok(Json(ops::dora(&ctx, &query).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TableParams {
    /// The page: `enterprise` (default), `units`, `teams` or `services`.
    level: Option<String>,
    /// The business unit, team or service the page is about (its ref or bare name);
    /// none for the enterprise.
    entity: Option<String>,
    /// `30` (default), `90` or `180` days, ending today.
    #[param(inline)]
    window: Option<Window>,
    /// The DORA report whose bands apply: `2023` or `2024` (default).
    #[param(inline)]
    year: Option<ReportYear>,
    /// `children` (units, teams or services below the page), `trend` (26 weeks),
    /// `deployments` or `incidents` (a service's latest).
    #[param(inline)]
    table: ScorecardTable,
}

/// `GET /api/v1/scorecards/export`
pub async fn export(Op(ctx): Op, ApiQuery(p): ApiQuery<TableParams>) -> ApiResult<CsvFile> {
    let level = ops::level(
        p.level.as_deref().unwrap_or_default(),
        p.entity.as_deref().unwrap_or_default(),
    )?;
    let window = p.window.unwrap_or(Window::Days30);
    let year = p.year.unwrap_or(ReportYear::LATEST);
    Ok(CsvFile(
        ops::export_table(&ctx, &level, window, year, p.table).await?,
    ))
}

/// `GET /api/v1/webhook-sources`
pub async fn sources(Op(ctx): Op) -> ApiResult<Json<Vec<SourceView>>> {
    Ok(Json(ops::sources(&ctx).await?))
}

/// `POST /api/v1/webhook-sources`
pub async fn add_source(Op(ctx): Op, ApiJson(new): ApiJson<NewSource>) -> ApiResult<Created<SourceView>> {
    Ok(Created(ops::add_source(&ctx, &new).await?))
}

/// `DELETE /api/v1/webhook-sources/{name}`
pub async fn remove_source(Op(ctx): Op, ApiPath(name): ApiPath<String>) -> ApiResult<NoContent> {
    ops::remove_source(&ctx, &name).await?;
    Ok(NoContent)
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn webhook_headers(headers: &HeaderMap) -> WebhookHeaders {
    WebhookHeaders {
        github_signature: header(headers, "x-hub-signature-256"),
        github_event: header(headers, "x-github-event"),
        github_delivery: header(headers, "x-github-delivery"),
        gitlab_token: header(headers, "x-gitlab-token"),
        gitlab_event_uuid: header(headers, "x-gitlab-event-uuid"),
        webhook_id: header(headers, "webhook-id"),
        webhook_timestamp: header(headers, "webhook-timestamp"),
        webhook_signature: header(headers, "webhook-signature"),
    }
}

/// The media types a webhook body may come as.
pub const WEBHOOK_JSON: [&str; 1] = ["application/json"];

/// `POST /api/v1/webhooks/github`: signed by the sender, not by a Parkway credential.
pub async fn github(
    Op(ctx): Op,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<IngestSummary>> {
    let text = super::text_body(
        &headers,
        body,
        &WEBHOOK_JSON,
        "GitHub's JSON payload (content type application/json)",
    )?;
    let h = webhook_headers(&headers);
    Ok(Json(
        ops::receive_webhook(&ctx, WebhookKind::Github, &h, text.as_bytes()).await?,
    ))
}

/// `POST /api/v1/webhooks/gitlab`
pub async fn gitlab(
    Op(ctx): Op,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<IngestSummary>> {
    let text = super::text_body(&headers, body, &WEBHOOK_JSON, "GitLab's JSON payload")?;
    let h = webhook_headers(&headers);
    Ok(Json(
        ops::receive_webhook(&ctx, WebhookKind::Gitlab, &h, text.as_bytes()).await?,
    ))
}
