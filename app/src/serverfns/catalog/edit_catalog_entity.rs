use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::serverfns::AppError;

/// An entity's descriptor as YAML, for editing; refused unless the caller may edit it.
#[server(prefix = "/fn", endpoint = "catalog_descriptor", input = GetUrl)]
pub async fn catalog_descriptor(kind: String, namespace: String, name: String) -> Result<String, AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_types::EntityRef;
    respond(async move {
        let entity = EntityRef::from_path(&kind, &namespace, &name)?;
        Ok(parkway_core::catalog::ops::descriptor(&ctx()?, &entity).await?)
    })
    .await
}

/// Replaces an entity with an edited descriptor (the rules of
/// `PUT /api/v1/catalog/entities/…`), then shows it.
#[server(prefix = "/fn", endpoint = "save_catalog_entity")]
pub async fn save_catalog_entity(
    kind: String,
    namespace: String,
    name: String,
    descriptor: String,
) -> Result<(), AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_types::EntityRef;
    respond(async move {
        let entity = EntityRef::from_path(&kind, &namespace, &name)?;
        parkway_core::catalog::ops::put(&ctx()?, &entity, &descriptor).await?;
        leptos_axum::redirect(&entity.href());
        Ok(())
    })
    .await
}
