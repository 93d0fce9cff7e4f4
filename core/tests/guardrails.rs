//! Guardrails against a real Postgres: import with positions, the four-eyes review,
//! what developers see, export that imports unchanged, and nothing half-written.

use parkway_core::{
    Ctx, Services,
    audit::{self, AuditFilter},
    guardrails::{Error, ops, query::GuardrailFilter, review::Person, store},
    identity::{Principal, PrincipalKind, Role},
    types::guardrails::{Decision, GuardrailId, ReviewStep, ThreatId, VersionState},
};
use sqlx::PgPool;
use uuid::Uuid;

const THREAT: &str = "apiVersion: parkway.dev/v1
kind: Threat
metadata: {id: TH-001, title: Container escape to the node}
spec:
  stride: elevation-of-privilege
  tactic: privilege-escalation
  likelihood: 3
  impact: 5
  residualRisk: 6
  component: component:default/checkout-api
  owner: group:default/platform-coe
  status: open
  reviewDate: 2027-03-31
  description: |
    A privileged container can take over its node.
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
  requestable: {label: Privileged pods}
  implementations:
    - {engine: kyverno, policy: restrict-privileged, rule: privileged-containers}
    - {engine: gatekeeper, kind: K8sPSPPrivilegedContainer, name: psp-privileged-container}
  frameworks: [NSA-CISA pod security]
  threats: [TH-001]
  owner: group:default/platform-coe
  reviewDue: 2027-06-30
  body: |
    ## Why
    A privileged container can take over its node. <script>alert(1)</script>
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

fn ctx(pool: &PgPool, who: &Principal) -> Ctx {
    Ctx::new(
        Services::new(pool.clone(), Default::default()),
        Some(who.clone()),
        Some("req-1".into()),
    )
}

