//! One error, one status, one message, through both doors: every variant of every
//! error an operation can return goes through the REST API's conversion (the HTTP
//! response it becomes) and the server functions' (the error a page receives), and
//! both must answer with the status the table below gives and the same message.
//!
//! The `variant` functions match without a catch-all arm, so a new variant does not
//! compile until it is added here with its expected status.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use http_body_util::BodyExt;
use parkway_app::serverfns::AppError;
use parkway_core::{
    audit, catalog,
    cluster::ClusterError,
    evidence, guardrails,
    identity::{self, Action, Denied, Role},
    onboarding, scorecards,
    types::{Problem, RefError, UnknownKind, UnknownSort, error::INTERNAL_MESSAGE},
};
use parkway_server::error::ApiError;

/// The REST door: status and the JSON body's message and code.
async fn rest(err: ApiError) -> (u16, String, String) {
    let response: Response = err.into_response();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    let json: serde_json::Value = serde_json::from_slice(&bytes).expect("a JSON error body");
    (
        status,
        json["error"]["message"].as_str().unwrap_or_default().to_owned(),
        json["error"]["code"].as_str().unwrap_or_default().to_owned(),
    )
}

/// The server-function door: the status it sets and the message a page shows,
/// after the trip through JSON the browser makes.
fn page(err: AppError) -> (u16, String) {
    let wire = serde_json::to_string(&err).expect("serializes");
    let received: AppError = serde_json::from_str(&wire).expect("deserializes");
    (err.status(), received.to_string())
}

/// Walks one error through both doors and checks them against the table.
async fn check<E>(name: &str, expected: StatusCode, make: impl Fn() -> E)
where
    ApiError: From<E>,
    AppError: From<E>,
{
    let (rest_status, rest_message, code) = rest(ApiError::from(make())).await;
    let (page_status, page_message) = page(AppError::from(make()));
    assert_eq!(rest_status, expected.as_u16(), "{name} over REST: {rest_message}");
    assert_eq!(
        page_status,
        expected.as_u16(),
        "{name} from a server function: {page_message}"
    );
    assert_eq!(
        rest_message, page_message,
        "{name}: the same message through both doors"
    );
    assert!(!rest_message.is_empty(), "{name} says something");
    if expected == StatusCode::INTERNAL_SERVER_ERROR {
        assert_eq!(rest_message, INTERNAL_MESSAGE, "{name}: internals are not shown");
        assert_eq!(code, "internal");
    } else {
        assert_ne!(code, "internal", "{name}");
    }
}

fn database() -> sqlx::Error {
    sqlx::Error::PoolTimedOut
}

fn denied_variant(e: &Denied) -> (&'static str, StatusCode) {
    match e {
        Denied::Unauthenticated => ("Denied::Unauthenticated", StatusCode::UNAUTHORIZED),
        Denied::Forbidden { .. } => ("Denied::Forbidden", StatusCode::FORBIDDEN),
        Denied::OutOfScope { .. } => ("Denied::OutOfScope", StatusCode::FORBIDDEN),
        Denied::BeyondToken(_) => ("Denied::BeyondToken", StatusCode::FORBIDDEN),
    }
}

fn denials() -> Vec<Denied> {
    vec![
        Denied::Unauthenticated,
        Denied::Forbidden {
            action: Action::ViewAudit,
            roles: vec![Role::PlatformAdmin],
        },
        Denied::OutOfScope {
            action: Action::ViewAudit,
        },
        Denied::BeyondToken("scope `audit.view` is beyond this API token's own scopes".into()),
    ]
}

fn identity_variant(e: &identity::Error) -> (&'static str, StatusCode) {
    use identity::Error::*;
    match e {
        Denied(_) => ("identity::Error::Denied", StatusCode::FORBIDDEN),
        Invalid { .. } => ("identity::Error::Invalid", StatusCode::UNPROCESSABLE_ENTITY),
        Conflict(_) => ("identity::Error::Conflict", StatusCode::CONFLICT),
        NotFound(_) => ("identity::Error::NotFound", StatusCode::NOT_FOUND),
        Deactivated => ("identity::Error::Deactivated", StatusCode::FORBIDDEN),
        Audit(_) => ("identity::Error::Audit", StatusCode::INTERNAL_SERVER_ERROR),
        Database(_) => ("identity::Error::Database", StatusCode::INTERNAL_SERVER_ERROR),
    }
}

