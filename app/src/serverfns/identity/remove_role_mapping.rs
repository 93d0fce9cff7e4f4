use leptos::prelude::*;

use super::MappingRow;
use crate::serverfns::AppError;

#[server(prefix = "/fn", endpoint = "remove_role_mapping")]
pub async fn remove_role_mapping(id: i64) -> Result<MappingRow, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move {
        Ok(parkway_core::identity::ops::remove_role_mapping(&ctx()?, id)
            .await?
            .into())
    })
    .await
}
