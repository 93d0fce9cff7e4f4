use axum::{
    Json,
    body::Bytes,
    extract::rejection::BytesRejection,
    http::{HeaderMap, StatusCode, header},
};
use parkway_core::{
    Ctx,
    catalog::{
        ops::{self, ImportOutcome, PutResult, StoredEntity},
        query::{EntityFilter, Facets, Page},
    },
};
use serde::Deserialize;

use super::{
    EntityPath, Op,
    answer::{NoContent, Saved},
    text_body,
};
use crate::error::{ApiError, ApiQuery, ApiResult};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// Where the descriptors live (a repository path, a file name); re-importing the
    /// same source updates its entities and orphans the ones it no longer has.
    /// Required: a missing or blank one is refused (422).
    #[serde(default)]
    #[param(required = true)]
    source: String,
}

/// Media types an import reads.
pub const YAML: [&str; 4] = [
    "application/yaml",
    "application/x-yaml",
    "text/yaml",
    "text/x-yaml",
];

/// Media types a single descriptor may come as (JSON is read as the YAML it is).
pub const YAML_OR_JSON: [&str; 5] = [
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
) -> ApiResult<Saved<ImportOutcome>> {
    let body = body.map_err(|rejection| over_the_limit(&ctx, &params.source, &headers, rejection))?;
    let text = text_body(&headers, Ok(body), &YAML, "descriptors as application/yaml")?;
    let outcome = ops::import(&ctx, &params.source, text).await?;
    Ok(Saved {
        created: !outcome.created.is_empty(),
        body: outcome,
    })
}

/// A body over the import limit as the operation would refuse it (413, naming the
/// size, the limit and `PARKWAY_IMPORT_MAX_MB`) instead of axum's bare "length limit
/// exceeded"; other rejections as they are.
fn over_the_limit(ctx: &Ctx, source: &str, headers: &HeaderMap, rejection: BytesRejection) -> ApiError {
    if rejection.status() != StatusCode::PAYLOAD_TOO_LARGE {
        return rejection.into();
    }
    let limit = ctx.services.import_limit;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let file = if source.trim().is_empty() {
        "the body"
    } else {
        source.trim()
    };
    match declared.map(|size| limit.check(file, size)) {
        Some(Err(err)) => err.into(),
        // Sent without a length (chunked): how large it was is not known.
        _ => ApiError::Rejected {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            message: format!(
                "{file} is over {} bytes; an import may be at most {} bytes ({} MiB, set by PARKWAY_IMPORT_MAX_MB); nothing was imported",
                limit.max_bytes,
                limit.max_bytes,
                limit.max_bytes / (1024 * 1024)
            ),
        },
    }
}

/// `PUT /api/v1/catalog/entities/{kind}/{namespace}/{name}` with one descriptor:
/// replaces the entity, or creates it.
pub async fn put(
    Op(ctx): Op,
    headers: HeaderMap,
    EntityPath(entity): EntityPath,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Saved<StoredEntity>> {
    let text = text_body(
        &headers,
        body,
        &YAML_OR_JSON,
        "one descriptor as application/yaml or application/json",
    )?;
    let (result, stored) = ops::put(&ctx, &entity, &text).await?;
    Ok(Saved {
        created: result == PutResult::Created,
        body: stored,
    })
}

/// `DELETE /api/v1/catalog/entities/{kind}/{namespace}/{name}`
pub async fn remove(Op(ctx): Op, EntityPath(entity): EntityPath) -> ApiResult<NoContent> {
    ops::remove(&ctx, &entity).await?;
    Ok(NoContent)
}

/// `GET /api/v1/catalog/entities/{kind}/{namespace}/{name}`
pub async fn show(Op(ctx): Op, EntityPath(entity): EntityPath) -> ApiResult<Json<StoredEntity>> {
    Ok(Json(ops::get(&ctx, &entity).await?))
}

/// The filters plus paging. Spelled out rather than flattened, so that an unknown
/// parameter (a typo such as `lifecyle`) is refused instead of silently ignored.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Entity kind: component, api, resource, system, domain, group, user.
    kind: Option<String>,
    /// Owner entity reference, e.g. `group:default/checkout`.
    owner: Option<String>,
    /// Business-unit group reference, e.g. `group:default/payments`.
    business_unit: Option<String>,
    /// production, experimental, deprecated, …
    lifecycle: Option<String>,
    /// tier-1, tier-2, …
    tier: Option<String>,
    /// One tag.
    tag: Option<String>,
    /// Words in name, title, description or tags; forgives typos.
    q: Option<String>,
    /// `name`, `updated` (most recently changed first) or `relevance` (the default
    /// when `q` has words; otherwise `name`). Parsed here so a wrong value gets the list.
    #[param(value_type = Option<parkway_core::types::Sort>, inline)]
    sort: Option<String>,
    /// `next_cursor` of the previous page, in the same order.
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50); other values are brought into that range.
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
