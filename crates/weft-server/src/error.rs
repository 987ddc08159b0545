//! The crate's error type and the JSON error body every endpoint returns.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// Everything that can go wrong in the server, from binding to running one batch.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The listening socket failed while serving.
    #[error("failed to serve HTTP: {0}")]
    Serve(#[source] std::io::Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] weft::store::StoreError),
    /// The idempotency database in the data directory failed.
    #[error("idempotency store error: {0}")]
    Idempotency(#[from] redb::Error),
    /// The engine could not be built.
    #[error(transparent)]
    Engine(#[from] weft::engine::EngineError),
    /// The batch could not start: its account is missing or in another environment
    /// ([`weft::Error::AccountNotFound`]), its connector is not loaded, or it needs
    /// reauthorization and one refresh failed ([`weft::Error::NeedsReauth`]).
    #[error(transparent)]
    Batch(#[from] weft::Error),
    /// A blocking store task panicked or was cancelled.
    #[error("background task failed: {0}")]
    Task(String),
}

/// The body of every error response: `{statusCode, error, message, code}`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ErrorBody {
    /// HTTP status code.
    #[serde(rename = "statusCode")]
    pub status_code: u16,
    /// The status text, for example `Not Found`.
    pub error: String,
    /// What went wrong, in words.
    pub message: String,
    /// Stable snake_case code: `unauthorized`, `not_found`, `invalid_spec`, ...
    pub code: String,
    /// Each problem of an invalid spec or body, when there are several.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub problems: Option<Value>,
}

/// An error response of the HTTP API.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    problems: Option<Value>,
}

impl ApiError {
    /// An error with a status, stable code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            problems: None,
        }
    }

    /// Adds the list of problems (for an invalid spec).
    pub fn with_problems(mut self, problems: Value) -> ApiError {
        self.problems = Some(problems);
        self
    }

    /// 401 for a missing, unknown, expired or revoked token.
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 404 for an account that is missing or in another environment.
    pub fn account_not_found(id: &str) -> ApiError {
        let message = format!("integrated account '{id}' not found");
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 400 for a body that is not the expected JSON.
    pub fn invalid_body(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", message)
    }

    /// 500 for a failure inside the server; the details go to the log only.
    pub fn internal(error: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(%error, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "internal server error",
        )
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The JSON body.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            status_code: self.status.as_u16(),
            error: self
                .status
                .canonical_reason()
                .unwrap_or("Unknown")
                .to_owned(),
            message: self.message.clone(),
            code: self.code.to_owned(),
            problems: self.problems.clone(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

impl From<ServerError> for ApiError {
    fn from(error: ServerError) -> ApiError {
        match &error {
            ServerError::Batch(batch) => batch_error(batch),
            _ => ApiError::internal(&error),
        }
    }
}

/// 404 `not_found`, 401 `needs_reauth` or 422 `unknown_connector` for a batch that
/// could not start, and 500 for a store or engine failure.
fn batch_error(error: &weft::Error) -> ApiError {
    match error {
        weft::Error::AccountNotFound { id } => ApiError::account_not_found(id),
        weft::Error::NeedsReauth { .. } => {
            ApiError::new(StatusCode::UNAUTHORIZED, "needs_reauth", error.to_string())
        }
        weft::Error::UnknownConnector { .. } => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_connector",
            error.to_string(),
        ),
        _ => ApiError::internal(error),
    }
}

impl From<weft::store::StoreError> for ApiError {
    fn from(error: weft::store::StoreError) -> ApiError {
        use weft::store::StoreError;
        match error {
            StoreError::InvalidBaseUrl { .. } | StoreError::InvalidName { .. } => {
                ApiError::invalid_body(error.to_string())
            }
            other => ApiError::internal(&other),
        }
    }
}
