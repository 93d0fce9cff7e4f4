//! The provisioner: every replica runs one; each claims due steps with
//! `for update skip locked` (so no step is applied by two replicas at once), applies
//! them with server-side apply as `parkway` without force, records the outcome and
//! moves tenants along. A step whose replica dies mid-way is claimed again once its
//! transaction is gone; applying it twice is harmless (server-side apply by the same
//! manager is idempotent). And the drift check: what was applied against the caches.

use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
    time::Duration,
};

use kube::{
    Api, Client,
    api::{ApiResource, DeleteParams, DynamicObject, GroupVersionKind, Patch, PatchParams},
};
use parkway_types::{
    onboarding::{StepOp, StepState, TenantState},
    views::onboarding::FieldDrift,
};
use serde_json::Value;
use tokio::sync::Mutex;

use super::{
    drift,
    error::{Error, Result},
    manifests::TENANT_LABEL,
    store::{self, StepRow},
};
use crate::{
    Services, audit,
    cluster::apply::{ApplyError, FIELD_MANAGER, classify},
};

/// How the provisioner paces itself.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// Steps claimed (and applied concurrently) per transaction.
    pub batch: i64,
    /// Sleep when nothing was due.
    pub idle: Duration,
    /// First retry delay; doubles per attempt up to `max_backoff`.
    pub first_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for Pace {
    fn default() -> Self {
        Self {
            batch: 64,
            idle: Duration::from_millis(500),
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(300),
        }
    }
}

/// One replica's provisioner, with a kube client per cluster.
pub struct Provisioner {
    services: Services,
    pace: Pace,
    clients: Mutex<HashMap<String, Client>>,
}

/// The plural of each kind tenants are made of.
fn plural(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Namespace" => "namespaces",
        "ServiceAccount" => "serviceaccounts",
        "ResourceQuota" => "resourcequotas",
        "LimitRange" => "limitranges",
        "NetworkPolicy" => "networkpolicies",
        "RoleBinding" => "rolebindings",
        _ => return None,
    })
}

fn api_resource(step: &StepRow) -> Option<ApiResource> {
    let (group, version) = step
        .api_version
        .split_once('/')
        .unwrap_or(("", step.api_version.as_str()));
    let gvk = GroupVersionKind::gvk(group, version, &step.kind);
    Some(ApiResource::from_gvk_with_plural(&gvk, plural(&step.kind)?))
}

/// Delay before attempt `attempts + 1`.
pub fn backoff(pace: &Pace, attempts: i32) -> Duration {
    let factor = 2u32.saturating_pow(u32::try_from(attempts.clamp(0, 20)).unwrap_or(20));
    pace.first_backoff.saturating_mul(factor).min(pace.max_backoff)
}

impl Provisioner {
    pub fn new(services: Services, pace: Pace) -> Arc<Self> {
        Arc::new(Self {
            services,
            pace,
            clients: Mutex::new(HashMap::new()),
        })
    }

    async fn client(&self, cluster: &str) -> std::result::Result<Client, String> {
        if let Some(client) = self.clients.lock().await.get(cluster) {
            return Ok(client.clone());
        }
        let cache = self
            .services
            .clusters
            .get(cluster)
            .ok_or_else(|| format!("cluster {cluster} is not configured on this replica"))?;
        let client = cache.config.client().await.map_err(|e| e.to_string())?;
        self.clients
            .lock()
            .await
            .insert(cluster.to_owned(), client.clone());
        Ok(client)
    }

