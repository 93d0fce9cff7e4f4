//! `cargo xtask bench cluster`: watch-cache memory, sync time and snapshot writes.

use crate::{
    cmd::{self, Result},
    postgres,
};

/// Cache memory and sync time at 300 and 20,000 workloads on the demo endpoint, and
/// how many rows a snapshot write touches when nothing changed (release build).
pub fn cluster() -> Result<()> {
    let admin = postgres::database_url()?;
    for workloads in ["300", "20000"] {
        // A fresh database each time, so the first write inserts every row.
        let url = postgres::recreate_database(&admin, "parkway_bench_cluster")?;
        cmd::step(&format!("cluster caches at {workloads} workloads"));
        let mut run = super::core_example("cluster_bench", &["measure", workloads]);
        run.env("DATABASE_URL", &url).env("RUST_LOG", "warn");
        cmd::status(&mut run)?;
    }
    Ok(())
}
