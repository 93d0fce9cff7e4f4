use axum::{Json, extract::State};
use parkway_core::identity::{Action, Resource, authorize, users};
use serde_json::{Value, json};

use super::{Caller, principal};
use crate::{error::ApiResult, state::AppState};

/// `GET /api/v1/me`
pub async fn show(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let who = principal(&caller);
    authorize(who, Action::ViewPortal, Resource::Portal)?;
    let who = who.expect("authorized callers are known");
    let mut conn = state
        .pool
        .acquire()
        .await
        .map_err(parkway_core::identity::Error::from)?;
    let teams = users::teams_of(&mut conn, who.user_id).await?;
    Ok(Json(json!({
        "name": who.display_name,
        "handle": who.handle,
        "kind": who.kind,
        "roles": who.roles,
        "groups": who.groups,
        "teams": teams,
    })))
}