    /// Works until the task is dropped: claim, apply, record; sleep when idle.
    pub async fn run(self: Arc<Self>) {
        loop {
            match self.run_once().await {
                Ok(0) => tokio::time::sleep(self.pace.idle).await,
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(error = %err, "provisioning round failed; retrying");
                    tokio::time::sleep(self.pace.idle).await;
                }
            }
        }
    }

    /// One round: claims due steps, applies them concurrently, records the outcomes and
    /// moves their tenants along, all in one transaction. Returns the steps worked on.
    pub async fn run_once(&self) -> Result<usize> {
        let mut tx = self.services.pool.begin().await?;
        let steps = store::claim(&mut tx, self.pace.batch).await?;
        if steps.is_empty() {
            return Ok(0);
        }
        let outcomes = futures::future::join_all(steps.iter().map(|s| self.perform(s))).await;
        let mut tenants = BTreeSet::new();
        for (step, outcome) in steps.iter().zip(outcomes) {
            tenants.insert((step.tenant.clone(), step.op()));
            match outcome {
                Ok(state) => store::step_done(&mut tx, step.id, state).await?,
                Err(message) => {
                    let wait = backoff(&self.pace, step.attempts);
                    tracing::debug!(tenant = %step.tenant, cluster = %step.cluster, kind = %step.kind, error = %message, "step failed");
                    store::step_failed(
                        &mut tx,
                        step.id,
                        &message,
                        i64::try_from(wait.as_millis()).unwrap_or(i64::MAX),
                    )
                    .await?;
                }
            }
        }
        // Tenants are locked in name order, and the audit trail's head only after all of
        // them (as an approval locks its tenant, then the head): no lock-order deadlock.
        let mut events = Vec::new();
        for (tenant, op) in tenants {
            events.extend(advance(&mut tx, &tenant, op).await?);
        }
        for event in events {
            audit::append(&mut *tx, &event).await.map_err(Error::from)?;
        }
        tx.commit().await?;
        Ok(steps.len())
    }

    /// Applies or deletes one step's object; the error is what the page shows.
    async fn perform(&self, step: &StepRow) -> std::result::Result<StepState, String> {
        let client = self.client(&step.cluster).await?;
        let resource =
            api_resource(step).ok_or_else(|| format!("{} is not a kind tenants are made of", step.kind))?;
        let api: Api<DynamicObject> = match &step.namespace {
            Some(ns) => Api::namespaced_with(client, ns, &resource),
            None => Api::all_with(client, &resource),
        };
        match step.op() {
            StepOp::Apply => {
                let body = step.manifest.as_ref().ok_or("the step has no manifest")?;
                let mut params = PatchParams::apply(FIELD_MANAGER);
                if step.force {
                    params = params.force();
                }
                api.patch(&step.name, &params, &Patch::Apply(body))
                    .await
                    .map(|_| StepState::Applied)
                    .map_err(|e| describe(classify(&step.kind, &step.name, e)))
            }
            StepOp::Delete => {
                // Only what carries this tenant's label is Parkway's to delete.
                match api.get_opt(&step.name).await {
                    Err(e) => return Err(describe(classify(&step.kind, &step.name, e))),
                    Ok(None) => return Ok(StepState::Deleted),
                    Ok(Some(object)) => {
                        let owner = object.metadata.labels.as_ref().and_then(|l| l.get(TENANT_LABEL));
                        if owner.map(String::as_str) != Some(step.tenant.as_str()) {
                            return Err(format!(
                                "{} `{}` is not labelled {TENANT_LABEL}={}; Parkway deletes only its tenants' namespaces",
                                step.kind, step.name, step.tenant
                            ));
                        }
                    }
                }
                match api.delete(&step.name, &DeleteParams::default()).await {
                    Ok(_) => Ok(StepState::Deleted),
                    Err(kube::Error::Api(status)) if status.code == 404 => Ok(StepState::Deleted),
                    Err(e) => Err(describe(classify(&step.kind, &step.name, e))),
                }
            }
        }
    }
}

/// A failed apply as the page shows it: a conflict names the other field manager.
fn describe(err: ApplyError) -> String {
    match &err {
        ApplyError::Conflict { managers, .. } => format!(
            "conflict with field manager {}: {err} (provisioning never forces: resolve it with that manager's owner, or re-apply to take the fields back)",
            managers.join(", ")
        ),
        _ => err.to_string(),
    }
}

