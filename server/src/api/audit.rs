use std::sync::Arc;

use axum::{Json, extract::State};
use chrono::{DateTime, Utc};
use parkway_core::{
    audit::{
        AuditFilter, AuditKey, SignedHead,
        ops::{self, EventsPage, Format},
    },
    types::views::audit::AUDIT_PAGE_SIZE,
};
use serde::Deserialize;

use super::{Op, answer::AuditExport};
use crate::error::{ApiQuery, ApiResult};

/// The audit filters and paging (`format` is for exports).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// Who acted, e.g. `user:alice` or `service:ci`.
    actor: Option<String>,
    /// What they did, e.g. `catalog.edit` or `token.create`.
    action: Option<String>,
    /// What it was done to, e.g. an entity reference.
    target: Option<String>,
    /// Events at or after this time (RFC 3339).
    from: Option<DateTime<Utc>>,
    /// Events before this time (RFC 3339).
    to: Option<DateTime<Utc>>,
    /// Continue below this event id (the previous page's `next_before`).
    before: Option<i64>,
    /// Page size, 1 to 200 (default: the page's size); listing only.
    limit: Option<i64>,
    /// Export only: `csv` (the default) or `json`.
    /// Read by `Format::from_str`, which names the parameter when it is neither.
    #[param(value_type = Option<Format>, inline)]
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
pub async fn export(Op(ctx): Op, ApiQuery(query): ApiQuery<EventsQuery>) -> ApiResult<AuditExport> {
    let format: Format = query.format.as_deref().unwrap_or("csv").parse()?;
    Ok(AuditExport(
        ops::export(&ctx, &query.filter(), query.before, format).await?,
    ))
}

/// `GET /api/v1/audit/head`: the newest event's id and hash, signed.
pub async fn head(Op(ctx): Op, State(key): State<Arc<AuditKey>>) -> ApiResult<Json<SignedHead>> {
    Ok(Json(ops::head(&ctx, &key).await?))
}
