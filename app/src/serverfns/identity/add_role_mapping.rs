use leptos::prelude::*;

use super::MappingRow;
use crate::serverfns::AppError;

#[server(prefix = "/fn", endpoint = "add_role_mapping")]
pub async fn add_role_mapping(group: String, role: String) -> Result<MappingRow, AppError> {
    use parkway_core::identity::{Action, Resource, authorize, role_mappings};
    crate::serverfns::error::respond(async {
        let (who, ctx) = super::caller()?;
        authorize(who.as_ref(), Action::EditRoleMappings, Resource::RoleMappings)?;
        let actor = who.map(|p| p.actor()).unwrap_or_default();
        let request_id = crate::auth::server::request_id();
        let mapping =
            role_mappings::add(&ctx.pool, group.trim(), &role, &actor, request_id.as_deref()).await?;
        Ok(MappingRow::from(mapping))
    })
    .await
}
