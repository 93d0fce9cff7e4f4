use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use super::TenantSummary;
use crate::serverfns::AppError;

/// The onboarding page's list and what the caller may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantList {
    pub tenants: Vec<TenantSummary>,
    /// Requests waiting for a decision this caller may make.
    pub queue: usize,
    pub may_request: bool,
    pub may_approve: bool,
}

/// Tenants for the `/onboarding` tabs: `view` is `mine` (the default), `queue` or
/// `all`; `state` optional.
#[server(prefix = "/fn", endpoint = "list_tenants", input = GetUrl)]
pub async fn list_tenants(view: String, state: String) -> Result<TenantList, AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_core::{
        identity::{Action, policy::Resource},
        onboarding::{Error, ops},
    };
    respond(async move {
        let ctx = ctx()?;
        let state = match state.trim() {
            "" => None,
            s => Some(
                s.parse()
                    .map_err(|e: parkway_types::guardrails::NotOneOf| Error::Field {
                        field: "state",
                        reason: e.to_string(),
                    })?,
            ),
        };
        // The page's default tab is "my teams": anything but `queue` and `all` means it.
        let filter = ops::ListFilter {
            state,
            mine: !matches!(view.as_str(), "queue" | "all"),
            queue: view == "queue",
            team: None,
        };
        Ok(TenantList {
            tenants: ops::list(&ctx, &filter).await?,
            queue: ops::queue_count(&ctx).await?,
            may_request: ctx.allows(Action::RequestTenants, Resource::Tenants),
            may_approve: ctx.allows(Action::ApproveTenants, Resource::Tenants),
        })
    })
    .await
}

/// How many requests wait for the caller (the navigation's badge); 0 for those who
/// decide nothing.
#[server(prefix = "/fn", endpoint = "tenant_queue_count", input = GetUrl)]
pub async fn tenant_queue_count() -> Result<usize, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move { Ok(parkway_core::onboarding::ops::queue_count(&ctx()?).await?) }).await
}

/// A team's tenants, for its catalog page.
#[server(prefix = "/fn", endpoint = "team_tenants", input = GetUrl)]
pub async fn team_tenants(team: String) -> Result<Vec<TenantSummary>, AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_core::onboarding::ops;
    respond(async move {
        let filter = ops::ListFilter {
            team: Some(team),
            ..ops::ListFilter::default()
        };
        Ok(ops::list(&ctx()?, &filter).await?)
    })
    .await
}
