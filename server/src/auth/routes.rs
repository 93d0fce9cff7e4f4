//! `/auth/login`, `/auth/callback`, `/auth/dev` and `/auth/logout`. These are public by
//! nature (they establish who the caller is); they are rate-limited per client and
//! every outcome is audited.

use axum::{
    Form, Router,
    extract::{Query, RawQuery, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use openidconnect::url::form_urlencoded;
use parkway_core::{
    audit::{self, NewAuditEvent},
    identity::{
        Principal,
        secret::{self, constant_time_eq},
        sessions::{self, LOGIN_FLOW_TTL},
        users::{self, Identity},
    },
};
use serde::Deserialize;
use serde_json::json;

use super::{SignIn, cookies, dev, page};
use crate::{error::ApiError, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", get(login))
        .route("/auth/callback", get(callback))
        .route("/auth/dev", post(dev_sign_in))
        .route("/auth/logout", post(logout))
}

/// Longest accepted callback parameter; real codes and states are far shorter.
const MAX_PARAM_LEN: usize = 2048;

/// Only local paths may be returned to after sign-in, never another site.
pub fn safe_return_to(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control)
                && !path.starts_with("/auth/") =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[derive(Debug, Deserialize)]
struct LoginQuery {
    next: Option<String>,
}

async fn login(State(state): State<AppState>, Query(query): Query<LoginQuery>) -> Response {
    let SignIn::Oidc(provider) = &state.auth.sign_in else {
        return Redirect::to("/sign-in").into_response();
    };
    match provider.begin(safe_return_to(query.next.as_deref())).await {
        Ok((url, flow)) => match sessions::start_login(state.pool(), &flow).await {
            Ok(flow_id) => {
                let cookie = cookies::set(
                    cookies::LOGIN,
                    &flow_id,
                    LOGIN_FLOW_TTL.as_secs(),
                    state.auth.secure_cookies,
                );
                ([(header::SET_COOKIE, cookie)], Redirect::to(url.as_str())).into_response()
            }
            Err(err) => ApiError::from(err).into_response(),
        },
        Err(err) => {
            tracing::warn!(error = %printable(&err.to_string()), "could not start a sign-in");
            page::sign_in_failed(StatusCode::BAD_GATEWAY, err.public_message())
        }
    }
}

/// Why a callback was refused, before or after talking to the provider. `reason` is
/// Parkway's own words (shown, logged, audited); `provider_error` is the OAuth error
/// code the provider sent, reduced to its plain form, the only provider text recorded.
struct Refusal {
    status: StatusCode,
    reason: String,
    provider_error: Option<String>,
}

impl Refusal {
    fn bad(reason: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            reason: reason.into(),
            provider_error: None,
        }
    }
}

/// What the sign-in page says when the provider answers with an error: fixed text, so
/// a crafted `error_description` can never put words in Parkway's mouth.
pub const PROVIDER_REFUSED: &str = "The identity provider did not sign you in. Try again; if it keeps happening, ask your administrator (the error code is in Parkway's audit log).";

/// An OAuth error code as recorded: codes are lower-case ASCII words with `_`
/// (RFC 6749 §4.1.2.1); anything else becomes `unrecognised`.
fn error_code(code: &str) -> String {
    let plain = !code.is_empty()
        && code.len() <= 64
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit());
    if plain {
        code.to_owned()
    } else {
        "unrecognised".to_owned()
    }
}

/// Text from outside (a provider, a browser) made safe for one log line or audit field:
/// control characters, which could forge lines or hide text, are dropped.
pub fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

/// The callback's parameters, each at most once and of sane length: code, state and
/// the issuer the provider named (RFC 9207), if it did.
fn callback_params(raw: Option<&str>) -> Result<(String, String, Option<String>), Refusal> {
    let (mut code, mut state, mut error, mut iss) = (None, None, None, None);
    // `error_description` and `error_uri` are provider prose: never shown or kept.
    for (key, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let slot = match key.as_ref() {
            "code" => &mut code,
            "state" => &mut state,
            "error" => &mut error,
            "iss" => &mut iss,
            _ => continue,
        };
        if slot.is_some() {
            return Err(Refusal::bad(format!(
                "the `{key}` parameter appears more than once"
            )));
        }
        if value.len() > MAX_PARAM_LEN {
            return Err(Refusal::bad(format!(
                "the `{key}` parameter is longer than {MAX_PARAM_LEN} characters"
            )));
        }
        *slot = Some(value.into_owned());
    }
    if let Some(error) = error {
        return Err(Refusal {
            status: StatusCode::FORBIDDEN,
            reason: PROVIDER_REFUSED.to_owned(),
            provider_error: Some(error_code(&error)),
        });
    }
    let code = code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| Refusal::bad("the `code` parameter is missing"))?;
    let state = state
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Refusal::bad("the `state` parameter is missing"))?;
    Ok((code, state, iss))
}

