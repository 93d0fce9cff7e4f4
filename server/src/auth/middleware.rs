//! Runs before every handler: bounds header sizes, applies rate limits, resolves the
//! caller (bearer token or session cookie) into a [`Principal`] request extension,
//! enforces CSRF on state changes, and sends anonymous page views to the sign-in page.
//! Answers to an authenticated caller are never stored by caches.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, HeaderValue, Method, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use ipnet::IpNet;
use openidconnect::url::form_urlencoded;
use parkway_core::{
    audit::security::{Refusal, RefusalKind},
    identity::{Principal, secret, tokens::TokenCheck},
};

use super::{cookies, csrf, rate_limit::retry_after_secs};
use crate::{error::ApiError, state::AppState};

/// Largest total size of request headers accepted.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Largest `Cookie` header accepted; Parkway's own cookies need under 200 bytes.
pub const MAX_COOKIE_BYTES: usize = 4 * 1024;

pub async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let mut stale_session = false;
    let mut response = match resolve(&state, &mut request, &mut stale_session).await {
        Ok(None) => {
            let personal =
                request.extensions().get::<Principal>().is_some() && !is_static_asset(request.uri().path());
            let may_write = may_write(request.method(), request.uri().path());
            let mut response = next.run(request).await;
            if may_write {
                // Read your own writes: this replica's next request must not wait for
                // the generation notification to come round.
                if let Err(err) = state.services.generations.refresh(state.pool()).await {
                    tracing::warn!(error = %err, "could not re-read the generations after a write");
                }
            }
            if personal {
                // What one person sees must not be served to another from a cache.
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            }
            response
        }
        Ok(Some(early)) => early,
        Err(err) => err.into_response(),
    };
    if stale_session {
        // Stop the browser presenting a dead id (each one costs a lookup).
        response.headers_mut().append(
            header::SET_COOKIE,
            cookies::clear(cookies::SESSION, state.auth.secure_cookies),
        );
    }
    response
}

async fn resolve(
    state: &AppState,
    request: &mut Request,
    stale_session: &mut bool,
) -> Result<Option<Response>, ApiError> {
    check_header_sizes(request.headers())?;
    let auth = &state.auth;
    let path = request.uri().path().to_owned();
    let refused = |wait| ApiError::RateLimited(retry_after_secs(wait));
    // The client's address keys the per-client limits; only requests that meet one
    // (sign-in, or presenting a credential) work it out.
    if path.starts_with("/auth/") {
        let client = client_address(request, &auth.trusted_proxies);
        auth.sign_in_limit.check(&client).map_err(refused)?;
    }
    if let Some(value) = request.headers().get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(ApiError::BadCredentials(
                "the Authorization header must be `Bearer <token>`".into(),
            ))?;
        if !secret::is_well_formed_token(token) {
            return Err(ApiError::BadCredentials(
                "the bearer value is not a Parkway API token (they start with `pwk_`)".into(),
            ));
        }
        let client = client_address(request, &auth.trusted_proxies);
        auth.failed_credentials.check(&client).map_err(refused)?;
        // Limits are per token; the key is a digest so the secret never sits in memory maps.
        let key = hex::encode(&secret::digest(token)[..12]);
        auth.api_limit.check(&key).map_err(refused)?;
        let reason: std::borrow::Cow<'static, str> = match state
            .services
            .credentials
            .token(state.pool(), token, auth.person_token_max_idle_days)
            .await?
        {
            TokenCheck::Valid {
                principal, token_id, ..
            } => {
                tracing::debug!(token.id = %token_id, actor = %principal.actor(), "API token accepted");
                request.extensions_mut().insert(principal);
                // Bearer calls carry no ambient browser credentials: no CSRF check applies.
                return Ok(None);
            }
            TokenCheck::Unknown => "unknown API token".into(),
            TokenCheck::Expired => "this API token has expired".into(),
            TokenCheck::Revoked => "this API token has been revoked".into(),
            TokenCheck::OwnerDeactivated => "this API token's owner has been deactivated".into(),
            TokenCheck::OwnerIdle { max_idle_days } => std::borrow::Cow::Owned(format!(
                "this API token's owner has not signed in to Parkway for over {max_idle_days} days; signing in again (which refreshes their groups) makes their tokens work again"
            )),
        };
        auth.failed_credentials.failed(&client).map_err(refused)?;
        return Err(ApiError::BadCredentials(reason));
    }
    let mut csrf_token = None;
    let session_id = cookies::read(request.headers(), cookies::SESSION, auth.secure_cookies)
        .filter(|id| secret::is_well_formed_id(id))
        .map(str::to_owned);
    if let Some(id) = session_id {
        let client = client_address(request, &auth.trusted_proxies);
        auth.failed_credentials.check(&client).map_err(refused)?;
        match state
            .services
            .credentials
            .session(state.pool(), &id, auth.sessions, auth.session_issuer())
            .await?
        {
            Some(session) => {
                csrf_token = Some(session.csrf_token);
                request.extensions_mut().insert(session.principal);
            }
            None => {
                *stale_session = true;
                auth.failed_credentials.failed(&client).map_err(refused)?;
            }
        }
    }
    // A webhook without a session cookie carries no ambient credential to forge; its
    // signature is checked by the operation.
    let signed_webhook = crate::api::signed_by_sender(&path) && csrf_token.is_none();
    if !csrf::is_safe(request.method()) && !signed_webhook {
        // Over TLS only the public origin itself counts (scheme included).
        let strict = auth.secure_cookies;
        if let Err(reason) = csrf::check(
            request.headers(),
            &auth.public_origin,
            csrf_token.as_deref(),
            strict,
        ) {
            let actor = request
                .extensions()
                .get::<Principal>()
                .map_or_else(|| "anonymous".to_owned(), Principal::actor);
            state.services.refusals.spawn(
                state.pool().clone(),
                Refusal {
                    kind: RefusalKind::Csrf,
                    actor,
                    attempted: format!("{} {path}", request.method()),
                    target: path.clone(),
                    reason: reason.clone(),
                    request_id: crate::api::request_id(request.headers()).map(str::to_owned),
                },
            );
            return Err(ApiError::CrossSite(reason));
        }
    }
    let anonymous = request.extensions().get::<Principal>().is_none();
    if anonymous && request.method() == Method::GET && is_page(&path) {
        let wanted = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
        let next: String = form_urlencoded::byte_serialize(wanted.as_bytes()).collect();
        return Ok(Some(
            Redirect::to(&format!("/sign-in?next={next}")).into_response(),
        ));
    }
    Ok(None)
}

