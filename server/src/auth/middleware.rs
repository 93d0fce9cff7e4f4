//! Runs before every handler: bounds header sizes, applies rate limits, resolves the
//! caller (bearer token or session cookie) into a [`Principal`] request extension,
//! enforces CSRF on state changes, and sends anonymous page views to the sign-in page.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, Method, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use openidconnect::url::form_urlencoded;
use parkway_core::identity::{
    Principal, secret, sessions,
    tokens::{self, TokenCheck},
};

use super::{cookies, csrf, rate_limit::retry_after_secs};
use crate::{error::ApiError, state::AppState};

/// Largest total size of request headers accepted.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Largest `Cookie` header accepted; Parkway's own cookies need under 200 bytes.
pub const MAX_COOKIE_BYTES: usize = 4 * 1024;

pub async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    match resolve(&state, &mut request).await {
        Ok(None) => next.run(request).await,
        Ok(Some(early)) => early,
        Err(err) => err.into_response(),
    }
}

async fn resolve(state: &AppState, request: &mut Request) -> Result<Option<Response>, ApiError> {
    check_header_sizes(request.headers())?;
    let auth = &state.auth;
    let path = request.uri().path().to_owned();
    if path.starts_with("/auth/") {
        let client = client_address(request);
        auth.sign_in_limit
            .check(&client)
            .map_err(|wait| ApiError::RateLimited(retry_after_secs(wait)))?;
    }
    if let Some(value) = request.headers().get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(ApiError::BadCredentials(
                "the Authorization header must be `Bearer <token>`",
            ))?;
        if !secret::is_well_formed_token(token) {
            return Err(ApiError::BadCredentials(
                "the bearer value is not a Parkway API token (they start with `pwk_`)",
            ));
        }
        // Limits are per token; the key is a digest so the secret never sits in memory maps.
        let key = hex::encode(&secret::digest(token)[..12]);
        auth.api_limit
            .check(&key)
            .map_err(|wait| ApiError::RateLimited(retry_after_secs(wait)))?;
        match tokens::authenticate(state.pool(), token).await? {
            TokenCheck::Valid { principal, token_id } => {
                tracing::debug!(token.id = %token_id, actor = %principal.actor(), "API token accepted");
                request.extensions_mut().insert(principal);
            }
            TokenCheck::Unknown => return Err(ApiError::BadCredentials("unknown API token")),
            TokenCheck::Expired => return Err(ApiError::BadCredentials("this API token has expired")),
            TokenCheck::Revoked => return Err(ApiError::BadCredentials("this API token has been revoked")),
        }
        // Bearer calls carry no ambient browser credentials: no CSRF check applies.
        return Ok(None);
    }
    let mut csrf_token = None;
    let session_id =
        cookies::read(request.headers(), cookies::SESSION).filter(|id| secret::is_well_formed_id(id));
    if let Some(id) = session_id
        && let Some(session) = sessions::load(state.pool(), id, auth.sessions).await?
    {
        csrf_token = Some(session.csrf_token);
        request.extensions_mut().insert(session.principal);
    }
    if !csrf::is_safe(request.method()) {
        csrf::check(request.headers(), &auth.public_origin, csrf_token.as_deref())
            .map_err(ApiError::CrossSite)?;
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

/// Pages need a signed-in person; sign-in itself, the APIs (which answer 401),
/// operational endpoints and static files do not.
fn is_page(path: &str) -> bool {
    const OPEN: [&str; 8] = [
        "/auth/", "/api/", "/fn/", "/pkg/", "/sign-in", "/healthz", "/readyz", "/metrics",
    ];
    let file = path.rsplit('/').next().unwrap_or_default();
    !OPEN.iter().any(|prefix| path.starts_with(prefix)) && !file.contains('.')
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

/// The peer's address, which keys per-client rate limits. Behind a proxy every
/// request shares the proxy's address; the limit then protects the whole instance.
pub fn client_address(request: &Request) -> String {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |ConnectInfo(addr)| addr.ip().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

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
