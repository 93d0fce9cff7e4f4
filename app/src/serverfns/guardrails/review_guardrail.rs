use leptos::prelude::*;

use crate::serverfns::AppError;

/// A review step (submit, approve, reject, publish, retire) on the newest version;
/// answers the new state's label.
#[server(prefix = "/fn", endpoint = "review_guardrail")]
pub async fn review_guardrail(id: String, step: String, note: Option<String>) -> Result<String, AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_core::guardrails::ops;
    respond(async move {
        let ctx = ctx()?;
        let id = ops::parse_guardrail_id(&id)?;
        let step = ops::parse_step(&step)?;
        let outcome = ops::step(&ctx, id, step, note.as_deref()).await?;
        Ok(format!(
            "{id} version {}: {}",
            outcome.version,
            outcome.state.label().to_lowercase()
        ))
    })
    .await
}
