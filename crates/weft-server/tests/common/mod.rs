//! A real server on 127.0.0.1:0 over a store in a temp folder, the repository's Notion
//! connector, and a replay server responding from `examples/notion/workspace.har`.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use weft::Registry;
use weft::replay::{Har, ReplayServer};
use weft::store::{Account, NewAccount, Store, StoreOptions};
use weft_server::{Server, ServerConfig};

pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// The Notion token of the test account; it must never show up in a response.
pub const SECRET: &str = "secret_notion_token_0123456789";

pub fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

pub struct Harness {
    pub url: String,
    pub store: Arc<Store>,
    pub replay: ReplayServer,
    pub client: reqwest::Client,
    /// Token of environment `prod`.
    pub token: String,
    /// Token of environment `staging`.
    pub other_token: String,
    /// Notion account in `prod`.
    pub account: Account,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Harness {
    pub async fn start() -> TestResult<Harness> {
        Harness::with_config(ServerConfig::default()).await
    }

    pub async fn with_config(config: ServerConfig) -> TestResult<Harness> {
        let dir = tempfile::tempdir()?;
        let store = Arc::new(Store::open_with(
            dir.path(),
            &StoreOptions::key_file_only(),
        )?);
        let (registry, errors) = Registry::load(&[repo_path("connectors")]);
        assert!(errors.is_empty(), "connectors failed to load: {errors:?}");
        let registry = Arc::new(registry);
        let har = Har::from_path(repo_path("examples/notion/workspace.har"))?;
        let replay = weft::replay::serve(har, ([127, 0, 0, 1], 0).into()).await?;

        store.create_environment("prod")?;
        store.create_environment("staging")?;
        let token = issue(&store, "prod")?;
        let other_token = issue(&store, "staging")?;
        let account = notion_account(&store, &registry, "prod", &replay)?;

        let server = Server::new(store.clone(), registry, config)?;
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
            replay,
            client: reqwest::Client::new(),
            token,
            other_token,
            account,
            stop: Some(stop),
            task: Some(task),
            _dir: dir,
        })
    }

    /// The example batch with its account id replaced by the test account's.
    pub fn example_batch(&self) -> TestResult<Value> {
        example_batch(&self.account.id)
    }

    pub async fn post_batch(
        &self,
        token: &str,
        body: &Value,
        key: Option<&str>,
    ) -> TestResult<reqwest::Response> {
        let mut request = self
            .client
            .post(format!("{}/batch-request", self.url))
            .bearer_auth(token)
            .json(body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        Ok(request.send().await?)
    }

    /// Upstream requests the replay server has served so far.
    pub fn upstream_hits(&self) -> usize {
        self.replay.hit_counts().iter().sum()
    }

    /// Starts the server's shutdown without waiting for it.
    pub fn begin_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    pub async fn stop(mut self) -> TestResult {
        self.begin_stop();
        if let Some(task) = self.task.take() {
            task.await?;
        }
        Ok(())
    }
}

pub fn example_batch(account_id: &str) -> TestResult<Value> {
    let text = std::fs::read_to_string(repo_path("examples/notion/page-to-markdown.json"))?;
    let mut body: Value = serde_json::from_str(&text)?;
    body["integrated_account_id"] = json!(account_id);
    Ok(body)
}

pub fn issue(store: &Store, environment: &str) -> TestResult<String> {
    let new = weft::store::NewApiToken {
        environment: environment.to_owned(),
        name: format!("{environment}-tests"),
        expires_at: None,
    };
    Ok(store.create_api_token(new)?.secret)
}

pub fn notion_account(
    store: &Store,
    registry: &Registry,
    environment: &str,
    replay: &ReplayServer,
) -> TestResult<Account> {
    let connector = registry.get("notion").ok_or("no notion connector")?;
    let mut context = Map::new();
    for field in connector.secret_fields() {
        context.insert(field.clone(), json!(SECRET));
    }
    let mut new = NewAccount::new("notion", context);
    new.environment = environment.to_owned();
    new.base_url = Some(replay.base_url());
    new.secret_fields = connector.secret_fields().to_vec();
    Ok(store.create_account(new)?)
}

/// Reads an error response and checks its shape.
pub async fn error_body(response: reqwest::Response, status: u16, code: &str) -> TestResult<Value> {
    assert_eq!(response.status().as_u16(), status);
    let body: Value = response.json().await?;
    assert_eq!(body["statusCode"], json!(status), "{body}");
    assert_eq!(body["code"], json!(code), "{body}");
    assert!(
        body["error"].is_string() && body["message"].is_string(),
        "{body}"
    );
    Ok(body)
}

/// An upstream that reports each request when it arrives and responds only when
/// released, so a test can act while a batch is waiting on it.
pub async fn held_upstream() -> TestResult<(String, mpsc::Receiver<()>, oneshot::Sender<()>)> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let url = format!("http://{}", listener.local_addr()?);
    let (arrived_tx, arrived_rx) = mpsc::channel(4);
    let (release_tx, release_rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        let mut request = Vec::new();
        let mut buffer = [0u8; 4096];
        while !request.windows(4).any(|window| window == b"\r\n\r\n") {
            match socket.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(read) => request.extend_from_slice(&buffer[..read]),
            }
        }
        let _ = arrived_tx.send(()).await;
        let _ = release_rx.await;
        let body = r#"{"object":"list","results":[],"has_more":false,"next_cursor":null}"#;
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = socket.write_all(response.as_bytes()).await;
    });
    Ok((url, arrived_rx, release_tx))
}

pub fn one_request_batch(account_id: &str) -> Value {
    json!({
        "integrated_account_id": account_id,
        "resources": [{"name": "blocks", "resource": "block-children", "method": "list",
                       "query": {"block_id": "b1"}, "persist": true}]
    })
}

/// A Notion account in `prod` whose calls go to `base_url`.
pub fn account_at(store: &Store, base_url: String) -> TestResult<Account> {
    let mut context = Map::new();
    context.insert("access_token".to_owned(), json!(SECRET));
    let mut new = NewAccount::new("notion", context);
    new.environment = "prod".to_owned();
    new.base_url = Some(base_url);
    Ok(store.create_account(new)?)
}
