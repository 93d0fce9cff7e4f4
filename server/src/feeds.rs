//! Feeds readers subscribe to: `/guardrails/feed.atom`. The same authentication as
//! everything else (a session cookie, or a bearer token for feed readers that send one).

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use parkway_core::guardrails::ops;

use crate::{api::Op, error::ApiResult, state::AppState};

/// `GET /guardrails/feed.atom`: one entry per guardrail publication, newest first.
pub async fn guardrails(State(state): State<AppState>, Op(ctx): Op) -> ApiResult<Response> {
    let body = ops::feed(&ctx, &state.auth.public_origin).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        body,
    )
        .into_response())
}
