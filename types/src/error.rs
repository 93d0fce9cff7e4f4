//! How a refusal or failure looks to a caller, whichever door it came through. Every
//! domain error becomes a [`Failure`] in exactly one way (an exhaustive match beside
//! the error), and the [`ErrorKind`] decides the HTTP status: one table, so the REST
//! API and the pages' server functions cannot drift apart.

use serde::{Deserialize, Serialize};

use crate::{RefError, UnknownSort, catalog::Problem};

/// What went wrong, in the terms HTTP has a status for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// A parameter that cannot be used (a cursor from elsewhere, an unknown order).
    BadRequest,
    /// No session and no valid token.
    Unauthenticated,
    /// Known caller, not allowed.
    Forbidden,
    NotFound,
    /// Would duplicate something that must be unique.
    Conflict,
    TooLarge,
    UnsupportedMediaType,
    /// Input that breaks a rule: the field and the reason say which and why.
    Invalid,
    RateLimited,
    HeadersTooLarge,
    /// Parkway's own fault; the details are logged, never shown.
    Internal,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 11] = [
        ErrorKind::BadRequest,
        ErrorKind::Unauthenticated,
        ErrorKind::Forbidden,
        ErrorKind::NotFound,
        ErrorKind::Conflict,
        ErrorKind::TooLarge,
        ErrorKind::UnsupportedMediaType,
        ErrorKind::Invalid,
        ErrorKind::RateLimited,
        ErrorKind::HeadersTooLarge,
        ErrorKind::Internal,
    ];

    /// The one HTTP status of each kind.
    pub const fn status(self) -> u16 {
        match self {
            ErrorKind::BadRequest => 400,
            ErrorKind::Unauthenticated => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::TooLarge => 413,
            ErrorKind::UnsupportedMediaType => 415,
            ErrorKind::Invalid => 422,
            ErrorKind::RateLimited => 429,
            ErrorKind::HeadersTooLarge => 431,
            ErrorKind::Internal => 500,
        }
    }

    /// Stable, for programs (`error.code` in the REST API's answers).
    pub const fn code(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::Unauthenticated => "unauthenticated",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::UnsupportedMediaType => "unsupported_media_type",
            ErrorKind::Invalid => "invalid",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::HeadersTooLarge => "headers_too_large",
            ErrorKind::Internal => "internal",
        }
    }
}

/// An error as a caller sees it: its kind, the input at fault if one is, and a
/// reason that is safe to show. Reads as `field: reason`, or the reason alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub struct Failure {
    pub kind: ErrorKind,
    /// The form field or parameter at fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub reason: String,
    /// Refused descriptors: the file they came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Refused descriptors: every problem, with its position.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field}: {}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

/// What an internal failure says: the details stay in the server log.
pub const INTERNAL_MESSAGE: &str = "internal error: the details are in the server log";

impl Failure {
    pub fn new(kind: ErrorKind, reason: impl Into<String>) -> Self {
        Self {
            kind,
            field: None,
            reason: reason.into(),
            file: None,
            problems: Vec::new(),
        }
    }

    /// About one input: `field` names it, `reason` says why.
    pub fn at(kind: ErrorKind, field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            ..Self::new(kind, reason)
        }
    }

    /// Parkway's fault; the caller learns only that.
    pub fn internal() -> Self {
        Self::new(ErrorKind::Internal, INTERNAL_MESSAGE)
    }

    pub const fn status(&self) -> u16 {
        self.kind.status()
    }

    /// The reason, if this failure is about the input `name`.
    pub fn for_field(&self, name: &str) -> Option<String> {
        (self.field.as_deref() == Some(name)).then(|| self.reason.clone())
    }
}

impl From<RefError> for Failure {
    /// A reference no entity can have, as a URL names it: nothing is there.
    fn from(err: RefError) -> Self {
        Failure::new(ErrorKind::NotFound, err.to_string())
    }
}

impl From<UnknownSort> for Failure {
    fn from(err: UnknownSort) -> Self {
        Failure::at(ErrorKind::BadRequest, "sort", err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_status_and_code() {
        let statuses: std::collections::BTreeSet<u16> = ErrorKind::ALL.map(ErrorKind::status).into();
        let codes: std::collections::BTreeSet<&str> = ErrorKind::ALL.map(ErrorKind::code).into();
        assert_eq!(statuses.len(), ErrorKind::ALL.len());
        assert_eq!(codes.len(), ErrorKind::ALL.len());
        for kind in ErrorKind::ALL {
            assert_eq!(
                serde_json::to_value(kind).ok(),
                Some(serde_json::json!(kind.code()))
            );
        }
    }

    #[test]
    fn a_failure_reads_as_its_field_and_reason() {
        let f = Failure::at(ErrorKind::Invalid, "name", "must not be blank");
        assert_eq!(f.to_string(), "name: must not be blank");
        assert_eq!(f.for_field("name").as_deref(), Some("must not be blank"));
        assert_eq!(f.for_field("role"), None);
        assert_eq!(Failure::new(ErrorKind::NotFound, "gone").to_string(), "gone");
        let json = serde_json::to_string(&f).expect("serializes");
        assert_eq!(serde_json::from_str::<Failure>(&json).ok(), Some(f));
    }
}
