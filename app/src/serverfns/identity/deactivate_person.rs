use leptos::prelude::*;

use super::DeactivatedPerson;
use crate::serverfns::AppError;

#[server(prefix = "/fn", endpoint = "deactivate_person")]
pub async fn deactivate_person(id: String) -> Result<DeactivatedPerson, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move {
        Ok(parkway_core::identity::ops::deactivate_user(&ctx()?, &id)
            .await?
            .into())
    })
    .await
}
