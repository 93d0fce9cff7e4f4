//! `/api/v1/guardrails` and `/api/v1/threats`: adapters onto
//! `parkway_core::guardrails::ops`.

use axum::{Json, body::Bytes, extract::rejection::BytesRejection, http::HeaderMap};
use parkway_core::{
    guardrails::{
        ops::{self, GuardrailImport, StepOutcome},
        query::GuardrailFilter,
    },
    types::{
        guardrails::{Decision, GuardrailId, Guidance, ReviewStep, Severity, ThreatId},
        views::guardrails::{
            Category, GuardrailCoverage, GuardrailDetail, GuardrailDiff, GuardrailSummary, GuardrailVersion,
            MitigationGaps, Threat,
        },
    },
};
use serde::Deserialize;

use super::{
    Op,
    answer::{Created, Saved, YamlDocuments},
    catalog::YAML,
    text_body,
};
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// The file's name, for problems and the audit trail (default `guardrails.yaml`).
    #[serde(default)]
    file: String,
}

/// `POST /api/v1/guardrails/import` with `Guardrail` and `Threat` documents as YAML.
pub async fn import(
    Op(ctx): Op,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<ImportParams>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Saved<GuardrailImport>> {
    let text = text_body(
        &headers,
        body,
        &YAML,
        "guardrail and threat documents as application/yaml",
    )?;
    let outcome = ops::import(&ctx, &params.file, &text).await?;
    Ok(Saved {
        created: !(outcome.drafted.is_empty() && outcome.threats_saved.is_empty()),
        body: outcome,
    })
}

/// `GET /api/v1/guardrails/export`: the published set and the register as YAML.
pub async fn export(Op(ctx): Op) -> ApiResult<YamlDocuments> {
    Ok(YamlDocuments(ops::export(&ctx).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// A category slug, e.g. `secure-defaults`.
    category: Option<String>,
    severity: Option<Severity>,
    guidance: Option<Guidance>,
    /// A risk tier, e.g. `confidential`; with `decision`, guardrails deciding that for it.
    tier: Option<String>,
    /// `allowed`, `needs-approval` or `blocked` (for `tier`, else for any tier).
    decision: Option<Decision>,
    /// Words in the title, objective or body; misspellings are forgiven.
    q: Option<String>,
}

/// `GET /api/v1/guardrails`: the published guardrails.
pub async fn list(Op(ctx): Op, ApiQuery(p): ApiQuery<ListParams>) -> ApiResult<Json<Vec<GuardrailSummary>>> {
    let filter = GuardrailFilter {
        category: p.category,
        severity: p.severity,
        guidance: p.guidance,
        tier: p.tier,
        decision: p.decision,
        q: p.q,
    };
    Ok(Json(ops::list(&ctx, &filter, false).await?))
}

/// `GET /api/v1/guardrails/{id}`
pub async fn show(Op(ctx): Op, ApiPath(id): ApiPath<GuardrailId>) -> ApiResult<Json<GuardrailDetail>> {
    Ok(Json(ops::get(&ctx, id).await?))
}

/// `GET /api/v1/guardrails/{id}/versions`
pub async fn versions(
    Op(ctx): Op,
    ApiPath(id): ApiPath<GuardrailId>,
) -> ApiResult<Json<Vec<GuardrailVersion>>> {
    Ok(Json(ops::versions(&ctx, id).await?))
}

/// `GET /api/v1/guardrails/{id}/coverage`: mode, workloads and results per cluster.
pub async fn coverage(Op(ctx): Op, ApiPath(id): ApiPath<GuardrailId>) -> ApiResult<Json<GuardrailCoverage>> {
    Ok(Json(ops::coverage(&ctx, id).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DiffParams {
    /// The older version (default: the one before `to`).
    from: Option<u32>,
    /// The newer version (default: the newest the caller may see).
    to: Option<u32>,
}

/// `GET /api/v1/guardrails/{id}/diff?from=&to=`: field by field, the body word by word.
pub async fn diff(
    Op(ctx): Op,
    ApiPath(id): ApiPath<GuardrailId>,
    ApiQuery(p): ApiQuery<DiffParams>,
) -> ApiResult<Json<GuardrailDiff>> {
    Ok(Json(ops::diff(&ctx, id, p.from, p.to).await?))
}

/// A review step's note: why (submit), what to change (reject), or a remark.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewNote {
    /// Required for `submit` (the change note) and `reject` (what to change).
    #[serde(default)]
    note: Option<String>,
}

async fn review(
    ctx: &parkway_core::Ctx,
    id: GuardrailId,
    step: ReviewStep,
    note: ReviewNote,
) -> ApiResult<Json<StepOutcome>> {
    Ok(Json(ops::step(ctx, id, step, note.note.as_deref()).await?))
}

/// `POST /api/v1/guardrails/{id}/submit`
pub async fn submit(
    Op(ctx): Op,
    ApiPath(id): ApiPath<GuardrailId>,
    ApiJson(note): ApiJson<ReviewNote>,
) -> ApiResult<Json<StepOutcome>> {
    review(&ctx, id, ReviewStep::Submit, note).await
}

/// `POST /api/v1/guardrails/{id}/approve`
pub async fn approve(
    Op(ctx): Op,
    ApiPath(id): ApiPath<GuardrailId>,
    ApiJson(note): ApiJson<ReviewNote>,
) -> ApiResult<Json<StepOutcome>> {
    review(&ctx, id, ReviewStep::Approve, note).await
}

/// `POST /api/v1/guardrails/{id}/reject`
pub async fn reject(
    Op(ctx): Op,
    ApiPath(id): ApiPath<GuardrailId>,
    ApiJson(note): ApiJson<ReviewNote>,
) -> ApiResult<Json<StepOutcome>> {
    review(&ctx, id, ReviewStep::Reject, note).await
}

/// `POST /api/v1/guardrails/{id}/publish`
pub async fn publish(
    Op(ctx): Op,
    ApiPath(id): ApiPath<GuardrailId>,
    ApiJson(note): ApiJson<ReviewNote>,
) -> ApiResult<Json<StepOutcome>> {
    review(&ctx, id, ReviewStep::Publish, note).await
}

/// `POST /api/v1/guardrails/{id}/retire`
pub async fn retire(
    Op(ctx): Op,
    ApiPath(id): ApiPath<GuardrailId>,
    ApiJson(note): ApiJson<ReviewNote>,
) -> ApiResult<Json<StepOutcome>> {
    review(&ctx, id, ReviewStep::Retire, note).await
}

/// `GET /api/v1/threats`
pub async fn threats(Op(ctx): Op) -> ApiResult<Json<Vec<Threat>>> {
    Ok(Json(ops::threats(&ctx).await?))
}

/// `GET /api/v1/threats/{id}`
pub async fn threat(Op(ctx): Op, ApiPath(id): ApiPath<ThreatId>) -> ApiResult<Json<Threat>> {
    Ok(Json(ops::threat(&ctx, id).await?))
}

/// `GET /api/v1/threats/not-really-mitigated`: threats whose mitigations are missing or
/// audit-only in a production cluster.
pub async fn not_really_mitigated(Op(ctx): Op) -> ApiResult<Json<MitigationGaps>> {
    Ok(Json(ops::mitigation_gaps(&ctx).await?))
}

/// `GET /api/v1/guardrail-categories`
pub async fn categories(Op(ctx): Op) -> ApiResult<Json<Vec<Category>>> {
    Ok(Json(ops::categories(&ctx).await?))
}

/// A new category.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCategory {
    /// Kebab-case, as documents will write it: `runtime-security`.
    slug: String,
    title: String,
}

/// `POST /api/v1/guardrail-categories`
pub async fn add_category(Op(ctx): Op, ApiJson(body): ApiJson<NewCategory>) -> ApiResult<Created<Category>> {
    Ok(Created(ops::add_category(&ctx, &body.slug, &body.title).await?))
}

/// A category's new title.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryTitle {
    title: String,
}

/// `PUT /api/v1/guardrail-categories/{slug}`
pub async fn rename_category(
    Op(ctx): Op,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<CategoryTitle>,
) -> ApiResult<Json<Category>> {
    Ok(Json(ops::rename_category(&ctx, &slug, &body.title).await?))
}

/// `DELETE /api/v1/guardrail-categories/{slug}`
pub async fn remove_category(Op(ctx): Op, ApiPath(slug): ApiPath<String>) -> ApiResult<Json<Category>> {
    Ok(Json(ops::remove_category(&ctx, &slug).await?))
}
