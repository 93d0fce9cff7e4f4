//! The demo company's tenants. Demo clusters live in memory and start empty, so on
//! every start the tier ClusterRoles are installed in them (as a platform team would)
//! and the objects of tenants that should exist are applied again.

use kube::{
    Api,
    api::{ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams},
};

use super::{error::Result, manifests, store};
use crate::{Services, cluster::ClusterConfig};

/// Installs the tier ClusterRoles in one cluster, as the platform's own field manager.
pub async fn install_tier_roles(
    services: &Services,
    cluster: &ClusterConfig,
) -> std::result::Result<(), String> {
    let mut conn = services.pool.acquire().await.map_err(|e| e.to_string())?;
    let tiers = store::tier_rules(&mut conn).await.map_err(|e| e.to_string())?;
    drop(conn);
    let client = cluster.client().await.map_err(|e| e.to_string())?;
    let resource = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("rbac.authorization.k8s.io", "v1", "ClusterRole"),
        "clusterroles",
    );
    let api: Api<DynamicObject> = Api::all_with(client, &resource);
    for (tier, _) in tiers {
        let role = manifests::tier_cluster_role(&tier.tier, tier.rule.pod_exec);
        let name = manifests::tier_cluster_role_name(&tier.tier);
        api.patch(
            &name,
            &PatchParams::apply("platform-bootstrap").force(),
            &Patch::Apply(&role),
        )
        .await
        .map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(())
}

/// Makes every apply step of the tenants that should exist due again in `clusters`.
pub async fn requeue(services: &Services, clusters: &[String]) -> Result<u64> {
    Ok(sqlx::query!(
        "update tenant_steps s set state = 'pending', next_attempt_at = now()
         from tenants t
         where t.name = s.tenant and s.op = 'apply' and s.cluster = any($1)
           and t.state in ('provisioning', 'active', 'failed', 'decommission-requested')",
        clusters
    )
    .execute(&services.pool)
    .await?
    .rows_affected())
}

/// Whether any tenant was ever requested (the demo seeds only an empty list).
pub async fn any_tenant(services: &Services) -> Result<bool> {
    Ok(
        sqlx::query_scalar!(r#"select exists(select 1 from tenants) as "e!""#)
            .fetch_one(&services.pool)
            .await?,
    )
}

/// What another team's tool left behind in a cluster: the namespace `name` and its
/// `tenant-quota` applied by field manager `kubectl` with a different pods ceiling, so
/// the demo shows what a conflict looks like (the tenant waits, naming the manager and
/// the field).
pub async fn occupy(cluster: &ClusterConfig, name: &str) -> std::result::Result<(), String> {
    let client = cluster.client().await.map_err(|e| e.to_string())?;
    let gvk = |kind: &str| GroupVersionKind::gvk("", "v1", kind);
    let namespaces: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &ApiResource::from_gvk_with_plural(&gvk("Namespace"), "namespaces"),
    );
    let quotas: Api<DynamicObject> = Api::namespaced_with(
        client,
        name,
        &ApiResource::from_gvk_with_plural(&gvk("ResourceQuota"), "resourcequotas"),
    );
    let params = PatchParams::apply("kubectl");
    let namespace = serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
    namespaces
        .patch(name, &params, &Patch::Apply(&namespace))
        .await
        .map_err(|e| e.to_string())?;
    let quota = serde_json::json!({"apiVersion": "v1", "kind": "ResourceQuota",
        "metadata": {"name": "tenant-quota", "namespace": name}, "spec": {"hard": {"pods": "500"}}});
    quotas
        .patch("tenant-quota", &params, &Patch::Apply(&quota))
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// A tenant's state, if it exists.
pub async fn state_of(services: &Services, name: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar!("select state from tenants where name = $1", name)
            .fetch_optional(&services.pool)
            .await?,
    )
}
