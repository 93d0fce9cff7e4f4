//! The browser editor's operations against a real Postgres (the document rules of an
//! import, stale edits refused, submit with a note), diffs between versions, and the
//! "not really mitigated" view over a real demo cluster's policies.

use std::{sync::Arc, time::Duration};

use parkway_core::{
    Ctx, Services,
    audit::{self, AuditFilter},
    cluster::{CacheOptions, ClusterConfig, Clusters, Environment, Source},
    guardrails::{Error, ops, review::Person, store},
    identity::{Principal, PrincipalKind, Role},
    types::guardrails::{Change, GuardrailId, Mode, ReviewStep, ThreatId, VersionState},
};
use parkway_demo_cluster::{DemoCluster, Store, seed};
use sqlx::PgPool;
use uuid::Uuid;

const THREAT: &str = "apiVersion: parkway.dev/v1
kind: Threat
metadata: {id: TH-001, title: Container escape to the node}
spec: {stride: elevation-of-privilege, tactic: privilege-escalation, likelihood: 3, impact: 5, residualRisk: 6, status: open}
";

const GUARDRAIL: &str = "apiVersion: parkway.dev/v1
kind: Guardrail
metadata: {id: GR-001, title: No privileged containers}
spec:
  category: secure-defaults
  objective: Containers never run privileged.
  severity: critical
  behavior: preventive
  guidance: mandatory
  decisions: {public: blocked, internal: blocked, confidential: blocked, restricted: blocked}
  threats: [TH-001]
  body: |
    ## Why
    A privileged container can take over its node.
";

async fn user(pool: &PgPool, handle: &str, roles: &[Role]) -> Principal {
    let id = Uuid::new_v4();
    sqlx::query("insert into users (id, kind, issuer, subject, handle, display_name) values ($1, 'person', 'test', $2, $2, $2)")
        .bind(id)
        .bind(handle)
        .execute(pool)
        .await
        .expect("user");
    Principal {
        user_id: id,
        kind: PrincipalKind::Person,
        handle: handle.to_owned(),
        display_name: handle.to_owned(),
        roles: roles.iter().copied().collect(),
        scopes: None,
        groups: vec![],
        teams: vec![],
        token: None,
    }
}

fn ctx_with(pool: &PgPool, clusters: Clusters, who: &Principal) -> Ctx {
    Ctx::new(Services::new(pool.clone(), clusters), Some(who.clone()), None)
}

fn ctx(pool: &PgPool, who: &Principal) -> Ctx {
    ctx_with(pool, Clusters::default(), who)
}

