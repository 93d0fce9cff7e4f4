use axum::{
    Json,
    body::Bytes,
    extract::rejection::BytesRejection,
    http::{HeaderMap, StatusCode},
};
use parkway_core::catalog::{
    ops::{self, ImportOutcome, PutResult, StoredEntity},
    query::{EntityFilter, Facets, Page},
};
use serde::Deserialize;

use super::{EntityPath, Op, text_body};
use crate::error::{ApiQuery, ApiResult};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// Where the descriptors live (a repository path, a file name); re-importing the
    /// same source updates its entities and orphans the ones it no longer has.
    #[serde(default)]
    source: String,
}

const YAML: [&str; 4] = [
    "application/yaml",
    "application/x-yaml",
    "text/yaml",
    "text/x-yaml",
];

/// Media types a single descriptor may come as (JSON is read as the YAML it is).
const YAML_OR_JSON: [&str; 5] = [
    "application/yaml",
    "application/x-yaml",
    "text/yaml",
    "text/x-yaml",
    "application/json",
];

/// `POST /api/v1/catalog/import?source=NAME` with the descriptors as `application/yaml`.
pub async fn import(
    Op(ctx): Op,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<ImportParams>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, Json<ImportOutcome>)> {
    let text = text_body(&headers, body, &YAML, "descriptors as application/yaml")?;
    let outcome = ops::import(&ctx, &params.source, &text).await?;
    let status = if outcome.created.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(outcome)))
}

/// `PUT /api/v1/catalog/entities/{kind}/{namespace}/{name}` with one descriptor:
/// replaces the entity, or creates it.
pub async fn put(
    Op(ctx): Op,
    headers: HeaderMap,
    EntityPath(entity): EntityPath,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, Json<StoredEntity>)> {
    let text = text_body(
        &headers,
        body,
        &YAML_OR_JSON,
        "one descriptor as application/yaml or application/json",
    )?;
    let (result, stored) = ops::put(&ctx, &entity, &text).await?;
    let status = match result {
        PutResult::Created => StatusCode::CREATED,
        PutResult::Replaced => StatusCode::OK,
    };
    Ok((status, Json(stored)))
}

/// `DELETE /api/v1/catalog/entities/{kind}/{namespace}/{name}`
pub async fn remove(Op(ctx): Op, EntityPath(entity): EntityPath) -> ApiResult<StatusCode> {
    ops::remove(&ctx, &entity).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/catalog/entities/{kind}/{namespace}/{name}`
pub async fn show(Op(ctx): Op, EntityPath(entity): EntityPath) -> ApiResult<Json<StoredEntity>> {
    Ok(Json(ops::get(&ctx, &entity).await?))
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
pub async fn list(Op(ctx): Op, ApiQuery(params): ApiQuery<ListParams>) -> ApiResult<Json<Page>> {
    let filter = EntityFilter {
        kind: params.kind,
        owner: params.owner,
        business_unit: params.business_unit,
        lifecycle: params.lifecycle,
        tier: params.tier,
        tag: params.tag,
        q: params.q,
        sort: params.sort.as_deref().map(str::parse).transpose()?,
    };
    let limit = params.limit.unwrap_or(ops::PAGE_SIZE);
    Ok(Json(
        ops::list(&ctx, &filter, limit, params.cursor.as_deref()).await?,
    ))
}

/// `GET /api/v1/catalog/facets` with the same filters: counts per value.
pub async fn facets(Op(ctx): Op, ApiQuery(filter): ApiQuery<EntityFilter>) -> ApiResult<Json<Facets>> {
    Ok(Json(ops::facets(&ctx, &filter).await?))
}
