use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
};
use parkway_core::identity::{
    Action, Resource, authorize,
    role_mappings::{self, RoleMapping},
};
use serde::Deserialize;

use super::{Caller, principal, request_id};
use crate::{
    error::{ApiJson, ApiPath, ApiResult},
    state::AppState,
};

/// `GET /api/v1/role-mappings`
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<RoleMapping>>> {
    authorize(
        principal(&caller),
        Action::ViewRoleMappings,
        Resource::RoleMappings,
    )?;
    Ok(Json(role_mappings::list(&state.pool).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMapping {
    group: String,
    role: String,
}

/// `POST /api/v1/role-mappings` with `{"group": "...", "role": "..."}`
pub async fn add(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewMapping>,
) -> ApiResult<(StatusCode, Json<RoleMapping>)> {
    let who = principal(&caller);
    authorize(who, Action::EditRoleMappings, Resource::RoleMappings)?;
    let actor = who.map(|p| p.actor()).unwrap_or_default();
    let mapping =
        role_mappings::add(&state.pool, &body.group, &body.role, &actor, request_id(&headers)).await?;
    Ok((StatusCode::CREATED, Json(mapping)))
}

/// `DELETE /api/v1/role-mappings/{id}`
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<RoleMapping>> {
    let who = principal(&caller);
    authorize(who, Action::EditRoleMappings, Resource::RoleMappings)?;
    let actor = who.map(|p| p.actor()).unwrap_or_default();
    Ok(Json(
        role_mappings::remove(&state.pool, id, &actor, request_id(&headers)).await?,
    ))
}
