//! Shared state, authentication and the router.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::execute::{Executor, blocking};
use crate::idempotency::Idempotency;
use crate::{ServerConfig, accounts, batch, openapi};

/// What every handler sees.
#[derive(Clone)]
pub(crate) struct AppState {
    pub executor: Executor,
    pub idempotency: Arc<Idempotency>,
    pub config: ServerConfig,
    limits: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

/// The caller behind a valid API token.
#[derive(Clone)]
pub(crate) struct Caller {
    /// The token's environment.
    pub environment: String,
    /// SHA-256 of the token, for the per-token concurrency limit.
    pub token_hash: String,
}

impl AppState {
    pub(crate) fn new(
        executor: Executor,
        idempotency: Idempotency,
        config: ServerConfig,
    ) -> AppState {
        AppState {
            executor,
            idempotency: Arc::new(idempotency),
            config,
            limits: Arc::default(),
        }
    }

    /// Checks the bearer token and returns its environment.
    pub(crate) async fn authenticate(&self, headers: &HeaderMap) -> Result<Caller, ApiError> {
        let token = bearer_token(headers)?;
        let store = self.executor.store().clone();
        let owned = token.clone();
        let environment = blocking(move || store.verify_api_token(&owned))
            .await
            .map_err(ApiError::from)??;
        let environment = environment.ok_or_else(|| {
            ApiError::unauthorized("the API token is unknown, expired or revoked")
        })?;
        Ok(Caller {
            environment,
            token_hash: hex::encode(Sha256::digest(token.as_bytes())),
        })
    }

    /// The semaphore bounding concurrent batches of one token.
    pub(crate) fn token_limit(&self, token_hash: &str) -> Arc<Semaphore> {
        let mut limits = self.limits.lock().expect("token limit lock poisoned");
        let permits = self.config.per_token_concurrency;
        limits
            .entry(token_hash.to_owned())
            .or_insert_with(|| Arc::new(Semaphore::new(permits)))
            .clone()
    }
}

fn bearer_token(headers: &HeaderMap) -> Result<String, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("missing 'Authorization: Bearer <token>' header"))?;
    let text = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("the Authorization header is not valid text"))?;
    let token = text
        .strip_prefix("Bearer ")
        .or_else(|| text.strip_prefix("bearer "))
        .ok_or_else(|| {
            ApiError::unauthorized("the Authorization header must use the Bearer scheme")
        })?;
    Ok(token.trim().to_owned())
}

/// Turns a body that failed to arrive into an error; too large becomes 413.
pub(crate) fn body_bytes(
    body: Result<Bytes, BytesRejection>,
    limit: usize,
) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            let message = format!("request body is larger than the limit of {limit} bytes");
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", message)
        } else {
            ApiError::invalid_body(format!("failed to read the request body: {rejection}"))
        }
    })
}

/// Parses a JSON body, naming the line and column of a syntax error.
pub(crate) fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|error| ApiError::invalid_body(format!("request body is not valid JSON: {error}")))
}

/// Every route, with the body limit and request logging.
pub(crate) fn router(state: AppState) -> Router {
    let limit = state.config.body_limit;
    Router::new()
        .route("/batch-request", post(batch::batch_request))
        .route(
            "/integrated-account",
            get(accounts::list).post(accounts::create),
        )
        .route(
            "/integrated-account/{id}",
            get(accounts::get_one)
                .patch(accounts::update)
                .delete(accounts::delete),
        )
        .route("/health", get(health))
        .route("/openapi.json", get(openapi::document))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limit))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Liveness check.
#[utoipa::path(get, path = "/health", tag = "server",
    responses((status = 200, description = "the server is up", body = Object)))]
pub(crate) async fn health() -> axum::Json<Value> {
    axum::Json(serde_json::json!({ "status": "ok" }))
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    let message = format!("method {method} is not allowed on '{}'", uri.path());
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        message,
    )
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}