fn identity_errors() -> Vec<identity::Error> {
    use identity::Error::*;
    vec![
        Denied(identity::Denied::OutOfScope {
            action: Action::ManageAllTokens,
        }),
        Invalid {
            field: "name",
            reason: "must not be blank".into(),
        },
        Conflict("group `sre` is already mapped to role `leader`".into()),
        NotFound("token"),
        Deactivated,
        Audit(audit::Error::AppendOnly),
        Database(database()),
    ]
}

fn audit_variant(e: &audit::Error) -> (&'static str, StatusCode) {
    use audit::Error::*;
    match e {
        Denied(_) => ("audit::Error::Denied", StatusCode::UNAUTHORIZED),
        BadRequest { .. } => ("audit::Error::BadRequest", StatusCode::BAD_REQUEST),
        Invalid { .. } => ("audit::Error::Invalid", StatusCode::INTERNAL_SERVER_ERROR),
        AppendOnly => ("audit::Error::AppendOnly", StatusCode::INTERNAL_SERVER_ERROR),
        Encode(_) => ("audit::Error::Encode", StatusCode::INTERNAL_SERVER_ERROR),
        Database(_) => ("audit::Error::Database", StatusCode::INTERNAL_SERVER_ERROR),
    }
}

fn audit_errors() -> Vec<audit::Error> {
    use audit::Error::*;
    vec![
        Denied(identity::Denied::Unauthenticated),
        BadRequest {
            field: "limit",
            reason: "must be between 1 and 200".into(),
        },
        Invalid {
            field: "actor",
            reason: "must not be blank",
        },
        AppendOnly,
        Encode(serde_json::from_str::<u8>("x").expect_err("not a number")),
        Database(database()),
    ]
}

fn cluster_variant(e: &ClusterError) -> (&'static str, StatusCode) {
    use ClusterError::*;
    match e {
        Denied(_) => ("ClusterError::Denied", StatusCode::FORBIDDEN),
        Kubeconfig(_) => ("ClusterError::Kubeconfig", StatusCode::INTERNAL_SERVER_ERROR),
        UnknownContext(_) => ("ClusterError::UnknownContext", StatusCode::INTERNAL_SERVER_ERROR),
        Client { .. } => ("ClusterError::Client", StatusCode::INTERNAL_SERVER_ERROR),
        EnvironmentMapping(_) => (
            "ClusterError::EnvironmentMapping",
            StatusCode::INTERNAL_SERVER_ERROR,
        ),
        UnknownCluster(_) => ("ClusterError::UnknownCluster", StatusCode::NOT_FOUND),
        NotDemo(_) => ("ClusterError::NotDemo", StatusCode::NOT_FOUND),
        BadRequest { .. } => ("ClusterError::BadRequest", StatusCode::BAD_REQUEST),
        DemoControl { .. } => ("ClusterError::DemoControl", StatusCode::INTERNAL_SERVER_ERROR),
        Audit(_) => ("ClusterError::Audit", StatusCode::INTERNAL_SERVER_ERROR),
        Database(_) => ("ClusterError::Database", StatusCode::INTERNAL_SERVER_ERROR),
    }
}

fn cluster_errors() -> Vec<ClusterError> {
    use ClusterError::*;
    vec![
        Denied(identity::Denied::Forbidden {
            action: Action::ViewClusters,
            roles: vec![Role::PlatformAdmin],
        }),
        Kubeconfig("no such file".into()),
        UnknownContext("prod".into()),
        Client {
            cluster: "prod".into(),
            message: "bad certificate".into(),
        },
        EnvironmentMapping("prod=moon".into()),
        UnknownCluster("nowhere".into()),
        NotDemo("prod".into()),
        BadRequest {
            field: "action",
            reason: "expected `stop` or `start`, not `explode`".into(),
        },
        DemoControl {
            cluster: "demo-dev".into(),
            action: "start",
            message: "address in use".into(),
        },
        Audit(audit::Error::AppendOnly),
        Database(database()),
    ]
}

fn catalog_variant(e: &catalog::Error) -> (&'static str, StatusCode) {
    use catalog::Error::*;
    match e {
        Invalid { .. } => ("catalog::Error::Invalid", StatusCode::UNPROCESSABLE_ENTITY),
        TooLarge { .. } => ("catalog::Error::TooLarge", StatusCode::PAYLOAD_TOO_LARGE),
        Field { .. } => ("catalog::Error::Field", StatusCode::UNPROCESSABLE_ENTITY),
        NotFound(_) => ("catalog::Error::NotFound", StatusCode::NOT_FOUND),
        BadRequest { .. } => ("catalog::Error::BadRequest", StatusCode::BAD_REQUEST),
        Denied(_) => ("catalog::Error::Denied", StatusCode::FORBIDDEN),
        Audit(_) => ("catalog::Error::Audit", StatusCode::INTERNAL_SERVER_ERROR),
        Identity(_) => ("catalog::Error::Identity", StatusCode::INTERNAL_SERVER_ERROR),
        Cluster(_) => ("catalog::Error::Cluster", StatusCode::INTERNAL_SERVER_ERROR),
        Database(_) => ("catalog::Error::Database", StatusCode::INTERNAL_SERVER_ERROR),
    }
}

