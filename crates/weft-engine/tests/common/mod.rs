//! Shared helpers: the test connectors under `tests/fixtures/connectors` and the real
//! Notion connector, a loopback HTTP server (axum on 127.0.0.1) that records requests,
//! an OAuth2 API that rotates tokens, and an in-memory credential store.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;
use weft_connector::{AccountContext, Connector, Registry};
use weft_engine::{BatchOutput, CredentialStore, Engine, Event, StoreFailure, Target};
use weft_spec::Plan;

pub type TestError = Box<dyn std::error::Error + Send + Sync>;
pub type TestResult = Result<(), TestError>;

pub fn fixture_connector(name: &str) -> Result<Arc<Connector>, TestError> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/connectors");
    let (registry, errors) = Registry::load(&[dir]);
    assert!(errors.is_empty(), "connectors failed to load: {errors:?}");
    Ok(registry.get(name).ok_or("test connector not found")?)
}

/// A target for the fixture connector `name` with this context and base URL.
pub fn target(name: &str, context: Value, base_url: String) -> Result<Target, TestError> {
    let connector = fixture_connector(name)?;
    let account = AccountContext {
        id: "account-1".into(),
        context: context.as_object().cloned().unwrap_or_default(),
        base_url: Some(base_url),
    };
    Ok(Target::new(connector, account, &[]))
}

/// Returns a target for the real Notion connector in `connectors/notion`, sending to `origin`.
pub fn notion_target(origin: &str) -> Result<Target, TestError> {
    let connectors = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../connectors");
    let (registry, errors) = Registry::load(&[connectors]);
    assert!(errors.is_empty(), "connectors failed to load: {errors:?}");
    let connector = registry.get("notion").ok_or("no notion connector")?;
    let mut context = Map::new();
    context.insert("access_token".into(), Value::String("token-1".into()));
    let account = AccountContext {
        id: "account-1".into(),
        context,
        base_url: Some(origin.to_owned()),
    };
    Ok(Target::new(connector, account, &[]))
}

pub fn plan(body: Value) -> Result<Plan, TestError> {
    weft_spec::plan_from_value(&body).map_err(|diagnostics| diagnostics.to_string().into())
}

/// A spec that gets one `items` record per id, concurrently.
pub fn items_spec(ids: &[&str]) -> Value {
    json!({
        "integrated_account_id": "account-1",
        "args": {"ids": ids},
        "resources": [{
            "name": "items",
            "resource": "items",
            "method": "get",
            "loop_on": "args.ids",
            "id": "{{args.ids}}",
            "persist": true
        }]
    })
}

pub struct Run {
    pub output: BatchOutput,
    pub events: Vec<Event>,
}

pub async fn run(engine: &Engine, plan: Plan, target: Target) -> Result<Run, TestError> {
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let output = engine.run(Arc::new(plan), target, Some(sender)).await;
    let mut events = Vec::new();
    while let Some(event) = receiver.recv().await {
        events.push(event);
    }
    Ok(Run { output, events })
}

pub fn record_ids(output: &BatchOutput, key: &str) -> Vec<String> {
    let records = output.result[key].as_array().cloned().unwrap_or_default();
    let ids = records
        .iter()
        .map(|record| record["id"].as_str().unwrap_or("<no id>").to_owned());
    ids.collect()
}

/// A request the loopback server received, with the time it arrived on tokio's clock.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// Path and query.
    pub uri: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub at: tokio::time::Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        let mut headers = self.headers.iter();
        let found = headers.find(|(key, _)| key.eq_ignore_ascii_case(name));
        found.map(|(_, value)| value.as_str())
    }

    pub fn path(&self) -> &str {
        self.uri.split('?').next().unwrap_or_default()
    }
}

/// Status, headers and JSON body of a reply.
pub type Reply = (u16, Vec<(String, String)>, Value);

/// Status, headers and body bytes of a reply, sent without a content type of its own.
pub type RawReply = (u16, Vec<(String, String)>, Vec<u8>);

type Responder = Arc<dyn Fn(&Received) -> RawReply + Send + Sync>;

