use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, header},
};
use parkway_core::{
    catalog::{
        EntityKind, EntityRef, Error as CatalogError,
        query::{self, EntityFilter, Facets, Page, Sort},
        store::{self, ImportOutcome, PutResult, StoredEntity},
    },
    identity::{Action, Resource, authorize},
};
use serde::Deserialize;

use super::{Caller, principal, request_id};
use crate::{
    error::{ApiError, ApiPath, ApiQuery, ApiResult},
    state::AppState,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// Where the descriptors live (a repository path, a file name); re-importing the
    /// same source updates its entities and orphans the ones it no longer has.
    source: Option<String>,
}

const YAML_TYPES: [&str; 4] = [
    "application/yaml",
    "application/x-yaml",
    "text/yaml",
    "text/x-yaml",
];

/// `POST /api/v1/catalog/import?source=NAME` with the descriptors as `application/yaml`.
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<ImportParams>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<(StatusCode, Json<ImportOutcome>)> {
    let who = principal(&caller);
    authorize(who, Action::ImportCatalog, Resource::Catalog)?;
    let media = media_type(&headers);
    if !YAML_TYPES.contains(&media) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "the body must be descriptors as application/yaml, not `{media}`"
        )));
    }
    let source = params
        .source
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::BadRequest("source: required: name where these descriptors live (e.g. `github.com/acme/shop/catalog-info.yaml`); re-importing the same source updates it".into()))?;
    let body = body?;
    let text = std::str::from_utf8(&body)
        .map_err(|e| ApiError::BadRequest(format!("the body is not UTF-8: {e}")))?;
    let actor = who.map(|p| p.handle.clone()).unwrap_or_default();
    let outcome = store::import(&state.pool, &source, &source, text, &actor, request_id(&headers)).await?;
    let status = if outcome.created.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(outcome)))
}

fn entity_key(kind: &str, namespace: &str, name: &str) -> ApiResult<String> {
    let kind: EntityKind = kind.parse().map_err(ApiError::BadRequest)?;
    Ok(EntityRef::parse(
        &format!("{}:{namespace}/{name}", kind.key_name()),
        None,
        "default",
    )
    .map_err(ApiError::BadRequest)?
    .key())
}

/// Media types a single descriptor may come as (JSON is read as the YAML it is).
const DESCRIPTOR_TYPES: [&str; 5] = [
    "application/yaml",
    "application/x-yaml",
    "text/yaml",
    "text/x-yaml",
    "application/json",
];

/// The media type of a request body, without parameters.
fn media_type(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .unwrap_or_default()
}

/// `PUT /api/v1/catalog/entities/{kind}/{namespace}/{name}` with one descriptor
/// (`application/yaml` or `application/json`): replaces the entity, or creates it.
/// Team owners may change what their team owns and keep it their team's; anything
/// else needs `catalog.edit`. Audited with before and after.
pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiPath((kind, namespace, name)): ApiPath<(String, String, String)>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<(StatusCode, Json<StoredEntity>)> {
    let who = principal(&caller);
    // Whether the caller may edit anything at all; ownership is decided with the row locked.
    authorize(
        who,
        Action::EditTeamCatalog,
        Resource::CatalogEntity { team_owned: true },
    )?;
    let media = media_type(&headers);
    if !DESCRIPTOR_TYPES.contains(&media) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "the body must be one descriptor as application/yaml or application/json, not `{media}`"
        )));
    }
    let key = entity_key(&kind, &namespace, &name)?;
    let body = body?;
    let text = std::str::from_utf8(&body)
        .map_err(|e| ApiError::BadRequest(format!("the body is not UTF-8: {e}")))?;
    let teams = store::teams_of(&state.pool, who).await?;
    let actor = who.map(|p| p.handle.clone()).unwrap_or_default();
    let (result, entity) = store::put(
        &state.pool,
        &key,
        text,
        &actor,
        request_id(&headers),
        store::edit_allowed(who, &teams),
    )
    .await?;
    let status = match result {
        PutResult::Created => StatusCode::CREATED,
        PutResult::Replaced => StatusCode::OK,
    };
    Ok((status, Json(entity)))
}

/// `DELETE /api/v1/catalog/entities/{kind}/{namespace}/{name}`: remove an entity (an
/// orphan, typically); audited with what it was.
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiPath((kind, namespace, name)): ApiPath<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let who = principal(&caller);
    authorize(
        who,
        Action::EditTeamCatalog,
        Resource::CatalogEntity { team_owned: true },
    )?;
    let key = entity_key(&kind, &namespace, &name)?;
    let teams = store::teams_of(&state.pool, who).await?;
    let actor = who.map(|p| p.handle.clone()).unwrap_or_default();
    store::delete(
        &state.pool,
        &key,
        &actor,
        request_id(&headers),
        store::edit_allowed(who, &teams),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/catalog/entities/{kind}/{namespace}/{name}`: the entity and its relations.
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((kind, namespace, name)): ApiPath<(String, String, String)>,
) -> ApiResult<Json<StoredEntity>> {
    authorize(principal(&caller), Action::ViewPortal, Resource::Catalog)?;
    let kind: EntityKind = kind.parse().map_err(ApiError::BadRequest)?;
    let key = EntityRef::parse(
        &format!("{}:{namespace}/{name}", kind.key_name()),
        None,
        "default",
    )
    .map_err(ApiError::BadRequest)?
    .key();
    store::get(&state.pool, &key)
        .await?
        .map(Json)
        .ok_or_else(|| CatalogError::NotFound(format!("entity `{key}`")).into())
}

/// The filters plus paging. Spelled out rather than flattened, so that an unknown
/// parameter (a typo such as `lifecyle`) is refused instead of silently ignored.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    kind: Option<String>,
    owner: Option<String>,
    business_unit: Option<String>,
    lifecycle: Option<String>,
    tier: Option<String>,
    tag: Option<String>,
    q: Option<String>,
    /// `name`, `updated` or `relevance`; parsed here so a wrong value gets the list.
    sort: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// `GET /api/v1/catalog/entities?kind=&owner=&business_unit=&lifecycle=&tier=&tag=&q=&sort=&cursor=&limit=`
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Json<Page>> {
    authorize(principal(&caller), Action::ViewPortal, Resource::Catalog)?;
    let filter = EntityFilter {
        kind: params.kind,
        owner: params.owner,
        business_unit: params.business_unit,
        lifecycle: params.lifecycle,
        tier: params.tier,
        tag: params.tag,
        q: params.q,
        sort: params.sort.as_deref().map(str::parse::<Sort>).transpose()?,
    };
    let limit = params.limit.unwrap_or(50);
    Ok(Json(
        query::list(
            &state.pool,
            &state.catalog_facets,
            &filter,
            limit,
            params.cursor.as_deref(),
        )
        .await?,
    ))
}

/// `GET /api/v1/catalog/facets` with the same filters: counts per value.
pub async fn facets(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(filter): ApiQuery<EntityFilter>,
) -> ApiResult<Json<Facets>> {
    authorize(principal(&caller), Action::ViewPortal, Resource::Catalog)?;
    Ok(Json(
        query::facets(&state.pool, &state.catalog_facets, &filter).await?,
    ))
}
