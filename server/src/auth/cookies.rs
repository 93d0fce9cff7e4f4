//! The two cookies Parkway sets, read and written by hand: both hold only a random id.

use axum::http::{HeaderMap, HeaderValue, header};

/// The session id.
pub const SESSION: &str = "parkway_session";
/// A sign-in in progress (between the redirect to the provider and its callback).
pub const LOGIN: &str = "parkway_login";

/// The value of cookie `name`, if the request carries it once.
pub fn read<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"'))
}

/// `HttpOnly; SameSite=Lax` always, `Secure` when Parkway is reached over TLS.
/// `max_age` of zero deletes the cookie.
pub fn set(name: &str, value: &str, max_age_secs: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}");
    HeaderValue::from_str(&cookie).expect("cookie values are hex and names are constants")
}

pub fn clear(name: &str, secure: bool) -> HeaderValue {
    set(name, "", 0, secure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_named_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; parkway_session=abc; b=2"),
        );
        assert_eq!(read(&headers, SESSION), Some("abc"));
        assert_eq!(read(&headers, LOGIN), None);
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_on_tls() {
        let plain = set(SESSION, "ff", 60, false);
        assert_eq!(
            plain,
            "parkway_session=ff; Path=/; HttpOnly; SameSite=Lax; Max-Age=60"
        );
        let tls = set(SESSION, "ff", 60, true);
        assert!(tls.to_str().is_ok_and(|v| v.ends_with("; Secure")));
        assert!(
            clear(LOGIN, false)
                .to_str()
                .is_ok_and(|v| v.contains("Max-Age=0"))
        );
    }
}
