//! Delivery events as sources send them (`POST /api/v1/events/deployments` and
//! `…/incidents`), read and checked without I/O. A body that does not parse is
//! refused naming the field; one that parses is checked whole, every problem listed;
//! either way nothing is stored.

use chrono::{DateTime, TimeZone, Utc};
use parkway_types::{
    DEFAULT_NAMESPACE, EntityKind, EntityRef,
    scorecards::{DeploymentStatus, MAX_EVENTS_PER_CALL},
};
use serde::{Deserialize, de::DeserializeOwned};

use super::{Error, Result};

/// `{"events": [...]}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch<T> {
    pub events: Vec<T>,
}

/// The body of `POST /api/v1/events/deployments` (its documented shape).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct DeploymentBatch {
    /// At most 1,000.
    pub events: Vec<DeploymentEvent>,
}

/// The body of `POST /api/v1/events/incidents` (its documented shape).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct IncidentBatch {
    /// At most 1,000.
    pub events: Vec<IncidentEvent>,
}

/// One deployment, as a CI/CD system reports it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentEvent {
    /// Unique within the sending system; re-sending it changes nothing.
    pub id: String,
    /// An entity ref (`component:default/checkout-api`) or a component's bare name.
    pub service: String,
    /// `production` counts towards the keys; other environments are kept.
    pub environment: String,
    pub status: DeploymentStatus,
    pub finished_at: DateTime<Utc>,
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub sha: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    /// The commits the deployment carries.
    #[serde(default)]
    pub changes: Vec<DeploymentChange>,
    /// Unplanned, to fix a problem in production (DORA 2024's rework rate).
    #[serde(default)]
    pub rework: bool,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentChange {
    /// The commit sha.
    pub id: String,
    pub committed_at: DateTime<Utc>,
}

/// One incident in production.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentEvent {
    pub id: String,
    pub service: String,
    pub opened_at: DateTime<Utc>,
    #[serde(default)]
    pub resolved_at: Option<DateTime<Utc>>,
    /// The `id` of the deployment event that caused it.
    #[serde(default)]
    pub deployment: Option<String>,
    /// A commit it names as root cause.
    #[serde(default)]
    pub sha: Option<String>,
}

/// Reads a JSON body, naming the field where it fails (`events[3].finished_at`): the
/// `field` of a 400 answer. A batch above [`MAX_EVENTS_PER_CALL`] is refused as too
/// large.
pub fn parse_batch<T: DeserializeOwned>(body: &[u8]) -> Result<Vec<T>> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    let batch: Batch<T> = serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        Error::Malformed {
            field: (path != ".").then_some(path),
            reason: err.into_inner().to_string(),
        }
    })?;
    if batch.events.len() > MAX_EVENTS_PER_CALL {
        return Err(Error::TooLarge(format!(
            "a call carries at most {MAX_EVENTS_PER_CALL} events; this one has {}: split it",
            batch.events.len()
        )));
    }
    Ok(batch.events)
}

const MAX_ID: usize = 200;
const MAX_TEXT: usize = 2_048;
const MAX_CHANGES: usize = 1_000;
/// Clocks of sending systems run a little ahead; more than this is refused.
const CLOCK_SKEW_SECONDS: i64 = 300;

/// Collects every problem of a batch before any is reported.
#[derive(Debug, Default)]
struct Problems(Vec<(String, String)>);

impl Problems {
    fn push(&mut self, field: String, reason: impl Into<String>) {
        self.0.push((field, reason.into()));
    }

    fn text(&mut self, field: String, value: &str, max: usize, required: bool) {
        if required && value.trim().is_empty() {
            self.push(field, "must not be empty");
        } else if value.chars().count() > max {
            self.push(field, format!("at most {max} characters"));
        } else if value.chars().any(char::is_control) {
            self.push(field, "must not contain control characters");
        }
    }