/// Whether a request may change what replicas cache (the catalog, credentials): every
/// state-changing method, and sign-in and sign-out (the provider's callback is a GET).
fn may_write(method: &Method, path: &str) -> bool {
    !csrf::is_safe(method) || path.starts_with("/auth/")
}

/// The compiled site's files (WebAssembly, CSS, icons): the same for everyone, so
/// caches may keep them even when the browser sent its session cookie along.
fn is_static_asset(path: &str) -> bool {
    path.starts_with("/pkg/") || path.rsplit('/').next().unwrap_or_default().contains('.')
}

/// Pages need a signed-in person; sign-in itself, the APIs (which answer 401),
/// operational endpoints and static files do not.
fn is_page(path: &str) -> bool {
    const OPEN: [&str; 7] = [
        "/auth/", "/api/", "/fn/", "/sign-in", "/healthz", "/readyz", "/metrics",
    ];
    !is_static_asset(path) && !OPEN.iter().any(|prefix| path.starts_with(prefix))
}

fn check_header_sizes(headers: &HeaderMap) -> Result<(), ApiError> {
    let cookie_bytes: usize = headers.get_all(header::COOKIE).iter().map(|v| v.len()).sum();
    if cookie_bytes > MAX_COOKIE_BYTES {
        return Err(ApiError::HeadersTooLarge(format!(
            "the Cookie header is {cookie_bytes} bytes; at most {MAX_COOKIE_BYTES} are accepted: clear this site's cookies"
        )));
    }
    let total: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if total > MAX_HEADER_BYTES {
        return Err(ApiError::HeadersTooLarge(format!(
            "request headers are {total} bytes; at most {MAX_HEADER_BYTES} are accepted"
        )));
    }
    Ok(())
}

/// The client's address, which keys per-client rate limits: the peer, unless the peer
/// is a trusted proxy; then `X-Forwarded-For` is read from the right (the entry the
/// nearest proxy added), skipping trusted proxies, to the first address that is not
/// one. Entries left of that could be written by the client and are never believed.
pub fn client_address(request: &Request, trusted: &[IpNet]) -> String {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    match peer {
        Some(peer) => forwarded_client(peer, request.headers(), trusted).to_string(),
        None => "unknown".to_owned(),
    }
}

fn forwarded_client(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.parse::<IpAddr>() else {
            // A malformed entry ends what can be believed.
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_assets_are_not_personal() {
        for asset in ["/pkg/parkway.wasm", "/pkg/parkway.css", "/favicon.svg"] {
            assert!(is_static_asset(asset), "{asset}");
        }
        for personal in ["/", "/catalog", "/api/v1/me", "/fn/list_tokens"] {
            assert!(!is_static_asset(personal), "{personal}");
        }
    }

    #[test]
    fn forwarded_for_is_believed_only_through_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().expect("cidr")];
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 203.0.113.9, 10.1.1.1"),
        );
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        // From the proxy: the rightmost address that is not a proxy; the forged left
        // entry is ignored.
        assert_eq!(
            forwarded_client(ip("10.0.0.5"), &headers, &trusted),
            ip("203.0.113.9")
        );
        // From anyone else the header means nothing.
        assert_eq!(
            forwarded_client(ip("198.51.100.7"), &headers, &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(forwarded_client(ip("10.0.0.5"), &headers, &[]), ip("10.0.0.5"));
        // No header: the proxy itself.
        assert_eq!(
            forwarded_client(ip("10.0.0.5"), &HeaderMap::new(), &trusted),
            ip("10.0.0.5")
        );
        headers.insert("x-forwarded-for", HeaderValue::from_static("203.0.113.9, junk"));
        assert_eq!(
            forwarded_client(ip("10.0.0.5"), &headers, &trusted),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn pages_are_everything_but_open_prefixes_and_files() {
        for page in ["/", "/catalog", "/admin/audit", "/tokens"] {
            assert!(is_page(page), "{page}");
        }
        for open in [
            "/sign-in",
            "/auth/login",
            "/api/v1/me",
            "/fn/x",
            "/pkg/parkway.css",
            "/favicon.svg",
            "/healthz",
        ] {
            assert!(!is_page(open), "{open}");
        }
    }
}
