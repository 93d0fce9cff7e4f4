//! OpenID Connect sign-in through the `openidconnect` crate: authorization code with
//! PKCE (S256), state and nonce; the ID token's signature, issuer, audience, expiry and
//! nonce are checked; userinfo fills in e-mail, name and groups the token lacks.
//!
//! The provider's metadata (with its signing keys) is discovered on first use, so
//! Parkway starts even when the provider is briefly down, and refreshed hourly and
//! whenever an ID token does not verify, so rotated keys are picked up; when a refresh
//! fails the last good copy keeps working.

use std::{
    str::FromStr,
    time::{Duration, Instant},
};

use anyhow::Context;
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IdToken, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope, TokenResponse, UserInfoClaims,
    core::{
        CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm, CoreProviderMetadata,
    },
    reqwest,
    url::Url,
};
use parkway_core::identity::{sessions::LoginFlow, users::Identity};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::config::AuthConfig;

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Claims beyond the standard ones; the group claim's name is configurable.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
struct OtherClaims(serde_json::Map<String, serde_json::Value>);

impl AdditionalClaims for OtherClaims {}

type ProviderIdToken =
    IdToken<OtherClaims, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;

/// Why a sign-in failed. The `Display` messages carry the provider's or the HTTP
/// client's details, for the server log (never codes, tokens or secrets); people see
/// [`SignInError::public_message`] instead.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("the identity provider could not be reached or described itself incorrectly: {0}")]
    Discovery(String),
    #[error("the identity provider refused to exchange the authorization code: {0}")]
    Exchange(String),
    #[error("the identity provider returned no ID token")]
    NoIdToken,
    #[error("the ID token is not valid: {0}")]
    InvalidIdToken(String),
    #[error("the identity provider's userinfo endpoint failed: {0}")]
    UserInfo(String),
}

impl SignInError {
    /// Fixed text for the sign-in page: what went wrong in Parkway's words, never the
    /// provider's.
    pub fn public_message(&self) -> &'static str {
        match self {
            SignInError::Discovery(_) => {
                "Parkway could not reach the identity provider. Try again in a minute; the details are in the server log."
            }
            SignInError::Exchange(_) | SignInError::NoIdToken => {
                "The identity provider did not complete the sign-in. Start again; the details are in the server log."
            }
            SignInError::InvalidIdToken(_) => {
                "The identity provider's answer could not be verified, so Parkway did not sign you in. The details are in the server log."
            }
            SignInError::UserInfo(_) => {
                "The identity provider did not describe your account. Try again; the details are in the server log."
            }
        }
    }
}

#[derive(Debug)]
pub struct Provider {
    issuer: String,
    client_id: String,
    /// Redacted in `Debug` output by the type itself.
    client_secret: Option<ClientSecret>,
    redirect: Url,
    scopes: Vec<String>,
    groups_claim: String,
    http: reqwest::Client,
    /// The discovered client and when it was discovered.
    client: Mutex<Option<(Instant, Client)>>,
}

/// How long discovered metadata is trusted before it is fetched again.
const METADATA_MAX_AGE: Duration = Duration::from_secs(3600);

impl Provider {
    pub fn new(config: &AuthConfig, issuer: &str, redirect: Url) -> anyhow::Result<Self> {
        IssuerUrl::new(issuer.to_owned())
            .with_context(|| format!("PARKWAY_OIDC_ISSUER `{issuer}` is not a URL"))?;
        let http = reqwest::ClientBuilder::new()
            // A provider (or whoever controls its metadata) must not be able to bounce
            // the back channel to another host.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .context("building the HTTP client for the identity provider")?;
        Ok(Self {
            issuer: issuer.to_owned(),
            client_id: config.oidc_client_id.clone(),
            client_secret: config
                .oidc_client_secret
                .as_ref()
                .map(|s| ClientSecret::new(s.expose().to_owned())),
            redirect,
            scopes: config
                .oidc_scopes
                .split_whitespace()
                .filter(|s| *s != "openid")
                .map(str::to_owned)
                .collect(),
            groups_claim: config.oidc_groups_claim.clone(),
            http,
            client: Mutex::new(None),
        })
    }

    /// The configured issuer URL.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The client from fresh-enough metadata; `refresh` forces a new discovery.
    async fn client(&self, refresh: bool) -> Result<Client, SignInError> {
        let mut cached = self.client.lock().await;
        if let Some((at, client)) = cached.as_ref()
            && !refresh
            && at.elapsed() < METADATA_MAX_AGE
        {
            return Ok(client.clone());
        }
        match self.discover().await {
            Ok(client) => {
                *cached = Some((Instant::now(), client.clone()));
                Ok(client)
            }
            Err(err) => match cached.as_ref() {
                Some((_, last_good)) => {
                    tracing::warn!(error = %err, "could not refresh the identity provider's metadata; using the last good copy");
                    Ok(last_good.clone())
                }
                None => Err(err),
            },
        }
    }