    fn time(&mut self, field: String, at: &DateTime<Utc>, now: DateTime<Utc>) {
        if let Some(reason) = time_problem(at, now) {
            self.push(field, reason);
        }
    }

    fn finish(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid { problems: self.0 })
        }
    }
}

/// Why a timestamp cannot be a delivery event's: before 2000, or in the future (beyond
/// a few minutes of clock skew).
pub fn time_problem(at: &DateTime<Utc>, now: DateTime<Utc>) -> Option<String> {
    let earliest = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single();
    if earliest.is_some_and(|earliest| *at < earliest) {
        Some(format!("{} is before 2000", at.to_rfc3339()))
    } else if (*at - now).num_seconds() > CLOCK_SKEW_SECONDS {
        Some(format!("{} is in the future", at.to_rfc3339()))
    } else {
        None
    }
}

/// The catalog entity an event's `service` names: a ref, or a component's bare name.
pub fn service_ref(given: &str) -> std::result::Result<EntityRef, String> {
    EntityRef::parse(given, Some(EntityKind::Component), DEFAULT_NAMESPACE).map_err(|e| e.to_string())
}

/// Checks a deployment batch: ids, names and timestamps (not before 2000, not in the
/// future), `started_at` not after `finished_at`.
pub fn check_deployments(events: &[DeploymentEvent], now: DateTime<Utc>) -> Result<()> {
    let mut p = Problems::default();
    for (i, e) in events.iter().enumerate() {
        let at = |field: &str| format!("events[{i}].{field}");
        p.text(at("id"), &e.id, MAX_ID, true);
        p.text(at("service"), &e.service, MAX_TEXT, true);
        if let Err(reason) = service_ref(&e.service) {
            p.push(at("service"), reason);
        }
        p.text(at("environment"), &e.environment, 63, true);
        p.time(at("finished_at"), &e.finished_at, now);
        if let Some(started) = &e.started_at {
            p.time(at("started_at"), started, now);
            if started > &e.finished_at {
                p.push(at("started_at"), "is after finished_at");
            }
        }
        for (field, value) in [("sha", &e.sha), ("url", &e.url)] {
            if let Some(value) = value {
                p.text(at(field), value, MAX_TEXT, true);
            }
        }
        if e.changes.len() > MAX_CHANGES {
            p.push(
                at("changes"),
                format!("at most {MAX_CHANGES} changes a deployment"),
            );
        }
        for (j, change) in e.changes.iter().enumerate() {
            p.text(at(&format!("changes[{j}].id")), &change.id, MAX_ID, true);
            p.time(
                at(&format!("changes[{j}].committed_at")),
                &change.committed_at,
                now,
            );
        }
    }
    p.finish()
}

