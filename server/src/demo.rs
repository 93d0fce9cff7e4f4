//! `POST /admin/clusters/{name}/outage`: stop or restart a demo cluster's endpoint from
//! its admin page, to show (and test in the browser) how Parkway serves snapshots when
//! a cluster goes away. A plain form post: works without script; answers 303 back.

use axum::{
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use parkway_core::cluster::ops::{self, DemoControl};
use serde::Deserialize;

use crate::{
    api::{Op, path_segment},
    clusters::DemoClusters,
    error::{ApiForm, ApiPath, ApiResult},
    state::AppState,
};

#[derive(Debug, Deserialize)]
pub struct OutageForm {
    /// `stop` or `start`.
    action: String,
}

impl DemoControl for DemoClusters {
    async fn set_running(&self, name: &str, running: bool) -> Result<bool, String> {
        DemoClusters::set_running(self, name, running)
            .await
            .map_err(|err| format!("{err:#}"))
    }
}

pub async fn outage(
    State(state): State<AppState>,
    Op(ctx): Op,
    ApiPath(name): ApiPath<String>,
    ApiForm(form): ApiForm<OutageForm>,
) -> ApiResult<Response> {
    ops::simulate_outage(&ctx, state.demo.as_ref(), &name, &form.action).await?;
    Ok(Redirect::to(&format!("/admin/clusters/{}", path_segment(&name))).into_response())
}
