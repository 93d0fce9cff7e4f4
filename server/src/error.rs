//! The one error type of the REST API and the authentication layer, and how each case
//! becomes an HTTP answer: a status and a JSON body `{"error": {"code", "message"}}`
//! whose message is safe to show. Unexpected errors are logged once, here, and shown
//! only as a generic message.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use parkway_core::{audit, catalog, cluster, identity};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Denied(#[from] identity::Denied),
    /// A credential was presented but is not valid (unknown, expired, revoked token).
    #[error("{0}")]
    BadCredentials(&'static str),
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
    #[error(transparent)]
    Identity(#[from] identity::Error),
    #[error(transparent)]
    Audit(#[from] audit::Error),
    #[error(transparent)]
    Cluster(#[from] cluster::ClusterError),
    #[error(transparent)]
    Catalog(#[from] catalog::Error),
    /// The body's media type is not one the endpoint reads.
    #[error("{0}")]
    UnsupportedMediaType(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        use identity::{Denied, Error as Id};
        match self {
            ApiError::Denied(Denied::Unauthenticated) | ApiError::BadCredentials(_) => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::Denied(_) | ApiError::CrossSite(_) => StatusCode::FORBIDDEN,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Rejected { status, .. } => *status,
            ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::Identity(Id::Invalid { .. }) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Identity(Id::Conflict(_)) => StatusCode::CONFLICT,
            ApiError::Identity(Id::NotFound(_)) => StatusCode::NOT_FOUND,
            ApiError::Audit(audit::Error::Invalid { .. }) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Cluster(cluster::ClusterError::UnknownCluster(_)) => StatusCode::NOT_FOUND,
            ApiError::Catalog(catalog::Error::Invalid { .. }) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Catalog(catalog::Error::TooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Catalog(catalog::Error::NotFound(_)) => StatusCode::NOT_FOUND,
            ApiError::Catalog(catalog::Error::BadRequest { .. }) => StatusCode::BAD_REQUEST,
            ApiError::Catalog(catalog::Error::Denied(Denied::Unauthenticated)) => StatusCode::UNAUTHORIZED,
            ApiError::Catalog(catalog::Error::Denied(_)) => StatusCode::FORBIDDEN,
            ApiError::Catalog(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Identity(Id::Database(_) | Id::Audit(_))
            | ApiError::Audit(_)
            | ApiError::Cluster(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self.status() {
            StatusCode::UNAUTHORIZED => "unauthenticated",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::BAD_REQUEST => "bad_request",
            StatusCode::TOO_MANY_REQUESTS => "rate_limited",
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "headers_too_large",
            StatusCode::UNPROCESSABLE_ENTITY => "invalid",
            StatusCode::PAYLOAD_TOO_LARGE => "too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::CONFLICT => "conflict",
            StatusCode::NOT_FOUND => "not_found",
            _ => "internal",
        }
    }
}

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
    /// Invalid descriptors: the file they came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Invalid descriptors: every problem, with its line and column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<catalog::Problem>>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
            "internal error: the details are in the server log".to_owned()
        } else {
            self.to_string()
        };
        let mut detail = ErrorDetail {
            code: self.code().to_owned(),
            message,
            file: None,
            problems: None,
        };
        // An invalid import lists every problem with its position, for tools.
        if let ApiError::Catalog(catalog::Error::Invalid { file, problems }) = &self {
            detail.file = Some(file.clone());
            detail.problems = Some(problems.clone());
        }
        let body = ErrorBody { error: detail };
        let mut response = (status, Json(body)).into_response();
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
    axum::extract::rejection::PathRejection
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
