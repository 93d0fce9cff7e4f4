use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::EntityView;
use crate::serverfns::AppError;

/// One entity: header facts, relations, what it owns (groups) and its runtime.
#[server(prefix = "/fn", endpoint = "catalog_entity", input = GetUrl)]
pub async fn catalog_entity(kind: String, namespace: String, name: String) -> Result<EntityView, AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_types::EntityRef;
    respond(async move {
        let entity = EntityRef::from_path(&kind, &namespace, &name)?;
        Ok(parkway_core::catalog::ops::entity_page(&ctx()?, &entity).await?)
    })
    .await
}
