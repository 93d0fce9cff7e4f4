//! `cargo xtask bench cluster` runs this: cache memory and sync time of Parkway's
//! watch caches against a demo endpoint seeded with N workloads (served by a child
//! process, so its objects do not count), then snapshot write volume per sync.
//!
//! `cluster_bench measure N` (needs DATABASE_URL, a scratch database) or
//! `cluster_bench serve N` (the child: prints its URL, serves until killed).

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use parkway_core::cluster::{
    CacheOptions, ClusterConfig, Clusters, Environment, Source, snapshot,
    sync::{SyncJob, SyncStatus},
};
use parkway_demo_cluster::{DemoCluster, Store, seed};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let workloads: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(300);
    match args.get(1).map(String::as_str) {
        Some("serve") => serve(workloads).await,
        Some("measure") => measure(workloads).await,
        _ => Err("usage: cluster_bench serve|measure WORKLOADS".into()),
    }
}

async fn serve(workloads: usize) -> Result<(), Box<dyn std::error::Error>> {
    let store = Arc::new(Store::default());
    let started = Instant::now();
    let summary = seed::populate(&store, "prod", workloads).map_err(|e| e.to_string())?;
    let demo = DemoCluster::start(store).await?;
    eprintln!("seeded {summary:?} in {:?}", started.elapsed());
    println!("{}", demo.url());
    std::future::pending::<()>().await;
    Ok(())
}

async fn measure(workloads: usize) -> Result<(), Box<dyn std::error::Error>> {
    let database = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL must name a scratch database")?;
    let mut child = Command::new(std::env::current_exe()?)
        .args(["serve", &workloads.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut url = String::new();
    BufReader::new(child.stdout.take().ok_or("no stdout")?).read_line(&mut url)?;
    let url = url.trim().to_owned();

    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .connect(&database)
        .await?;
    parkway_core::db::MIGRATOR.run(&pool).await?;
    let before = rss_kib();
    let started = Instant::now();
    let config = ClusterConfig {
        name: "bench".into(),
        environment: Environment::Prod,
        demo: true,
        source: Source::Url(url),
    };
    let clusters = Clusters::start(vec![config.clone()], CacheOptions::default());
    let cache = clusters.all()[0].clone();
    if !cache.wait_synced(Duration::from_secs(600)).await {
        return Err(format!("caches did not sync: {:?}", cache.status()).into());
    }
    let sync_time = started.elapsed();
    let after = rss_kib();
    let counts = cache.object_counts();
    let objects: usize = counts.values().sum();

    let t = Instant::now();
    let summaries = cache.workloads();
    let summarize_time = t.elapsed();

    snapshot::register(&pool, &[config]).await?;
    let job = SyncJob {
        pool: pool.clone(),
        clusters: clusters.clone(),
        every: Duration::from_secs(60),
        status: Arc::new(SyncStatus::default()),
    };
    let t = Instant::now();
    let first = job.sync_once().await;
    let first_time = t.elapsed();
    let mut unchanged = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let stats = job.sync_once().await;
        unchanged.push((stats.rows(), t.elapsed()));
    }
    let _ = child.kill();
    let _ = child.wait();

    let mut kinds = std::collections::BTreeMap::new();
    for w in &summaries {
        *kinds.entry(w.kind.as_str()).or_insert(0_usize) += 1;
    }
    let replicas: i64 = summaries.iter().map(|w| i64::from(w.desired)).sum();
    println!(
        "workloads cached        {} {kinds:?}, {replicas} desired replicas (seed asked for {workloads})",
        summaries.len()
    );
    println!("objects cached          {objects} {counts:?}");
    println!(
        "initial sync (list+watch, all kinds)  {:.2} s",
        sync_time.as_secs_f64()
    );
    println!(
        "cache memory (RSS delta) {:.1} MiB  ({:.2} KiB per cached object)",
        after.saturating_sub(before) as f64 / 1024.0,
        after.saturating_sub(before) as f64 / objects.max(1) as f64
    );
    println!(
        "summaries computed      {} in {:.1} ms",
        summaries.len(),
        summarize_time.as_secs_f64() * 1000.0
    );
    println!(
        "first snapshot write    {} rows in {:.1} ms ({first:?})",
        first.rows(),
        first_time.as_secs_f64() * 1000.0
    );
    for (rows, time) in unchanged {
        println!(
            "unchanged sync          {rows} rows in {:.1} ms (plus the clusters.last_sync stamp)",
            time.as_secs_f64() * 1000.0
        );
    }
    Ok(())
}
