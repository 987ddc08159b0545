//! Extractors shared by the handlers. Axum runs them in argument order, so a handler
//! that lists [`Caller`] before [`RequestBody`] rejects a bad token from the headers
//! alone, without waiting for the body.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};

use crate::app::{AppState, Caller, body_bytes};
use crate::error::ApiError;

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        state.authenticate(&parts.headers).await
    }
}

/// Maximum length of an `Idempotency-Key`, in bytes.
const MAX_IDEMPOTENCY_KEY: usize = 255;

/// Maximum length of a bad header value quoted back in an error message, in bytes.
const MAX_QUOTED: usize = 64;

/// The `Idempotency-Key` header when the request has one: sent once, 1 to 255
/// characters of visible ASCII (0x21 to 0x7E, so no spaces).
pub(crate) struct IdempotencyKey(pub Option<String>);

impl FromRequestParts<AppState> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<IdempotencyKey, ApiError> {
        idempotency_key(&parts.headers).map(IdempotencyKey)
    }
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let values: Vec<&HeaderValue> = headers.get_all("idempotency-key").iter().collect();
    let value = match values.as_slice() {
        [] => return Ok(None),
        [value] => value,
        several => {
            let quoted: Vec<String> = several.iter().map(|value| quote(value)).collect();
            let message = format!(
                "Idempotency-Key was sent {} times ({}), but it must be sent once",
                several.len(),
                quoted.join(", ")
            );
            return Err(ApiError::invalid_body(message));
        }
    };

    let bytes = value.as_bytes();
    let visible = bytes.iter().all(u8::is_ascii_graphic);
    if visible && !bytes.is_empty() && bytes.len() <= MAX_IDEMPOTENCY_KEY {
        let key = String::from_utf8(bytes.to_vec()).expect("visible ASCII is UTF-8");
        return Ok(Some(key));
    }
    let length = if bytes.len() > MAX_IDEMPOTENCY_KEY {
        format!(" ({} bytes)", bytes.len())
    } else {
        String::new()
    };
    Err(ApiError::invalid_body(format!(
        "invalid Idempotency-Key {}{length}: a key must be 1 to {MAX_IDEMPOTENCY_KEY} \
         characters of visible ASCII, without spaces",
        quote(value)
    )))
}

/// Quotes a header value with quotes, control characters and non-ASCII bytes escaped,
/// cut after [`MAX_QUOTED`] bytes.
fn quote(value: &HeaderValue) -> String {
    let bytes = value.as_bytes();
    let prefix = &bytes[..bytes.len().min(MAX_QUOTED)];
    let more = if bytes.len() > MAX_QUOTED { "..." } else { "" };
    format!("'{}{more}'", prefix.escape_ascii())
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