async fn callback(State(state): State<AppState>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let secure = state.auth.secure_cookies;
    let outcome = finish_callback(&state, &headers, raw.as_deref()).await;
    let mut response = match outcome {
        Ok(response) => response,
        Err(refusal) => {
            tracing::warn!(reason = %refusal.reason, provider_error = ?refusal.provider_error, "sign-in refused");
            record_failure(
                &state,
                &headers,
                &refusal.reason,
                refusal.provider_error.as_deref(),
            )
            .await;
            page::sign_in_failed(refusal.status, &refusal.reason)
        }
    };
    response
        .headers_mut()
        .append(header::SET_COOKIE, cookies::clear(cookies::LOGIN, secure));
    response
}

async fn finish_callback(
    state: &AppState,
    headers: &HeaderMap,
    raw: Option<&str>,
) -> Result<Response, Refusal> {
    let SignIn::Oidc(provider) = &state.auth.sign_in else {
        return Err(Refusal::bad(
            "sign-in through an identity provider is not configured",
        ));
    };
    let (code, returned_state, iss) = callback_params(raw)?;
    // A response that names another issuer is a mix-up attempt (RFC 9207).
    if let Some(iss) = iss
        && iss.trim_end_matches('/') != provider.issuer().trim_end_matches('/')
    {
        tracing::warn!(named = %printable(&iss.chars().take(200).collect::<String>()), "callback names another issuer");
        return Err(Refusal::bad(
            "the response names an issuer other than the configured identity provider (a mix-up attack or a misconfiguration)",
        ));
    }
    let flow_id = cookies::read(headers, cookies::LOGIN, state.auth.secure_cookies)
        .filter(|id| secret::is_well_formed_id(id))
        .ok_or_else(|| {
            Refusal::bad("no sign-in is in progress in this browser (its cookie is missing): start again")
        })?;
    let flow = sessions::take_login(state.pool(), flow_id)
        .await
        .map_err(internal)?
        .ok_or_else(|| Refusal::bad("this sign-in has expired or was already completed: start again"))?;
    if !constant_time_eq(&flow.state, &returned_state) {
        return Err(Refusal::bad(
            "the `state` parameter does not match the sign-in this browser started",
        ));
    }
    let identity = provider.finish(code, &flow).await.map_err(|err| {
        tracing::warn!(error = %printable(&err.to_string()), "the provider's answer was not accepted");
        Refusal {
            status: StatusCode::FORBIDDEN,
            reason: err.public_message().to_owned(),
            provider_error: None,
        }
    })?;
    establish_session(state, headers, &identity, "oidc", &flow.return_to)
        .await
        .map_err(|err| match err {
            parkway_core::identity::Error::Deactivated => Refusal {
                status: StatusCode::FORBIDDEN,
                reason: err.to_string(),
                provider_error: None,
            },
            other => internal(other),
        })
}

fn internal(err: impl std::fmt::Display) -> Refusal {
    tracing::error!(error = %err, "sign-in failed on our side");
    Refusal {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        reason: "Parkway could not record the sign-in; the details are in the server log".to_owned(),
        provider_error: None,
    }
}

/// Creates or refreshes the user, starts a fresh session (destroying the one the
/// browser presented) and audits it, all in one transaction.
async fn establish_session(
    state: &AppState,
    headers: &HeaderMap,
    identity: &Identity,
    method: &str,
    return_to: &str,
) -> Result<Response, parkway_core::identity::Error> {
    let previous = cookies::read(headers, cookies::SESSION, state.auth.secure_cookies)
        .filter(|id| secret::is_well_formed_id(id));
    let mut tx = state.pool().begin().await?;
    let user_id = users::upsert_person(&mut tx, identity, &state.auth.team_prefix).await?;
    let issuer = state.auth.session_issuer().unwrap_or(&identity.issuer);
    let session = sessions::create(&mut tx, user_id, state.auth.sessions, previous, issuer).await?;
    let mut event = NewAuditEvent::new(
        format!("user:{}", identity.handle()),
        "auth.sign-in",
        format!("user:{user_id}"),
    )
    .with_payload(json!({ "method": method, "issuer": identity.issuer, "groups": identity.groups }));
    event.request_id = request_id(headers);
    audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    tracing::info!(actor = %event.actor, method, "signed in");
    let max_age = state.auth.sessions.absolute.as_secs();
    let cookie = cookies::set(cookies::SESSION, &session, max_age, state.auth.secure_cookies);
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(return_to)).into_response())
}

