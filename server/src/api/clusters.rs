use axum::{Json, extract::State};
use parkway_core::{
    cluster::view::{self, ClusterView, WorkloadsView},
    identity::{Action, Resource, authorize},
};

use super::{Caller, principal};
use crate::{
    error::{ApiPath, ApiResult},
    state::AppState,
};

/// `GET /api/v1/clusters`
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<ClusterView>>> {
    authorize(principal(&caller), Action::ViewClusters, Resource::Clusters)?;
    Ok(Json(view::list(&state.pool, &state.clusters).await?))
}

/// `GET /api/v1/clusters/{name}/workloads`
pub async fn workloads(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<Json<WorkloadsView>> {
    authorize(principal(&caller), Action::ViewClusters, Resource::Clusters)?;
    Ok(Json(view::workloads(&state.pool, &state.clusters, &name).await?))
}
