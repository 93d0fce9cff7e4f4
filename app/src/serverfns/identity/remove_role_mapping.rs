use leptos::prelude::*;

use super::MappingRow;
use crate::serverfns::AppError;

#[server(prefix = "/fn", endpoint = "remove_role_mapping")]
pub async fn remove_role_mapping(id: i64) -> Result<MappingRow, AppError> {
    use parkway_core::identity::{Action, Resource, authorize, role_mappings};
    crate::serverfns::error::respond(async {
        let (who, ctx) = super::caller()?;
        authorize(who.as_ref(), Action::EditRoleMappings, Resource::RoleMappings)?;
        let actor = who.map(|p| p.actor()).unwrap_or_default();
        let request_id = crate::auth::server::request_id();
        let removed = role_mappings::remove(&ctx.pool, id, &actor, request_id.as_deref()).await?;
        Ok(MappingRow::from(removed))
    })
    .await
}
