//! `/api/v1/maturity/*`: adapters onto `parkway_core::scorecards::maturity::ops`.

use axum::{Json, body::Bytes, extract::rejection::BytesRejection, http::HeaderMap};
use parkway_core::{
    scorecards::maturity::ops::{self, EvaluationQuery, MaturityEvaluation, NewExemption},
    types::scorecards::MaturityTable,
    types::views::maturity::{MaturityDetail, MaturityExemption, MaturityRun, MaturityScorecard},
};

use super::{
    Op,
    answer::{Created, CsvFile, NoContent},
    catalog::YAML_OR_JSON,
    text_body,
};
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult};

/// `GET /api/v1/maturity/scorecards`
pub async fn list(Op(ctx): Op) -> ApiResult<Json<Vec<MaturityScorecard>>> {
    Ok(Json(ops::list(&ctx).await?))
}

/// `GET /api/v1/maturity/scorecards/{id}`
pub async fn show(Op(ctx): Op, ApiPath(id): ApiPath<String>) -> ApiResult<Json<MaturityDetail>> {
    Ok(Json(ops::detail(&ctx, &id).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MaturityTableParams {
    /// `rules`, `ratings` (every rated component) or `exemptions`.
    #[param(inline)]
    table: MaturityTable,
}

/// `GET /api/v1/maturity/scorecards/{id}/export`
pub async fn export(
    Op(ctx): Op,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<MaturityTableParams>,
) -> ApiResult<CsvFile> {
    Ok(CsvFile(ops::export_table(&ctx, &id, p.table).await?))
}

/// `PUT /api/v1/maturity/scorecards/{id}`
pub async fn save(
    Op(ctx): Op,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<MaturityDetail>> {
    let text = text_body(
        &headers,
        body,
        &YAML_OR_JSON,
        "one scorecard as application/yaml or application/json",
    )?;
    Ok(Json(ops::save(&ctx, &id, &text).await?))
}

/// `DELETE /api/v1/maturity/scorecards/{id}`
pub async fn retire(Op(ctx): Op, ApiPath(id): ApiPath<String>) -> ApiResult<NoContent> {
    ops::retire(&ctx, &id).await?;
    Ok(NoContent)
}

/// `POST /api/v1/maturity/scorecards/{id}/evaluate`
pub async fn evaluate(Op(ctx): Op, ApiPath(id): ApiPath<String>) -> ApiResult<Json<MaturityRun>> {
    Ok(Json(ops::evaluate_now(&ctx, &id).await?))
}

/// `GET /api/v1/maturity/evaluations`
pub async fn evaluations(
    Op(ctx): Op,
    ApiQuery(q): ApiQuery<EvaluationQuery>,
) -> ApiResult<Json<Vec<MaturityEvaluation>>> {
    Ok(Json(ops::evaluations(&ctx, &q).await?))
}

/// `POST /api/v1/maturity/exemptions`
pub async fn exempt(
    Op(ctx): Op,
    ApiJson(new): ApiJson<NewExemption>,
) -> ApiResult<Created<MaturityExemption>> {
    Ok(Created(ops::grant_exemption(&ctx, &new).await?))
}

/// `DELETE /api/v1/maturity/exemptions/{id}`
pub async fn revoke(Op(ctx): Op, ApiPath(id): ApiPath<i64>) -> ApiResult<NoContent> {
    ops::revoke_exemption(&ctx, id).await?;
    Ok(NoContent)
}
