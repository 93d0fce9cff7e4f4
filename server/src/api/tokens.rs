use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
};
use parkway_core::identity::{
    Action, Error as IdError, Resource, authorize,
    role_mappings::parse_role,
    tokens::{self, NewToken, Owner, TokenInfo},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Caller, principal, request_id};
use crate::{
    error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult},
    state::AppState,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default)]
    all: bool,
}

/// `GET /api/v1/tokens`
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<TokenInfo>>> {
    let who = principal(&caller);
    authorize(who, Action::ManageOwnTokens, Resource::own_tokens(who))?;
    let owner = if query.all {
        authorize(who, Action::ManageAllTokens, Resource::Portal)?;
        None
    } else {
        who.map(|p| p.user_id)
    };
    Ok(Json(tokens::list(&state.pool, owner).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    name: String,
    /// `30d`, `12h`, `90m`; default 90 days.
    expires: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
    /// Create the token for this service account instead of oneself (admins only).
    service_account: Option<String>,
    /// The service account's role; required with `service_account`.
    role: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Created {
    /// The secret, shown only in this answer.
    token: String,
    #[serde(flatten)]
    info: TokenInfo,
}

/// Turns the request body into a token request, naming the field at fault.
pub fn token_request(body: NewTokenBody, caller_id: Uuid) -> Result<NewToken, IdError> {
    let lifetime = match body.expires.as_deref() {
        Some(text) => tokens::parse_lifetime(text)?,
        None => tokens::DEFAULT_LIFETIME,
    };
    let scopes = body
        .scopes
        .iter()
        .map(|s| {
            s.parse::<Action>().map_err(|err| IdError::Invalid {
                field: "scopes",
                reason: err.to_string(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let owner = match (body.service_account, body.role) {
        (Some(account), Some(role)) => Owner::Service {
            account,
            role: parse_role(&role)?,
        },
        (Some(_), None) => {
            return Err(IdError::Invalid {
                field: "role",
                reason: "is required for a service-account token".to_owned(),
            });
        }
        (None, Some(_)) => {
            return Err(IdError::Invalid {
                field: "role",
                reason: "only applies to service-account tokens; your own tokens act with your roles"
                    .to_owned(),
            });
        }
        (None, None) => Owner::Person(caller_id),
    };
    Ok(NewToken {
        name: body.name,
        owner,
        scopes,
        lifetime,
    })
}

/// `POST /api/v1/tokens`
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewTokenBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let who = principal(&caller);
    authorize(who, Action::ManageOwnTokens, Resource::own_tokens(who))?;
    let caller_id = who.map(|p| p.user_id).unwrap_or_default();
    let request = token_request(body, caller_id)?;
    if matches!(request.owner, Owner::Service { .. }) {
        authorize(who, Action::ManageAllTokens, Resource::Portal)?;
    }
    let actor = who.map(|p| p.actor()).unwrap_or_default();
    let created = tokens::create(&state.pool, &request, &actor, request_id(&headers)).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            token: created.secret,
            info: created.info,
        }),
    ))
}

/// `DELETE /api/v1/tokens/{id}`
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<TokenInfo>> {
    let who = principal(&caller);
    authorize(who, Action::ManageOwnTokens, Resource::own_tokens(who))?;
    let id = Uuid::parse_str(&id)
        .map_err(|_| ApiError::BadRequest(format!("`{id}` is not a token id (a UUID)")))?;
    let owner = tokens::owner_of(&state.pool, id).await?;
    authorize(who, Action::ManageOwnTokens, Resource::TokensOf { owner })?;
    let actor = who.map(|p| p.actor()).unwrap_or_default();
    Ok(Json(
        tokens::revoke(&state.pool, id, &actor, request_id(&headers)).await?,
    ))
}
