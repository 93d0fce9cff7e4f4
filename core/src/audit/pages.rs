//! Audit pages as the browser shows them.

use parkway_types::views::audit::{AuditPage, AuditRow};

use super::ops::EventsPage;

impl From<EventsPage> for AuditPage {
    fn from(page: EventsPage) -> Self {
        Self {
            rows: page
                .events
                .into_iter()
                .map(|e| AuditRow {
                    id: e.id,
                    occurred_at: e.occurred_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                    actor: e.actor,
                    action: e.action,
                    target: e.target,
                    details: e.payload.to_string(),
                })
                .collect(),
            next_before: page.next_before,
        }
    }
}
