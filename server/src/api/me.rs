use axum::Json;
use parkway_core::identity::ops::{self, Me};

use super::Op;
use crate::error::ApiResult;

/// `GET /api/v1/me`
pub async fn show(Op(ctx): Op) -> ApiResult<Json<Me>> {
    Ok(Json(ops::me(&ctx).await?))
}
