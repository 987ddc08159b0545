//! Re-authentication through the server: a real server over a store in a temp folder,
//! the `tokens` test connector (`tests/fixtures/connectors/tokens`), and a loopback
//! axum API whose token endpoint rotates both tokens on every refresh grant.

mod common;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use common::{TestResult, error_body, issue};
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use weft::Registry;
use weft::store::{Account, AccountStatus, NewAccount, RunStatus, Store, StoreOptions};
use weft_server::{Server, ServerConfig};

/// The access token the account starts with; the API no longer accepts it.
const STALE_ACCESS: &str = "at-stale-91d0c7";
/// The refresh token the account starts with; the token endpoint accepts it once.
const FIRST_REFRESH: &str = "rt-first-4b7c2e";

/// Token state of [`TokenApi`].
#[derive(Debug, Default)]
struct Tokens {
    /// The only access token the API accepts.
    access: String,
    /// The only refresh token the token endpoint accepts.
    refresh: String,
    /// When true, the token endpoint rejects every grant.
    reject_grants: bool,
    /// Requests to the token endpoint.
    grant_requests: usize,
    /// 401 responses of the API.
    unauthorized: usize,
    /// Item requests that reached the API, with any token.
    item_requests: usize,
}

type SharedTokens = Arc<Mutex<Tokens>>;

/// An API at `/api/items/{id}` that takes one bearer token, and its token endpoint at
/// `/oauth/token`, which issues `at-N-issued` and `rt-N-issued`.
struct TokenApi {
    origin: String,
    tokens: SharedTokens,
    task: JoinHandle<()>,
}

impl TokenApi {
    async fn start() -> TestResult<TokenApi> {
        let tokens = Arc::new(Mutex::new(Tokens {
            access: "at-valid-only-after-refresh".into(),
            refresh: FIRST_REFRESH.into(),
            ..Tokens::default()
        }));
        let router = Router::new()
            .route("/oauth/token", post(grant))
            .route("/api/items/{id}", get(item))
            .with_state(tokens.clone());
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let origin = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .await
                .expect("token API failed");
        });
        Ok(TokenApi {
            origin,
            tokens,
            task,
        })
    }

    fn tokens(&self) -> MutexGuard<'_, Tokens> {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for TokenApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn grant(
    State(tokens): State<SharedTokens>,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let mut tokens = tokens.lock().unwrap_or_else(|p| p.into_inner());
    tokens.grant_requests += 1;
    let offered = body["refresh_token"].as_str();
    let valid = body["grant_type"] == "refresh_token" && offered == Some(tokens.refresh.as_str());
    if tokens.reject_grants || !valid {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        );
    }
    let issued = tokens.grant_requests;
    tokens.access = format!("at-{issued}-issued");
    tokens.refresh = format!("rt-{issued}-issued");
    let answer = json!({
        "access_token": tokens.access,
        "refresh_token": tokens.refresh,
        "expires_in": 3600,
    });
    (StatusCode::OK, Json(answer))
}

