use std::sync::Arc;

use axum::{
    Json,
    extract::State,
    http::{HeaderName, HeaderValue, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use parkway_core::{
    audit::{
        AuditFilter, AuditKey, SignedHead,
        ops::{self, EventsPage, Format},
    },
    types::views::audit::AUDIT_PAGE_SIZE,
};
use serde::Deserialize;

use super::Op;
use crate::error::{ApiQuery, ApiResult};

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

/// `GET /api/v1/audit/events`
pub async fn events(Op(ctx): Op, ApiQuery(query): ApiQuery<EventsQuery>) -> ApiResult<Json<EventsPage>> {
    let limit = query.limit.unwrap_or(AUDIT_PAGE_SIZE);
    Ok(Json(ops::list(&ctx, &query.filter(), query.before, limit).await?))
}

/// `GET /api/v1/audit/export?format=csv|json`
pub async fn export(Op(ctx): Op, ApiQuery(query): ApiQuery<EventsQuery>) -> ApiResult<Response> {
    let format: Format = query.format.as_deref().unwrap_or("csv").parse()?;
    let export = ops::export(&ctx, &query.filter(), query.before, format).await?;
    let disposition = format!("attachment; filename=\"{}\"", export.filename);
    let mut response = export.body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(export.content_type),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(cap) = export.truncated_at {
        headers.insert(EXPORT_TRUNCATED, HeaderValue::from(cap));
    }
    Ok(response)
}

/// Set on an export that stopped at the cap (its value, 100000) because more events
/// matched; the CSV's last line says so too. Absent when the export is complete.
pub const EXPORT_TRUNCATED: HeaderName = HeaderName::from_static("parkway-export-truncated");

/// `GET /api/v1/audit/head`: the newest event's id and hash, signed.
pub async fn head(Op(ctx): Op, State(key): State<Arc<AuditKey>>) -> ApiResult<Json<SignedHead>> {
    Ok(Json(ops::head(&ctx, &key).await?))
}
