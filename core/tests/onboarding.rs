//! Tenant onboarding against a real Postgres and real demo Kubernetes endpoints (the
//! real kube-rs client, server-side apply over HTTP): routing by the guardrails and
//! the tier rules, refusals that write nothing, durable provisioning with several
//! workers, a cluster that goes away, drift and re-apply, a conflict with another field
//! manager, and decommission.

use std::{sync::Arc, time::Duration};

use k8s_openapi::api::{
    core::v1::{Namespace, ResourceQuota},
    networking::v1::NetworkPolicy,
};
use kube::{
    Api, Client,
    api::{DeleteParams, ListParams, Patch, PatchParams},
};
use parkway_core::{
    Ctx, Services,
    cluster::{CacheOptions, ClusterConfig, Clusters, Environment, Source},
    guardrails::{review::Person, store as guardrails_store},
    identity::{Principal, PrincipalKind, Role},
    onboarding::{
        Error, ops,
        provisioner::{Pace, Provisioner},
    },
    types::{
        guardrails::GuardrailId,
        onboarding::{Approver, StepState, TenantEnvironment, TenantState},
        views::onboarding::{Decide, Quotas, TenantRequest, TierRuleSpec},
    },
};
use parkway_demo_cluster::{DemoCluster, Store};
use sqlx::PgPool;
use uuid::Uuid;

const FAST: CacheOptions = CacheOptions {
    probe_every: Duration::from_millis(200),
    backoff_max: Duration::from_millis(400),
};

const PACE: Pace = Pace {
    batch: 16,
    idle: Duration::from_millis(20),
    first_backoff: Duration::from_millis(50),
    max_backoff: Duration::from_millis(200),
};

const CATALOG: &str = "apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: commerce}
spec: {type: business-unit, children: [payments]}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: payments}
spec: {type: team, parent: commerce, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: search}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata: {name: shop}
spec: {owner: payments}
";

struct World {
    pool: PgPool,
    clusters: Clusters,
    endpoints: Vec<DemoCluster>,
}

impl World {
    async fn new(pool: PgPool) -> Self {
        parkway_core::catalog::store::import(&pool, "org", "org.yaml", CATALOG, "system:test", None)
            .await
            .expect("catalog");
        let operator = Person {
            id: None,
            actor: "system:cli".into(),
        };
        let files = [
            ("threats.yaml", include_str!("../../demo/guardrails/threats.yaml")),
            (
                "guardrails.yaml",
                include_str!("../../demo/guardrails/guardrails.yaml"),
            ),
        ];
        let imported = guardrails_store::import(&pool, &files, &operator, guardrails_store::May::ALL, None)
            .await
            .expect("guardrails");
        guardrails_store::publish_as_operator(&pool, &operator, &imported.drafted_versions)
            .await
            .expect("published");
        let mut configs = Vec::new();
        let mut endpoints = Vec::new();
        for (name, environment) in [("dev-eu", Environment::Dev), ("prod-eu", Environment::Prod)] {
            let demo = DemoCluster::start(Arc::new(Store::default()))
                .await
                .expect("starts");
            configs.push(ClusterConfig {
                name: name.into(),
                environment,
                demo: false,
                source: Source::Url(demo.url()),
            });
            endpoints.push(demo);
        }
        let clusters = Clusters::start(configs, FAST);
        for cache in clusters.all() {
            assert!(cache.wait_synced(Duration::from_secs(20)).await, "caches sync");
        }
        Self {
            pool,
            clusters,
            endpoints,
        }
    }

    fn services(&self) -> Services {
        Services::new(self.pool.clone(), self.clusters.clone())
    }

    fn as_(&self, handle: &str, role: Role, teams: &[&str]) -> Ctx {
        let who = Principal {
            user_id: Uuid::new_v4(),
            kind: PrincipalKind::Person,
            handle: handle.to_owned(),
            display_name: handle.to_owned(),
            roles: [role].into_iter().collect(),
            scopes: None,
            groups: vec![],
            teams: teams.iter().map(|t| (*t).to_owned()).collect(),
            token: None,
        };
        Ctx::new(self.services(), Some(who), None)
    }

