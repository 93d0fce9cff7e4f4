use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::WorkloadTable;
use crate::serverfns::AppError;

/// A cluster's workloads; `q` keeps those whose namespace, name or team contains it.
#[server(prefix = "/fn", endpoint = "cluster_workloads", input = GetUrl)]
pub async fn cluster_workloads(
    name: String,
    #[server(default)] q: String,
) -> Result<WorkloadTable, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move { Ok(parkway_core::cluster::ops::workload_table(&ctx()?, &name, &q).await?) }).await
}
