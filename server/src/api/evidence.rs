use std::sync::Arc;

use axum::extract::State;
use parkway_core::{
    audit::AuditKey,
    evidence::ops::{self, Ask},
};
use serde::Deserialize;

use super::{Op, answer::EvidencePack};
use crate::error::{ApiQuery, ApiResult};

/// Which pack: a business unit (or the enterprise) and a period of whole UTC days.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EvidenceQuery {
    /// A business unit: `payments`, `group:payments` or `group:default/payments` (a
    /// Group with `spec.type: business-unit`). Omit it, or give `enterprise`, for the
    /// whole enterprise.
    business_unit: Option<String>,
    /// The first day, `YYYY-MM-DD` (UTC), included. Required.
    from: Option<String>,
    /// The last day, `YYYY-MM-DD` (UTC), included; at most 366 days after `from`. Required.
    to: Option<String>,
}

/// `GET /api/v1/evidence?business_unit=REF&from=DATE&to=DATE`: the pack as a zip.
pub async fn export(
    Op(ctx): Op,
    State(key): State<Arc<AuditKey>>,
    ApiQuery(q): ApiQuery<EvidenceQuery>,
) -> ApiResult<EvidencePack> {
    let ask = Ask {
        business_unit: q.business_unit.as_deref(),
        from: q.from.as_deref(),
        to: q.to.as_deref(),
    };
    Ok(EvidencePack(ops::export(&ctx, &key, &ask).await?))
}