/// An HTTP server on 127.0.0.1 that records every request and replies with a function.
pub struct Loopback {
    /// `http://127.0.0.1:<port>`.
    pub origin: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Loopback {
    pub async fn start(respond: impl Fn(&Received) -> Reply + Send + Sync + 'static) -> Loopback {
        Loopback::start_raw(move |request| {
            let (status, mut headers, body) = respond(request);
            headers.insert(0, ("content-type".into(), "application/json".into()));
            (status, headers, body.to_string().into_bytes())
        })
        .await
    }

    /// Starts a server whose replies are bytes, for bodies that are not JSON.
    pub async fn start_raw(
        respond: impl Fn(&Received) -> RawReply + Send + Sync + 'static,
    ) -> Loopback {
        let received = Arc::new(Mutex::new(Vec::new()));
        let respond: Responder = Arc::new(respond);
        let log = received.clone();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let (respond, log) = (respond.clone(), log.clone());
                async move {
                    let request = Received {
                        method: method.to_string(),
                        uri: uri.to_string(),
                        headers: header_pairs(&headers),
                        body: body.to_vec(),
                        at: tokio::time::Instant::now(),
                    };
                    let reply = respond(&request);
                    log.lock().unwrap().push(request);
                    response(reply)
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Loopback {
            origin: format!("http://{address}"),
            received,
        }
    }

    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    let pairs = headers.iter();
    let pairs = pairs.map(|(name, value)| (name.to_string(), value.to_str().unwrap_or("").into()));
    pairs.collect()
}

fn response((status, headers, body): RawReply) -> Response {
    let mut response = Response::builder().status(StatusCode::from_u16(status).unwrap());
    for (name, value) in headers {
        response = response.header(name, value);
    }
    response.body(Body::from(body)).unwrap()
}

/// Token state of [`OAuthApi`].
#[derive(Debug, Default)]
pub struct Tokens {
    /// The only access token the API accepts.
    pub access: String,
    /// The only refresh token the token endpoint accepts; each refresh rotates it.
    pub refresh: String,
    /// When true, the token endpoint rejects every grant.
    pub reject_grants: bool,
    /// Successful refreshes so far.
    pub refreshes: usize,
    /// Requests to the token endpoint so far.
    pub grant_requests: usize,
    /// 401 responses of the API so far.
    pub unauthorized: usize,
}

/// An API at `/api/items/{id}` that takes bearer tokens, and its token endpoint at
/// `/oauth/token`, which issues `access-N` and `refresh-N` and rotates both.
pub struct OAuthApi {
    pub server: Loopback,
    pub tokens: Arc<Mutex<Tokens>>,
}

impl OAuthApi {
    pub async fn start(access: &str, refresh: &str) -> OAuthApi {
        let tokens = Arc::new(Mutex::new(Tokens {
            access: access.into(),
            refresh: refresh.into(),
            ..Tokens::default()
        }));
        let state = tokens.clone();
        let server = Loopback::start(move |request| {
            let mut tokens = state.lock().unwrap();
            match request.path() {
                "/oauth/token" => grant(&mut tokens, request),
                path => item(&mut tokens, request, path),
            }
        })
        .await;
        OAuthApi { server, tokens }
    }

    pub fn base_url(&self) -> String {
        format!("{}/api", self.server.origin)
    }

    /// A context with these tokens and the token endpoint's URL.
    pub fn context(&self, access: &str, refresh: &str) -> Value {
        json!({
            "access_token": access,
            "refresh_token": refresh,
            "token_url": format!("{}/oauth/token", self.server.origin),
        })
    }

    pub fn tokens(&self) -> std::sync::MutexGuard<'_, Tokens> {
        self.tokens.lock().unwrap()
    }
}

fn grant(tokens: &mut Tokens, request: &Received) -> Reply {
    tokens.grant_requests += 1;
    let body = String::from_utf8_lossy(&request.body);
    let offered = body
        .split('&')
        .find_map(|pair| pair.strip_prefix("refresh_token="));
    if tokens.reject_grants || offered != Some(tokens.refresh.as_str()) {
        return (400, vec![], json!({"error": "invalid_grant"}));
    }
    tokens.refreshes += 1;
    tokens.access = format!("access-{}", tokens.refreshes);
    tokens.refresh = format!("refresh-{}", tokens.refreshes);
    let token = json!({
        "access_token": tokens.access,
        "refresh_token": tokens.refresh,
        "expires_in": 3600
    });
    (200, vec![], token)
}

fn item(tokens: &mut Tokens, request: &Received, path: &str) -> Reply {
    let expected = format!("Bearer {}", tokens.access);
    if request.header("authorization") != Some(expected.as_str()) {
        tokens.unauthorized += 1;
        return (401, vec![], json!({"message": "the access token expired"}));
    }
    let id = path.rsplit('/').next().unwrap_or_default();
    (200, vec![], json!({"id": id}))
}

/// A credential store in memory, standing in for the account store the facade uses.
#[derive(Default)]
pub struct MemoryStore {
    pub context: Mutex<Map<String, Value>>,
    pub saves: Mutex<Vec<Map<String, Value>>>,
    pub needs_reauth: Mutex<Option<String>>,
}

impl MemoryStore {
    pub fn new(context: &Value) -> Arc<MemoryStore> {
        let store = MemoryStore::default();
        *store.context.lock().unwrap() = context.as_object().cloned().unwrap_or_default();
        Arc::new(store)
    }
}

impl CredentialStore for MemoryStore {
    fn load(&self, _account_id: &str) -> Result<Option<Map<String, Value>>, StoreFailure> {
        Ok(Some(self.context.lock().unwrap().clone()))
    }

    fn save(&self, _account_id: &str, fields: &Map<String, Value>) -> Result<(), StoreFailure> {
        let mut context = self.context.lock().unwrap();
        context.extend(
            fields
                .iter()
                .map(|(key, value)| (key.clone(), value.clone())),
        );
        self.saves.lock().unwrap().push(fields.clone());
        *self.needs_reauth.lock().unwrap() = None;
        Ok(())
    }

    fn mark_needs_reauth(&self, _account_id: &str, reason: &str) -> Result<(), StoreFailure> {
        *self.needs_reauth.lock().unwrap() = Some(reason.to_owned());
        Ok(())
    }
}
