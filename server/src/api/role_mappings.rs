use axum::{Json, http::StatusCode};
use parkway_core::identity::{ops, role_mappings::RoleMapping};
use serde::Deserialize;

use super::Op;
use crate::error::{ApiJson, ApiPath, ApiResult};

/// `GET /api/v1/role-mappings`
pub async fn list(Op(ctx): Op) -> ApiResult<Json<Vec<RoleMapping>>> {
    Ok(Json(ops::list_role_mappings(&ctx).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMapping {
    group: String,
    role: String,
}

/// `POST /api/v1/role-mappings` with `{"group": "...", "role": "..."}`
pub async fn add(
    Op(ctx): Op,
    ApiJson(body): ApiJson<NewMapping>,
) -> ApiResult<(StatusCode, Json<RoleMapping>)> {
    let mapping = ops::add_role_mapping(&ctx, &body.group, &body.role).await?;
    Ok((StatusCode::CREATED, Json(mapping)))
}

/// `DELETE /api/v1/role-mappings/{id}`
pub async fn remove(Op(ctx): Op, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<RoleMapping>> {
    Ok(Json(ops::remove_role_mapping(&ctx, id).await?))
}
