//! Each replica's onboarding work: the provisioner and the drift check, and in the
//! demo, the tier ClusterRoles and a few tenants in each state.

use std::collections::BTreeSet;

use parkway_core::{
    Ctx, Services,
    identity::{Principal, PrincipalKind},
    onboarding::{
        demo,
        ops::{self, ListFilter},
        provisioner::{self, Provisioner},
    },
    types::{
        Role,
        guardrails::GuardrailId,
        onboarding::{TenantEnvironment, TenantState},
        views::onboarding::{Decide, Quotas, TenantRequest},
    },
};

use crate::{config::ClusterArgs, state::AppState};

/// The background tasks; dropping it stops them.
pub struct Running {
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Starts the provisioner and the drift check (and, with demo clusters, prepares them).
pub async fn start(state: &AppState, args: &ClusterArgs) -> Running {
    let services = state.services.clone();
    let demo_clusters: Vec<String> = services
        .clusters
        .configs()
        .into_iter()
        .filter(|c| c.demo)
        .map(|c| c.name)
        .collect();
    let mut tasks = Vec::new();
    if !demo_clusters.is_empty() {
        for config in services.clusters.configs().into_iter().filter(|c| c.demo) {
            if let Err(err) = demo::install_tier_roles(&services, &config).await {
                tracing::warn!(cluster = %config.name, error = %err, "could not install the tier ClusterRoles");
            }
        }
        // The demo's conflicting tenant stays in conflict across restarts.
        if let Ok(Some(state)) = demo::state_of(&services, CONFLICTED).await
            && state == TenantState::Failed.as_str()
            && let Some(prod) = services
                .clusters
                .configs()
                .into_iter()
                .find(|c| c.demo && c.name == "demo-prod")
            && let Err(err) = demo::occupy(&prod, CONFLICTED).await
        {
            tracing::warn!(error = %err, "could not set up the demo's conflict");
        }
        match demo::requeue(&services, &demo_clusters).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                steps = n,
                "demo clusters start empty: applying the tenants' objects again"
            ),
            Err(err) => tracing::warn!(error = %err, "could not re-queue the demo tenants"),
        }
        let seeding = services.clone();
        tasks.push(tokio::spawn(async move {
            if let Err(err) = seed(&seeding).await {
                tracing::warn!(error = %err, "the demo tenants were not created");
            }
        }));
    }
    let worker = Provisioner::new(services.clone(), args.provision_pace());
    tasks.push(tokio::spawn(worker.run()));
    tasks.push(tokio::spawn(provisioner::watch_drift(
        services,
        args.drift_every(),
    )));
    Running { tasks }
}

/// The demo tenant whose quota another field manager already holds in demo-prod.
const CONFLICTED: &str = "checkout-batch";

fn persona(handle: &str, role: Role, teams: &[&str]) -> Principal {
    Principal {
        user_id: uuid::Uuid::new_v4(),
        kind: PrincipalKind::Person,
        handle: handle.to_owned(),
        display_name: handle.to_owned(),
        roles: BTreeSet::from([role]),
        scopes: None,
        groups: Vec::new(),
        teams: teams.iter().map(|t| (*t).to_owned()).collect(),
        token: None,
    }
}

fn request(
    name: &str,
    tier: &str,
    envs: &[TenantEnvironment],
    options: &[u32],
    why: Option<&str>,
) -> TenantRequest {
    TenantRequest {
        name: name.to_owned(),
        team: "group:default/checkout".to_owned(),
        environments: envs.to_vec(),
        tier: tier.to_owned(),
        quotas: Quotas {
            cpu: "4".into(),
            memory: "8Gi".into(),
            pods: 40,
            storage: "20Gi".into(),
        },
        options: options.iter().map(|n| GuardrailId(*n)).collect(),
        justification: why.map(str::to_owned),
        system: None,
    }
}

async fn until_active(ctx: &Ctx, name: &str) -> anyhow::Result<()> {
    for _ in 0..600 {
        if ops::get(ctx, name).await?.summary.state == TenantState::Active {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("{name} did not become active")
}

/// The demo company's tenants, made through the operations as the demo users would:
/// active, failed (a conflict with another field manager), waiting for a team owner,
/// waiting for a security approver, rejected, decommission requested and
/// decommissioned. Only into an empty list, and only when the catalog has the checkout
/// team.
async fn seed(services: &Services) -> anyhow::Result<()> {
    if demo::any_tenant(services).await? {
        return Ok(());
    }
    let as_ = |p: Principal| Ctx::new(services.clone(), Some(p), None);
    let dana = as_(persona("dana@demo.parkway.dev", Role::Developer, &["checkout"]));
    let theo = as_(persona("theo@demo.parkway.dev", Role::TeamOwner, &["checkout"]));
    let pat = as_(persona(
        "pat@demo.parkway.dev",
        Role::PlatformAdmin,
        &["platform"],
    ));
    use TenantEnvironment::{Dev, Prod, Stage};
    let all = [Dev, Stage, Prod];
    let comment = |c: &str| Decide {
        comment: Some(c.to_owned()),
    };
    if ops::choices(&dana).await?.teams.is_empty() {
        tracing::info!("no checkout team in the catalog: no demo tenants");
        return Ok(());
    }
    ops::request(&dana, &request("checkout-web", "internal", &all, &[4], None)).await?;
    ops::request(&dana, &request("checkout-legacy", "public", &[Dev], &[], None)).await?;
    ops::request(
        &dana,
        &request(
            "checkout-ledger",
            "confidential",
            &all,
            &[],
            Some("card ledger for the new checkout"),
        ),
    )
    .await?;
    ops::approve(
        &theo,
        "checkout-ledger",
        &comment("ledger design reviewed in the team"),
    )
    .await?;
    ops::request(
        &dana,
        &request(
            "checkout-risk",
            "confidential",
            &[Dev, Prod],
            &[],
            Some("fraud scoring service"),
        ),
    )
    .await?;
    ops::request(
        &dana,
        &request(
            "checkout-partners",
            "internal",
            &[Dev, Stage],
            &[5],
            Some("calls the payment partner's API"),
        ),
    )
    .await?;
    ops::request(
        &dana,
        &request(
            "checkout-scratch",
            "confidential",
            &[Dev],
            &[],
            Some("experiments"),
        ),
    )
    .await?;
    ops::reject(
        &theo,
        "checkout-scratch",
        &comment("use the shared sandbox instead"),
    )
    .await?;
    // Another tool already holds the quota in prod: provisioning fails there, naming it.
    ops::request(
        &dana,
        &request(
            CONFLICTED,
            "confidential",
            &[Dev, Prod],
            &[],
            Some("nightly batch jobs"),
        ),
    )
    .await?;
    if let Some(prod) = services
        .clusters
        .configs()
        .into_iter()
        .find(|c| c.name == "demo-prod")
    {
        demo::occupy(&prod, CONFLICTED)
            .await
            .map_err(anyhow::Error::msg)?;
    }
    ops::approve(&theo, CONFLICTED, &comment("batch window agreed")).await?;
    until_active(&dana, "checkout-legacy").await?;
    ops::decommission(&theo, "checkout-legacy", &comment("replaced by checkout-web")).await?;
    until_active(&dana, "checkout-ledger").await?;
    ops::decommission(&theo, "checkout-ledger", &comment("moving to the shared ledger")).await?;
    let waiting = ops::list(
        &pat,
        &ListFilter {
            queue: true,
            ..ListFilter::default()
        },
    )
    .await?;
    tracing::info!(waiting = waiting.len(), "demo tenants created");
    Ok(())
}