async fn record_failure(state: &AppState, headers: &HeaderMap, reason: &str, provider_error: Option<&str>) {
    let mut event = NewAuditEvent::new("anonymous", "auth.sign-in.failed", "sign-in")
        .with_payload(json!({ "reason": reason, "provider_error": provider_error }));
    event.request_id = request_id(headers);
    if let Err(err) = audit::append(state.pool(), &event).await {
        tracing::error!(error = %err, "could not audit a failed sign-in");
    }
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[derive(Debug, Deserialize)]
struct DevForm {
    user: String,
    next: Option<String>,
}

async fn dev_sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<DevForm>,
) -> Response {
    if !matches!(state.auth.sign_in, SignIn::Dev) {
        return (StatusCode::NOT_FOUND, "development sign-in is not enabled").into_response();
    }
    let Some(user) = dev::find(&form.user) else {
        return page::sign_in_failed(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!(
                "`{}` is not one of the demo users",
                form.user.chars().take(64).collect::<String>()
            ),
        );
    };
    let return_to = safe_return_to(form.next.as_deref());
    match establish_session(&state, &headers, &dev::identity(user), "development", &return_to).await {
        Ok(response) => response,
        Err(err @ parkway_core::identity::Error::Deactivated) => {
            page::sign_in_failed(StatusCode::FORBIDDEN, &err.to_string())
        }
        Err(err) => ApiError::from(err).into_response(),
    }
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    principal: Option<axum::Extension<Principal>>,
) -> Response {
    if let Some(id) = cookies::read(&headers, cookies::SESSION, state.auth.secure_cookies)
        .filter(|id| secret::is_well_formed_id(id))
    {
        let ended: Result<(), ApiError> = async {
            let mut tx = state
                .pool()
                .begin()
                .await
                .map_err(parkway_core::identity::Error::from)?;
            if let Some(user_id) = sessions::destroy(&mut tx, id).await? {
                let actor = principal
                    .as_ref()
                    .map_or_else(|| format!("user-id:{user_id}"), |p| p.actor());
                let mut event = NewAuditEvent::new(actor, "auth.sign-out", format!("user:{user_id}"));
                event.request_id = request_id(&headers);
                audit::append(&mut *tx, &event).await?;
            }
            tx.commit().await.map_err(parkway_core::identity::Error::from)?;
            Ok(())
        }
        .await;
        if let Err(err) = ended {
            return err.into_response();
        }
    }
    let cookie = cookies::clear(cookies::SESSION, state.auth.secure_cookies);
    let mut response = Redirect::to("/sign-in?signed_out=1").into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    response
        .headers_mut()
        .insert("clear-site-data", HeaderValue::from_static("\"cache\""));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_reach_a_log_line() {
        assert_eq!(
            printable("ada\n2026-01-01 INFO forged\u{1b}[2J"),
            "ada2026-01-01 INFO forged[2J"
        );
    }

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(
            safe_return_to(Some("/admin/audit?actor=x")),
            "/admin/audit?actor=x"
        );
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil",
            "/auth/login",
            "admin",
        ] {
            assert_eq!(safe_return_to(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_return_to(None), "/");
    }

    #[test]
    fn callback_parameters_are_checked_one_by_one() {
        let reason = |raw: &str| {
            callback_params(Some(raw))
                .err()
                .map(|r| r.reason)
                .unwrap_or_default()
        };
        assert!(callback_params(Some("code=c&state=s&iss=x")).is_ok());
        assert_eq!(reason("state=s"), "the `code` parameter is missing");
        assert_eq!(reason("code=c"), "the `state` parameter is missing");
        assert_eq!(reason("code=c&state="), "the `state` parameter is missing");
        assert_eq!(
            reason("code=c&state=s&state=t"),
            "the `state` parameter appears more than once"
        );
        assert!(reason(&format!("code={}&state=s", "c".repeat(3000))).contains("longer than 2048"));
        let refused = callback_params(Some(
            "error=access_denied&error_description=Your+account+is+locked%2C+call+%2B1-555-0100",
        ))
        .err();
        assert!(
            refused
                .as_ref()
                .is_some_and(|r| r.status == StatusCode::FORBIDDEN && r.reason == PROVIDER_REFUSED),
            "fixed text, not the provider's"
        );
        assert_eq!(
            refused.and_then(|r| r.provider_error).as_deref(),
            Some("access_denied")
        );
        let forged = callback_params(Some("error=%0aFAKE+LOG+LINE")).err();
        assert_eq!(
            forged.and_then(|r| r.provider_error).as_deref(),
            Some("unrecognised")
        );
    }
}
