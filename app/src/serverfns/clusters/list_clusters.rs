use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::ClusterRow;
use crate::serverfns::AppError;

#[server(prefix = "/fn", endpoint = "list_clusters", input = GetUrl)]
pub async fn list_clusters() -> Result<Vec<ClusterRow>, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move {
        let clusters = parkway_core::cluster::ops::list(&ctx()?).await?;
        Ok(clusters.into_iter().map(ClusterRow::from).collect())
    })
    .await
}
