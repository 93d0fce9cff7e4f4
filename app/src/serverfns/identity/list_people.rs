use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::PersonRow;
use crate::serverfns::AppError;

#[server(prefix = "/fn", endpoint = "list_people", input = GetUrl)]
pub async fn list_people() -> Result<Vec<PersonRow>, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move {
        let ctx = ctx()?;
        let people = parkway_core::identity::ops::list_users(&ctx).await?;
        let me = ctx.caller.as_ref().map(|who| who.user_id);
        Ok(people
            .into_iter()
            .map(|user| {
                let you = Some(user.id) == me;
                PersonRow {
                    you,
                    ..PersonRow::from(user)
                }
            })
            .collect())
    })
    .await
}
