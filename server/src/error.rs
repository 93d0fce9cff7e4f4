//! The one error type of the REST API and the authentication layer, and how each case
//! becomes an HTTP answer: a status and a JSON body `{"error": {"code", "message"}}`
//! whose message is safe to show. What operations refuse arrives as a [`Failure`]
//! (the table shared with the server functions); the rest are refusals only an HTTP
//! door makes (credentials, origin, media types, bodies that do not parse).

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use parkway_core::{
    ErrorKind, Failure, audit, catalog, cluster, guardrails, identity,
    types::{Problem, RefError, UnknownSort},
};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// What an operation refused or failed with.
    #[error("{0}")]
    Op(Failure),
    /// A credential was presented but is not valid (unknown, expired, revoked token).
    #[error("{0}")]
    BadCredentials(std::borrow::Cow<'static, str>),
    /// A request this door cannot read (a body that is not UTF-8).
    #[error("{0}")]
    BadRequest(String),
    /// A body or query that did not parse; `status` comes from axum's rejection.
    #[error("{message}")]
    Rejected { status: StatusCode, message: String },
    #[error("{0}")]
    CrossSite(String),
    #[error("too many requests: try again in {0} s")]
    RateLimited(u64),
    #[error("{0}")]
    HeadersTooLarge(String),
    /// The body's media type is not one the endpoint reads.
    #[error("{0}")]
    UnsupportedMediaType(String),
}

/// The kind an axum rejection's status stands for.
fn kind_of(status: StatusCode) -> ErrorKind {
    ErrorKind::ALL
        .into_iter()
        .find(|kind| kind.status() == status.as_u16())
        .unwrap_or(ErrorKind::BadRequest)
}

impl ApiError {
    /// The error as callers see it; every case decides its kind here.
    pub fn failure(&self) -> Failure {
        match self {
            ApiError::Op(failure) => failure.clone(),
            ApiError::BadCredentials(message) => {
                Failure::new(ErrorKind::Unauthenticated, message.to_string())
            }
            ApiError::BadRequest(message) => Failure::new(ErrorKind::BadRequest, message.clone()),
            ApiError::Rejected { status, message } => Failure::new(kind_of(*status), message.clone()),
            ApiError::CrossSite(message) => Failure::new(ErrorKind::Forbidden, message.clone()),
            ApiError::RateLimited(_) => Failure::new(ErrorKind::RateLimited, self.to_string()),
            ApiError::HeadersTooLarge(message) => Failure::new(ErrorKind::HeadersTooLarge, message.clone()),
            ApiError::UnsupportedMediaType(message) => {
                Failure::new(ErrorKind::UnsupportedMediaType, message.clone())
            }
        }
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.failure().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// Every domain error reaches the API through the shared [`Failure`] conversion.
macro_rules! through_failure {
    ($($error:ty),*) => {$(
        impl From<$error> for ApiError {
            fn from(err: $error) -> Self {
                ApiError::Op(Failure::from(err))
            }
        }
    )*};
}

through_failure!(
    Failure,
    identity::Denied,
    identity::Error,
    audit::Error,
    cluster::ClusterError,
    catalog::Error,
    guardrails::Error,
    parkway_core::onboarding::Error,
    parkway_core::scorecards::Error,
    parkway_core::evidence::Error,
    RefError,
    UnknownSort
);

/// The body of every error answer, as the OpenAPI document describes it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, for programs: `unauthenticated`, `forbidden`, `bad_request`, `invalid`,
    /// `not_found`, `conflict`, `too_large`, `unsupported_media_type`, `rate_limited`,
    /// `internal`.
    pub code: String,
    /// For people: what was wrong and, where it helps, what to do.
    pub message: String,
    /// The parameter or field at fault, where one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Invalid descriptors: the file they came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Invalid descriptors: every problem, with its line and column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<Problem>>,
}

impl From<Failure> for ErrorBody {
    fn from(failure: Failure) -> Self {
        ErrorBody {
            error: ErrorDetail {
                code: failure.kind.code().to_owned(),
                message: failure.to_string(),
                field: failure.field,
                file: failure.file,
                problems: (!failure.problems.is_empty()).then_some(failure.problems),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = (status, Json(ErrorBody::from(self.failure()))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"parkway\""),
            );
        }
        if let ApiError::RateLimited(secs) = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// axum's rejections (wrong type, missing field, bad syntax, bad path segment) keep
/// their status and their text, which names the field serde could not read, but
/// answer in the API's JSON error shape.
macro_rules! rejections {
    ($($rejection:ty),*) => {$(
        impl From<$rejection> for ApiError {
            fn from(rejection: $rejection) -> Self {
                ApiError::Rejected {
                    status: rejection.status(),
                    message: rejection.body_text(),
                }
            }
        }
    )*};
}

rejections!(
    axum::extract::rejection::BytesRejection,
    axum::extract::rejection::JsonRejection,
    axum::extract::rejection::QueryRejection,
    axum::extract::rejection::PathRejection,
    axum::extract::rejection::FormRejection
);

/// `Json<T>` answering bad bodies in the API's error shape.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// `Query<T>` answering bad query strings in the API's error shape.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// `Path<T>` answering bad path segments in the API's error shape.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `Form<T>` answering bad form bodies in the API's error shape.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequest)]
#[from_request(via(axum::Form), rejection(ApiError))]
pub struct ApiForm<T>(pub T);