/// Checks an incident batch: as deployments, and `resolved_at` not before `opened_at`.
pub fn check_incidents(events: &[IncidentEvent], now: DateTime<Utc>) -> Result<()> {
    let mut p = Problems::default();
    for (i, e) in events.iter().enumerate() {
        let at = |field: &str| format!("events[{i}].{field}");
        p.text(at("id"), &e.id, MAX_ID, true);
        p.text(at("service"), &e.service, MAX_TEXT, true);
        if let Err(reason) = service_ref(&e.service) {
            p.push(at("service"), reason);
        }
        p.time(at("opened_at"), &e.opened_at, now);
        if let Some(resolved) = &e.resolved_at {
            p.time(at("resolved_at"), resolved, now);
            if resolved < &e.opened_at {
                p.push(at("resolved_at"), "is before opened_at");
            }
        }
        for (field, value) in [("deployment", &e.deployment), ("sha", &e.sha)] {
            if let Some(value) = value {
                p.text(at(field), value, MAX_TEXT, true);
            }
        }
    }
    p.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-12-01T12:00:00Z".parse().unwrap_or_default()
    }

    #[test]
    fn a_body_that_does_not_parse_names_the_field() {
        let body = br#"{"events": [{"id": "d1", "service": "checkout-api", "environment": "production",
            "status": "success", "finished_at": "2026-11-30T10:00:00Z"},
            {"id": "d2", "service": "checkout-api", "environment": "production",
            "status": "succeeded", "finished_at": "2026-11-30T10:00:00Z"}]}"#;
        match parse_batch::<DeploymentEvent>(body) {
            Err(Error::Malformed { field, reason }) => {
                assert_eq!(field.as_deref(), Some("events[1].status"));
                assert!(reason.contains("succeeded"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        let missing = br#"{"events": [{"id": "d1", "service": "x", "environment": "production", "status": "success"}]}"#;
        assert!(
            matches!(parse_batch::<DeploymentEvent>(missing), Err(Error::Malformed { field: Some(f), .. }) if f == "events[0]")
        );
        let bad_time = br#"{"events": [{"id": "i", "service": "x", "opened_at": "yesterday"}]}"#;
        assert!(
            matches!(parse_batch::<IncidentEvent>(bad_time), Err(Error::Malformed { field: Some(f), .. }) if f == "events[0].opened_at")
        );
        assert!(matches!(
            parse_batch::<IncidentEvent>(b"{\"events\": ["),
            Err(Error::Malformed { .. })
        ));
    }

    #[test]
    fn more_than_a_thousand_events_is_too_large() {
        let one = r#"{"id": "i", "service": "x", "opened_at": "2026-11-30T10:00:00Z"}"#;
        let body = format!("{{\"events\": [{}]}}", vec![one; 1_001].join(","));
        assert!(matches!(
            parse_batch::<IncidentEvent>(body.as_bytes()),
            Err(Error::TooLarge(_))
        ));
        let body = format!("{{\"events\": [{}]}}", vec![one; 1_000].join(","));
        assert_eq!(
            parse_batch::<IncidentEvent>(body.as_bytes())
                .map(|v| v.len())
                .ok(),
            Some(1_000)
        );
    }

    #[test]
    fn every_problem_of_a_batch_is_named() {
        let body = br#"{"events": [
            {"id": "ok", "service": "component:default/checkout-api", "environment": "production", "status": "success",
             "finished_at": "2026-11-30T10:00:00Z", "changes": [{"id": "abc", "committed_at": "2026-11-29T10:00:00Z"}]},
            {"id": "", "service": "checkout-api", "environment": "production", "status": "success",
             "finished_at": "2027-01-01T00:00:00Z", "started_at": "1999-12-31T00:00:00Z",
             "changes": [{"id": "abc", "committed_at": "1970-01-01T00:00:00Z"}]}]}"#;
        let events: Vec<DeploymentEvent> = parse_batch(body).unwrap_or_default();
        match check_deployments(&events, now()) {
            Err(Error::Invalid { problems }) => {
                let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
                assert_eq!(
                    fields,
                    [
                        "events[1].id",
                        "events[1].finished_at",
                        "events[1].started_at",
                        "events[1].changes[0].committed_at"
                    ]
                );
                assert!(problems[1].1.contains("future"), "{problems:?}");
                assert!(problems[2].1.contains("before 2000"), "{problems:?}");
            }
            other => panic!("{other:?}"),
        }
        assert!(check_deployments(&events[..1], now()).is_ok());
    }

    #[test]
    fn incidents_resolve_after_they_open_and_name_a_service() {
        let body =
            br#"{"events": [{"id": "i1", "service": "api:default/x/y", "opened_at": "2026-11-30T10:00:00Z",
            "resolved_at": "2026-11-30T09:00:00Z"}]}"#;
        let events: Vec<IncidentEvent> = parse_batch(body).unwrap_or_default();
        match check_incidents(&events, now()) {
            Err(Error::Invalid { problems }) => {
                let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
                assert_eq!(fields, ["events[0].service", "events[0].resolved_at"]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            service_ref("checkout-api").map(|r| r.key()).ok().as_deref(),
            Some("component:default/checkout-api")
        );
    }
}
