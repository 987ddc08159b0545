//! `/integrated-account`: the token environment's accounts, secrets redacted.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use weft::store::{Account, AccountStatus, AccountUpdate, NewAccount};

use crate::app::{AppState, Caller, parse_json};
use crate::error::{ApiError, ErrorBody};
use crate::execute::blocking;
use crate::extract::RequestBody;

/// Body of `POST /integrated-account`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccount {
    /// Connector name, for example `notion`.
    pub connector: String,
    /// Credentials and instance settings; the connector's secret fields are encrypted.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub context: Map<String, Value>,
    /// Base URL replacing the connector's default.
    #[serde(default)]
    pub base_url: Option<String>,
}

/// Body of `PATCH /integrated-account/{id}`; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAccount {
    /// A JSON merge patch for the context: `null` removes a key.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub context: Option<Map<String, Value>>,
    /// New base URL; `null` removes the override.
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub base_url: Option<Option<String>>,
    /// New status: active, needs_reauth, connecting, validation_error, post_install_error.
    #[serde(default)]
    pub status: Option<String>,
}

mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(d).map(Some)
    }
}

/// Lists the accounts of the token's environment.
#[utoipa::path(get, path = "/integrated-account", tag = "accounts",
    responses((status = 200, description = "`{result: [account], next_cursor: null}`", body = Object),
              (status = 401, description = "bad token", body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let store = state.executor.store().clone();
    let accounts = blocking(move || store.list_accounts(Some(&caller.environment))).await??;
    let result: Vec<Value> = accounts.iter().map(Account::redacted).collect();
    Ok(Json(json!({ "result": result, "next_cursor": null })))
}

/// Returns one account of the token's environment.
#[utoipa::path(get, path = "/integrated-account/{id}", tag = "accounts",
    params(("id" = String, Path, description = "account id")),
    responses((status = 200, description = "the account, secrets redacted", body = Object),
              (status = 404, description = "missing or in another environment", body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let environment = caller.environment;
    let account = visible(&state, &id, &environment).await?;
    Ok(Json(account.redacted()))
}

/// Creates an account in the token's environment.
#[utoipa::path(post, path = "/integrated-account", tag = "accounts",
    request_body = CreateAccount,
    responses((status = 201, description = "the new account, secrets redacted", body = Object),
              (status = 400, description = "invalid body or unknown connector", body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    RequestBody(bytes): RequestBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let environment = caller.environment;
    let body: CreateAccount = decode(&bytes)?;
    let connector = state
        .executor
        .registry()
        .get(&body.connector)
        .ok_or_else(|| {
            let known = state.executor.registry().names().join(", ");
            let message = format!("unknown connector '{}' (known: {known})", body.connector);
            ApiError::new(StatusCode::BAD_REQUEST, "unknown_connector", message)
        })?;
    let new = NewAccount {
        environment,
        connector: body.connector,
        context: body.context,
        base_url: body.base_url,
        secret_fields: connector.secret_fields().to_vec(),
    };
    let store = state.executor.store().clone();
    let account = blocking(move || store.create_account(new)).await??;
    Ok((StatusCode::CREATED, Json(account.redacted())))
}

/// Changes an account of the token's environment.
#[utoipa::path(patch, path = "/integrated-account/{id}", tag = "accounts",
    params(("id" = String, Path, description = "account id")),
    request_body = UpdateAccount,
    responses((status = 200, description = "the changed account, secrets redacted", body = Object),
              (status = 404, description = "missing or in another environment", body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RequestBody(bytes): RequestBody,
) -> Result<Json<Value>, ApiError> {
    let environment = caller.environment;
    let body: UpdateAccount = decode(&bytes)?;
    let status = match &body.status {
        Some(text) => Some(
            text.parse::<AccountStatus>()
                .map_err(ApiError::invalid_body)?,
        ),
        None => None,
    };
    visible(&state, &id, &environment).await?;
    let update = AccountUpdate {
        context: body.context,
        base_url: body.base_url,
        status,
        ..AccountUpdate::default()
    };
    let store = state.executor.store().clone();
    let account = blocking(move || store.update_account(&id, update)).await??;
    Ok(Json(account.redacted()))
}

/// Deletes an account of the token's environment and returns it.
#[utoipa::path(delete, path = "/integrated-account/{id}", tag = "accounts",
    params(("id" = String, Path, description = "account id")),
    responses((status = 200, description = "the deleted account, secrets redacted", body = Object),
              (status = 404, description = "missing or in another environment", body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let environment = caller.environment;
    let account = visible(&state, &id, &environment).await?;
    let store = state.executor.store().clone();
    blocking(move || store.delete_account(&id)).await??;
    Ok(Json(account.redacted()))
}

/// The account when it exists in `environment`; 404 otherwise, the same either way.
async fn visible(state: &AppState, id: &str, environment: &str) -> Result<Account, ApiError> {
    let store = state.executor.store().clone();
    let owned = id.to_owned();
    let account = blocking(move || store.get_account(&owned)).await??;
    account
        .filter(|account| account.environment == environment)
        .ok_or_else(|| ApiError::account_not_found(id))
}

/// Rejects a `context` that is not an object before serde does, because serde's
/// message would quote the value, and a misplaced credential would end up in the response.
fn reject_non_object_context(body: &Value) -> Result<(), ApiError> {
    let found = match body.get("context") {
        None | Some(Value::Object(_) | Value::Null) => return Ok(()),
        Some(Value::Bool(_)) => "a boolean",
        Some(Value::Number(_)) => "a number",
        Some(Value::String(_)) => "a string",
        Some(Value::Array(_)) => "an array",
    };
    Err(ApiError::invalid_body(format!(
        "invalid body: context must be a JSON object, found {found}"
    )))
}

fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value = parse_json(bytes)?;
    reject_non_object_context(&value)?;
    serde_json::from_value(value)
        .map_err(|error| ApiError::invalid_body(format!("invalid body: {error}")))
}
