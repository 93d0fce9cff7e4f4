//! `/api/v1/tenants` and `/api/v1/tier-rules`: adapters onto
//! `parkway_core::onboarding::ops`.

use axum::Json;
use parkway_core::{
    onboarding::ops::{self, ListFilter},
    types::{
        onboarding::TenantState,
        views::onboarding::{
            Decide, TenantDetail, TenantPreview, TenantRequest, TenantSummary, TierRule, TierRuleSpec,
        },
    },
};
use serde::Deserialize;

use super::{Op, answer::Created};
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Only tenants in this state.
    state: Option<TenantState>,
    /// `true`: only tenants of the caller's teams.
    #[serde(default)]
    mine: bool,
    /// `true`: only requests waiting for a decision the caller may make.
    #[serde(default)]
    queue: bool,
    /// Only tenants of this team, e.g. `group:default/payments`.
    team: Option<String>,
}

/// `GET /api/v1/tenants`
pub async fn list(Op(ctx): Op, ApiQuery(p): ApiQuery<ListParams>) -> ApiResult<Json<Vec<TenantSummary>>> {
    let filter = ListFilter {
        state: p.state,
        mine: p.mine,
        queue: p.queue,
        team: p.team,
    };
    Ok(Json(ops::list(&ctx, &filter).await?))
}

/// `POST /api/v1/tenants`: 201 with the tenant, or 422 with every problem.
pub async fn create(
    Op(ctx): Op,
    ApiJson(request): ApiJson<TenantRequest>,
) -> ApiResult<Created<TenantDetail>> {
    Ok(Created(ops::request(&ctx, &request).await?))
}

/// `POST /api/v1/tenants/preview`: routing and manifests of a request; writes nothing.
pub async fn preview(
    Op(ctx): Op,
    ApiJson(request): ApiJson<TenantRequest>,
) -> ApiResult<Json<TenantPreview>> {
    Ok(Json(ops::preview(&ctx, &request).await?))
}

/// `GET /api/v1/tenants/{name}`
pub async fn show(Op(ctx): Op, ApiPath(name): ApiPath<String>) -> ApiResult<Json<TenantDetail>> {
    Ok(Json(ops::get(&ctx, &name).await?))
}

/// `POST /api/v1/tenants/{name}/approve`
pub async fn approve(
    Op(ctx): Op,
    ApiPath(name): ApiPath<String>,
    ApiJson(decide): ApiJson<Decide>,
) -> ApiResult<Json<TenantDetail>> {
    Ok(Json(ops::approve(&ctx, &name, &decide).await?))
}

/// `POST /api/v1/tenants/{name}/reject`
pub async fn reject(
    Op(ctx): Op,
    ApiPath(name): ApiPath<String>,
    ApiJson(decide): ApiJson<Decide>,
) -> ApiResult<Json<TenantDetail>> {
    Ok(Json(ops::reject(&ctx, &name, &decide).await?))
}

/// `POST /api/v1/tenants/{name}/decommission`
pub async fn decommission(
    Op(ctx): Op,
    ApiPath(name): ApiPath<String>,
    ApiJson(decide): ApiJson<Decide>,
) -> ApiResult<Json<TenantDetail>> {
    Ok(Json(ops::decommission(&ctx, &name, &decide).await?))
}

/// `POST /api/v1/tenants/{name}/reapply`
pub async fn reapply(
    Op(ctx): Op,
    ApiPath(name): ApiPath<String>,
    ApiJson(decide): ApiJson<Decide>,
) -> ApiResult<Json<TenantDetail>> {
    Ok(Json(ops::reapply(&ctx, &name, &decide).await?))
}

/// `GET /api/v1/tier-rules`
pub async fn tier_rules(Op(ctx): Op) -> ApiResult<Json<Vec<TierRule>>> {
    Ok(Json(ops::tier_rules(&ctx).await?))
}

/// `GET /api/v1/tier-rules/{tier}`: every version, newest first.
pub async fn tier_rule_history(
    Op(ctx): Op,
    ApiPath(tier): ApiPath<String>,
) -> ApiResult<Json<Vec<TierRule>>> {
    Ok(Json(ops::tier_rule_history(&ctx, &tier).await?))
}

/// A new version of a tier's rules.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TierRuleChange {
    rule: TierRuleSpec,
    /// Why the rules change (kept with the version and in the audit trail).
    #[serde(default)]
    note: Option<String>,
}

/// `PUT /api/v1/tier-rules/{tier}`
pub async fn put_tier_rule(
    Op(ctx): Op,
    ApiPath(tier): ApiPath<String>,
    ApiJson(change): ApiJson<TierRuleChange>,
) -> ApiResult<Json<TierRule>> {
    Ok(Json(
        ops::put_tier_rule(&ctx, &tier, &change.rule, change.note.as_deref()).await?,
    ))
}
