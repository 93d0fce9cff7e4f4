use axum::Json;
use parkway_core::identity::{
    ops,
    users::{Deactivation, UserInfo},
};

use super::Op;
use crate::error::{ApiPath, ApiResult};

/// `GET /api/v1/users`
pub async fn list(Op(ctx): Op) -> ApiResult<Json<Vec<UserInfo>>> {
    Ok(Json(ops::list_users(&ctx).await?))
}

/// `POST /api/v1/users/{id}/deactivate`
pub async fn deactivate(Op(ctx): Op, ApiPath(id): ApiPath<String>) -> ApiResult<Json<Deactivation>> {
    Ok(Json(ops::deactivate_user(&ctx, &id).await?))
}
