use leptos::prelude::*;

use crate::serverfns::AppError;

/// A review step (submit, approve, reject, publish, retire) on the newest version;
/// answers the new state's label, and sends a browser back to the guardrail's page.
#[server(prefix = "/fn", endpoint = "review_guardrail")]
pub async fn review_guardrail(id: String, step: String, note: Option<String>) -> Result<String, AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_core::guardrails::ops;
    respond(async move {
        let ctx = ctx()?;
        let id = ops::parse_guardrail_id(&id)?;
        let step = ops::parse_step(&step)?;
        let outcome = ops::step(&ctx, id, step, note.as_deref()).await?;
        // The page shows the newest version's state again, read afresh, as the outcome.
        leptos_axum::redirect(&format!("/guardrails/{id}?reviewed"));
        Ok(format!(
            "{id} version {}: {}",
            outcome.version,
            outcome.state.label().to_lowercase()
        ))
    })
    .await
}