async fn item(
    State(tokens): State<SharedTokens>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> (StatusCode, Json<Value>) {
    let mut tokens = tokens.lock().unwrap_or_else(|p| p.into_inner());
    tokens.item_requests += 1;
    let expected = format!("Bearer {}", tokens.access);
    let offered = headers.get("authorization").and_then(|v| v.to_str().ok());
    if offered != Some(expected.as_str()) {
        tokens.unauthorized += 1;
        let answer = json!({"message": "the access token is invalid or expired"});
        return (StatusCode::UNAUTHORIZED, Json(answer));
    }
    (StatusCode::OK, Json(json!({"id": id})))
}

/// The server over a fresh store with the `tokens` connector, a `prod` and a `staging`
/// environment, and one token for `prod`.
struct Harness {
    url: String,
    store: Arc<Store>,
    registry: Arc<Registry>,
    api: TokenApi,
    client: reqwest::Client,
    token: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Harness {
    async fn start() -> TestResult<Harness> {
        let dir = tempfile::tempdir()?;
        let store = Arc::new(Store::open_with(
            dir.path(),
            &StoreOptions::key_file_only(),
        )?);
        let fixtures =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/connectors");
        let (registry, errors) = Registry::load(&[fixtures]);
        assert!(errors.is_empty(), "connectors failed to load: {errors:?}");
        let registry = Arc::new(registry);
        store.create_environment("prod")?;
        store.create_environment("staging")?;
        let token = issue(&store, "prod")?;

        let server = Server::new(store.clone(), registry.clone(), ServerConfig::default())?;
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            server.run(listener, shutdown).await.expect("server failed");
        });
        Ok(Harness {
            url,
            store,
            registry,
            api: TokenApi::start().await?,
            client: reqwest::Client::new(),
            token,
            stop: Some(stop),
            task: Some(task),
            _dir: dir,
        })
    }

    /// Stores a `tokens` account with the stale access token and the first refresh
    /// token.
    fn account(&self, environment: &str, status: AccountStatus) -> TestResult<Account> {
        let connector = self.registry.get("tokens").ok_or("no tokens connector")?;
        let context = json!({
            "access_token": STALE_ACCESS,
            "refresh_token": FIRST_REFRESH,
            "token_url": format!("{}/oauth/token", self.api.origin),
        });
        let context: Map<String, Value> = context.as_object().cloned().unwrap_or_default();
        let mut new = NewAccount::new("tokens", context);
        new.environment = environment.to_owned();
        new.base_url = Some(format!("{}/api", self.api.origin));
        new.secret_fields = connector.secret_fields().to_vec();
        let account = self.store.create_account(new)?;
        if status != AccountStatus::Active {
            self.store.set_status(&account.id, status, None)?;
        }
        Ok(account)
    }

    /// Posts a batch that gets each of `ids` from `/items/{id}`, concurrently.
    async fn post_items(&self, account: &Account, ids: &[&str]) -> TestResult<reqwest::Response> {
        let body = json!({
            "integrated_account_id": account.id,
            "args": {"ids": ids},
            "resources": [{
                "name": "items",
                "resource": "items",
                "method": "get",
                "loop_on": "args.ids",
                "id": "{{args.ids}}",
                "persist": true
            }]
        });
        let request = self
            .client
            .post(format!("{}/batch-request", self.url))
            .bearer_auth(&self.token)
            .json(&body);
        Ok(request.send().await?)
    }

    fn stored(&self, account: &Account) -> TestResult<Account> {
        Ok(self.store.get_account(&account.id)?.ok_or("account gone")?)
    }

    async fn stop(mut self) -> TestResult {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await?;
        }
        Ok(())
    }
}

/// Returns the ids under `result.items`, in order.
fn item_ids(body: &Value) -> Vec<String> {
    let records = body["result"]["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    records
        .iter()
        .filter_map(|record| record["id"].as_str().map(str::to_owned))
        .collect()
}

/// Fails when `text` contains any token the account has held.
fn assert_no_secret(text: &str) {
    for secret in [STALE_ACCESS, FIRST_REFRESH, "-issued"] {
        assert!(
            !text.contains(secret),
            "secret '{secret}' in answer: {text}"
        );
    }
}

#[tokio::test]
async fn needs_reauth_account_refreshes_then_runs() -> TestResult {
    let harness = Harness::start().await?;
    let account = harness.account("prod", AccountStatus::NeedsReauth)?;

    let response = harness.post_items(&account, &["a", "b"]).await?;

    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await?;
    assert_eq!(body["errors"], json!({}), "{body}");
    assert_eq!(item_ids(&body), ["a", "b"]);
    assert_eq!(harness.api.tokens().grant_requests, 1);
    assert_eq!(harness.api.tokens().unauthorized, 0);
    let stored = harness.stored(&account)?;
    assert_eq!(stored.status, AccountStatus::Active);
    assert_eq!(stored.last_error, None);
    assert_eq!(stored.context["access_token"], "at-1-issued");
    assert_eq!(stored.context["refresh_token"], "rt-1-issued");
    assert!(stored.context["expires_at"].is_number());
    let runs = harness.store.list_runs(Some("prod"), 10)?;
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, RunStatus::Succeeded);
    harness.stop().await
}

#[tokio::test]
async fn unauthorized_call_refreshes_once_and_saves() -> TestResult {
    let harness = Harness::start().await?;
    let account = harness.account("prod", AccountStatus::Active)?;
    let ids = ["a", "b", "c", "d"];

    let response = harness.post_items(&account, &ids).await?;

    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await?;
    assert_eq!(body["errors"], json!({}), "{body}");
    assert_eq!(item_ids(&body), ids);
    assert!(harness.api.tokens().unauthorized >= 1);
    assert_eq!(harness.api.tokens().grant_requests, 1);
    let stored = harness.stored(&account)?;
    assert_eq!(stored.status, AccountStatus::Active);
    assert_eq!(stored.context["access_token"], "at-1-issued");
    assert_eq!(stored.context["refresh_token"], "rt-1-issued");

    // The next batch uses the saved tokens without another refresh.
    let again = harness.post_items(&account, &["e"]).await?;
    assert_eq!(again.status().as_u16(), 200);
    let body: Value = again.json().await?;
    assert_eq!(item_ids(&body), ["e"]);
    assert_eq!(harness.api.tokens().grant_requests, 1);
    harness.stop().await
}

