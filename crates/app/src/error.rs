//! What a use case can answer instead of a result. The web layer maps each variant to one
//! HTTP status and one stable error code.

use comity_domain::validation::FieldErrors;
use comity_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("authentication required")]
    Unauthenticated,
    #[error("the login name or password is wrong")]
    BadCredentials,
    #[error("a second factor is required")]
    SecondFactorRequired,
    #[error("you may see this record but not do this")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("invalid input")]
    Validation(FieldErrors),
    #[error("the record was changed by someone else (current version {current})")]
    StaleVersion { current: i64 },
    #[error("{0}")]
    Conflict(String),
    /// A lifecycle move not open from the current state; `allowed` lists those that are.
    #[error("'{attempted}' is not allowed while the request is '{from}'; allowed now: {}", if allowed.is_empty() { "none (the request is closed)".to_owned() } else { allowed.join(", ") })]
    InvalidTransition { from: String, attempted: String, allowed: Vec<String> },
    #[error("too many failed attempts; try again in {retry_after_secs} seconds")]
    Throttled { retry_after_secs: u64 },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// Optimistic concurrency: a change names the version it was made from, and a change
    /// made from an older one is refused rather than silently overwriting.
    pub fn check_version(given: Option<i64>, current: i64) -> Result<(), AppError> {
        match given {
            None => Err(AppError::field("version", "is required: send the version you read")),
            Some(v) if v != current => Err(AppError::StaleVersion { current }),
            Some(_) => Ok(()),
        }
    }

    pub fn field(field: &str, problem: impl Into<String>) -> Self {
        let mut e = FieldErrors::new();
        e.add(field, problem);
        AppError::Validation(e)
    }
}

impl From<FieldErrors> for AppError {
    fn from(e: FieldErrors) -> Self {
        AppError::Validation(e)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(c) => AppError::Conflict(c),
            StoreError::Unavailable(m) | StoreError::Unsupported(m) => AppError::Unavailable(m),
            StoreError::Corrupt(m) => AppError::Internal(m),
            StoreError::Internal(e) => AppError::Internal(e.to_string()),
        }
    }
}
