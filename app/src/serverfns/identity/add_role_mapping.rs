use leptos::prelude::*;

use super::MappingRow;
use crate::serverfns::AppError;

#[server(prefix = "/fn", endpoint = "add_role_mapping")]
pub async fn add_role_mapping(group: String, role: String) -> Result<MappingRow, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move {
        let mapping = parkway_core::identity::ops::add_role_mapping(&ctx()?, &group, &role).await?;
        Ok(mapping.into())
    })
    .await
}
