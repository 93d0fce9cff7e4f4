use axum::Json;
use parkway_core::cluster::{
    ops,
    view::{ClusterView, WorkloadsView},
};

use super::Op;
use crate::error::{ApiPath, ApiResult};

/// `GET /api/v1/clusters`
pub async fn list(Op(ctx): Op) -> ApiResult<Json<Vec<ClusterView>>> {
    Ok(Json(ops::list(&ctx).await?))
}

/// `GET /api/v1/clusters/{name}/workloads`
pub async fn workloads(Op(ctx): Op, ApiPath(name): ApiPath<String>) -> ApiResult<Json<WorkloadsView>> {
    Ok(Json(ops::workloads(&ctx, &name).await?))
}
