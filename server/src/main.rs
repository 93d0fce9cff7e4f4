use std::process::ExitCode;

use clap::Parser;
use parkway_server::{
    cli,
    config::{
        AuditCommand, CatalogCommand, Cli, Command, EvidenceCommand, GuardrailsCommand, ScorecardsCommand,
        TenantsCommand, TokenCommand, UserCommand,
    },
    serve, telemetry,
};

/// jemalloc instead of glibc's malloc, for memory that comes back. Measured importing
/// the 28 MB, 50,000-entity catalog through the API (same binary, jemalloc 5.3 with its
/// background thread preloaded). Debug build: glibc 49 MB before → 221 MB peak → 201 MB
/// idle, still 201 MB a minute later (freed memory stays in per-thread arenas); jemalloc
/// 51 → 210 → 149 MB, 61 MB a minute later. Release build: glibc 25 → 196 → 176 MB;
/// jemalloc 26 → 216 → 126 MB, 35 MB a minute later. Its background thread purges pages
/// freed more than 10 s ago with no request needed to trigger it.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // A `.env` in the working folder is a convenience for local runs; real
    // environment variables win over it.
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    let telemetry = match telemetry::init(&cli.log) {
        Ok(telemetry) => telemetry,
        Err(err) => {
            eprintln!("error: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = match &cli.command {
        None => serve::run(&cli).await.map(|()| ExitCode::SUCCESS),
        Some(Command::Migrate) => cli::migrate(&cli.db).await,
        Some(Command::Audit(AuditCommand::Verify { expect_head })) => {
            cli::audit_verify(&cli.db, *expect_head).await
        }
        Some(Command::Token(TokenCommand::Create {
            name,
            role,
            expires,
            scopes,
        })) => cli::token_create(&cli.db, name, role, expires, scopes).await,
        Some(Command::Catalog(CatalogCommand::Import { files })) => {
            cli::catalog_import(&cli.db, cli.import.limit(), files).await
        }
        Some(Command::Guardrails(GuardrailsCommand::Import { publish, files })) => {
            cli::guardrails_import(&cli.db, cli.import.limit(), files, *publish).await
        }
        Some(Command::Guardrails(GuardrailsCommand::Export)) => cli::guardrails_export(&cli.db).await,
        Some(Command::Tenants(TenantsCommand::ClusterRoles)) => cli::tenants_cluster_roles(&cli.db).await,
        Some(Command::Scorecards(ScorecardsCommand::Demo { days })) => {
            cli::scorecards_demo(&cli.db, *days, cli.scorecards.settings()).await
        }
        Some(Command::Evidence(EvidenceCommand::Export {
            business_unit,
            from,
            to,
            output,
        })) => {
            let ask = cli::EvidenceAsk {
                business_unit: business_unit.as_deref(),
                from,
                to,
                output: output.as_deref(),
            };
            cli::evidence_export(&cli.db, &cli.audit, &ask).await
        }
        Some(Command::Evidence(EvidenceCommand::Verify { pack })) => cli::evidence_verify(&cli.audit, pack),
        Some(Command::User(UserCommand::Deactivate { handle })) => {
            cli::user_deactivate(&cli.db, handle).await
        }
        #[cfg(feature = "demo-cluster")]
        Some(Command::DemoClusters { kubeconfig }) => {
            parkway_server::clusters::serve_demo(&cli.clusters, kubeconfig)
                .await
                .map(|()| ExitCode::SUCCESS)
        }
    };
    let code = outcome.unwrap_or_else(|err| {
        tracing::error!("{err:#}");
        eprintln!("error: {err:#}");
        ExitCode::FAILURE
    });
    // Spans still batched go out before the process ends (a blocking flush).
    let _ = tokio::task::spawn_blocking(move || telemetry.shutdown()).await;
    code
}
