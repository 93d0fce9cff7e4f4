use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::ClusterRow;
use crate::serverfns::AppError;

#[server(prefix = "/fn", endpoint = "list_clusters", input = GetUrl)]
pub async fn list_clusters() -> Result<Vec<ClusterRow>, AppError> {
    use crate::serverfns::identity::when;
    use parkway_core::{
        cluster::view,
        identity::{Action, Resource, authorize},
    };
    crate::serverfns::error::respond(async {
        let (who, ctx) = crate::serverfns::identity::caller()?;
        authorize(who.as_ref(), Action::ViewClusters, Resource::Clusters)?;
        let views = view::list(&ctx.pool, &ctx.clusters).await?;
        Ok(views
            .into_iter()
            .map(|v| ClusterRow {
                name: v.name,
                environment: v.environment,
                status: v.status,
                demo: v.demo,
                api_version: v.api_version,
                last_sync: v.last_sync.map(when),
                last_sync_age: v.last_sync.map(super::age),
                error: v.error,
            })
            .collect())
    })
    .await
}
