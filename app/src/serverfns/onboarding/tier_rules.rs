use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use super::{TierRule, TierRuleSpec};
use crate::serverfns::AppError;

/// The tier rules page: every tier's current rules, and whether the caller may edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierRulesView {
    pub tiers: Vec<TierRule>,
    pub may_edit: bool,
}

#[server(prefix = "/fn", endpoint = "list_tier_rules", input = GetUrl)]
pub async fn list_tier_rules() -> Result<TierRulesView, AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_core::identity::{Action, policy::Resource};
    respond(async move {
        let ctx = ctx()?;
        Ok(TierRulesView {
            tiers: parkway_core::onboarding::ops::tier_rules(&ctx).await?,
            may_edit: ctx.allows(Action::EditTierRules, Resource::TierRules),
        })
    })
    .await
}

/// A new version of one tier's rules (coe-editors); answers it.
#[server(prefix = "/fn", endpoint = "save_tier_rule")]
pub async fn save_tier_rule(
    tier: String,
    rule: TierRuleSpec,
    note: Option<String>,
) -> Result<TierRule, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move {
        Ok(parkway_core::onboarding::ops::put_tier_rule(&ctx()?, &tier, &rule, note.as_deref()).await?)
    })
    .await
}