/// Moves a tenant along after its steps changed: all applied → active; all deleted →
/// decommissioned; an error while provisioning → failed (still retrying). Returns the
/// audit event to append, if the tenant reached an end.
async fn advance(
    tx: &mut sqlx::PgConnection,
    tenant: &str,
    op: StepOp,
) -> Result<Option<audit::NewAuditEvent>> {
    let Some(t) = store::lock(tx, tenant).await? else {
        return Ok(None);
    };
    let state = t.state()?;
    let (left, error) = store::remaining(tx, tenant, op).await?;
    let actor = "system:provisioner";
    match (op, state) {
        (StepOp::Apply, TenantState::Provisioning | TenantState::Failed) if left == 0 => {
            store::transition(tx, tenant, Some(state), TenantState::Active, actor, None).await?;
            return Ok(Some(audit::NewAuditEvent::new(
                actor,
                "tenant.active",
                format!("tenant:{tenant}"),
            )));
        }
        (StepOp::Apply, TenantState::Provisioning) if error.is_some() => {
            store::transition(
                tx,
                tenant,
                Some(state),
                TenantState::Failed,
                actor,
                error.as_deref(),
            )
            .await?;
            store::set_last_error(tx, tenant, error.as_deref()).await?;
        }
        (StepOp::Delete, TenantState::Decommissioning) if left == 0 => {
            store::transition(tx, tenant, Some(state), TenantState::Decommissioned, actor, None).await?;
            return Ok(Some(audit::NewAuditEvent::new(
                actor,
                "tenant.decommissioned",
                format!("tenant:{tenant}"),
            )));
        }
        _ => {
            if t.last_error != error {
                store::set_last_error(tx, tenant, error.as_deref()).await?;
            }
        }
    }
    Ok(None)
}

/// Where the live objects differ from the applied steps, from the caches. Clusters whose
/// caches are not live are left out (no drift is claimed about what cannot be seen).
pub fn drift_of(services: &Services, steps: &[StepRow]) -> Vec<FieldDrift> {
    let mut out = Vec::new();
    for step in steps {
        if step.op() != StepOp::Apply || step.state() != StepState::Applied {
            continue;
        }
        let Some(cache) = services.clusters.get(&step.cluster) else {
            continue;
        };
        if !cache.status().state.serves_live() {
            continue;
        }
        let Some(applied) = &step.manifest else { continue };
        let live = cache.tenant_object(&step.kind, step.namespace.as_deref(), &step.name);
        for d in drift::compare(applied, live.as_ref()) {
            out.push(FieldDrift {
                cluster: step.cluster.clone(),
                kind: step.kind.clone(),
                name: step.name.clone(),
                field: d.field,
                expected: d.expected,
                actual: d.actual,
            });
        }
    }
    out
}

/// Compares every live tenant with its caches and stores what changed.
pub async fn check_drift(services: &Services) -> Result<usize> {
    let stored: HashMap<String, Value> =
        sqlx::query!("select name, drift from tenants where state in ('active', 'decommission-requested')")
            .fetch_all(&services.pool)
            .await?
            .into_iter()
            .map(|r| (r.name, r.drift))
            .collect();
    let mut changed = 0;
    for (tenant, steps) in store::live_tenants(&services.pool).await? {
        let drift =
            serde_json::to_value(drift_of(services, &steps)).map_err(|e| Error::Internal(e.to_string()))?;
        if stored.get(&tenant) != Some(&drift) {
            store::set_drift(&services.pool, &tenant, &drift).await?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// Runs the drift check every `every` until dropped.
pub async fn watch_drift(services: Services, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        if let Err(err) = check_drift(&services).await {
            tracing::warn!(error = %err, "drift check failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_ceiling() {
        let pace = Pace::default();
        assert_eq!(backoff(&pace, 0), Duration::from_secs(1));
        assert_eq!(backoff(&pace, 3), Duration::from_secs(8));
        assert_eq!(backoff(&pace, 30), Duration::from_secs(300));
    }
}
