//! The HTTP server that responds to requests with recorded entries.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::ReplayError;
use crate::har::Har;
use crate::matcher::{Incoming, Matcher};
use crate::prepare::{self, Canned};

/// Largest request body the server reads, in bytes.
const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Request headers whose values are hidden from `Debug` output of the log.
const SENSITIVE_HEADERS: [header::HeaderName; 3] = [
    header::AUTHORIZATION,
    header::PROXY_AUTHORIZATION,
    header::COOKIE,
];

/// One request the server received, in arrival order.
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    /// HTTP method.
    pub method: Method,
    /// The path as sent, not decoded.
    pub path: String,
    /// The raw query string, without the `?`.
    pub query: Option<String>,
    /// Request headers. Values of `authorization`, `proxy-authorization` and
    /// `cookie` are marked sensitive, so `Debug` prints them as `Sensitive`.
    pub headers: HeaderMap,
    /// The request body, as UTF-8 with invalid bytes replaced.
    pub body: String,
    /// The entry that was served, or `None` when the server returned 404.
    pub entry: Option<usize>,
    /// The status code sent back.
    pub status: StatusCode,
}

/// A running replay server. Dropping it also stops the server, without waiting.
#[derive(Debug)]
pub struct ReplayServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

#[derive(Debug)]
struct Shared {
    matcher: Matcher,
    responses: Vec<Option<Canned>>,
    state: Mutex<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    /// Next position within each group of equally specific entries, keyed by the
    /// group's entry indices.
    cursors: HashMap<Vec<usize>, usize>,
    hits: Vec<usize>,
    log: Vec<LoggedRequest>,
}

/// Starts serving `har` on `listen` and returns once the socket is bound.
///
/// Pass port 0 to let the operating system choose a free port, then read it from
/// [`ReplayServer::local_addr`]. Fails when an entry cannot be replayed or the
/// address cannot be bound.
pub async fn serve(har: Har, listen: SocketAddr) -> Result<ReplayServer, ReplayError> {
    let prepared = prepare::prepare(&har)?;
    for index in prepared.skipped() {
        let url = prepare::shown(&har.log.entries[index].request.url);
        tracing::warn!(entry = index, url, "skipping entry without a response");
    }
    let skipped = prepared.skipped().count();
    let served = prepared.rules.len();
    let bind_error = |source| ReplayError::Bind {
        addr: listen,
        source,
    };
    let listener = TcpListener::bind(listen).await.map_err(bind_error)?;
    let addr = listener.local_addr().map_err(bind_error)?;
    let mut prepared = prepared;
    prepare::point_urls_at(&mut prepared.responses, &har, &format!("http://{addr}"));

    let shared = Arc::new(Shared {
        matcher: Matcher::new(prepared.rules),
        state: Mutex::new(Counters {
            hits: vec![0; prepared.responses.len()],
            ..Counters::default()
        }),
        responses: prepared.responses,
    });
    let router = Router::new()
        .fallback(replay)
        .with_state(Arc::clone(&shared));

    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        // An error from `stopped` means the ReplayServer was dropped, so stop as well.
        let signal = async move {
            let _ = stopped.await;
        };
        axum::serve(listener, router)
            .with_graceful_shutdown(signal)
            .await
    });
    tracing::info!(%addr, entries = served, skipped, "replay server listening");
    Ok(ReplayServer {
        addr,
        shared,
        stop,
        task,
    })
}

impl ReplayServer {
    /// Returns the address the server listens on, with the port the system chose.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Returns the server's URL without a trailing slash, such as `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Returns every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.counters().log.clone()
    }

    /// Returns the requests that matched no entry and got a 404.
    pub fn unmatched(&self) -> Vec<LoggedRequest> {
        let counters = self.shared.counters();
        counters
            .log
            .iter()
            .filter(|r| r.entry.is_none())
            .cloned()
            .collect()
    }

    /// Returns how many times each entry was served, indexed like `log.entries`.
    pub fn hit_counts(&self) -> Vec<usize> {
        self.shared.counters().hits.clone()
    }

    /// Stops accepting connections, lets open requests finish, and waits for the
    /// server task. Fails when the server stopped with an I/O error or panicked.
    pub async fn shutdown(self) -> Result<(), ReplayError> {
        let addr = self.addr;
        // A send error means the server task has already ended, which `task` reports.
        let _ = self.stop.send(());
        let serve_error = |message: String| ReplayError::Serve { addr, message };
        match self.task.await {
            Ok(Ok(())) => {
                tracing::info!(%addr, "replay server stopped");
                Ok(())
            }
            Ok(Err(error)) => Err(serve_error(error.to_string())),
            Err(error) => Err(serve_error(error.to_string())),
        }
    }
}

impl Shared {
    fn counters(&self) -> MutexGuard<'_, Counters> {
        // A panic while holding the lock cannot leave the counters inconsistent in a
        // way that matters for replay, so a poisoned lock is still used.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Picks the entry that answers `request` and advances its group's cursor. The
    /// last entry of a group answers every request after the group is used up.
    fn choose(&self, request: &Incoming) -> Option<usize> {
        let group = self.matcher.best_group(request);
        let last = group.len().checked_sub(1)?;
        let mut counters = self.counters();
        let cursor = counters.cursors.entry(group.clone()).or_insert(0);
        let chosen = group[(*cursor).min(last)];
        *cursor = (*cursor + 1).min(group.len());
        counters.hits[chosen] += 1;
        Some(chosen)
    }
}

async fn replay(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match to_bytes(body, BODY_LIMIT).await {
        Ok(body) => body,
        Err(error) => {
            tracing::warn!(%error, path = parts.uri.path(), "failed to read request body");
            let message = format!("failed to read request body: {error}");
            return (StatusCode::PAYLOAD_TOO_LARGE, message).into_response();
        }
    };
    let incoming = Incoming::new(
        parts.method.as_str(),
        parts.uri.path(),
        parts.uri.query(),
        &body,
    );
    let chosen = shared.choose(&incoming);
    let response = match chosen.and_then(|index| shared.responses[index].as_ref()) {
        Some(canned) => canned_response(canned),
        None => not_found(&shared, &incoming),
    };
    let (method, path) = (&incoming.method, &incoming.path);
    match chosen {
        Some(entry) => tracing::debug!(%method, %path, entry, "replayed entry"),
        None => {
            tracing::warn!(%method, %path, query = ?parts.uri.query(), "no recorded entry matches request")
        }
    }

    shared.counters().log.push(LoggedRequest {
        method: parts.method,
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: hide_secrets(parts.headers),
        body: incoming.body,
        entry: chosen,
        status: response.status(),
    });
    response
}

fn hide_secrets(mut headers: HeaderMap) -> HeaderMap {
    for name in SENSITIVE_HEADERS {
        if let header::Entry::Occupied(mut occupied) = headers.entry(name) {
            occupied
                .iter_mut()
                .for_each(|value| value.set_sensitive(true));
        }
    }
    headers
}

fn canned_response(canned: &Canned) -> Response {
    let mut response = Response::new(Body::from(canned.body.clone()));
    *response.status_mut() = canned.status;
    *response.headers_mut() = canned.headers.clone();
    response
}

fn not_found(shared: &Shared, request: &Incoming) -> Response {
    let body = json!({
        "error": "no recorded entry matches the request",
        "request": {
            "method": request.method,
            "path": request.path,
            "query": request.query,
        },
        "closest": shared.matcher.closest(request),
    });
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}
