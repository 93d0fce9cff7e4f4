//! Authentication settings, validated once at start-up.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use anyhow::{Context, bail};
use openidconnect::url::Url;
use parkway_app::auth::SignInMode;
use parkway_core::identity::{Role, role_mappings, sessions::SessionPolicy};

use ipnet::IpNet;

use super::{dev, failures::FailureLimiter, oidc::Provider, rate_limit::RateLimiter};
use crate::config::AuthConfig;

/// How people sign in.
#[derive(Debug, Clone)]
pub enum SignIn {
    Oidc(Arc<Provider>),
    /// Demo users, for the embedded default only.
    Dev,
    /// Nothing configured: only API tokens work.
    Disabled,
}

impl SignIn {
    pub fn mode(&self) -> SignInMode {
        match self {
            SignIn::Oidc(_) => SignInMode::Provider,
            SignIn::Dev => SignInMode::Development,
            SignIn::Disabled => SignInMode::NotConfigured,
        }
    }
}

#[derive(Debug)]
pub struct AuthSettings {
    pub sign_in: SignIn,
    pub sessions: SessionPolicy,
    /// `scheme://host[:port]` of the public URL, for same-origin checks.
    pub public_origin: String,
    pub secure_cookies: bool,
    pub team_prefix: String,
    pub seed_mappings: Vec<(String, Role)>,
    pub sign_in_limit: RateLimiter,
    pub api_limit: RateLimiter,
    /// Failed credential lookups per client address.
    pub failed_credentials: FailureLimiter,
    pub person_token_max_idle_days: u32,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<IpNet>,
}

impl AuthSettings {
    pub fn from_config(config: &AuthConfig, listen: SocketAddr) -> anyhow::Result<Self> {
        let public = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{listen}"));
        let public =
            Url::parse(&public).with_context(|| format!("PARKWAY_PUBLIC_URL `{public}` is not a URL"))?;
        if !matches!(public.scheme(), "http" | "https") || public.host_str().is_none() {
            bail!("PARKWAY_PUBLIC_URL must be an http(s) URL with a host, like https://parkway.example.com");
        }
        let public_origin = public.origin().ascii_serialization();
        let sign_in = match (&config.oidc_issuer, config.dev_sign_in) {
            (Some(_), true) => bail!(
                "PARKWAY_DEV_SIGN_IN cannot be combined with PARKWAY_OIDC_ISSUER: development sign-in lets anyone act as anyone, so it only exists when no identity provider is configured"
            ),
            (Some(issuer), false) => {
                let redirect = public
                    .join("/auth/callback")
                    .context("building the redirect URI")?;
                SignIn::Oidc(Arc::new(Provider::new(config, issuer, redirect)?))
            }
            (None, true) => {
                development_only(listen, &public)?;
                SignIn::Dev
            }
            (None, false) => SignIn::Disabled,
        };
        let seed_mappings =
            role_mappings::parse_seed(&config.role_mappings).map_err(|err| anyhow::anyhow!("{err}"))?;
        if config.session_idle_minutes == 0 || config.session_max_hours == 0 {
            bail!("PARKWAY_SESSION_IDLE_MINUTES and PARKWAY_SESSION_MAX_HOURS must be at least 1");
        }
        Ok(Self {
            sign_in,
            sessions: SessionPolicy {
                idle: Duration::from_secs(config.session_idle_minutes * 60),
                absolute: Duration::from_secs(config.session_max_hours * 3600),
            },
            secure_cookies: public.scheme() == "https",
            public_origin,
            team_prefix: config.team_group_prefix.clone(),
            seed_mappings,
            sign_in_limit: RateLimiter::new(config.rate_limit_sign_in),
            api_limit: RateLimiter::new(config.rate_limit_api),
            failed_credentials: FailureLimiter::new(config.rate_limit_failed_credentials),
            person_token_max_idle_days: config.person_token_max_idle_days.max(1),
            trusted_proxies: config.trusted_proxies.clone(),
        })
    }

    /// The issuer sessions must have been created by to count: the configured provider,
    /// the development sign-in, or (nothing configured) none, which ends them all.
    pub fn session_issuer(&self) -> Option<&str> {
        match &self.sign_in {
            SignIn::Oidc(provider) => Some(provider.issuer()),
            SignIn::Dev => Some(dev::DEV_ISSUER),
            SignIn::Disabled => None,
        }
    }
}