    async fn discover(&self) -> Result<Client, SignInError> {
        let issuer =
            IssuerUrl::new(self.issuer.clone()).map_err(|e| SignInError::Discovery(e.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| SignInError::Discovery(e.to_string()))?;
        let redirect = RedirectUrl::from_url(self.redirect.clone());
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.client_id.clone()),
            self.client_secret.clone(),
        )
        .set_redirect_uri(redirect))
    }

    /// Where to send the browser, and what to keep server-side until it returns.
    pub async fn begin(&self, return_to: String) -> Result<(Url, LoginFlow), SignInError> {
        let client = self.client(false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &self.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        Ok((
            url,
            LoginFlow {
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                pkce_verifier: verifier.secret().clone(),
                return_to,
            },
        ))
    }

    /// Exchanges the code, verifies the ID token and gathers the person's claims.
    pub async fn finish(&self, code: String, flow: &LoginFlow) -> Result<Identity, SignInError> {
        let mut client = self.client(false).await?;
        let response = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| SignInError::Exchange(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| SignInError::Exchange(e.to_string()))?;
        let raw = response.id_token().ok_or(SignInError::NoIdToken)?.to_string();
        let id_token =
            ProviderIdToken::from_str(&raw).map_err(|e| SignInError::InvalidIdToken(e.to_string()))?;
        let nonce = Nonce::new(flow.nonce.clone());
        if id_token.claims(&client.id_token_verifier(), &nonce).is_err() {
            // Perhaps the provider rotated its signing keys: verify against fresh ones.
            client = self.client(true).await?;
        }
        let verifier = client.id_token_verifier();
        let claims = id_token
            .claims(&verifier, &nonce)
            .map_err(|e| SignInError::InvalidIdToken(e.to_string()))?;
        let mut identity = Identity {
            issuer: claims.issuer().to_string(),
            subject: claims.subject().to_string(),
            email: claims.email().map(|e| e.to_string()),
            email_verified: claims.email_verified().unwrap_or(false),
            display_name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string())
                .or_else(|| claims.preferred_username().map(|u| u.to_string()))
                .unwrap_or_default(),
            groups: groups(&claims.additional_claims().0, &self.groups_claim).unwrap_or_default(),
        };
        let groups_in_token = claims.additional_claims().0.contains_key(&self.groups_claim);
        let needs_userinfo = identity.email.is_none() || identity.display_name.is_empty() || !groups_in_token;
        if needs_userinfo
            && let Ok(request) =
                client.user_info(response.access_token().clone(), Some(claims.subject().clone()))
        {
            let info: UserInfoClaims<OtherClaims, CoreGenderClaim> = request
                .request_async(&self.http)
                .await
                .map_err(|e| SignInError::UserInfo(e.to_string()))?;
            if identity.email.is_none() {
                identity.email = info.email().map(|e| e.to_string());
                identity.email_verified = info.email_verified().unwrap_or(false);
            }
            if identity.display_name.is_empty() {
                identity.display_name = info
                    .name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.to_string())
                    .or_else(|| info.preferred_username().map(|u| u.to_string()))
                    .unwrap_or_default();
            }
            if !groups_in_token {
                identity.groups = groups(&info.additional_claims().0, &self.groups_claim).unwrap_or_default();
            }
        }
        Ok(printable_identity(identity))
    }
}

/// The claims with control characters dropped: they end up in logs, the audit trail
/// and pages, where a newline or an escape sequence could forge or hide text.
fn printable_identity(identity: Identity) -> Identity {
    use super::routes::printable;
    let mut identity = Identity {
        subject: printable(&identity.subject),
        email: identity.email.as_deref().map(printable),
        display_name: printable(&identity.display_name),
        groups: identity.groups.iter().map(|g| printable(g)).collect(),
        ..identity
    };
    if identity.display_name.is_empty() {
        identity.display_name = identity.handle().to_owned();
    }
    identity
}

/// The group claim as a list of strings; a single string counts as one group.
fn groups(claims: &serde_json::Map<String, serde_json::Value>, name: &str) -> Option<Vec<String>> {
    match claims.get(name)? {
        serde_json::Value::Array(items) => Some(
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect(),
        ),
        serde_json::Value::String(one) => Some(vec![one.clone()]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn groups_accept_lists_and_single_strings() {
        let claims = json!({ "groups": ["a", "b", 3], "roles": "x", "n": 1 });
        let map = claims.as_object().expect("object");
        assert_eq!(groups(map, "groups"), Some(vec!["a".to_owned(), "b".to_owned()]));
        assert_eq!(groups(map, "roles"), Some(vec!["x".to_owned()]));
        assert_eq!(groups(map, "n"), None);
        assert_eq!(groups(map, "missing"), None);
    }
}
