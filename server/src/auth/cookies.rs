//! The two cookies Parkway sets, read and written by hand: both hold only a random id.
//! Over TLS their names carry the `__Host-` prefix, so browsers accept them only when
//! `Secure`, for the whole site, from this exact host: a sibling subdomain cannot plant
//! or overwrite them.

use axum::http::{HeaderMap, HeaderValue, header};

/// Which of Parkway's cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cookie {
    /// The session id.
    Session,
    /// A sign-in in progress (between the redirect to the provider and its callback).
    Login,
}

pub const SESSION: Cookie = Cookie::Session;
pub const LOGIN: Cookie = Cookie::Login;

impl Cookie {
    /// The name on the wire: `__Host-` prefixed when Parkway is served over TLS.
    pub const fn name(self, secure: bool) -> &'static str {
        match (self, secure) {
            (Cookie::Session, false) => "parkway_session",
            (Cookie::Session, true) => "__Host-parkway_session",
            (Cookie::Login, false) => "parkway_login",
            (Cookie::Login, true) => "__Host-parkway_login",
        }
    }
}

/// The value of `cookie`, if the request carries it.
pub fn read(headers: &HeaderMap, cookie: Cookie, secure: bool) -> Option<&str> {
    let name = cookie.name(secure);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"'))
}

/// `HttpOnly; SameSite=Lax; Path=/` always, `Secure` when Parkway is reached over TLS.
/// `max_age` of zero deletes the cookie.
pub fn set(cookie: Cookie, value: &str, max_age_secs: u64, secure: bool) -> HeaderValue {
    let name = cookie.name(secure);
    let flag = if secure { "; Secure" } else { "" };
    let cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{flag}");
    HeaderValue::from_str(&cookie).expect("cookie values are hex and names are constants")
}

pub fn clear(cookie: Cookie, secure: bool) -> HeaderValue {
    set(cookie, "", 0, secure)
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
        assert_eq!(read(&headers, SESSION, false), Some("abc"));
        assert_eq!(read(&headers, LOGIN, false), None);
        assert_eq!(
            read(&headers, SESSION, true),
            None,
            "over TLS only the __Host- name counts"
        );
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_on_tls() {
        let plain = set(SESSION, "ff", 60, false);
        assert_eq!(
            plain,
            "parkway_session=ff; Path=/; HttpOnly; SameSite=Lax; Max-Age=60"
        );
        let tls = set(SESSION, "ff", 60, true);
        assert_eq!(
            tls,
            "__Host-parkway_session=ff; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
        assert!(
            clear(LOGIN, false)
                .to_str()
                .is_ok_and(|v| v.contains("Max-Age=0"))
        );
    }
}
