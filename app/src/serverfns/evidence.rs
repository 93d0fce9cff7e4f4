//! Compliance evidence: the form's choices and a pack's summary.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::serverfns::AppError;
use parkway_types::views::evidence::{EvidenceChoices, EvidenceSummary};

/// The business units to pick from and the default period.
#[server(prefix = "/fn", endpoint = "evidence_choices", input = GetUrl)]
pub async fn load_evidence_choices() -> Result<EvidenceChoices, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move { Ok(parkway_core::evidence::ops::choices(&ctx()?).await?) }).await
}

/// The summary of the pack for a business unit (blank: the enterprise) and a period
/// (`YYYY-MM-DD`, both days included): the same files, hashes and controls the
/// download (`GET /api/v1/evidence`) writes. Audited as `evidence.view`.
#[server(prefix = "/fn", endpoint = "evidence_summary", input = GetUrl)]
pub async fn load_evidence_summary(
    #[server(default)] business_unit: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
) -> Result<EvidenceSummary, AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_core::evidence::ops::{self, Ask};
    respond(async move {
        let ctx = ctx()?;
        let key = crate::auth::server::context()
            .map(|c| c.audit_key)
            .ok_or_else(|| AppError(parkway_core::internal(&"server context missing")))?;
        let ask = Ask {
            business_unit: Some(&business_unit),
            from: Some(&from),
            to: Some(&to),
        };
        Ok(ops::summary(&ctx, &key, &ask).await?)
    })
    .await
}
