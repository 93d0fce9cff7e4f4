use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::ScorecardPage;
use crate::serverfns::AppError;

/// One scorecard page: `level` is `enterprise`, `units`, `teams` or `services`,
/// `entity` the path segment naming it; `window` (`30`, `90`, `180`) and `year`
/// (`2023`, `2024`) default when empty.
#[server(prefix = "/fn", endpoint = "scorecard_page", input = GetUrl)]
pub async fn load_scorecard(
    level: String,
    entity: String,
    window: String,
    year: String,
) -> Result<ScorecardPage, AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_core::scorecards::ops;
    respond(async move {
        let level = ops::level(&level, &entity)?;
        let (window, year) = ops::page_params(&window, &year)?;
        Ok(ops::page(&ctx()?, &level, window, year).await?)
    })
    .await
}
