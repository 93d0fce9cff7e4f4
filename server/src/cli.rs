//! CLI subcommands of the server binary: operator tasks that need the same database
//! and the same domain code as the portal.

use std::process::ExitCode;

use anyhow::Context;
use parkway_core::audit::{self, Verification};

use crate::{config::DbConfig, connect};

/// `parkway migrate`
pub async fn migrate(db: &DbConfig) -> anyhow::Result<ExitCode> {
    let pool = connect(db).await?;
    parkway_core::db::MIGRATOR
        .run(&pool)
        .await
        .context("could not apply database migrations")?;
    println!("migrations applied");
    Ok(ExitCode::SUCCESS)
}

/// `parkway audit verify`: exit 0 when intact, 1 naming the first bad row otherwise.
pub async fn audit_verify(db: &DbConfig) -> anyhow::Result<ExitCode> {
    let pool = connect(db).await?;
    match audit::verify(&pool)
        .await
        .context("could not read the audit log")?
    {
        Verification::Intact { rows } => {
            println!("audit chain intact: {rows} events verified");
            Ok(ExitCode::SUCCESS)
        }
        Verification::Broken { checked, first_bad } => {
            eprintln!("audit chain BROKEN: {first_bad} ({checked} events before it verified)");
            Ok(ExitCode::FAILURE)
        }
    }
}
