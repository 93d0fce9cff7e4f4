//! All configuration, parsed once in `main` from flags or `PARKWAY_…` environment
//! variables (see `.env.sample`), then passed down.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand, ValueEnum};
use parkway_core::audit::ChainHead;

#[derive(Debug, Parser)]
#[command(
    name = "parkway",
    version,
    about = "Parkway, the internal developer portal for the Kubernetes paved road."
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeConfig,
    #[command(flatten)]
    pub db: DbConfig,
    #[command(flatten)]
    pub log: LogConfig,
    #[command(flatten)]
    pub auth: AuthConfig,
    #[command(flatten)]
    pub clusters: ClusterArgs,
    #[command(flatten)]
    pub audit: AuditArgs,
    #[command(flatten)]
    pub import: ImportConfig,
    #[command(flatten)]
    pub scorecards: ScorecardArgs,
}

/// Scorecards: how incidents are linked, how often figures are refreshed.
#[derive(Debug, Clone, Args)]
pub struct ScorecardArgs {
    /// An incident naming neither a deployment nor a commit is linked to its service's
    /// latest successful production deployment finished at most this long before it
    /// opened (`90m`, `24h`, `2d`, or seconds).
    #[arg(long, env = "PARKWAY_INCIDENT_LINK_WINDOW", default_value = "24h", value_parser = parkway_core::scorecards::parse_duration)]
    pub incident_link_window: i64,
    /// Seconds between refreshes of the scorecard figures from new events.
    #[arg(long, env = "PARKWAY_SCORECARD_REFRESH_SECONDS", default_value_t = 2.0)]
    pub scorecard_refresh_seconds: f64,
    /// How often each maturity scorecard is evaluated when nothing else asks (saving
    /// one, or an exemption, evaluates it at once): `12h`, `1d`, or seconds.
    #[arg(long, env = "PARKWAY_MATURITY_EVERY", default_value = "24h", value_parser = parkway_core::scorecards::parse_duration)]
    pub maturity_every: i64,
}

impl ScorecardArgs {
    pub fn settings(&self) -> parkway_core::scorecards::Settings {
        parkway_core::scorecards::Settings {
            link_window_seconds: self.incident_link_window,
            ..parkway_core::scorecards::Settings::default()
        }
    }

    pub fn maturity_every(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.maturity_every)
    }

    pub fn refresh_every(&self) -> Duration {
        Duration::from_secs_f64(self.scorecard_refresh_seconds.clamp(0.05, 3_600.0))
    }
}