#[tokio::test]
async fn failed_refresh_answers_401_needs_reauth() -> TestResult {
    let harness = Harness::start().await?;
    harness.api.tokens().reject_grants = true;
    let account = harness.account("prod", AccountStatus::NeedsReauth)?;

    let response = harness.post_items(&account, &["a"]).await?;

    let text = serde_json::to_string(&error_body(response, 401, "needs_reauth").await?)?;
    assert!(text.contains("needs reauthorization"), "{text}");
    assert!(text.contains(&account.id), "{text}");
    assert_no_secret(&text);
    assert_eq!(harness.api.tokens().grant_requests, 1);
    assert_eq!(harness.api.tokens().item_requests, 0);
    let stored = harness.stored(&account)?;
    assert_eq!(stored.status, AccountStatus::NeedsReauth);
    let last_error = stored.last_error.unwrap_or_default();
    assert!(last_error.contains("status 400"), "{last_error}");
    assert_no_secret(&last_error);
    assert_eq!(stored.context["refresh_token"], FIRST_REFRESH);
    let runs = harness.store.list_runs(Some("prod"), 10)?;
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, RunStatus::Failed);
    assert_eq!(runs[0].errors["batch"][0]["statusCode"], 401);
    harness.stop().await
}

#[tokio::test]
async fn failed_refresh_mid_batch_marks_needs_reauth() -> TestResult {
    let harness = Harness::start().await?;
    harness.api.tokens().reject_grants = true;
    let account = harness.account("prod", AccountStatus::Active)?;

    let response = harness.post_items(&account, &["a", "b"]).await?;

    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await?;
    assert_no_secret(&body.to_string());
    let errors = body["errors"]["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(errors.len(), 2, "{body}");
    for error in &errors {
        assert_eq!(error["statusCode"], 401, "{error}");
    }
    // One batch spends at most one grant request on a failing refresh.
    assert_eq!(harness.api.tokens().grant_requests, 1);
    let stored = harness.stored(&account)?;
    assert_eq!(stored.status, AccountStatus::NeedsReauth);
    assert!(stored.last_error.is_some());

    // The next batch tries one refresh before it starts, then fails as a whole.
    let next = harness.post_items(&account, &["a"]).await?;
    let text = serde_json::to_string(&error_body(next, 401, "needs_reauth").await?)?;
    assert_no_secret(&text);
    assert_eq!(harness.api.tokens().grant_requests, 2);
    harness.stop().await
}

#[tokio::test]
async fn concurrent_batches_spend_one_refresh_token() -> TestResult {
    let harness = Harness::start().await?;
    let account = harness.account("prod", AccountStatus::NeedsReauth)?;

    let (first, second) = tokio::join!(
        harness.post_items(&account, &["a", "b"]),
        harness.post_items(&account, &["c", "d"]),
    );

    for response in [first?, second?] {
        assert_eq!(response.status().as_u16(), 200);
        let body: Value = response.json().await?;
        assert_eq!(body["errors"], json!({}), "{body}");
    }
    assert_eq!(harness.api.tokens().grant_requests, 1);
    let stored = harness.stored(&account)?;
    assert_eq!(stored.context["refresh_token"], "rt-1-issued");
    harness.stop().await
}

#[tokio::test]
async fn account_in_other_environment_is_not_refreshed() -> TestResult {
    let harness = Harness::start().await?;
    let account = harness.account("staging", AccountStatus::NeedsReauth)?;

    let response = harness.post_items(&account, &["a"]).await?;

    let error = error_body(response, 404, "not_found").await?;
    let missing = format!("integrated account '{}' not found", account.id);
    assert_eq!(error["message"], missing);
    assert_eq!(harness.api.tokens().grant_requests, 0);
    assert_eq!(harness.stored(&account)?.status, AccountStatus::NeedsReauth);
    harness.stop().await
}
