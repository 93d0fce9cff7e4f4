use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use crate::serverfns::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    pub occurred_at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub details: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    /// Pass as `before` for the next (older) page.
    pub next_before: Option<i64>,
}

/// Rows per page of the audit browser.
pub const AUDIT_PAGE_SIZE: i64 = 50;

/// Audit events, newest first. `from`/`to` are dates (`YYYY-MM-DD`, UTC, inclusive).
#[server(prefix = "/fn", endpoint = "list_audit_events", input = GetUrl)]
pub async fn list_audit_events(
    #[server(default)] actor: String,
    #[server(default)] action: String,
    #[server(default)] target: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
    #[server(default)] before: Option<i64>,
) -> Result<AuditPage, AppError> {
    use parkway_core::{
        audit::{AuditFilter, query},
        identity::{Action, Resource, authorize},
    };
    crate::serverfns::error::respond(async {
        let (who, ctx) = crate::serverfns::identity::caller()?;
        authorize(who.as_ref(), Action::ViewAudit, Resource::AuditLog)?;
        let filter = AuditFilter {
            actor: Some(actor),
            action: Some(action),
            target: Some(target),
            from: day("from", &from, 0)?,
            to: day("to", &to, 1)?,
        }
        .normalized();
        let rows = query::list(&ctx.pool, &filter, before, AUDIT_PAGE_SIZE + 1).await?;
        let more = rows.len() as i64 > AUDIT_PAGE_SIZE;
        let rows: Vec<AuditRow> = rows
            .into_iter()
            .take(AUDIT_PAGE_SIZE as usize)
            .map(|r| AuditRow {
                id: r.id,
                occurred_at: r.occurred_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                actor: r.actor,
                action: r.action,
                target: r.target,
                details: r.payload.to_string(),
            })
            .collect();
        let next_before = if more { rows.last().map(|r| r.id) } else { None };
        Ok(AuditPage { rows, next_before })
    })
    .await
}

/// Midnight UTC of `text` plus `days`; blank means no bound.
#[cfg(feature = "ssr")]
fn day(field: &str, text: &str, days: i64) -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| AppError::Invalid {
        field: field.to_owned(),
        reason: format!("`{text}` is not a date like 2026-11-27"),
    })?;
    Ok(date
        .checked_add_signed(chrono::Duration::days(days))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc()))
}
