use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::MappingRow;
use crate::serverfns::AppError;

#[server(prefix = "/fn", endpoint = "list_role_mappings", input = GetUrl)]
pub async fn list_role_mappings() -> Result<Vec<MappingRow>, AppError> {
    use parkway_core::identity::{Action, Resource, authorize, role_mappings};
    crate::serverfns::error::respond(async {
        let (who, ctx) = super::caller()?;
        authorize(who.as_ref(), Action::ViewRoleMappings, Resource::RoleMappings)?;
        let rows = role_mappings::list(&ctx.pool).await?;
        Ok(rows.into_iter().map(MappingRow::from).collect())
    })
    .await
}
