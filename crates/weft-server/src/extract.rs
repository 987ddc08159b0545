//! Extractors shared by the handlers. Axum runs them in argument order, so a handler
//! that lists [`Caller`] before [`RequestBody`] rejects a bad token from the headers
//! alone, without waiting for the body.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;

use crate::app::{AppState, Caller, body_bytes};
use crate::error::ApiError;

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        state.authenticate(&parts.headers).await
    }
}

/// The whole request body, read within the body limit and the body timeout.
pub(crate) struct RequestBody(pub Bytes);

impl FromRequest<AppState> for RequestBody {
    type Rejection = ApiError;

    /// Reads the body, or fails with 408 `request_timeout` when it is incomplete after
    /// [`crate::ServerConfig::body_timeout`]. The deadline covers the whole body, because
    /// tower-http's `RequestBodyTimeout` (0.6) restarts its timer at every frame, so a
    /// client sending one byte at a time would never reach it.
    async fn from_request(request: Request, state: &AppState) -> Result<RequestBody, ApiError> {
        let timeout = state.config.body_timeout;
        let read = Bytes::from_request(request, state);
        match tokio::time::timeout(timeout, read).await {
            Ok(body) => body_bytes(body, state.config.body_limit).map(RequestBody),
            Err(_) => {
                tracing::debug!(?timeout, "request body timed out");
                let message = format!("timed out after {timeout:?} waiting for the request body");
                Err(ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "request_timeout",
                    message,
                ))
            }
        }
    }
}
