use axum::Json;
use parkway_core::identity::{
    ops::{self, TokenRequest},
    tokens::TokenInfo,
};
use serde::{Deserialize, Serialize};

use super::{Op, answer::Created};
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Everyone's tokens instead of one's own (platform admins only).
    #[serde(default)]
    all: bool,
}

/// `GET /api/v1/tokens`
pub async fn list(Op(ctx): Op, ApiQuery(query): ApiQuery<ListQuery>) -> ApiResult<Json<Vec<TokenInfo>>> {
    Ok(Json(ops::list_tokens(&ctx, query.all).await?))
}

/// A new token: its secret, once, and what listings show of it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    /// The secret, shown only in this answer.
    token: String,
    #[serde(flatten)]
    info: TokenInfo,
}

/// `POST /api/v1/tokens` with `{"name", "expires"?, "scopes"?, "service_account"?, "role"?}`
pub async fn create(Op(ctx): Op, ApiJson(body): ApiJson<TokenRequest>) -> ApiResult<Created<CreatedToken>> {
    let created = ops::create_token(&ctx, body).await?;
    Ok(Created(CreatedToken {
        token: created.secret,
        info: created.info,
    }))
}

/// `DELETE /api/v1/tokens/{id}`
pub async fn revoke(Op(ctx): Op, ApiPath(id): ApiPath<String>) -> ApiResult<Json<TokenInfo>> {
    Ok(Json(ops::revoke_token(&ctx, &id).await?))
}
