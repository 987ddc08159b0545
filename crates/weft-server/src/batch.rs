//! `POST /batch-request`: Truto's endpoint, served locally.

use std::time::Instant;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use weft::Plan;
use weft::spec::Diagnostics;

use crate::app::{AppState, Caller, parse_json};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{IdempotencyKey, RequestBody};
use crate::idempotency::{Lookup, RunningKey, Stored, body_hash};

/// Header naming the run history record of a batch.
pub const RUN_ID_HEADER: &str = "x-weft-run-id";
/// Header set on a response replayed for an `Idempotency-Key`.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// The response to a batch: records and errors per node key.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResponse {
    /// Records of each persisted node.
    #[schema(value_type = Object)]
    pub result: Map<String, Value>,
    /// Error objects of each node that failed.
    #[schema(value_type = Object)]
    pub errors: Map<String, Value>,
}

/// Runs a batch request for an account of the token's environment.
#[utoipa::path(post, path = "/batch-request", tag = "batch",
    request_body(content = Object, description = "the batch body: integrated_account_id, args, resources"),
    params(("Idempotency-Key" = Option<String>, Header,
            description = "sent once, 1 to 255 characters of visible ASCII; replays the stored response for the same key and body within 24 hours")),
    responses(
        (status = 200, description = "the batch ran; failed calls are in `errors`", body = BatchResponse),
        (status = 400, description = "invalid JSON, bad Idempotency-Key or invalid spec (code `invalid_spec`, every problem in `problems`)", body = ErrorBody),
        (status = 401, description = "bad token (`unauthorized`) or account needs reauthorization (`needs_reauth`)", body = ErrorBody),
        (status = 404, description = "account missing or in another environment", body = ErrorBody),
        (status = 408, description = "the body did not arrive within the body timeout", body = ErrorBody),
        (status = 409, description = "a request with this Idempotency-Key is still running", body = ErrorBody),
        (status = 413, description = "body larger than the limit", body = ErrorBody),
        (status = 422, description = "Idempotency-Key reused with another body", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub(crate) async fn batch_request(
    State(state): State<AppState>,
    caller: Caller,
    IdempotencyKey(key): IdempotencyKey,
    RequestBody(bytes): RequestBody,
) -> Result<Response, ApiError> {
    let spec = parse_json(&bytes)?;
    let plan = plan(&bytes)?;
    let Some(key) = key else {
        return run_detached(&state, &caller, spec, plan, None).await;
    };
    let hash = body_hash(&serde_json::to_vec(&spec).expect("JSON values encode"));
    match state.idempotency.begin(&caller.environment, &key, &hash)? {
        Lookup::Replay(stored) => Ok(replayed(stored)),
        Lookup::Conflict => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_conflict",
            format!("Idempotency-Key '{key}' was used with a different request body"),
        )),
        Lookup::InFlight => Err(ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_in_progress",
            format!("a request with Idempotency-Key '{key}' is still running"),
        )),
        Lookup::Fresh(running) => {
            let saved = Saved {
                running,
                body_sha256: hash,
            };
            run_detached(&state, &caller, spec, plan, Some(saved)).await
        }
    }
}

/// The running mark of an `Idempotency-Key` and the body hash to save with the response.
struct Saved {
    running: RunningKey,
    body_sha256: String,
}

/// Runs the batch in a task of its own, so a client that disconnects does not cancel
/// it halfway: the batch finishes, its run is recorded and its response is saved for
/// the key, so a retry with the same key gets it.
async fn run_detached(
    state: &AppState,
    caller: &Caller,
    spec: Value,
    plan: Plan,
    saved: Option<Saved>,
) -> Result<Response, ApiError> {
    let (state, caller) = (state.clone(), caller.clone());
    let task = tokio::spawn(async move {
        let outcome = run(&state, &caller, spec, plan).await;
        if let Some(Saved {
            running,
            body_sha256,
        }) = saved
        {
            let answer = outcome.as_ref().ok().map(|(stored, _)| Stored {
                body_sha256,
                ..stored.clone()
            });
            running.finish(answer)?;
        }
        outcome.map(|(_, response)| response)
    });
    task.await.map_err(|error| ApiError::internal(&error))?
}

/// Validates the body into a plan, listing every problem with line and column.
fn plan(bytes: &[u8]) -> Result<Plan, ApiError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ApiError::invalid_body("request body is not UTF-8"))?;
    weft::spec::plan_from_str(text, None).map_err(invalid_spec)
}

fn invalid_spec(diagnostics: Diagnostics) -> ApiError {
    let problems: Vec<Value> = diagnostics
        .0
        .iter()
        .map(|d| {
            json!({ "node": d.node, "field": d.field, "pointer": d.pointer,
                    "line": d.line, "column": d.column, "message": d.message })
        })
        .collect();
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_spec",
        diagnostics.to_string(),
    )
    .with_problems(Value::Array(problems))
}

/// Runs the batch under the token's concurrency limit and builds the response.
async fn run(
    state: &AppState,
    caller: &Caller,
    spec: Value,
    plan: Plan,
) -> Result<(Stored, Response), ApiError> {
    // NOTE: the permit is held until the batch ends, and no deadline covers a whole
    // batch. Only the engine's per-request timeout bounds each upstream call.
    let limit = state.token_limit(&caller.token_hash);
    let _permit = limit
        .acquire_owned()
        .await
        .expect("token semaphores stay open");
    let clock = Instant::now();
    let account = plan.integrated_account_id.clone();
    let outcome = state
        .executor
        .run(spec, plan, Some(&caller.environment))
        .await;
    let elapsed_ms = clock.elapsed().as_millis() as u64;
    let finished = outcome.inspect_err(|error| {
        tracing::info!(environment = %caller.environment, %account, elapsed_ms, %error, "batch rejected");
    })?;
    let errors = finished.output.errors.len();
    tracing::info!(environment = %caller.environment, %account, run = %finished.run_id,
                   errors, elapsed_ms, "batch finished");
    let body = BatchResponse {
        result: finished.output.result,
        errors: finished.output.errors,
    };
    let response = serde_json::to_value(&body).expect("batch output encodes as JSON");
    let stored = Stored {
        body_sha256: String::new(),
        status: 200,
        response: response.clone(),
        run_id: Some(finished.run_id.clone()),
        created_at: chrono::Utc::now(),
    };
    Ok((
        stored,
        with_run_id(Json(response).into_response(), &finished.run_id),
    ))
}

fn replayed(stored: Stored) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, Json(stored.response)).into_response();
    response
        .headers_mut()
        .insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    match &stored.run_id {
        Some(run_id) => with_run_id(response, run_id),
        None => response,
    }
}

fn with_run_id(mut response: Response, run_id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(run_id) {
        response.headers_mut().insert(RUN_ID_HEADER, value);
    }
    response
}
