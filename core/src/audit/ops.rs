//! Reading the audit trail: a page of events, an export, or the signed chain head,
//! for those allowed. Reading the trail is itself privileged, so every page and every
//! export is audited (`audit.view`, `audit.export`, with the filter used) before its
//! rows are handed over: if that event cannot be written, nothing is shown.

use std::str::FromStr;

use chrono::Utc;
use serde::Serialize;
use serde_json::json;

use super::{
    AuditFilter, AuditKey, Error, ExportRow, Result, SignedHead,
    query::{self, MAX_EXPORT, MAX_PAGE},
    store,
};
use crate::{
    Ctx,
    identity::{Action, Resource},
};

/// Newest first; `next_before` continues with older events.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EventsPage {
    pub events: Vec<ExportRow>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<i64>,
}

/// Events matching `filter` older than `before`, at most `limit` (1 to 200). Audited
/// as `audit.view` (one event per page; the page does not contain its own event).
pub async fn list(ctx: &Ctx, filter: &AuditFilter, before: Option<i64>, limit: i64) -> Result<EventsPage> {
    ctx.authorize(Action::ViewAudit, Resource::AuditLog)?;
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Error::BadRequest {
            field: "limit",
            reason: format!("must be between 1 and {MAX_PAGE}"),
        });
    }
    let rows = query::list(ctx.pool(), filter, before, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    let events: Vec<ExportRow> = rows
        .into_iter()
        .take(limit as usize)
        .map(ExportRow::from)
        .collect();
    let next_before = if more { events.last().map(|e| e.id) } else { None };
    let event = ctx.audit_event("audit.view", AUDIT_LOG).with_payload(json!({
        "filter": filter,
        "before": before,
        "limit": limit,
        "rows": events.len(),
    }));
    store::append(ctx.pool(), &event).await?;
    Ok(EventsPage { events, next_before })
}

/// What an export is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Json,
}

impl FromStr for Format {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            other => Err(Error::BadRequest {
                field: "format",
                reason: format!("must be `csv` or `json`, not `{other}`"),
            }),
        }
    }
}

/// The audit target of reading the trail.
const AUDIT_LOG: &str = "audit-log";

/// A file to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub content_type: &'static str,
    pub filename: String,
    pub body: String,
    /// `Some(MAX_EXPORT)` when more events matched than one export holds: the body has
    /// the newest `MAX_EXPORT` (and, as CSV, says so in its last line); the REST door
    /// says so in the `Parkway-Export-Truncated` header.
    pub truncated_at: Option<i64>,
}

/// Every event matching `filter`, newest first, up to 100,000 (more is stated, never
/// cut silently), as CSV or JSON. Audited as `audit.export` with the filter.
pub async fn export(ctx: &Ctx, filter: &AuditFilter, before: Option<i64>, format: Format) -> Result<Export> {
    ctx.authorize(Action::ExportAudit, Resource::AuditLog)?;
    let mut rows: Vec<ExportRow> = query::list(ctx.pool(), filter, before, MAX_EXPORT + 1)
        .await?
        .into_iter()
        .map(ExportRow::from)
        .collect();
    let truncated_at = (rows.len() as i64 > MAX_EXPORT).then_some(MAX_EXPORT);
    rows.truncate(MAX_EXPORT as usize);
    let stamp = Utc::now().format("%Y%m%dT%H%M%SZ");
    let (content_type, extension, body) = match format {
        Format::Csv => {
            let mut csv = query::to_csv(&rows);
            if let (Some(cap), Some(last)) = (truncated_at, rows.last()) {
                csv.push_str(&query::truncation_line(cap, last.id));
            }
            ("text/csv; charset=utf-8", "csv", csv)
        }
        Format::Json => ("application/json", "json", serde_json::to_string_pretty(&rows)?),
    };
    let event = ctx.audit_event("audit.export", AUDIT_LOG).with_payload(json!({
        "filter": filter,
        "before": before,
        "format": extension,
        "rows": rows.len(),
        "truncated": truncated_at.is_some(),
    }));
    store::append(ctx.pool(), &event).await?;
    Ok(Export {
        content_type,
        filename: format!("parkway-audit-{stamp}.{extension}"),
        body,
        truncated_at,
    })
}

/// The chain head, signed with `key`, for monitors that keep a copy outside Parkway
/// (see [`super::head`]). Not audited: it reveals no event, and recording each read
/// would move the head it reports.
pub async fn head(ctx: &Ctx, key: &AuditKey) -> Result<SignedHead> {
    ctx.authorize(Action::ViewAudit, Resource::AuditLog)?;
    let head = store::head(ctx.pool()).await?;
    Ok(SignedHead::new(head, key, Utc::now()))
}