    fn client(&self, i: usize) -> Client {
        Client::try_from(kube::Config::new(self.endpoints[i].url().parse().expect("url"))).expect("client")
    }

    /// Runs workers until `name` reaches `state` (or fails the test after 20 s).
    async fn until(&self, worker: &Provisioner, ctx: &Ctx, name: &str, state: TenantState) {
        for _ in 0..1_000 {
            worker.run_once().await.expect("a round");
            if ops::get(ctx, name).await.expect("tenant").summary.state == state {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let t = ops::get(ctx, name).await.expect("tenant");
        panic!(
            "{name} is {:?}, not {state:?}: {:?}",
            t.summary.state, t.summary.last_error
        );
    }
}

fn request(name: &str, tier: &str, options: &[u32]) -> TenantRequest {
    TenantRequest {
        name: name.into(),
        team: "group:default/payments".into(),
        environments: vec![TenantEnvironment::Dev, TenantEnvironment::Prod],
        tier: tier.into(),
        quotas: Quotas {
            cpu: "4".into(),
            memory: "8Gi".into(),
            pods: 50,
            storage: "20Gi".into(),
        },
        options: options.iter().map(|n| GuardrailId(*n)).collect(),
        justification: None,
        system: Some("system:default/shop".into()),
    }
}

async fn counts(pool: &PgPool) -> (i64, i64, i64) {
    sqlx::query_as(
        "select (select count(*) from tenants), (select count(*) from tenant_steps),
                (select count(*) from audit_events where action like 'tenant.%')",
    )
    .fetch_one(pool)
    .await
    .expect("counts")
}

fn problems(err: Error) -> Vec<(String, String)> {
    match err {
        Error::Invalid { problems } => problems,
        other => panic!("expected problems, got {other}"),
    }
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_plain_request_is_provisioned_drift_is_seen_and_reapplied_then_decommissioned(pool: PgPool) {
    let w = World::new(pool).await;
    let dana = w.as_("dana", Role::Developer, &["payments"]);
    let theo = w.as_("theo", Role::TeamOwner, &["payments"]);
    let worker = Provisioner::new(w.services(), PACE);

    // Internal allows public ingress: nothing needs approval, so it goes straight on.
    let preview = ops::preview(&dana, &request("shop", "internal", &[4]))
        .await
        .expect("preview");
    assert_eq!(preview.routing.approver, Approver::Auto);
    assert_eq!(preview.clusters.len(), 2);
    assert!(
        preview.clusters[0]
            .yaml
            .contains("pod-security.kubernetes.io/enforce: restricted")
    );
    assert!(preview.clusters[0].yaml.contains("name: allow-public-ingress"));
    assert_eq!(counts(&w.pool).await.0, 0, "a preview writes nothing");

    let filed = ops::request(&dana, &request("shop", "internal", &[4]))
        .await
        .expect("filed");
    assert_eq!(filed.summary.state, TenantState::Provisioning);
    assert_eq!(
        filed.summary.business_unit.as_deref(),
        Some("group:default/commerce")
    );
    let states: Vec<TenantState> = filed.timeline.iter().map(|e| e.to).collect();
    assert_eq!(
        states,
        [
            TenantState::Requested,
            TenantState::Approved,
            TenantState::Provisioning
        ]
    );
    w.until(&worker, &dana, "shop", TenantState::Active).await;

    // Every object exists once in each cluster, as the manifest said.
    for i in 0..2 {
        let ns: Api<Namespace> = Api::all(w.client(i));
        let shop = ns.get("shop").await.expect("namespace");
        let labels = shop.metadata.labels.unwrap_or_default();
        assert_eq!(labels.get("parkway.io/tenant").map(String::as_str), Some("shop"));
        assert_eq!(
            labels.get("parkway.io/business-unit").map(String::as_str),
            Some("commerce")
        );
        assert_eq!(
            labels
                .get("pod-security.kubernetes.io/enforce")
                .map(String::as_str),
            Some("restricted")
        );
        let policies: Api<NetworkPolicy> = Api::namespaced(w.client(i), "shop");
        let mut names: Vec<String> = policies
            .list(&ListParams::default())
            .await
            .expect("policies")
            .items
            .into_iter()
            .filter_map(|p| p.metadata.name)
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "allow-dns",
                "allow-public-ingress",
                "allow-same-namespace",
                "default-deny"
            ]
        );
    }
    let detail = ops::get(&dana, "shop").await.expect("tenant");
    assert!(detail.drift.is_empty(), "{:?}", detail.drift);
    assert_eq!(detail.summary.steps_done, detail.summary.steps_total);

    // Someone deletes the default deny and loosens Pod Security in prod.
    let prod_policies: Api<NetworkPolicy> = Api::namespaced(w.client(1), "shop");
    prod_policies
        .delete("default-deny", &DeleteParams::default())
        .await
        .expect("deleted");
    let ns: Api<Namespace> = Api::all(w.client(1));
    let loosen =
        serde_json::json!({"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "privileged"}}});
    ns.patch("shop", &PatchParams::default(), &Patch::Merge(&loosen))
        .await
        .expect("loosened");
    let mut drift = Vec::new();
    for _ in 0..200 {
        drift = ops::get(&dana, "shop").await.expect("tenant").drift;
        if drift.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let fields: Vec<(&str, &str, &str)> = drift
        .iter()
        .map(|d| (d.cluster.as_str(), d.name.as_str(), d.field.as_str()))
        .collect();
    assert!(fields.contains(&("prod-eu", "default-deny", "")), "{fields:?}");
    assert!(
        fields.contains(&(
            "prod-eu",
            "shop",
            "metadata.labels.pod-security.kubernetes.io/enforce"
        )),
        "{fields:?}"
    );
    assert!(
        parkway_core::onboarding::provisioner::check_drift(&w.services())
            .await
            .expect("checked")
            >= 1
    );
    assert!(ops::list(&dana, &ops::ListFilter::default()).await.expect("list")[0].drifted);

    // A developer may not re-apply; the team owner may, and the drift is gone.
    assert!(matches!(
        ops::reapply(&dana, "shop", &Decide::default()).await,
        Err(Error::Denied(_))
    ));
    ops::reapply(&theo, "shop", &Decide::default())
        .await
        .expect("re-applied");
    w.until(&worker, &dana, "shop", TenantState::Active).await;
    for _ in 0..200 {
        drift = ops::get(&dana, "shop").await.expect("tenant").drift;
        if drift.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(drift.is_empty(), "{drift:?}");

    // Decommission: internal approves it automatically; the namespaces go, the record stays.
    assert!(matches!(
        ops::decommission(&dana, "shop", &Decide::default()).await,
        Err(Error::Denied(_))
    ));
    let d = ops::decommission(
        &theo,
        "shop",
        &Decide {
            comment: Some("done".into()),
        },
    )
    .await
    .expect("decommission");
    assert_eq!(d.summary.state, TenantState::Decommissioning);
    w.until(&worker, &dana, "shop", TenantState::Decommissioned).await;
    for i in 0..2 {
        let ns: Api<Namespace> = Api::all(w.client(i));
        assert!(ns.get_opt("shop").await.expect("asked").is_none(), "cluster {i}");
    }
    let actions: Vec<String> =
        sqlx::query_scalar("select action from audit_events where target = 'tenant:shop' order by id")
            .fetch_all(&w.pool)
            .await
            .expect("audit");
    assert_eq!(
        actions,
        [
            "tenant.request",
            "tenant.active",
            "tenant.reapply",
            "tenant.active",
            "tenant.decommission",
            "tenant.decommissioned"
        ]
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn bad_requests_are_refused_with_every_problem_and_write_nothing(pool: PgPool) {
    let w = World::new(pool).await;
    let dana = w.as_("dana", Role::Developer, &["payments"]);
    let before = counts(&w.pool).await;

    let mut bad = request("kube-shop", "restricted", &[5, 4]);
    bad.quotas.cpu = "9".into();
    bad.quotas.memory = "lots".into();
    bad.quotas.pods = 51;
    let found = problems(ops::request(&dana, &bad).await.expect_err("refused"));
    let fields: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        fields,
        [
            "name",
            "quotas.cpu",
            "quotas.memory",
            "quotas.pods",
            "options[0]",
            "justification"
        ],
        "{found:?}"
    );
    assert!(found[1].1.contains("at most 8"), "{}", found[1].1);
    assert!(
        found[4].1.contains("GR-005") && found[4].1.contains("/guardrails/GR-005"),
        "{}",
        found[4].1
    );

    // Teams: unknown, or not one's own (403 both).
    let mut elsewhere = request("shop", "internal", &[]);
    elsewhere.team = "group:default/search".into();
    assert!(
        matches!(ops::request(&dana, &elsewhere).await, Err(Error::Refused(m)) if m.contains("not a member"))
    );
    elsewhere.team = "group:default/nobody".into();
    assert!(
        matches!(ops::request(&dana, &elsewhere).await, Err(Error::Refused(m)) if m.contains("not a team"))
    );
    let leader = w.as_("lee", Role::Leader, &["payments"]);
    assert!(matches!(
        ops::request(&leader, &request("shop", "internal", &[])).await,
        Err(Error::Denied(_))
    ));
    assert_eq!(counts(&w.pool).await, before, "nothing was written");

    // A name taken by Parkway (409), or by a namespace already in a cluster.
    ops::request(&dana, &request("shop", "internal", &[]))
        .await
        .expect("filed");
    assert!(matches!(
        ops::request(&dana, &request("shop", "internal", &[])).await,
        Err(Error::Conflict(_))
    ));
    let ns: Api<Namespace> = Api::all(w.client(0));
    let existing =
        serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "legacy"}});
    ns.patch("legacy", &PatchParams::apply("kubectl"), &Patch::Apply(&existing))
        .await
        .expect("created");
    for _ in 0..200 {
        if w.clusters.all()[0].has_namespace("legacy") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let taken = ops::request(&dana, &request("legacy", "internal", &[])).await;
    assert!(
        matches!(&taken, Err(Error::Conflict(m)) if m.contains("dev-eu")),
        "{taken:?}"
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn needs_approval_waits_for_the_named_approver_who_is_never_the_requester(pool: PgPool) {
    let w = World::new(pool).await;
    let dana = w.as_("dana", Role::Developer, &["payments"]);
    let theo = w.as_("theo", Role::TeamOwner, &["payments"]);
    let sam = w.as_("sam", Role::SecurityApprover, &["security"]);
    let sam_as_requester = w.as_("sam", Role::SecurityApprover, &["payments"]);

    // Egress to the internet needs approval for internal: a justification, then sam.
    let mut egress = request("partners", "internal", &[5]);
    egress.justification = Some("calls the payment partner's API".into());
    let filed = ops::request(&dana, &egress).await.expect("filed");
    assert_eq!(filed.summary.state, TenantState::Requested);
    assert_eq!(filed.routing.approver, Approver::SecurityApprover);
    assert!(
        filed.clusters.iter().all(|c| c.steps.is_empty()),
        "nothing applied before approval"
    );
    assert_eq!(ops::queue_count(&sam).await.expect("count"), 1);
    assert_eq!(ops::queue_count(&theo).await.expect("count"), 0);
    let theo_tries = ops::approve(&theo, "partners", &Decide::default()).await;
    assert!(
        matches!(&theo_tries, Err(Error::Refused(m)) if m.contains("security approver")),
        "{theo_tries:?}"
    );
    let detail = ops::get(&theo, "partners").await.expect("tenant");
    assert!(!detail.actions.approve && detail.actions.approve_blocked_by.is_some());
    let approved = ops::approve(
        &sam,
        "partners",
        &Decide {
            comment: Some("partner is vetted".into()),
        },
    )
    .await
    .expect("approved");
    assert_eq!(approved.summary.state, TenantState::Provisioning);
    assert!(matches!(
        ops::approve(&sam, "partners", &Decide::default()).await,
        Err(Error::Conflict(_))
    ));

    // Confidential needs a team owner; the requester never approves their own.
    let mut ledger = request("ledger", "confidential", &[]);
    ledger.justification = Some("card ledger".into());
    let own = ops::request(&sam_as_requester, &ledger).await;
    assert!(
        matches!(own, Err(Error::Denied(_))),
        "security approvers do not request"
    );
    let filed = ops::request(&theo, &ledger).await.expect("filed");
    assert_eq!(filed.routing.approver, Approver::TeamOwner);
    let own = ops::approve(&theo, "ledger", &Decide::default()).await;
    assert!(
        matches!(&own, Err(Error::Refused(m)) if m.contains("someone else")),
        "{own:?}"
    );
    // Rejecting needs a reason and ends the request.
    let pat = w.as_("pat", Role::PlatformAdmin, &["platform"]);
    assert!(matches!(
        ops::reject(&pat, "ledger", &Decide::default()).await,
        Err(Error::Field { field: "comment", .. })
    ));
    let rejected = ops::reject(
        &pat,
        "ledger",
        &Decide {
            comment: Some("use the shared ledger".into()),
        },
    )
    .await
    .expect("rejected");
    assert_eq!(rejected.summary.state, TenantState::Rejected);
    assert!(matches!(
        ops::approve(&pat, "ledger", &Decide::default()).await,
        Err(Error::Conflict(_))
    ));
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn two_workers_claim_each_step_once_and_a_cluster_that_is_down_is_waited_for(pool: PgPool) {
    let w = World::new(pool).await;
    let pat = w.as_("pat", Role::PlatformAdmin, &["platform"]);
    for i in 0..6 {
        ops::request(&pat, &request(&format!("t{i}"), "public", &[]))
            .await
            .expect("filed");
    }
    let total: i64 = sqlx::query_scalar("select count(*) from tenant_steps")
        .fetch_one(&w.pool)
        .await
        .expect("steps");
    let (a, b) = (
        Provisioner::new(w.services(), PACE),
        Provisioner::new(w.services(), PACE),
    );
    let mut claimed = 0;
    for _ in 0..200 {
        let (x, y) = tokio::join!(a.run_once(), b.run_once());
        claimed += x.expect("a") + y.expect("b");
        let left: i64 = sqlx::query_scalar("select count(*) from tenant_steps where state <> 'applied'")
            .fetch_one(&w.pool)
            .await
            .expect("left");
        if left == 0 {
            break;
        }
    }
    assert_eq!(
        i64::try_from(claimed).expect("fits"),
        total,
        "every step claimed exactly once"
    );

    // Prod goes away: its steps wait and retry, the tenant says why, and it finishes
    // once prod is back.
    w.endpoints[1].stop().await;
    ops::request(&pat, &request("late", "public", &[]))
        .await
        .expect("filed");
    for _ in 0..50 {
        a.run_once().await.expect("round");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let t = ops::get(&pat, "late").await.expect("tenant");
    assert_eq!(t.summary.state, TenantState::Failed, "{:?}", t.summary);
    let error = t.summary.last_error.clone().unwrap_or_default();
    assert!(error.starts_with("prod-eu: "), "{error}");
    let prod = t.clusters.iter().find(|c| c.cluster == "prod-eu").expect("prod");
    assert!(
        prod.steps
            .iter()
            .any(|s| s.state == StepState::Retrying && s.attempts > 1 && s.next_attempt_at.is_some())
    );
    let dev = t.clusters.iter().find(|c| c.cluster == "dev-eu").expect("dev");
    assert!(
        dev.steps.iter().all(|s| s.state == StepState::Applied),
        "dev goes on"
    );
    w.endpoints[1].restart().await.expect("back");
    w.until(&a, &pat, "late", TenantState::Active).await;
    assert_eq!(
        ops::get(&pat, "late").await.expect("tenant").summary.last_error,
        None
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_conflict_with_another_field_manager_is_named_and_only_a_reapply_takes_it_back(pool: PgPool) {
    let w = World::new(pool).await;
    let dana = w.as_("dana", Role::Developer, &["payments"]);
    let theo = w.as_("theo", Role::TeamOwner, &["payments"]);
    let worker = Provisioner::new(w.services(), PACE);
    let mut one = request("quota", "confidential", &[]);
    one.environments = vec![TenantEnvironment::Dev];
    one.justification = Some("ledger".into());
    ops::request(&dana, &one).await.expect("filed");
    // While it waits, someone creates the namespace and its quota with kubectl.
    for (path, body) in [
        (
            "namespace",
            serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "quota"}}),
        ),
        (
            "quota",
            serde_json::json!({"apiVersion": "v1", "kind": "ResourceQuota",
                "metadata": {"name": "tenant-quota", "namespace": "quota"}, "spec": {"hard": {"pods": "500"}}}),
        ),
    ] {
        let result = if path == "namespace" {
            Api::<Namespace>::all(w.client(0))
                .patch("quota", &PatchParams::apply("kubectl"), &Patch::Apply(&body))
                .await
                .map(|_| ())
        } else {
            Api::<ResourceQuota>::namespaced(w.client(0), "quota")
                .patch(
                    "tenant-quota",
                    &PatchParams::apply("kubectl"),
                    &Patch::Apply(&body),
                )
                .await
                .map(|_| ())
        };
        result.expect("created by kubectl");
    }
    ops::approve(&theo, "quota", &Decide::default())
        .await
        .expect("approved");
    w.until(&worker, &dana, "quota", TenantState::Failed).await;
    for _ in 0..10 {
        worker.run_once().await.expect("round");
    }
    let t = ops::get(&dana, "quota").await.expect("tenant");
    let step = t.clusters[0]
        .steps
        .iter()
        .find(|s| s.kind == "ResourceQuota")
        .expect("quota step");
    let error = step.last_error.clone().unwrap_or_default();
    assert!(
        error.contains("field manager kubectl") && error.contains("pods"),
        "{error}"
    );
    let quotas: Api<ResourceQuota> = Api::namespaced(w.client(0), "quota");
    let pods = |q: ResourceQuota| {
        q.spec
            .and_then(|s| s.hard)
            .and_then(|h| h.get("pods").cloned())
            .map(|q| q.0)
    };
    assert_eq!(
        pods(quotas.get("tenant-quota").await.expect("quota")),
        Some("500".to_owned()),
        "never forced"
    );
    // The team owner re-applies: the fields come back.
    ops::reapply(
        &theo,
        "quota",
        &Decide {
            comment: Some("take the quota back".into()),
        },
    )
    .await
    .expect("re-apply");
    w.until(&worker, &dana, "quota", TenantState::Active).await;
    assert_eq!(
        pods(quotas.get("tenant-quota").await.expect("quota")),
        Some("50".to_owned())
    );

    // Tier rules are versioned and only coe-editors change them.
    let cora = w.as_("cora", Role::CoeEditor, &[]);
    let mut rule: TierRuleSpec = ops::tier_rules(&cora).await.expect("rules")[0].rule.clone();
    rule.max_pods = 10;
    assert!(matches!(
        ops::put_tier_rule(&dana, "public", &rule, None).await,
        Err(Error::Denied(_))
    ));
    ops::put_tier_rule(&cora, "public", &rule, Some("smaller"))
        .await
        .expect("saved");
    rule.pod_exec = true;
    let saved = ops::put_tier_rule(&cora, "restricted", &rule, Some("try")).await;
    assert!(
        matches!(&saved, Err(Error::Invalid { problems }) if problems[0].0 == "podExec"),
        "{saved:?}"
    );
    let history = ops::tier_rule_history(&cora, "public").await.expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].rule.max_pods, 10);
    let too_many = ops::request(&dana, &request("big", "public", &[])).await;
    assert!(
        matches!(too_many, Err(Error::Invalid { .. })),
        "the new ceiling applies"
    );
}
