use leptos::prelude::*;

use crate::serverfns::AppError;

/// Approve, reject, decommission or re-apply a tenant (`action`), with a comment;
/// answers the tenant's new state.
#[server(prefix = "/fn", endpoint = "decide_tenant")]
pub async fn decide_tenant(
    name: String,
    action: String,
    comment: Option<String>,
) -> Result<String, AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_core::onboarding::{Error, ops};
    use parkway_types::views::onboarding::Decide;
    respond(async move {
        let ctx = ctx()?;
        let decide = Decide { comment };
        let detail = match action.as_str() {
            "approve" => ops::approve(&ctx, &name, &decide).await?,
            "reject" => ops::reject(&ctx, &name, &decide).await?,
            "decommission" => ops::decommission(&ctx, &name, &decide).await?,
            "reapply" => ops::reapply(&ctx, &name, &decide).await?,
            other => {
                return Err(Error::Field {
                    field: "action",
                    reason: format!("`{other}` is not one of `approve`, `reject`, `decommission`, `reapply`"),
                }
                .into());
            }
        };
        Ok(detail.summary.state.label().to_owned())
    })
    .await
}
