use axum::{Json, http::StatusCode};
use parkway_core::identity::{
    ops::{self, TokenRequest},
    tokens::TokenInfo,
};
use serde::{Deserialize, Serialize};

use super::Op;
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default)]
    all: bool,
}

/// `GET /api/v1/tokens`
pub async fn list(Op(ctx): Op, ApiQuery(query): ApiQuery<ListQuery>) -> ApiResult<Json<Vec<TokenInfo>>> {
    Ok(Json(ops::list_tokens(&ctx, query.all).await?))
}

#[derive(Debug, Serialize)]
pub struct Created {
    /// The secret, shown only in this answer.
    token: String,
    #[serde(flatten)]
    info: TokenInfo,
}

/// `POST /api/v1/tokens` with `{"name", "expires"?, "scopes"?, "service_account"?, "role"?}`
pub async fn create(
    Op(ctx): Op,
    ApiJson(body): ApiJson<TokenRequest>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let created = ops::create_token(&ctx, body).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            token: created.secret,
            info: created.info,
        }),
    ))
}

/// `DELETE /api/v1/tokens/{id}`
pub async fn revoke(Op(ctx): Op, ApiPath(id): ApiPath<String>) -> ApiResult<Json<TokenInfo>> {
    Ok(Json(ops::revoke_token(&ctx, &id).await?))
}
