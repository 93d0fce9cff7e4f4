use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::PersonRow;
use crate::serverfns::AppError;

#[server(prefix = "/fn", endpoint = "list_people", input = GetUrl)]
pub async fn list_people() -> Result<Vec<PersonRow>, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move {
        let people = parkway_core::identity::ops::list_users(&ctx()?).await?;
        Ok(people.into_iter().map(PersonRow::from).collect())
    })
    .await
}
