use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::serverfns::AppError;
use parkway_types::views::maturity::{MaturityIndex, MaturityPage};

/// The maturity scorecards, and whether the caller may define them.
#[server(prefix = "/fn", endpoint = "maturity_index", input = GetUrl)]
pub async fn load_maturity_index() -> Result<MaturityIndex, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move { Ok(parkway_core::scorecards::maturity::ops::index(&ctx()?).await?) }).await
}

/// One maturity scorecard's page, with its page of ratings starting at `from`.
#[server(prefix = "/fn", endpoint = "maturity_page", input = GetUrl)]
pub async fn load_maturity_page(id: String, from: usize) -> Result<MaturityPage, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move { Ok(parkway_core::scorecards::maturity::ops::page(&ctx()?, &id, from).await?) }).await
}

/// Saves a scorecard from its YAML (the rules of `PUT /api/v1/maturity/scorecards/{id}`),
/// then shows it.
#[server(prefix = "/fn", endpoint = "save_maturity")]
pub async fn save_maturity(id: String, definition: String) -> Result<(), AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move {
        let id = id.trim().to_owned();
        parkway_core::scorecards::maturity::ops::save(&ctx()?, &id, &definition).await?;
        leptos_axum::redirect(&format!("/scorecards/maturity/{id}"));
        Ok(())
    })
    .await
}

/// Evaluates a scorecard now, then shows it again.
#[server(prefix = "/fn", endpoint = "evaluate_maturity")]
pub async fn evaluate_maturity(id: String) -> Result<(), AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move {
        parkway_core::scorecards::maturity::ops::evaluate_now(&ctx()?, &id).await?;
        leptos_axum::redirect(&format!("/scorecards/maturity/{id}"));
        Ok(())
    })
    .await
}

/// Exempts a component from a rule until the end of `expires_on` (UTC); the caller
/// approves it.
#[server(prefix = "/fn", endpoint = "grant_maturity_exemption")]
pub async fn grant_maturity_exemption(
    scorecard: String,
    rule: String,
    entity: String,
    reason: String,
    expires_on: String,
) -> Result<(), AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_core::scorecards::maturity::ops;
    respond(async move {
        let expires_at = ops::end_of_day(&expires_on)?;
        let new = ops::NewExemption {
            scorecard: scorecard.clone(),
            rule,
            entity,
            reason,
            expires_at,
        };
        ops::grant_exemption(&ctx()?, &new).await?;
        leptos_axum::redirect(&format!("/scorecards/maturity/{scorecard}"));
        Ok(())
    })
    .await
}

/// Revokes an exemption in force.
#[server(prefix = "/fn", endpoint = "revoke_maturity_exemption")]
pub async fn revoke_maturity_exemption(scorecard: String, id: i64) -> Result<(), AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move {
        parkway_core::scorecards::maturity::ops::revoke_exemption(&ctx()?, id).await?;
        leptos_axum::redirect(&format!("/scorecards/maturity/{scorecard}"));
        Ok(())
    })
    .await
}
