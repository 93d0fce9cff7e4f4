//! The audit browser.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
pub use parkway_types::views::audit::{AUDIT_PAGE_SIZE, AuditPage, AuditRow};

use crate::serverfns::AppError;

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
    use parkway_core::audit::{AuditFilter, ops};
    super::respond(async move {
        let ctx = super::ctx()?;
        let filter = AuditFilter::from_form(actor, action, target, &from, &to)?;
        Ok(ops::list(&ctx, &filter, before, AUDIT_PAGE_SIZE).await?.into())
    })
    .await
}