fn guardrails_variant(e: &guardrails::Error) -> (&'static str, StatusCode) {
    use guardrails::Error::*;
    match e {
        Invalid { .. } => ("guardrails::Error::Invalid", StatusCode::UNPROCESSABLE_ENTITY),
        TooLarge { .. } => ("guardrails::Error::TooLarge", StatusCode::PAYLOAD_TOO_LARGE),
        Field { .. } => ("guardrails::Error::Field", StatusCode::UNPROCESSABLE_ENTITY),
        NotFound(_) => ("guardrails::Error::NotFound", StatusCode::NOT_FOUND),
        Conflict(_) => ("guardrails::Error::Conflict", StatusCode::CONFLICT),
        Refused(_) => ("guardrails::Error::Refused", StatusCode::FORBIDDEN),
        Denied(_) => ("guardrails::Error::Denied", StatusCode::FORBIDDEN),
        Audit(_) => ("guardrails::Error::Audit", StatusCode::INTERNAL_SERVER_ERROR),
        Database(_) => ("guardrails::Error::Database", StatusCode::INTERNAL_SERVER_ERROR),
        Internal(_) => ("guardrails::Error::Internal", StatusCode::INTERNAL_SERVER_ERROR),
    }
}

fn guardrails_errors() -> Vec<guardrails::Error> {
    use guardrails::Error::*;
    vec![
        Invalid {
            file: "guardrails.yaml".into(),
            problems: vec![Problem {
                line: 10,
                column: 15,
                field: "spec.decisions.secret".into(),
                reason: "unknown tier `secret`".into(),
            }],
        },
        TooLarge {
            file: "guardrails.yaml".into(),
            size: 9_000_000,
            max: 8_388_608,
        },
        Field {
            field: "note",
            reason: "required: say what changed and why".into(),
        },
        NotFound("guardrail GR-404".into()),
        Conflict("version 2 is not approved yet".into()),
        Refused("you wrote version 2: a second person must approve it".into()),
        Denied(identity::Denied::Forbidden {
            action: Action::ReviewGuardrails,
            roles: vec![Role::CoeEditor, Role::SecurityApprover],
        }),
        Audit(audit::Error::AppendOnly),
        Database(database()),
        Internal("computing coverage failed: task panicked".into()),
    ]
}

fn onboarding_variant(e: &onboarding::Error) -> (&'static str, StatusCode) {
    use onboarding::Error::*;
    match e {
        Invalid { .. } => ("onboarding::Error::Invalid", StatusCode::UNPROCESSABLE_ENTITY),
        Field { .. } => ("onboarding::Error::Field", StatusCode::UNPROCESSABLE_ENTITY),
        NotFound(_) => ("onboarding::Error::NotFound", StatusCode::NOT_FOUND),
        Conflict(_) => ("onboarding::Error::Conflict", StatusCode::CONFLICT),
        Refused(_) => ("onboarding::Error::Refused", StatusCode::FORBIDDEN),
        Denied(_) => ("onboarding::Error::Denied", StatusCode::FORBIDDEN),
        Audit(_) => ("onboarding::Error::Audit", StatusCode::INTERNAL_SERVER_ERROR),
        Database(_) => ("onboarding::Error::Database", StatusCode::INTERNAL_SERVER_ERROR),
        Internal(_) => ("onboarding::Error::Internal", StatusCode::INTERNAL_SERVER_ERROR),
    }
}

fn onboarding_errors() -> Vec<onboarding::Error> {
    use onboarding::Error::*;
    vec![
        Invalid {
            problems: vec![(
                "quotas.cpu".into(),
                "`9` is above the ceiling of tier `restricted`: at most 8".into(),
            )],
        },
        Field {
            field: "comment",
            reason: "say why the request is rejected".into(),
        },
        NotFound("tenant `shop`".into()),
        Conflict("the tenant name `shop` is taken".into()),
        Refused("this waits for a security approver".into()),
        Denied(identity::Denied::Forbidden {
            action: Action::ApproveTenants,
            roles: vec![Role::TeamOwner, Role::SecurityApprover, Role::PlatformAdmin],
        }),
        Audit(audit::Error::AppendOnly),
        Database(database()),
        Internal("tenant shop: stored state: `x` is not one of …".into()),
    ]
}

