use axum::{
    Json,
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use parkway_core::{
    audit::{
        AuditFilter, ExportRow,
        query::{self, MAX_EXPORT, MAX_PAGE},
    },
    identity::{Action, Resource, authorize},
};
use serde::{Deserialize, Serialize};

use super::{Caller, principal};
use crate::{
    error::{ApiError, ApiQuery, ApiResult},
    state::AppState,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    actor: Option<String>,
    action: Option<String>,
    target: Option<String>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    /// Continue below this event id (the previous page's `next_before`).
    before: Option<i64>,
    limit: Option<i64>,
    /// Export only: `csv` or `json`.
    format: Option<String>,
}

impl EventsQuery {
    fn filter(&self) -> AuditFilter {
        AuditFilter {
            actor: self.actor.clone(),
            action: self.action.clone(),
            target: self.target.clone(),
            from: self.from,
            to: self.to,
        }
        .normalized()
    }
}

#[derive(Debug, Serialize)]
pub struct EventsPage {
    events: Vec<ExportRow>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    next_before: Option<i64>,
}

/// `GET /api/v1/audit/events`
pub async fn events(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<EventsQuery>,
) -> ApiResult<Json<EventsPage>> {
    authorize(principal(&caller), Action::ViewAudit, Resource::AuditLog)?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "`limit` must be between 1 and {MAX_PAGE}"
        )));
    }
    let rows = query::list(&state.pool, &query.filter(), query.before, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    let events: Vec<ExportRow> = rows
        .into_iter()
        .take(limit as usize)
        .map(ExportRow::from)
        .collect();
    let next_before = if more { events.last().map(|e| e.id) } else { None };
    Ok(Json(EventsPage { events, next_before }))
}

/// `GET /api/v1/audit/export?format=csv|json`
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<EventsQuery>,
) -> ApiResult<Response> {
    authorize(principal(&caller), Action::ExportAudit, Resource::AuditLog)?;
    let format = query.format.as_deref().unwrap_or("csv");
    if !matches!(format, "csv" | "json") {
        return Err(ApiError::BadRequest(format!(
            "`format` must be `csv` or `json`, not `{format}`"
        )));
    }
    let rows: Vec<ExportRow> = query::list(&state.pool, &query.filter(), query.before, MAX_EXPORT)
        .await?
        .into_iter()
        .map(ExportRow::from)
        .collect();
    let stamp = Utc::now().format("%Y%m%dT%H%M%SZ");
    let (content_type, body) = if format == "csv" {
        ("text/csv; charset=utf-8", query::to_csv(&rows))
    } else {
        (
            "application/json",
            serde_json::to_string_pretty(&rows).map_err(|e| ApiError::BadRequest(e.to_string()))?,
        )
    };
    let disposition = format!("attachment; filename=\"parkway-audit-{stamp}.{format}\"");
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
