//! One mapping from application errors to HTTP: a JSON envelope with a stable code for the
//! API, and a full page for the browser. Internal details go to the log with the request
//! id, never into a response.

use std::collections::BTreeMap;

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{Html, IntoResponse, Response},
    Json,
};
use comity_app::AppError;
use serde::Serialize;

use crate::middleware::current_request_id;

/// Stable, machine-readable error codes. Clients and translations key on these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Unauthenticated,
    BadCredentials,
    SecondFactorRequired,
    Forbidden,
    CsrfFailed,
    NotFound,
    MethodNotAllowed,
    InvalidJson,
    InvalidQuery,
    ValidationFailed,
    StaleVersion,
    InvalidTransition,
    Conflict,
    PayloadTooLarge,
    Throttled,
    Unavailable,
    Internal,
}

impl ErrorCode {
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::Unauthenticated | ErrorCode::BadCredentials | ErrorCode::SecondFactorRequired => {
                StatusCode::UNAUTHORIZED
            }
            ErrorCode::Forbidden | ErrorCode::CsrfFailed => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::InvalidJson | ErrorCode::InvalidQuery => StatusCode::BAD_REQUEST,
            ErrorCode::ValidationFailed => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::StaleVersion | ErrorCode::InvalidTransition | ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::Throttled => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::BadCredentials => "bad_credentials",
            ErrorCode::SecondFactorRequired => "second_factor_required",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::CsrfFailed => "csrf_failed",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidQuery => "invalid_query",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::StaleVersion => "stale_version",
            ErrorCode::InvalidTransition => "invalid_transition",
            ErrorCode::Conflict => "conflict",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::Throttled => "throttled",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

/// The error body: `{"error": {...}}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    /// Problems per input field, when the input was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
    /// For `invalid_transition`: the moves open from the current state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
    /// Quote this when reporting a problem.
    pub request_id: String,
}

/// Carried in response extensions so the request logger can record what went wrong.
#[derive(Debug, Clone)]
pub struct InternalDetail(pub String);

/// An error on its way to an API client.
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub fields: Option<BTreeMap<String, String>>,
    /// Boxed: rare, and it keeps the error small enough to return by value.
    pub allowed: Option<Box<[String]>>,
    pub retry_after: Option<u64>,
    pub internal: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), fields: None, allowed: None, retry_after: None, internal: None }
    }

    pub fn with_field(code: ErrorCode, field: &str, problem: impl Into<String>) -> Self {
        let problem = problem.into();
        let mut fields = BTreeMap::new();
        fields.insert(field.to_owned(), problem.clone());
        Self { fields: Some(fields), ..Self::new(code, format!("{field}: {problem}")) }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let message = e.to_string();
        match e {
            AppError::Unauthenticated => ApiError::new(
                ErrorCode::Unauthenticated,
                "authentication required: send 'Authorization: Bearer <token>'",
            ),
            AppError::BadCredentials => ApiError::new(ErrorCode::BadCredentials, message),
            AppError::SecondFactorRequired => ApiError::new(ErrorCode::SecondFactorRequired, message),
            AppError::Forbidden => ApiError::new(ErrorCode::Forbidden, "you are not allowed to do this"),
            AppError::NotFound => ApiError::new(ErrorCode::NotFound, "no such record"),
            AppError::Validation(f) => {
                let summary = f.0.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join("; ");
                ApiError { fields: Some(f.0), ..ApiError::new(ErrorCode::ValidationFailed, summary) }
            }
            AppError::StaleVersion { .. } => ApiError::new(ErrorCode::StaleVersion, message),
            AppError::Conflict(_) => ApiError::new(ErrorCode::Conflict, message),
            AppError::InvalidTransition { allowed, .. } => ApiError {
                allowed: Some(allowed.into_boxed_slice()),
                ..ApiError::new(ErrorCode::InvalidTransition, message)
            },
            AppError::Throttled { retry_after_secs } => {
                ApiError { retry_after: Some(retry_after_secs), ..ApiError::new(ErrorCode::Throttled, message) }
            }
            AppError::Unavailable(detail) => ApiError {
                internal: Some(detail),
                ..ApiError::new(ErrorCode::Unavailable, "the service is temporarily unavailable")
            },
            AppError::Internal(detail) => ApiError {
                internal: Some(detail),
                ..ApiError::new(
                    ErrorCode::Internal,
                    "an internal error occurred; quote the request id when reporting it",
                )
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorEnvelope {
            error: ErrorBody {
                code: self.code,
                message: self.message,
                fields: self.fields,
                allowed: self.allowed.map(Vec::from),
                request_id: current_request_id(),
            },
        };
        let mut res = (self.code.status(), Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        if self.code == ErrorCode::Unauthenticated {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(detail) = self.internal {
            res.extensions_mut().insert(InternalDetail(detail));
        }
        res
    }
}

/// Unknown paths: JSON under the API, a page elsewhere.
pub async fn not_found_fallback(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::new(ErrorCode::NotFound, format!("no endpoint at {}", uri.path())).into_response()
    } else {
        crate::ui::error_page(StatusCode::NOT_FOUND, None)
    }
}

/// A minimal page used when even the templates cannot help.
pub fn plain_page(status: StatusCode, text: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Comity</title><p>{}</p><p>Request id: {}</p></html>",
        html_escape::encode_text(text),
        current_request_id()
    );
    (status, Html(body)).into_response()
}