/// Without a subcommand, `parkway` serves the portal.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending database migrations and exit (serving also migrates at start-up).
    Migrate,
    /// Work with the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Work with API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Work with the service catalog.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Work with people.
    #[command(subcommand)]
    User(UserCommand),
    /// Work with guardrails and the threat register.
    #[command(subcommand)]
    Guardrails(GuardrailsCommand),
    /// Tenant onboarding.
    #[command(subcommand)]
    Tenants(TenantsCommand),
    /// KPI scorecards.
    #[command(subcommand)]
    Scorecards(ScorecardsCommand),
    /// Compliance evidence packs.
    #[command(subcommand)]
    Evidence(EvidenceCommand),
    /// Serve the seeded demo Kubernetes endpoints on their own, and write a kubeconfig
    /// for them, until stopped: Parkway (one replica or several) then reads them through
    /// `PARKWAY_KUBECONFIG` as it would real API servers, and the stand-ins' memory is
    /// not counted as the portal's (`cargo xtask budgets`).
    #[cfg(feature = "demo-cluster")]
    DemoClusters {
        /// Where to write the kubeconfig (contexts `demo-dev`, `demo-stage`, `demo-prod`).
        #[arg(long)]
        kubeconfig: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Write the evidence pack of a business unit (or the enterprise) and a period: a
    /// zip of access, guardrails, changes, coverage, delivery and the audit trail, its
    /// manifest signed under PARKWAY_AUDIT_KEY (required). Audited as `system:cli`.
    Export {
        /// A business unit (`payments`, `group:default/payments`); omitted: the whole
        /// enterprise.
        #[arg(long, value_name = "REF")]
        business_unit: Option<String>,
        /// The first day, YYYY-MM-DD (UTC), included.
        #[arg(long, value_name = "DATE")]
        from: String,
        /// The last day, YYYY-MM-DD (UTC), included; at most 366 days after `--from`.
        #[arg(long, value_name = "DATE")]
        to: String,
        /// Where to write the zip (`-` for standard output). Default: standard output
        /// when it is a pipe or a file (`… > pack.zip`), else
        /// `parkway-evidence-<unit>-<from>-<to>.zip` in the working folder.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Check a pack with PARKWAY_AUDIT_KEY: the manifest's signature, every file's
    /// SHA-256, the chain head's signature and every audit event of the extract. Exits
    /// 1 naming the first file or row that does not match.
    Verify {
        /// The pack (`.zip`).
        pack: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ScorecardsCommand {
    /// Load generated, deterministic delivery events (deployments, changes, incidents)
    /// for the demo company's components over the last DAYS days; does nothing when
    /// any deployment is stored already. Audited as `system:cli`.
    Demo {
        #[arg(long, default_value_t = 180)]
        days: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum GuardrailsCommand {
    /// Import `Guardrail` and `Threat` documents (YAML, multi-document), all files in one
    /// transaction: any problem refuses everything, printed as
    /// `file:line:column — field — reason`. Guardrails become new drafts (never
    /// published by an import); threats are saved. Audited as `system:cli`.
    Import {
        /// Publish every imported guardrail at once, as the operator: the bootstrap of
        /// a new installation (the demo set). No second person reviews it; the audit
        /// trail records each as published by `system:cli` without review.
        #[arg(long)]
        publish: bool,
        /// One or more files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the published guardrails and the threat register as YAML that imports unchanged.
    Export,
}

#[derive(Debug, Subcommand)]
pub enum TenantsCommand {
    /// Print the tier ClusterRoles tenants' teams are bound to, as YAML for
    /// `kubectl apply -f -` in every cluster (the platform installs them; Parkway only
    /// binds them).
    ClusterRoles,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Off-board a person: they can no longer sign in, and their sessions and API
    /// tokens stop at once. Audited as `system:cli`.
    Deactivate {
        /// The person's handle: their verified e-mail address, else the provider's subject.
        handle: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Import Backstage descriptor files (`catalog-info.yaml`, multi-document). Each file
    /// is its own source, named by the path as given: importing it again updates its
    /// entities and marks the ones it no longer has as orphaned. A file with any problem
    /// is refused whole; every problem is printed as `file:line:column — field — reason`.
    Import {
        /// One or more files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a service account and print it once (to bootstrap
    /// automation before anyone has signed in). Audited like tokens made in the UI.
    Create {
        /// Service-account name, e.g. `ci-deployer` (created if missing).
        #[arg(long)]
        name: String,
        /// The role the token acts with.
        #[arg(long)]
        role: String,
        /// Lifetime such as `30d`, `12h` or `90m` (at most 366d).
        #[arg(long, default_value = "90d")]
        expires: String,
        /// Limit the token to these actions (repeatable); default: all its role allows.
        #[arg(long = "scope")]
        scopes: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Re-compute the whole hash chain; exits non-zero naming every bad row.
    Verify {
        /// A chain head published earlier (`id:hash` from `GET /api/v1/audit/head` or
        /// the `audit chain head` log line): fails when that row is gone or changed,
        /// i.e. when the trail was cut back to before it or rewritten from it.
        #[arg(long, value_name = "ID:HASH")]
        expect_head: Option<ChainHead>,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address and port to serve HTTP on.
    #[arg(long, env = "PARKWAY_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// Folder holding the compiled site (`pkg/` with the WebAssembly, CSS and assets)
    /// that cargo-leptos writes.
    #[arg(long, env = "PARKWAY_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
    /// Longest a request may take before it is answered with 408; also bounds how long
    /// shutdown waits for requests in flight.
    #[arg(long, env = "PARKWAY_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Serve `/metrics` on this address and port instead of the main one (which then
    /// answers 404 there), so scrapers reach it inside the cluster and the public never
    /// does, e.g. `0.0.0.0:9100`.
    #[arg(long, env = "PARKWAY_METRICS_LISTEN", value_parser = socket_address)]
    pub metrics_listen: Option<SocketAddr>,
}

/// An `address:port` such as `0.0.0.0:9100` or `[::1]:9100`, with a reason a person
/// can act on when it is not one.
fn socket_address(value: &str) -> Result<SocketAddr, String> {
    value.trim().parse().map_err(|_| {
        format!(
            "`{value}` is not an IP address and port such as `0.0.0.0:9100` or `[::]:9100` (host names are not resolved)"
        )
    })
}

impl ServeConfig {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }
}

/// Catalog imports, by the API and the CLI alike.
#[derive(Debug, Clone, Args)]
pub struct ImportConfig {
    /// Largest descriptor file one import accepts, in MiB (API bodies and CLI files;
    /// browser forms stay at 2 MiB). A generated catalog of 50,000 entities is about
    /// 28 MiB; an import holds about three times its size in memory while it runs.
    #[arg(
        long,
        env = "PARKWAY_IMPORT_MAX_MB",
        global = true,
        default_value_t = 64,
        value_parser = clap::value_parser!(u16).range(1..=1024)
    )]
    pub import_max_mb: u16,
}

impl ImportConfig {
    pub fn limit(&self) -> parkway_core::catalog::ImportLimit {
        parkway_core::catalog::ImportLimit::from_mib(usize::from(self.import_max_mb))
    }
}

#[derive(Debug, Clone, Args)]
pub struct DbConfig {
    /// Postgres connection URL Parkway serves with: the runtime role, which should
    /// not own the tables (README: Database roles). `cargo xtask run` sets it to its
    /// private cluster's `parkway_app`.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Postgres connection URL of the role that owns the schema: migrations (at
    /// start-up and `parkway migrate`) run as it, then grant the `DATABASE_URL` role
    /// what it needs (only SELECT and INSERT on the audit trail). Unset: migrations
    /// run over `DATABASE_URL`, and the audit trail is not protected from that role.
    #[arg(
        long,
        env = "PARKWAY_MIGRATE_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub migrate_database_url: Option<String>,
    /// Whether serving starts by applying migrations (the embedded default). Set it to
    /// `false` where a Job runs `parkway migrate` before a rollout (deploy/): the server
    /// then changes no schema and waits until every migration it was built with is there.
    #[arg(
        long,
        env = "PARKWAY_MIGRATE_ON_START",
        global = true,
        default_value_t = true,
        action = clap::ArgAction::Set
    )]
    pub migrate_on_start: bool,
    /// Upper bound on pooled Postgres connections per replica.
    #[arg(long, env = "PARKWAY_DB_MAX_CONNECTIONS", global = true, default_value_t = 10)]
    pub db_max_connections: u32,
}

#[derive(Debug, Clone, Args)]
pub struct LogConfig {
    /// `pretty` for people, `json` for log pipelines.
    #[arg(long, env = "PARKWAY_LOG_FORMAT", global = true, value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,
    /// Which events to log, in `tracing` filter syntax (e.g. `info,parkway_core=debug`).
    #[arg(long, env = "PARKWAY_LOG", global = true, default_value = "info,sqlx=warn")]
    pub log: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Sign-in, sessions, roles and rate limits.
#[derive(Debug, Clone, Args)]
pub struct AuthConfig {
    /// The URL people use to reach Parkway (scheme, host, port). Builds the OpenID
    /// redirect URI and decides whether cookies are `Secure` (https). Defaults to
    /// `http://` plus the listen address.
    #[arg(long, env = "PARKWAY_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// OpenID Provider issuer URL; discovery is read from
    /// `<issuer>/.well-known/openid-configuration`.
    #[arg(long, env = "PARKWAY_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,
    #[arg(long, env = "PARKWAY_OIDC_CLIENT_ID", default_value = "parkway")]
    pub oidc_client_id: String,
    #[arg(long, env = "PARKWAY_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<Secret>,
    /// Scopes asked for besides `openid`, space-separated. Add `groups` for providers
    /// that release the group claim only on request (Okta, Dex).
    #[arg(long, env = "PARKWAY_OIDC_SCOPES", default_value = "profile email")]
    pub oidc_scopes: String,
    /// Name of the claim that lists the person's groups.
    #[arg(long, env = "PARKWAY_OIDC_GROUPS_CLAIM", default_value = "groups")]
    pub oidc_groups_claim: String,
    /// Development sign-in: pick a demo user, no provider. Refused when an issuer is set.
    #[arg(long, env = "PARKWAY_DEV_SIGN_IN", value_parser = clap::builder::BoolishValueParser::new())]
    pub dev_sign_in: bool,
    /// Group-to-role mappings to add at start-up when missing: `group=role,group=role`.
    #[arg(long, env = "PARKWAY_ROLE_MAPPINGS", default_value = "")]
    pub role_mappings: String,
    /// Groups starting with this prefix make the person a member of the team named by
    /// the rest (`team-payments` → team `payments`).
    #[arg(long, env = "PARKWAY_TEAM_GROUP_PREFIX", default_value = "team-")]
    pub team_group_prefix: String,
    /// A session nobody used for this many minutes ends.
    #[arg(long, env = "PARKWAY_SESSION_IDLE_MINUTES", default_value_t = 120)]
    pub session_idle_minutes: u64,
    /// Every session ends this many hours after sign-in.
    #[arg(long, env = "PARKWAY_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: u64,
    /// Sign-in attempts (login, callback, development sign-in) per client address per minute.
    #[arg(long, env = "PARKWAY_RATE_LIMIT_SIGN_IN", default_value_t = 30)]
    pub rate_limit_sign_in: u32,
    /// Requests per API token per minute.
    #[arg(long, env = "PARKWAY_RATE_LIMIT_API", default_value_t = 600)]
    pub rate_limit_api: u32,
    /// Unknown, expired or revoked credentials (session cookies, API tokens) accepted
    /// per client address per minute before that address gets 429: each costs a lookup.
    #[arg(long, env = "PARKWAY_RATE_LIMIT_FAILED_CREDENTIALS", default_value_t = 30)]
    pub rate_limit_failed_credentials: u32,
    /// A person's API tokens stop working once the person has not signed in for this
    /// many days: their groups, and so their roles, are a snapshot from that sign-in.
    #[arg(long, env = "PARKWAY_PERSON_TOKEN_MAX_IDLE_DAYS", default_value_t = 30)]
    pub person_token_max_idle_days: u32,
    /// Reverse proxies (CIDR ranges, comma-separated, e.g. `10.0.0.0/8,192.168.1.7/32`)
    /// whose `X-Forwarded-For` is believed. From anyone else the header is ignored and
    /// the peer address is the client.
    #[arg(long, env = "PARKWAY_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_cidr)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// A CIDR range; a bare address counts as a single host.
fn parse_cidr(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("`{text}` is not a CIDR range like 10.0.0.0/8 or an IP address"))
}

/// Which clusters to read, and how often to snapshot them.
#[derive(Debug, Clone, Args)]
pub struct ClusterArgs {
    /// A kubeconfig file whose contexts become clusters. Without it, `KUBECONFIG` is
    /// used when set; then the pod's own cluster when Parkway runs inside Kubernetes;
    /// then (in builds with the `demo-cluster` feature) the built-in demo clusters.
    #[arg(long, env = "PARKWAY_KUBECONFIG")]
    pub kubeconfig: Option<PathBuf>,
    /// Only these kubeconfig contexts, comma-separated (default: all of them).
    #[arg(long, env = "PARKWAY_CLUSTER_CONTEXTS", value_delimiter = ',')]
    pub cluster_contexts: Vec<String>,
    /// Environment of each cluster, `name=dev|stage|prod,…`; unlisted clusters are
    /// guessed from their name (`…prod…` → prod, `…stag…`/`…uat…` → stage, else dev).
    #[arg(long, env = "PARKWAY_CLUSTER_ENVIRONMENTS", default_value = "")]
    pub cluster_environments: String,
    /// Name under which the pod's own cluster is registered when running in Kubernetes.
    #[arg(long, env = "PARKWAY_IN_CLUSTER_NAME", default_value = "in-cluster")]
    pub in_cluster_name: String,
    /// Seconds between snapshot writes (done by one replica at a time).
    #[arg(long, env = "PARKWAY_CLUSTER_SYNC_SECONDS", default_value_t = 60.0)]
    pub cluster_sync_seconds: f64,
    /// Seconds between health probes of each cluster's API server.
    #[arg(long, env = "PARKWAY_CLUSTER_PROBE_SECONDS", default_value_t = 10.0)]
    pub cluster_probe_seconds: f64,
    /// Workloads in the demo clusters, spread over dev, stage and prod (the benchmark
    /// raises it). Ignored when real clusters are configured.
    #[arg(long, env = "PARKWAY_DEMO_CLUSTER_SEED", default_value_t = 300)]
    pub demo_cluster_seed: usize,
    /// Onboarding: provisioning steps each replica claims and applies at once.
    #[arg(long, env = "PARKWAY_PROVISION_BATCH", default_value_t = 64)]
    pub provision_batch: i64,
    /// Onboarding: seconds before a failed step is tried again (doubling per attempt).
    #[arg(long, env = "PARKWAY_PROVISION_RETRY_SECONDS", default_value_t = 1.0)]
    pub provision_retry_seconds: f64,
    /// Onboarding: the longest wait between attempts of a failing step.
    #[arg(long, env = "PARKWAY_PROVISION_RETRY_MAX_SECONDS", default_value_t = 300.0)]
    pub provision_retry_max_seconds: f64,
    /// Onboarding: seconds between drift checks (applied objects against the caches).
    #[arg(long, env = "PARKWAY_DRIFT_SECONDS", default_value_t = 30.0)]
    pub drift_seconds: f64,
}

impl ClusterArgs {
    fn seconds(value: f64) -> Duration {
        Duration::from_secs_f64(value.clamp(0.05, 86_400.0))
    }

    pub fn sync_every(&self) -> Duration {
        Self::seconds(self.cluster_sync_seconds)
    }

    pub fn probe_every(&self) -> Duration {
        Self::seconds(self.cluster_probe_seconds)
    }

    pub fn provision_pace(&self) -> parkway_core::onboarding::provisioner::Pace {
        parkway_core::onboarding::provisioner::Pace {
            batch: self.provision_batch.clamp(1, 1_000),
            first_backoff: Self::seconds(self.provision_retry_seconds),
            max_backoff: Self::seconds(self.provision_retry_max_seconds),
            ..Default::default()
        }
    }

    pub fn drift_every(&self) -> Duration {
        Self::seconds(self.drift_seconds)
    }
}

/// The audit trail's published chain head.
#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    /// Key (at least 32 bytes, e.g. `openssl rand -hex 32`) that signs the chain head
    /// Parkway publishes every minute (HMAC-SHA256), so a copy kept elsewhere can be
    /// shown to be Parkway's. Unset: a random key per process, with a warning.
    #[arg(long, env = "PARKWAY_AUDIT_KEY", hide_env_values = true)]
    pub audit_key: Option<Secret>,
}

/// A configuration value that must never reach a log: `Debug` prints a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metrics_listener_is_an_address_and_port() {
        let cli = Cli::try_parse_from(["parkway"]).expect("parses");
        assert_eq!(cli.serve.metrics_listen, None, "off unless set");
        let cli = Cli::try_parse_from(["parkway", "--metrics-listen", "0.0.0.0:9100"]).expect("parses");
        assert_eq!(
            cli.serve.metrics_listen,
            Some(SocketAddr::from(([0, 0, 0, 0], 9100)))
        );
        let err = Cli::try_parse_from(["parkway", "--metrics-listen", "localhost"]).expect_err("no port");
        let message = err.to_string();
        assert!(
            message.contains("`localhost` is not an IP address and port such as `0.0.0.0:9100`"),
            "{message}"
        );
        assert!(message.contains("--metrics-listen"), "{message}");
    }

    #[test]
    fn the_client_secret_never_shows_in_debug_output() {
        let cli = Cli::try_parse_from(["parkway", "--oidc-client-secret", "s3cr3t-value"]).expect("parses");
        assert_eq!(
            cli.auth.oidc_client_secret.as_ref().map(Secret::expose),
            Some("s3cr3t-value")
        );
        let printed = format!("{cli:?}");
        assert!(!printed.contains("s3cr3t-value"), "{printed}");
        assert!(printed.contains("[redacted]"));
    }

    #[test]
    fn the_audit_key_never_shows_in_debug_output() {
        let cli = Cli::try_parse_from(["parkway", "--audit-key", "k3y-k3y-k3y-k3y-k3y-k3y-k3y-k3y-k3y"])
            .expect("parses");
        assert_eq!(
            cli.audit.audit_key.as_ref().map(Secret::expose),
            Some("k3y-k3y-k3y-k3y-k3y-k3y-k3y-k3y-k3y")
        );
        let printed = format!("{cli:?}");
        assert!(!printed.contains("k3y-k3y"), "{printed}");
    }

    #[test]
    fn verify_reads_the_expected_head_and_says_what_is_wrong_with_a_bad_one() {
        let head = format!("12:{}", "ab".repeat(32));
        let cli =
            Cli::try_parse_from(["parkway", "audit", "verify", "--expect-head", &head]).expect("parses");
        let Some(Command::Audit(AuditCommand::Verify {
            expect_head: Some(parsed),
        })) = cli.command
        else {
            panic!("audit verify with a head");
        };
        assert_eq!(parsed.to_string(), head);
        let err = Cli::try_parse_from(["parkway", "audit", "verify", "--expect-head", "12:xyz"])
            .expect_err("not a hash");
        assert!(err.to_string().contains("64 hexadecimal digits"), "{err}");
    }
}