/// Development sign-in lets anyone act as anyone: it runs only where nobody else can
/// reach it, a loopback listener whose public URL is plain-HTTP localhost.
fn development_only(listen: SocketAddr, public: &Url) -> anyhow::Result<()> {
    let local_url = public.scheme() == "http" && matches!(public.host_str(), Some("localhost" | "127.0.0.1"));
    if listen.ip().is_loopback() && local_url {
        return Ok(());
    }
    bail!(
        "PARKWAY_DEV_SIGN_IN refused: development sign-in lets anyone act as any demo user, so it runs only on a developer's own machine. It needs PARKWAY_LISTEN on a loopback address (it is {listen}) and PARKWAY_PUBLIC_URL starting with http://localhost or http://127.0.0.1 (it is {public}). Configure an identity provider (PARKWAY_OIDC_ISSUER) for anything else."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Cli;
    use clap::Parser;

    fn settings(args: &[&str]) -> anyhow::Result<AuthSettings> {
        let cli = Cli::try_parse_from(std::iter::once("parkway").chain(args.iter().copied()))?;
        AuthSettings::from_config(&cli.auth, "127.0.0.1:3000".parse()?)
    }

    #[test]
    fn development_sign_in_cannot_be_enabled_with_an_issuer() {
        let err = settings(&["--dev-sign-in", "--oidc-issuer", "https://idp.example.com"])
            .expect_err("refused")
            .to_string();
        assert!(err.contains("cannot be combined"), "{err}");
        assert!(matches!(
            settings(&["--dev-sign-in"]).map(|s| s.sign_in),
            Ok(SignIn::Dev)
        ));
        assert!(matches!(settings(&[]).map(|s| s.sign_in), Ok(SignIn::Disabled)));
    }

    #[test]
    fn development_sign_in_runs_only_on_loopback_with_a_local_url() {
        let with = |listen: &str, args: &[&str]| {
            let cli = Cli::try_parse_from(std::iter::once("parkway").chain(args.iter().copied()))
                .expect("arguments");
            AuthSettings::from_config(&cli.auth, listen.parse().expect("address")).map(|s| s.sign_in)
        };
        assert!(matches!(
            with("127.0.0.1:3000", &["--dev-sign-in"]),
            Ok(SignIn::Dev)
        ));
        assert!(matches!(
            with(
                "[::1]:3000",
                &["--dev-sign-in", "--public-url", "http://localhost:3000"]
            ),
            Ok(SignIn::Dev)
        ));
        for (listen, public) in [
            ("0.0.0.0:3000", "http://localhost:3000"),
            ("10.1.2.3:3000", "http://127.0.0.1:3000"),
            ("127.0.0.1:3000", "https://localhost:3000"),
            ("127.0.0.1:3000", "http://parkway.example.com"),
            ("127.0.0.1:3000", "http://localhost.example.com"),
        ] {
            let err = with(listen, &["--dev-sign-in", "--public-url", public])
                .expect_err("refused")
                .to_string();
            assert!(err.starts_with("PARKWAY_DEV_SIGN_IN refused"), "{err}");
            assert!(
                err.contains(listen) && err.contains(public.trim_end_matches('/')),
                "{err}"
            );
        }
    }

    #[test]
    fn cookies_are_secure_when_the_public_url_is_https() {
        let plain = settings(&[]).expect("defaults");
        assert!(!plain.secure_cookies);
        assert_eq!(plain.public_origin, "http://127.0.0.1:3000");
        let tls = settings(&["--public-url", "https://parkway.example.com/"]).expect("https");
        assert!(tls.secure_cookies);
        assert_eq!(tls.public_origin, "https://parkway.example.com");
        assert!(settings(&["--public-url", "ftp://x"]).is_err());
    }

    #[test]
    fn seeded_mappings_with_unknown_roles_stop_start_up() {
        let err = settings(&["--role-mappings", "admins=root"])
            .expect_err("bad role")
            .to_string();
        assert!(err.contains("unknown role `root`"), "{err}");
    }
}