fn scorecards_variant(e: &scorecards::Error) -> (&'static str, StatusCode) {
    use scorecards::Error::*;
    match e {
        Malformed { .. } => ("scorecards::Error::Malformed", StatusCode::BAD_REQUEST),
        Invalid { .. } => ("scorecards::Error::Invalid", StatusCode::UNPROCESSABLE_ENTITY),
        Definition { .. } => ("scorecards::Error::Definition", StatusCode::UNPROCESSABLE_ENTITY),
        Field { .. } => ("scorecards::Error::Field", StatusCode::UNPROCESSABLE_ENTITY),
        BadParameter { .. } => ("scorecards::Error::BadParameter", StatusCode::BAD_REQUEST),
        TooLarge(_) => ("scorecards::Error::TooLarge", StatusCode::PAYLOAD_TOO_LARGE),
        NotFound(_) => ("scorecards::Error::NotFound", StatusCode::NOT_FOUND),
        Conflict(_) => ("scorecards::Error::Conflict", StatusCode::CONFLICT),
        Unauthenticated(_) => ("scorecards::Error::Unauthenticated", StatusCode::UNAUTHORIZED),
        Denied(_) => ("scorecards::Error::Denied", StatusCode::FORBIDDEN),
        Audit(_) => ("scorecards::Error::Audit", StatusCode::INTERNAL_SERVER_ERROR),
        Database(_) => ("scorecards::Error::Database", StatusCode::INTERNAL_SERVER_ERROR),
        Internal(_) => ("scorecards::Error::Internal", StatusCode::INTERNAL_SERVER_ERROR),
    }
}

fn evidence_variant(e: &evidence::Error) -> (&'static str, StatusCode) {
    use evidence::Error::*;
    match e {
        Denied(_) => ("evidence::Error::Denied", StatusCode::FORBIDDEN),
        Field { .. } => ("evidence::Error::Field", StatusCode::BAD_REQUEST),
        NotFound(_) => ("evidence::Error::NotFound", StatusCode::NOT_FOUND),
        Io(_) => ("evidence::Error::Io", StatusCode::INTERNAL_SERVER_ERROR),
        Audit(_) => ("evidence::Error::Audit", StatusCode::INTERNAL_SERVER_ERROR),
        Guardrails(_) => ("evidence::Error::Guardrails", StatusCode::INTERNAL_SERVER_ERROR),
        Scorecards(_) => ("evidence::Error::Scorecards", StatusCode::INTERNAL_SERVER_ERROR),
        Encode(_) => ("evidence::Error::Encode", StatusCode::INTERNAL_SERVER_ERROR),
        Database(_) => ("evidence::Error::Database", StatusCode::INTERNAL_SERVER_ERROR),
    }
}

fn evidence_errors() -> Vec<evidence::Error> {
    use evidence::Error::*;
    vec![
        Denied(identity::Denied::Forbidden {
            action: Action::ExportEvidence,
            roles: vec![Role::SecurityApprover, Role::Leader, Role::PlatformAdmin],
        }),
        Field {
            field: "from",
            reason: "`2026-02-30` is not a date: expected YYYY-MM-DD".into(),
        },
        NotFound("business unit group:default/nowhere".into()),
        Io(std::io::Error::other("disk full")),
        Audit(audit::Error::AppendOnly),
        Guardrails(guardrails::Error::NotFound("guardrail GR-001".into())),
        Scorecards(scorecards::Error::Internal("bad row".into())),
        Encode(serde_json::from_str::<serde_json::Value>("{").expect_err("not JSON")),
        Database(database()),
    ]
}

fn scorecards_errors() -> Vec<scorecards::Error> {
    use scorecards::Error::*;
    vec![
        Malformed {
            field: Some("events[3].finished_at".into()),
            reason: "input contains invalid characters".into(),
        },
        Invalid {
            problems: vec![(
                "events[0].opened_at".into(),
                "2030-01-01T00:00:00+00:00 is in the future".into(),
            )],
        },
        Definition {
            problems: vec![(
                "rules[0].level".into(),
                "`Platinum` is not a level of this scorecard: Bronze, Silver, Gold".into(),
            )],
        },
        Field {
            field: "from",
            reason: "a period covers at most 366 days".into(),
        },
        BadParameter {
            field: "to",
            reason: "`tomorrow` is not a date: expected YYYY-MM-DD".into(),
        },
        TooLarge("a call carries at most 1000 events; this one has 1001: split it".into()),
        NotFound("catalog entity component:default/nope".into()),
        Conflict("a webhook source called `acme` exists".into()),
        Unauthenticated("the X-Hub-Signature-256 signature matches no GitHub source's secret".into()),
        Denied(identity::Denied::OutOfScope {
            action: Action::WriteEvents,
        }),
        Audit(audit::Error::AppendOnly),
        Database(database()),
        Internal("stored roll-up enterprise 30: bad JSON".into()),
    ]
}

