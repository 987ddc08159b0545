//! Shared helpers: fixture paths, a loopback HTTP server and an `HttpSend` over reqwest.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use weft_connector::{HttpRequest, HttpResponse, HttpSend, SendFuture};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

pub fn fixtures(set: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(set)
}

pub fn builtin_connectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../connectors")
}

/// A request the loopback server received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub uri: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// A canned response: status, headers, body.
pub type Reply = (u16, Vec<(String, String)>, Vec<u8>);

type Responder = Arc<dyn Fn(&Received) -> Reply + Send + Sync>;

/// A loopback HTTP server on 127.0.0.1 that records every request and replies with the
/// given function.
pub struct Loopback {
    pub base_url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
}

impl Loopback {
    pub async fn start(respond: impl Fn(&Received) -> Reply + Send + Sync + 'static) -> Loopback {
        let received = Arc::new(Mutex::new(Vec::new()));
        let respond: Responder = Arc::new(respond);
        let log = Arc::clone(&received);
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let respond = Arc::clone(&respond);
                let log = Arc::clone(&log);
                async move {
                    let request = Received {
                        method: method.to_string(),
                        uri: uri.to_string(),
                        headers: headers
                            .iter()
                            .map(|(name, value)| {
                                (name.to_string(), value.to_str().unwrap_or("").to_string())
                            })
                            .collect(),
                        body: body.to_vec(),
                    };
                    let (status, headers, body) = respond(&request);
                    log.lock().unwrap().push(request);
                    let mut response =
                        Response::builder().status(StatusCode::from_u16(status).unwrap());
                    for (name, value) in headers {
                        response = response.header(name, value);
                    }
                    response.body(Body::from(body)).unwrap()
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Loopback {
            base_url: format!("http://{address}"),
            received,
        }
    }

    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

pub fn json_reply(status: u16, body: serde_json::Value) -> Reply {
    (
        status,
        vec![("content-type".into(), "application/json".into())],
        body.to_string().into_bytes(),
    )
}

/// The engine's side of `HttpSend`, played by a plain reqwest client.
pub struct ReqwestSend {
    client: reqwest::Client,
}

impl ReqwestSend {
    pub fn shared() -> Arc<dyn HttpSend> {
        Arc::new(ReqwestSend {
            client: reqwest::Client::new(),
        })
    }
}

impl HttpSend for ReqwestSend {
    fn send(&self, req: HttpRequest) -> SendFuture<'_> {
        Box::pin(async move {
            let method = reqwest::Method::from_bytes(req.method.as_bytes())
                .map_err(|error| error.to_string())?;
            let mut builder = self.client.request(method, &req.url);
            for (name, value) in &req.headers {
                builder = builder.header(name, value);
            }
            if let Some(body) = req.body {
                builder = builder.body(body);
            }
            let response = builder.send().await.map_err(|error| error.to_string())?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_str().unwrap_or("").to_string()))
                .collect();
            let body = response
                .bytes()
                .await
                .map_err(|error| error.to_string())?
                .to_vec();
            Ok(HttpResponse {
                status,
                headers,
                body,
            })
        })
    }
}

/// An `HttpSend` whose requests never finish, for wall-clock budget tests.
pub struct StalledSend;

impl HttpSend for StalledSend {
    fn send(&self, _req: HttpRequest) -> SendFuture<'_> {
        Box::pin(std::future::pending())
    }
}

pub fn response(status: u16, body: serde_json::Value) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.to_string().into_bytes(),
    }
}

pub fn body_json(request: &HttpRequest) -> serde_json::Value {
    serde_json::from_slice(request.body.as_deref().unwrap_or(b"null")).unwrap()
}
