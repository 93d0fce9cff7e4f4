//! Cross-site request forgery defence for browser requests that change state: they
//! must come from Parkway's own origin (the `Origin` header, or `Referer` when a
//! browser omits it) or carry the session's CSRF token in `X-CSRF-Token`. Parkway's
//! own origin is the public URL, or (over plain HTTP only) the host the request was
//! sent to, so both `localhost` and `127.0.0.1` work for a local run; when the public
//! URL is https, only that exact origin counts, scheme included. Requests
//! authenticated by a bearer token carry no ambient credentials and are exempt.

use axum::http::{HeaderMap, Method, header};
use openidconnect::url::Url;
use parkway_core::identity::secret::constant_time_eq;

pub const TOKEN_HEADER: &str = "x-csrf-token";

/// Methods that never change state.
pub fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// `Ok` when the request is same-origin or carries the session's token; otherwise the
/// reason, safe to show. `strict`: only `public_origin` itself is our origin.
pub fn check(
    headers: &HeaderMap,
    public_origin: &str,
    session_token: Option<&str>,
    strict: bool,
) -> Result<(), String> {
    if let (Some(expected), Some(given)) = (
        session_token,
        headers.get(TOKEN_HEADER).and_then(|v| v.to_str().ok()),
    ) && constant_time_eq(expected, given)
    {
        return Ok(());
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let referer_origin = || {
        headers
            .get(header::REFERER)
            .and_then(|v| v.to_str().ok())
            .and_then(|r| Url::parse(r).ok())
            .map(|url| url.origin().ascii_serialization())
    };
    // The host the browser addressed; a cross-site page cannot change it, since the
    // request still goes to us, but it names itself in `Origin`.
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let same_host = |origin: &str| {
        !strict
            && host.is_some_and(|host| {
                Url::parse(origin)
                    .ok()
                    .and_then(|url| url.host_str().map(|h| (h.to_owned(), url.port())))
                    .is_some_and(|(h, port)| match port {
                        Some(port) => host == format!("{h}:{port}"),
                        None => host == h,
                    })
            })
    };
    match origin.map(str::to_owned).or_else(referer_origin) {
        Some(origin) if origin == public_origin || same_host(&origin) => Ok(()),
        Some(origin) => Err(format!(
            "cross-site request refused: it came from `{origin}`, not from {public_origin}"
        )),
        None => Err(
            "cross-site request refused: the request has no Origin or Referer header and no X-CSRF-Token"
                .to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const US: &str = "http://127.0.0.1:3000";

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn same_origin_passes_and_other_origins_are_named() {
        assert!(check(&headers(&[("origin", US)]), US, None, false).is_ok());
        let err =
            check(&headers(&[("origin", "https://evil.example")]), US, None, false).expect_err("cross-site");
        assert!(err.contains("https://evil.example"), "{err}");
        assert!(check(&headers(&[("origin", "null")]), US, None, false).is_err());
    }

    #[test]
    fn the_addressed_host_counts_as_our_origin() {
        let local = headers(&[("origin", "http://localhost:3000"), ("host", "localhost:3000")]);
        assert!(check(&local, US, None, false).is_ok());
        let forged = headers(&[("origin", "https://evil.example"), ("host", "localhost:3000")]);
        assert!(check(&forged, US, None, false).is_err());
        let other_port = headers(&[("origin", "http://localhost:4000"), ("host", "localhost:3000")]);
        assert!(check(&other_port, US, None, false).is_err());
    }

    #[test]
    fn over_tls_only_the_exact_public_origin_counts() {
        const TLS: &str = "https://parkway.example.com";
        let exact = headers(&[("origin", TLS), ("host", "parkway.example.com")]);
        assert!(check(&exact, TLS, None, true).is_ok());
        // Same host, other scheme: a network attacker's plain-HTTP page.
        let plain = headers(&[
            ("origin", "http://parkway.example.com"),
            ("host", "parkway.example.com"),
        ]);
        assert!(
            check(&plain, TLS, None, false).is_ok(),
            "lenient mode trusts the host"
        );
        assert!(check(&plain, TLS, None, true).is_err());
        let other_host = headers(&[("origin", "https://alt.example.com"), ("host", "alt.example.com")]);
        assert!(check(&other_host, TLS, None, true).is_err());
    }

    #[test]
    fn referer_stands_in_for_a_missing_origin() {
        assert!(
            check(
                &headers(&[("referer", "http://127.0.0.1:3000/admin?x=1")]),
                US,
                None,
                false
            )
            .is_ok()
        );
        assert!(
            check(
                &headers(&[("referer", "http://127.0.0.1:3001/")]),
                US,
                None,
                false
            )
            .is_err()
        );
        assert!(check(&headers(&[]), US, None, false).is_err());
    }

    #[test]
    fn the_session_token_works_without_origin_headers() {
        assert!(check(&headers(&[("x-csrf-token", "abc")]), US, Some("abc"), false).is_ok());
        assert!(check(&headers(&[("x-csrf-token", "abd")]), US, Some("abc"), false).is_err());
        assert!(check(&headers(&[("x-csrf-token", "abc")]), US, None, false).is_err());
    }
}