fn catalog_errors() -> Vec<catalog::Error> {
    use catalog::Error::*;
    vec![
        Invalid {
            file: "shop.yaml".into(),
            problems: vec![Problem {
                line: 3,
                column: 7,
                field: "spec.owner".into(),
                reason: "required".into(),
            }],
        },
        TooLarge {
            file: "shop.yaml".into(),
            size: 9_000_000,
            max: 8_388_608,
        },
        Field {
            field: "source",
            reason: "required".into(),
        },
        NotFound("entity `component:default/x`".into()),
        BadRequest {
            field: "cursor",
            reason: "not a cursor this API returned; start again without it".into(),
        },
        Denied(identity::Denied::Forbidden {
            action: Action::EditCatalog,
            roles: vec![Role::PlatformAdmin],
        }),
        Audit(audit::Error::AppendOnly),
        Identity(identity::Error::Database(database())),
        Cluster(ClusterError::Database(database())),
        Database(database()),
    ]
}

fn ref_variant(e: &RefError) -> (&'static str, StatusCode) {
    match e {
        RefError::UnknownKind(_) => ("RefError::UnknownKind", StatusCode::NOT_FOUND),
        RefError::NoKind { .. } => ("RefError::NoKind", StatusCode::NOT_FOUND),
        RefError::BadName { .. } => ("RefError::BadName", StatusCode::NOT_FOUND),
        RefError::BadNamespace { .. } => ("RefError::BadNamespace", StatusCode::NOT_FOUND),
    }
}

fn ref_errors() -> Vec<RefError> {
    vec![
        RefError::UnknownKind(UnknownKind {
            given: "widget".into(),
        }),
        RefError::NoKind { text: "cart".into() },
        RefError::BadName {
            text: "component:default/a b".into(),
            name: "a b".into(),
        },
        RefError::BadNamespace {
            text: "component:Bad_NS/a".into(),
            namespace: "bad_ns".into(),
        },
    ]
}

/// Checks every sample of one error type, and that the samples cover every variant.
async fn walk<E>(samples: fn() -> Vec<E>, variant: fn(&E) -> (&'static str, StatusCode), variants: usize)
where
    ApiError: From<E>,
    AppError: From<E>,
{
    let all = samples();
    let mut seen = std::collections::BTreeSet::new();
    for (i, sample) in all.iter().enumerate() {
        let (name, status) = variant(sample);
        seen.insert(name);
        check(name, status, || samples().swap_remove(i)).await;
    }
    assert_eq!(seen.len(), variants, "every variant is walked: {seen:?}");
}

#[tokio::test]
async fn every_error_answers_alike_through_both_doors() {
    walk(denials, denied_variant, 4).await;
    walk(identity_errors, identity_variant, 7).await;
    walk(audit_errors, audit_variant, 6).await;
    walk(cluster_errors, cluster_variant, 11).await;
    walk(catalog_errors, catalog_variant, 10).await;
    walk(guardrails_errors, guardrails_variant, 10).await;
    walk(onboarding_errors, onboarding_variant, 9).await;
    walk(scorecards_errors, scorecards_variant, 13).await;
    walk(evidence_errors, evidence_variant, 9).await;
    walk(ref_errors, ref_variant, 4).await;
    check("UnknownSort", StatusCode::BAD_REQUEST, || UnknownSort {
        given: "newest".into(),
    })
    .await;
}

#[tokio::test]
async fn field_errors_name_their_field_in_both_doors() {
    let sort = || UnknownSort {
        given: "newest".into(),
    };
    let (_, message, _) = rest(ApiError::from(sort())).await;
    assert_eq!(
        message,
        "sort: `newest` is not an order; use name, updated or relevance"
    );
    let from_page = AppError::from(sort());
    assert_eq!(
        from_page.for_field("sort").as_deref(),
        Some("`newest` is not an order; use name, updated or relevance")
    );
    let invalid = || catalog_errors().swap_remove(0);
    let response = ApiError::from(invalid()).into_response();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    let json: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    assert_eq!(json["error"]["file"], "shop.yaml");
    assert_eq!(json["error"]["problems"][0]["line"], 3);
    assert_eq!(
        AppError::from(invalid()).problems.len(),
        1,
        "pages get the problems too"
    );
}
