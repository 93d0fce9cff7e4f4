use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::MappingRow;
use crate::serverfns::AppError;

#[server(prefix = "/fn", endpoint = "list_role_mappings", input = GetUrl)]
pub async fn list_role_mappings() -> Result<Vec<MappingRow>, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move {
        let mappings = parkway_core::identity::ops::list_role_mappings(&ctx()?).await?;
        Ok(mappings.into_iter().map(MappingRow::from).collect())
    })
    .await
}
