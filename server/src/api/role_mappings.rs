use axum::Json;
use parkway_core::identity::{ops, role_mappings::RoleMapping};
use serde::Deserialize;

use super::{Op, answer::Created};
use crate::error::{ApiJson, ApiPath, ApiResult};

/// `GET /api/v1/role-mappings`
pub async fn list(Op(ctx): Op) -> ApiResult<Json<Vec<RoleMapping>>> {
    Ok(Json(ops::list_role_mappings(&ctx).await?))
}

/// A mapping to add.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMapping {
    /// The group as the identity provider sends it.
    group: String,
    /// `developer`, `team-owner`, `leader` or `platform-admin`.
    role: String,
}

/// `POST /api/v1/role-mappings` with `{"group": "...", "role": "..."}`
pub async fn add(Op(ctx): Op, ApiJson(body): ApiJson<NewMapping>) -> ApiResult<Created<RoleMapping>> {
    Ok(Created(
        ops::add_role_mapping(&ctx, &body.group, &body.role).await?,
    ))
}

/// `DELETE /api/v1/role-mappings/{id}`
pub async fn remove(Op(ctx): Op, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<RoleMapping>> {
    Ok(Json(ops::remove_role_mapping(&ctx, id).await?))
}
