//! `cargo xtask bench catalog` runs this after loading 50,000 entities: the plans of
//! the queries the catalog page runs, printed as the application itself runs them.
//! It calls Parkway's own listing and search functions on a connection where
//! Postgres's `auto_explain` sends back every statement's plan (with actual times),
//! so the plans shown cannot drift from the code, and says which views scan a table
//! sequentially. Since reads come from the replica's in-memory index, each view runs
//! one statement here (the generation check of a replica not listening for changes;
//! a serving replica, which listens, runs none) plus, for a word never seen before,
//! its stemming.
//!
//! `catalog_plans DATABASE_URL` (a superuser: `auto_explain` is loaded per session).

use std::{
    str::FromStr,
    sync::{Arc, Mutex},
};

use parkway_core::catalog::{
    index::CatalogCache,
    query::{self, EntityFilter, Sort},
};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tracing::{Event, Subscriber, field::Field};
use tracing_subscriber::{Layer, layer::Context, prelude::*};

/// Collects the notices Postgres sends (sqlx reports them as tracing events).
#[derive(Clone, Default)]
struct Notices(Arc<Mutex<Vec<String>>>);

impl Notices {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl<S: Subscriber> Layer<S> for Notices {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != "sqlx::postgres::notice" {
            return;
        }
        struct Message(Option<String>);
        impl tracing::field::Visit for Message {
            fn record_str(&mut self, field: &Field, value: &str) {
                if field.name() == "message" {
                    self.0 = Some(value.to_owned());
                }
            }
            fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 = Some(format!("{value:?}"));
                }
            }
        }
        let mut message = Message(None);
        event.record(&mut message);
        if let Some(text) = message.0 {
            self.0.lock().unwrap_or_else(|e| e.into_inner()).push(text);
        }
    }
}

fn filter(f: impl FnOnce(&mut EntityFilter)) -> EntityFilter {
    let mut filter = EntityFilter::default();
    f(&mut filter);
    filter
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .ok_or("usage: catalog_plans DATABASE_URL")?;
    let notices = Notices::default();
    tracing_subscriber::registry()
        .with(
            notices
                .clone()
                .with_filter(tracing_subscriber::filter::LevelFilter::INFO),
        )
        .init();
    let options = PgConnectOptions::from_str(&url)?.options([
        ("session_preload_libraries", "auto_explain"),
        ("auto_explain.log_min_duration", "0"),
        ("auto_explain.log_analyze", "on"),
        ("auto_explain.log_buffers", "off"),
        ("auto_explain.log_timing", "on"),
        ("auto_explain.log_level", "notice"),
        ("client_min_messages", "notice"),
    ]);
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    let cache = CatalogCache::default();
    cache.index(&pool).await?;
    notices.take();
    let views = [
        ("catalog, unfiltered", EntityFilter::default()),
        (
            "catalog, filtered (kind + lifecycle + owner)",
            filter(|f| {
                f.kind = Some("component".into());
                f.lifecycle = Some("production".into());
                f.owner = Some("group:default/team-7".into());
            }),
        ),
        (
            "catalog, recently updated first",
            filter(|f| f.sort = Some(Sort::Updated)),
        ),
        (
            "catalog, text search with a typo (\"invocie\")",
            filter(|f| f.q = Some("invocie".into())),
        ),
        (
            "catalog, text search for one name (\"svc-12345\")",
            filter(|f| f.q = Some("svc-12345".into())),
        ),
    ];
    for (label, filter) in views {
        query::page(&pool, &cache, &filter, 50, None).await?;
        let plans: Vec<String> = notices
            .take()
            .into_iter()
            .filter(|n| n.contains("Query Text") && !n.contains("set_config"))
            .collect();
        let scans = plans.iter().filter(|p| p.contains("Seq Scan")).count();
        println!(
            "\nplan: {label} — {} statements{}",
            plans.len(),
            if scans > 0 {
                format!(", {scans} with a sequential scan")
            } else {
                String::new()
            }
        );
        for plan in plans {
            for line in plan.lines() {
                println!("    {line}");
            }
        }
    }
    Ok(())
}
