//! `cargo xtask bench evidence` runs this: appends a year of a company's audit trail —
//! sign-ins, catalog edits of the stored entities, tenant decisions, tokens, trail
//! reads — spread evenly over the last DAYS days, chained exactly as `audit::append`
//! chains events (the same `event_hash`), 5,000 rows per statement. Appending them one
//! transaction at a time, as the server does, would take hours.
//!
//! `audit_fill DATABASE_URL EVENTS DAYS` (nothing else may write the trail meanwhile).

use chrono::{Duration, Utc};
use parkway_core::audit::{
    GENESIS_HASH, NewAuditEvent,
    model::{event_hash, storage_time},
};
use serde_json::json;
use sqlx::postgres::PgPoolOptions;

const BATCH: usize = 5_000;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, events, days] = args.as_slice() else {
        return Err("usage: audit_fill DATABASE_URL EVENTS DAYS".into());
    };
    let events: usize = events.parse()?;
    let days: i64 = days.parse()?;
    let pool = PgPoolOptions::new().max_connections(1).connect(url).await?;
    let entities: Vec<String> =
        sqlx::query_scalar("select key from catalog_entities where kind = 'component' order by key")
            .fetch_all(&pool)
            .await?;
    let mut prev: Vec<u8> = sqlx::query_scalar("select hash from audit_events order by id desc limit 1")
        .fetch_optional(&pool)
        .await?
        .unwrap_or_else(|| GENESIS_HASH.to_vec());
    let start = storage_time(Utc::now() - Duration::days(days));
    let step = Duration::days(days).num_microseconds().unwrap_or(1) / events.max(1) as i64;
    let started = std::time::Instant::now();
    let mut written = 0;
    while written < events {
        let n = BATCH.min(events - written);
        let mut at = Vec::with_capacity(n);
        let mut actor = Vec::with_capacity(n);
        let mut action = Vec::with_capacity(n);
        let mut target = Vec::with_capacity(n);
        let mut payload = Vec::with_capacity(n);
        let mut prev_hash = Vec::with_capacity(n);
        let mut hash = Vec::with_capacity(n);
        for i in written..written + n {
            let person = format!("user:person{:04}@example.com", i % 1_000);
            let event = match i % 20 {
                0..=7 => NewAuditEvent::new(&person, "auth.sign-in", format!("user:person{:04}", i % 1_000)),
                8..=12 if !entities.is_empty() => NewAuditEvent::new(
                    &person,
                    "catalog.edit",
                    format!("catalog-entity:{}", entities[i % entities.len()]),
                )
                .with_payload(json!({"field": "description", "after": format!("edit {i}")})),
                13 | 14 => {
                    NewAuditEvent::new(&person, "tenant.request", format!("tenant:t{:05}", i % 20_000))
                        .with_payload(json!({"tier": "internal"}))
                }
                15 => NewAuditEvent::new(
                    "user:approver@example.com",
                    "tenant.approve",
                    format!("tenant:t{:05}", i % 20_000),
                )
                .with_payload(json!({"requested_by": person, "comment": null})),
                16 | 17 => NewAuditEvent::new(&person, "token.create", format!("token:{i}"))
                    .with_payload(json!({"name": format!("ci {i}"), "role": null})),
                _ => NewAuditEvent::new(&person, "audit.view", "audit-log").with_payload(json!({"rows": 50})),
            }
            .with_request_id(format!("fill-{i}"));
            let when = start + Duration::microseconds(step * i as i64);
            let h = event_hash(&prev, when, &event).to_vec();
            at.push(when);
            actor.push(event.actor);
            action.push(event.action);
            target.push(event.target);
            payload.push(event.payload);
            prev_hash.push(std::mem::replace(&mut prev, h.clone()));
            hash.push(h);
        }
        let request_ids: Vec<String> = (written..written + n).map(|i| format!("fill-{i}")).collect();
        sqlx::query(
            "insert into audit_events (occurred_at, actor, action, target, payload, request_id, prev_hash, hash)
             select * from unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[],
                                  $7::bytea[], $8::bytea[])",
        )
        .bind(&at)
        .bind(&actor)
        .bind(&action)
        .bind(&target)
        .bind(&payload)
        .bind(&request_ids)
        .bind(&prev_hash)
        .bind(&hash)
        .execute(&pool)
        .await?;
        written += n;
    }
    println!(
        "appended {written} chained audit events over {days} days in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
