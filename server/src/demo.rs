//! `POST /admin/clusters/{name}/outage`: stop or restart a demo cluster's endpoint from
//! its admin page, to show (and test in the browser) how Parkway serves snapshots when
//! a cluster goes away. A plain form post: works without script; answers 303 back.

use axum::{
    Extension, Form,
    extract::{Path, State},
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
};
use parkway_core::{
    audit::{self, NewAuditEvent},
    identity::{Action, Principal, Resource, authorize},
};
use serde::Deserialize;

use crate::{api::request_id, error::ApiError, state::AppState};

#[derive(Debug, Deserialize)]
pub struct OutageForm {
    /// `stop` or `start`.
    action: String,
}

pub async fn outage(
    State(state): State<AppState>,
    caller: Option<Extension<Principal>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    Form(form): Form<OutageForm>,
) -> Response {
    let who = caller.as_ref().map(|Extension(p)| p);
    if let Err(denied) = authorize(who, Action::ControlDemoClusters, Resource::Clusters) {
        return ApiError::from(denied).into_response();
    }
    let running = match form.action.as_str() {
        "start" => true,
        "stop" => false,
        other => {
            return ApiError::BadRequest(format!("action: expected `stop` or `start`, not `{other}`"))
                .into_response();
        }
    };
    match state.demo.set_running(&name, running).await {
        Ok(true) => {}
        Ok(false) => return ApiError::BadRequest(format!("`{name}` is not a demo cluster")).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "demo cluster control failed");
            return ApiError::BadRequest(format!("could not {} `{name}`: {err}", form.action))
                .into_response();
        }
    }
    let mut event = NewAuditEvent::new(
        who.map(|p| p.handle.clone()).unwrap_or_default(),
        format!("demo-cluster.{}", form.action),
        format!("cluster:{name}"),
    );
    event.request_id = request_id(&headers).map(str::to_owned);
    if let Err(err) = audit::append(&state.pool, &event).await {
        tracing::error!(error = %err, "could not audit the demo cluster change");
    }
    Redirect::to(&format!("/admin/clusters/{}", crate::api::path_segment(&name))).into_response()
}
