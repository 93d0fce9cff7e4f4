use leptos::prelude::*;

use crate::serverfns::AppError;

/// Removes an entity (an orphan, typically) and returns to the catalog.
#[server(prefix = "/fn", endpoint = "remove_catalog_entity")]
pub async fn remove_catalog_entity(kind: String, namespace: String, name: String) -> Result<(), AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_types::EntityRef;
    respond(async move {
        let entity = EntityRef::from_path(&kind, &namespace, &name)?;
        parkway_core::catalog::ops::remove(&ctx()?, &entity).await?;
        leptos_axum::redirect("/catalog");
        Ok(())
    })
    .await
}
