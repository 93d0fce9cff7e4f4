//! Reading the audit trail: a page of events, or an export, for those allowed.

use std::str::FromStr;

use chrono::Utc;
use serde::Serialize;

use super::{
    AuditFilter, Error, ExportRow, Result,
    query::{self, MAX_EXPORT, MAX_PAGE},
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

/// Events matching `filter` older than `before`, at most `limit` (1 to 200).
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

/// A file to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub content_type: &'static str,
    pub filename: String,
    pub body: String,
}

/// Every event matching `filter` (up to 100,000), as CSV or JSON.
pub async fn export(ctx: &Ctx, filter: &AuditFilter, before: Option<i64>, format: Format) -> Result<Export> {
    ctx.authorize(Action::ExportAudit, Resource::AuditLog)?;
    let rows: Vec<ExportRow> = query::list(ctx.pool(), filter, before, MAX_EXPORT)
        .await?
        .into_iter()
        .map(ExportRow::from)
        .collect();
    let stamp = Utc::now().format("%Y%m%dT%H%M%SZ");
    let (content_type, extension, body) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv", query::to_csv(&rows)),
        Format::Json => ("application/json", "json", serde_json::to_string_pretty(&rows)?),
    };
    Ok(Export {
        content_type,
        filename: format!("parkway-audit-{stamp}.{extension}"),
        body,
    })
}