fn both() -> String {
    format!("{THREAT}---\n{GUARDRAIL}")
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_guardrail_is_drafted_reviewed_by_a_second_person_and_published(pool: PgPool) {
    let cora = user(&pool, "cora", &[Role::CoeEditor]).await;
    let sam = user(&pool, "sam", &[Role::SecurityApprover]).await;
    let dev = user(&pool, "dev", &[Role::Developer]).await;
    let (editor, approver, developer) = (ctx(&pool, &cora), ctx(&pool, &sam), ctx(&pool, &dev));
    let gr = GuardrailId(1);

    let outcome = ops::import(&editor, "guardrails.yaml", &both())
        .await
        .expect("imports");
    assert_eq!(outcome.drafted, ["GR-001 v1"]);
    assert_eq!(outcome.threats_saved, ["TH-001 v1"]);
    // A draft is not published: developers do not see it.
    assert!(
        ops::list(&developer, &GuardrailFilter::default(), false)
            .await
            .expect("lists")
            .is_empty()
    );
    assert!(matches!(ops::get(&developer, gr).await, Err(Error::NotFound(_))));
    // The editor sees the draft and may submit it.
    assert_eq!(
        ops::get(&editor, gr).await.expect("draft").steps,
        [ReviewStep::Submit]
    );

    assert!(matches!(
        ops::step(&editor, gr, ReviewStep::Submit, None).await,
        Err(Error::Field { field: "note", .. })
    ));
    ops::step(&editor, gr, ReviewStep::Submit, Some("first version"))
        .await
        .expect("submits");
    // Four eyes: the author's own approval is refused with the reason.
    let own = ops::step(&editor, gr, ReviewStep::Approve, None)
        .await
        .expect_err("refused");
    assert!(
        matches!(&own, Error::Refused(why) if why.contains("you wrote version 1")),
        "{own}"
    );
    assert!(matches!(
        ops::step(&editor, gr, ReviewStep::Publish, None).await,
        Err(Error::Conflict(_))
    ));
    // A developer may not review at all.
    assert!(matches!(
        ops::step(&developer, gr, ReviewStep::Approve, None).await,
        Err(Error::Denied(_))
    ));
    ops::step(&approver, gr, ReviewStep::Approve, Some("looks right"))
        .await
        .expect("approves");
    let published = ops::step(&editor, gr, ReviewStep::Publish, None)
        .await
        .expect("publishes");
    assert_eq!(published.state, VersionState::Published);

    let list = ops::list(&developer, &GuardrailFilter::default(), false)
        .await
        .expect("lists");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, gr);
    assert_eq!(list[0].decisions.len(), 4);
    let page = ops::get(&developer, gr).await.expect("published");
    assert_eq!(page.shown.review.approved_by.as_deref(), Some("user:sam"));
    assert_eq!(page.shown.review.change_note.as_deref(), Some("first version"));
    assert!(
        page.body_html.contains("<h2 id=\"md-why\">Why</h2>"),
        "{}",
        page.body_html
    );
    assert!(!page.body_html.contains("<script"), "{}", page.body_html);
    assert_eq!(page.mitigates[0].title, "Container escape to the node");
    assert!(page.steps.is_empty());

    // Editing a published guardrail starts a new draft; the published one is unchanged.
    let changed = GUARDRAIL.replace("critical", "high");
    let again = ops::import(&editor, "g.yaml", &changed)
        .await
        .expect("re-imports");
    assert_eq!(again.drafted, ["GR-001 v2"]);
    let page = ops::get(&developer, gr).await.expect("still published");
    assert_eq!(page.shown.review.version, 1);
    assert_eq!(page.shown.content.severity.as_str(), "critical");
    assert_eq!(
        ops::get(&editor, gr)
            .await
            .expect("editor")
            .newest
            .map(|n| n.version),
        Some(2)
    );
    // Developers see published versions only; the CoE sees all.
    assert_eq!(ops::versions(&developer, gr).await.expect("versions").len(), 1);
    assert_eq!(ops::versions(&editor, gr).await.expect("versions").len(), 2);

    // Every transition is in the audit trail with actor and version.
    let admin = user(&pool, "pat", &[Role::PlatformAdmin]).await;
    let filter = AuditFilter {
        action: Some("guardrail.".into()),
        ..AuditFilter::default()
    };
    let events = audit::ops::list(&ctx(&pool, &admin), &filter, None, 50)
        .await
        .expect("audit")
        .events;
    let seen: Vec<(String, String)> = events
        .iter()
        .rev()
        .map(|e| (e.actor.clone(), e.action.clone()))
        .collect();
    assert_eq!(
        seen,
        [
            ("user:cora", "guardrail.import"),
            ("user:cora", "guardrail.submit"),
            ("user:sam", "guardrail.approve"),
            ("user:cora", "guardrail.publish"),
            ("user:cora", "guardrail.import"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn retiring_needs_the_same_approval(pool: PgPool) {
    let operator = Person {
        id: None,
        actor: "system:cli".into(),
    };
    let outcome = store::import(&pool, &[("f.yaml", &both())], &operator, store::May::ALL, None)
        .await
        .expect("imports");
    store::publish_as_operator(&pool, &operator, &outcome.drafted_versions)
        .await
        .expect("publishes");
    let cora = user(&pool, "cora", &[Role::CoeEditor]).await;
    let sam = user(&pool, "sam", &[Role::SecurityApprover]).await;
    let (editor, approver) = (ctx(&pool, &cora), ctx(&pool, &sam));
    let gr = GuardrailId(1);
    let asked = ops::step(&editor, gr, ReviewStep::Retire, Some("superseded by PSA"))
        .await
        .expect("asks");
    assert_eq!((asked.version, asked.state), (2, VersionState::InReview));
    assert!(matches!(
        ops::step(&editor, gr, ReviewStep::Retire, None).await,
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        ops::step(&editor, gr, ReviewStep::Approve, None).await,
        Err(Error::Refused(_))
    ));
    // Still published while the retirement waits.
    assert_eq!(
        ops::list(&approver, &GuardrailFilter::default(), false)
            .await
            .expect("lists")
            .len(),
        1
    );
    ops::step(&approver, gr, ReviewStep::Approve, None)
        .await
        .expect("approves");
    let retired = ops::step(&editor, gr, ReviewStep::Retire, None)
        .await
        .expect("retires");
    assert_eq!(retired.state, VersionState::Retired);
    assert!(
        ops::list(&approver, &GuardrailFilter::default(), false)
            .await
            .expect("lists")
            .is_empty()
    );
}

/// A problem's line and field.
type Expected = (usize, &'static str);

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn bad_documents_are_refused_with_their_positions_and_nothing_changes(pool: PgPool) {
    let cora = user(&pool, "cora", &[Role::CoeEditor]).await;
    let editor = ctx(&pool, &cora);
    let cases: [(&str, String, &[Expected]); 6] = [
        ("invalid YAML", "kind: [Guardrail\n".to_owned(), &[(2, "(yaml)")]),
        (
            "unknown tier",
            GUARDRAIL.replace("restricted: blocked", "secret: blocked"),
            &[(10, "spec.decisions.restricted"), (10, "spec.decisions.secret")],
        ),
        (
            "decision not in the three",
            GUARDRAIL.replace("internal: blocked", "internal: maybe"),
            &[(10, "spec.decisions.internal")],
        ),
        (
            "unknown threat",
            GUARDRAIL.replace("[TH-001]", "[TH-009]"),
            &[(16, "spec.threats[0]")],
        ),
        (
            "duplicate id",
            format!("{THREAT}---\n{GUARDRAIL}---\n{GUARDRAIL}"),
            &[(41, "metadata.id")],
        ),
        (
            "wrong types and values",
            GUARDRAIL
                .replace("severity: critical", "severity: [x]")
                .replace("reviewDue: 2027-06-30", "reviewDue: soon"),
            &[(7, "spec.severity"), (18, "spec.reviewDue")],
        ),
    ];
    for (name, text, expected) in cases {
        let err = ops::import(&editor, "bad.yaml", &text).await.expect_err(name);
        let Error::Invalid { problems, file } = &err else {
            panic!("{name}: {err}");
        };
        assert_eq!(file, "bad.yaml");
        let got: Vec<(usize, &str)> = problems.iter().map(|p| (p.line, p.field.as_str())).collect();
        assert_eq!(got, expected, "{name}: {err}");
    }
    let decision = ops::import(
        &editor,
        "bad.yaml",
        &GUARDRAIL.replace("internal: blocked", "internal: maybe"),
    )
    .await
    .expect_err("refused")
    .to_string();
    assert!(
        decision.contains("`maybe` is not one of `allowed`, `needs-approval`, `blocked`"),
        "{decision}"
    );
    // Nothing was written by any of them.
    let versions: i64 = sqlx::query_scalar("select count(*) from guardrail_versions")
        .fetch_one(&pool)
        .await
        .expect("count");
    let threats: i64 = sqlx::query_scalar("select count(*) from threats")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!((versions, threats), (0, 0));
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn the_export_imports_unchanged_and_filters_find_what_they_say(pool: PgPool) {
    let operator = Person {
        id: None,
        actor: "system:cli".into(),
    };
    let demo = [
        std::fs::read_to_string("../demo/guardrails/threats.yaml").expect("demo threats"),
        std::fs::read_to_string("../demo/guardrails/guardrails.yaml").expect("demo guardrails"),
    ];
    let outcome = store::import(
        &pool,
        &[("threats.yaml", &demo[0]), ("guardrails.yaml", &demo[1])],
        &operator,
        store::May::ALL,
        None,
    )
    .await
    .expect("the demo set imports");
    assert_eq!(outcome.drafted.len(), 15);
    assert_eq!(outcome.threats_saved.len(), 10);
    store::publish_as_operator(&pool, &operator, &outcome.drafted_versions)
        .await
        .expect("publishes");
    let exported = store::export(&pool).await.expect("exports");
    let again = store::import(
        &pool,
        &[("export.yaml", &exported)],
        &operator,
        store::May::ALL,
        None,
    )
    .await
    .expect("the export imports");
    assert!(
        again.drafted.is_empty() && again.threats_saved.is_empty(),
        "{again:?}"
    );
    assert_eq!(again.unchanged.len(), 25);
    assert_eq!(store::export(&pool).await.expect("exports"), exported);

    let dev = user(&pool, "dev", &[Role::Developer]).await;
    let developer = ctx(&pool, &dev);
    let ids = |filter: GuardrailFilter| {
        let developer = developer.clone();
        async move {
            ops::list(&developer, &filter, false)
                .await
                .expect("lists")
                .into_iter()
                .map(|g| g.id.to_string())
                .collect::<Vec<_>>()
        }
    };
    let needs_approval_when_confidential = ids(GuardrailFilter {
        tier: Some("confidential".into()),
        decision: Some(Decision::NeedsApproval),
        ..GuardrailFilter::default()
    })
    .await;
    assert_eq!(
        needs_approval_when_confidential,
        ["GR-004", "GR-005", "GR-008", "GR-014"]
    );
    // Typo-tolerant: "privilaged" finds the privileged-containers guardrail first.
    let typo = ids(GuardrailFilter {
        q: Some("privilaged".into()),
        ..GuardrailFilter::default()
    })
    .await;
    assert_eq!(typo.first().map(String::as_str), Some("GR-001"), "{typo:?}");
    let threat = ops::threat(&developer, ThreatId(1)).await.expect("threat");
    let mitigations: Vec<String> = threat.mitigated_by.iter().map(|g| g.id.to_string()).collect();
    assert_eq!(mitigations, ["GR-001", "GR-002", "GR-015"]);
    assert_eq!(threat.inherent_risk, 15);
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn accepting_a_risk_needs_a_security_approver(pool: PgPool) {
    let cora = user(&pool, "cora", &[Role::CoeEditor]).await;
    let sam = user(&pool, "sam", &[Role::SecurityApprover]).await;
    let accepted = THREAT.replace("status: open", "status: accepted\n  acceptedUntil: 2027-01-31");
    let refused = ops::import(&ctx(&pool, &cora), "t.yaml", &accepted)
        .await
        .expect_err("refused");
    assert!(
        matches!(&refused, Error::Refused(why) if why.contains("security-approver")),
        "{refused}"
    );
    let missing = ops::import(
        &ctx(&pool, &sam),
        "t.yaml",
        &THREAT.replace("status: open", "status: accepted"),
    )
    .await
    .expect_err("refused");
    assert!(missing.to_string().contains("spec.acceptedUntil"), "{missing}");
    // A security approver records and accepts threats, but may not draft guardrails.
    let refused = ops::import(&ctx(&pool, &sam), "g.yaml", &both())
        .await
        .expect_err("refused");
    assert!(
        matches!(&refused, Error::Refused(why) if why.contains("GR-001: drafting guardrails")),
        "{refused}"
    );
    ops::import(&ctx(&pool, &sam), "t.yaml", &accepted)
        .await
        .expect("accepts");
    let threat = ops::threat(&ctx(&pool, &cora), ThreatId(1))
        .await
        .expect("threat");
    assert_eq!(threat.accepted_by.as_deref(), Some("user:sam"));
    assert_eq!(threat.content.accepted_until.as_deref(), Some("2027-01-31"));
    // The editor re-importing the same acceptance unchanged is not a new acceptance.
    let again = ops::import(&ctx(&pool, &cora), "t.yaml", &accepted)
        .await
        .expect("unchanged");
    assert_eq!(again.unchanged, ["TH-001"]);
}