fn lines(err: &Error) -> Vec<(usize, String)> {
    match err {
        Error::Invalid { problems, .. } => problems.iter().map(|p| (p.line, p.field.clone())).collect(),
        other => panic!("expected problems, got {other}"),
    }
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn the_editor_writes_versions_under_the_imports_rules_and_the_diff_shows_the_change(pool: PgPool) {
    let cora = user(&pool, "cora", &[Role::CoeEditor]).await;
    let sam = user(&pool, "sam", &[Role::SecurityApprover]).await;
    let dev = user(&pool, "dev", &[Role::Developer]).await;
    let (editor, approver, developer) = (ctx(&pool, &cora), ctx(&pool, &sam), ctx(&pool, &dev));
    let gr = GuardrailId(1);
    ops::import(&editor, "g.yaml", &format!("{THREAT}---\n{GUARDRAIL}"))
        .await
        .expect("imports");
    ops::step(&editor, gr, ReviewStep::Submit, Some("first"))
        .await
        .expect("submits");
    ops::step(&approver, gr, ReviewStep::Approve, None)
        .await
        .expect("approves");
    ops::step(&editor, gr, ReviewStep::Publish, None)
        .await
        .expect("publishes");

    // Page URLs name guardrails in any case (the router's GET forms lower-case them).
    assert_eq!(ops::parse_guardrail_id("gr-001").expect("parses"), gr);
    assert!(matches!(ops::parse_guardrail_id("GR-x"), Err(Error::NotFound(_))));

    // The editor starts from the newest version's document, which imports unchanged.
    let start = ops::edit_start(&editor, Some(gr)).await.expect("starts");
    assert_eq!(start.based_on, Some(1));
    assert!(start.yaml.contains("id: GR-001"), "{}", start.yaml);
    assert!(matches!(
        ops::edit_start(&developer, Some(gr)).await,
        Err(Error::Denied(_))
    ));

    // The preview renders, or lists every problem with its position; it writes nothing.
    let preview = ops::preview(&editor, Some(gr), &start.yaml)
        .await
        .expect("previews");
    assert!(preview.problems.is_empty(), "{:?}", preview.problems);
    assert!(
        preview.body_html.contains("<h2 id=\"md-why\">Why</h2>"),
        "{}",
        preview.body_html
    );
    let bad = ops::preview(
        &editor,
        Some(gr),
        &GUARDRAIL.replace("internal: blocked", "internal: maybe"),
    )
    .await
    .expect("previews");
    assert_eq!(bad.problems.len(), 1, "{:?}", bad.problems);
    assert!(
        bad.problems[0].starts_with("line 10, column ")
            && bad.problems[0].contains("spec.decisions.internal"),
        "{:?}",
        bad.problems
    );
    let broken = ops::preview(&editor, Some(gr), "kind: [Guardrail\n")
        .await
        .expect("previews");
    assert!(broken.problems[0].contains("(yaml)"), "{:?}", broken.problems);

    let edited = GUARDRAIL
        .replace("title: No privileged containers", "title: No privileged pods")
        .replace("internal: blocked", "internal: needs-approval")
        .replace("can take over its node", "can easily take over the node");
    // Submitting needs the change note; the editor's rules are the import's.
    assert!(matches!(
        ops::save(&editor, (Some(gr), Some(1)), &edited, true, Some("  ")).await,
        Err(Error::Field { field: "note", .. })
    ));
    let refused = [
        (
            "another id",
            edited.replace("GR-001", "GR-002"),
            vec![(3, "metadata.id".to_owned())],
        ),
        (
            "two documents",
            format!("{edited}---\n{THREAT}"),
            vec![(16, "(document)".to_owned())],
        ),
        ("a threat", THREAT.to_owned(), vec![(2, "kind".to_owned())]),
        (
            "unknown threat",
            edited.replace("[TH-001]", "[TH-404]"),
            vec![(11, "spec.threats[0]".to_owned())],
        ),
    ];
    for (name, text, expected) in refused {
        let err = ops::save(&editor, (Some(gr), Some(1)), &text, false, None)
            .await
            .expect_err(name);
        assert_eq!(lines(&err), expected, "{name}: {err}");
    }
    assert!(matches!(
        ops::save(&developer, (Some(gr), Some(1)), &edited, false, None).await,
        Err(Error::Denied(_))
    ));
    // A new guardrail may not take an existing id.
    assert!(matches!(
        ops::save(&editor, (None, None), &edited, false, None).await,
        Err(Error::Conflict(_))
    ));
    let versions: i64 = sqlx::query_scalar("select count(*) from guardrail_versions")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(versions, 1, "nothing refused was written");

    let saved = ops::save(
        &editor,
        (Some(gr), Some(1)),
        &edited,
        true,
        Some("name pods, not containers"),
    )
    .await
    .expect("saves");
    assert_eq!(
        (saved.id, saved.version, saved.state),
        (gr, 2, VersionState::InReview)
    );
    // An edit started from version 1 is now stale: refused, not lost silently.
    let stale = ops::save(&editor, (Some(gr), Some(1)), GUARDRAIL, false, None)
        .await
        .expect_err("stale");
    assert!(
        matches!(&stale, Error::Conflict(why) if why.contains("version 2 is the newest")),
        "{stale}"
    );
    // The author still cannot approve their own version.
    assert!(matches!(
        ops::step(&editor, gr, ReviewStep::Approve, None).await,
        Err(Error::Refused(_))
    ));

    let diff = ops::diff(&editor, gr, None, None).await.expect("diff");
    assert_eq!((diff.from.version, diff.to.version), (1, 2));
    let fields: Vec<(&str, &str, &str)> = diff
        .fields
        .iter()
        .map(|f| (f.field.as_str(), f.before.as_str(), f.after.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("title", "No privileged containers", "No privileged pods"),
            ("decisions.internal", "blocked", "needs-approval"),
        ]
    );
    assert!(diff.body_changed);
    let words = |change: Change| -> Vec<String> {
        diff.body
            .iter()
            .filter(|s| s.change == change)
            .map(|s| s.text.trim().to_owned())
            .collect()
    };
    assert_eq!(words(Change::Added), ["easily", "the"]);
    assert_eq!(words(Change::Removed), ["its"]);
    // Developers compare published versions only: version 2 is not theirs to see.
    assert!(matches!(
        ops::diff(&developer, gr, Some(1), Some(2)).await,
        Err(Error::NotFound(_))
    ));
    let own = ops::diff(&developer, gr, None, None).await.expect("diff");
    assert_eq!((own.from.version, own.to.version, own.fields.len()), (1, 1, 0));

    // A new guardrail from the template: valid as it stands, saved as a draft.
    let fresh = ops::edit_start(&editor, None).await.expect("template");
    assert_eq!(fresh.based_on, None);
    assert!(fresh.yaml.contains("id: GR-002"), "{}", fresh.yaml);
    let preview = ops::preview(&editor, None, &fresh.yaml).await.expect("previews");
    assert!(preview.problems.is_empty(), "{:?}", preview.problems);
    let created = ops::save(&editor, (None, None), &fresh.yaml, false, None)
        .await
        .expect("creates");
    assert_eq!(
        (created.id, created.version, created.state),
        (GuardrailId(2), 1, VersionState::Draft)
    );

    let admin = user(&pool, "pat", &[Role::PlatformAdmin]).await;
    let filter = AuditFilter {
        action: Some("guardrail.".into()),
        ..AuditFilter::default()
    };
    let events = audit::ops::list(&ctx(&pool, &admin), &filter, None, 50)
        .await
        .expect("audit")
        .events;
    let newest: Vec<(&str, &str)> = events
        .iter()
        .take(2)
        .map(|e| (e.action.as_str(), e.target.as_str()))
        .collect();
    assert_eq!(
        newest,
        [
            ("guardrail.draft", "guardrail:GR-002"),
            ("guardrail.submit", "guardrail:GR-001")
        ]
    );
}

const FAST: CacheOptions = CacheOptions {
    probe_every: Duration::from_millis(200),
    backoff_max: Duration::from_millis(500),
};

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn not_really_mitigated_names_the_guardrails_production_does_not_enforce(pool: PgPool) {
    // The demo set, published as the installation bootstrap does.
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
    let imported = store::import(&pool, &files, &operator, store::May::ALL, None)
        .await
        .expect("imports");
    store::publish_as_operator(&pool, &operator, &imported.drafted_versions)
        .await
        .expect("publishes");

    // One production and one development cluster, seeded as the demo seeds them.
    let mut configs = Vec::new();
    let mut endpoints = Vec::new();
    for (name, environment) in [("prod-eu", Environment::Prod), ("dev-eu", Environment::Dev)] {
        let store = Arc::new(Store::default());
        seed::populate(&store, environment.as_str(), 12).expect("seeds");
        let demo = DemoCluster::start(store).await.expect("starts");
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
    let dev = user(&pool, "dev", &[Role::Developer]).await;
    let gaps = ops::mitigation_gaps(&ctx_with(&pool, clusters, &dev))
        .await
        .expect("gaps");
    assert!(gaps.unreadable.is_empty(), "{:?}", gaps.unreadable);
    let of = |id: u32| gaps.threats.iter().find(|t| t.id == ThreatId(id));
    // TH-003 (untrusted images): the registry policy is missing from production and
    // the latest-tag policy only audits there. Development does not count.
    let th3 = of(3).expect("TH-003 is not really mitigated");
    let found: Vec<(String, &str, Mode)> = th3
        .gaps
        .iter()
        .map(|g| (g.guardrail.to_string(), g.cluster.as_str(), g.mode))
        .collect();
    assert_eq!(
        found,
        [
            ("GR-006".to_owned(), "prod-eu", Mode::Missing),
            ("GR-007".to_owned(), "prod-eu", Mode::Audit),
        ]
    );
    // TH-001: GR-001 is enforced everywhere; its other guardrails have no policy at all.
    assert!(of(1).is_none(), "{:?}", of(1));
    // Highest residual risk first.
    assert!(
        gaps.threats
            .windows(2)
            .all(|w| w[0].residual_risk >= w[1].residual_risk)
    );
    drop(endpoints);
}
