//! The engine's HTTP client: reqwest with retries, rate-limit waits, a body size limit
//! and a per-batch limit on requests in flight. Connectors reach it through
//! [`crate::auth::NodeHttp`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use weft_connector::{Connector, HttpRequest, HttpResponse, RateLimitHeaders};

use crate::accounts::AccountState;
use crate::event::{Event, Events};
use crate::failure::Failure;
use crate::options::{Options, RetryPolicy};
use crate::rate_limit::{retry_after, window_exhausted};
use crate::target::Redactor;

/// Why a request got no usable response.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum Transport {
    /// The server could not be reached or the connection broke (retried).
    #[error("connection to {path} failed: {message}")]
    Connection { path: String, message: String },
    /// The body grew past the configured limit.
    #[error("response body of {path} exceeds the limit of {limit} bytes")]
    TooLarge { path: String, limit: usize },
    /// The request itself cannot be sent (bad method or URL).
    #[error("invalid request: {message}")]
    Invalid { message: String },
}

impl Transport {
    fn is_retryable(&self) -> bool {
        matches!(self, Transport::Connection { .. })
    }
}

/// The future [`Resign::resign`] returns.
pub(crate) type ResignFuture<'a> =
    Pin<Box<dyn Future<Output = Result<HttpRequest, Failure>> + Send + 'a>>;

/// Rebuilds a request's credentials and signature before a retry, so a signature with
/// a timestamp stays fresh and a retry uses credentials refreshed meanwhile.
pub(crate) trait Resign: Send + Sync {
    fn resign(&self, request: HttpRequest) -> ResignFuture<'_>;
}

/// Sends retries as they are, for requests the engine cannot sign again.
pub(crate) struct AsBuilt;

impl Resign for AsBuilt {
    fn resign(&self, request: HttpRequest) -> ResignFuture<'_> {
        Box::pin(std::future::ready(Ok(request)))
    }
}

/// The retry and rate-limit declarations of one account's API, and the account's
/// shared rate-limit window.
#[derive(Default)]
pub(crate) struct Upstream {
    pub(crate) retryable_statuses: Vec<u16>,
    pub(crate) rate_limit: RateLimitHeaders,
    pub(crate) account: Arc<AccountState>,
}

impl Upstream {
    pub(crate) fn new(connector: &Connector, account: Arc<AccountState>) -> Self {
        Upstream {
            retryable_statuses: connector.retryable_statuses().to_vec(),
            rate_limit: connector.rate_limit_headers().clone(),
            account,
        }
    }
}

/// Shared client for one batch.
pub(crate) struct HttpClient {
    client: reqwest::Client,
    retry: RetryPolicy,
    upstream: Upstream,
    max_body: usize,
    permits: Arc<Semaphore>,
    events: Events,
    redactor: Redactor,
}

impl HttpClient {
    pub(crate) fn new(
        client: reqwest::Client,
        options: &Options,
        upstream: Upstream,
        events: Events,
        redactor: Redactor,
    ) -> Self {
        HttpClient {
            client,
            retry: options.retry.clone(),
            upstream,
            max_body: options.max_response_bytes,
            permits: Arc::new(Semaphore::new(options.concurrency.max(1))),
            events,
            redactor,
        }
    }

    pub(crate) fn events(&self) -> &Events {
        &self.events
    }

    pub(crate) fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Sends `request` as it is, retrying retryable statuses and connection errors.
    pub(crate) async fn send(
        &self,
        node: Option<&str>,
        request: HttpRequest,
    ) -> Result<HttpResponse, Failure> {
        self.send_with(node, request, &AsBuilt).await.1
    }

    /// Sends `request`, retrying retryable statuses and connection errors with the
    /// request that `resign` rebuilds. Returns the request last sent and its outcome;
    /// once retries run out, the last response is returned whatever its status.
    pub(crate) async fn send_with(
        &self,
        node: Option<&str>,
        mut request: HttpRequest,
        resign: &dyn Resign,
    ) -> (HttpRequest, Result<HttpResponse, Failure>) {
        let mut retry = 0;
        loop {
            let outcome = self.attempt(node, &request).await;
            let delay = match self.retry_delay(&outcome, retry) {
                Some(delay) if retry < self.retry.max_retries => delay,
                _ => return (request, outcome.map_err(Failure::from)),
            };
            self.report_retry(node, retry + 1, &outcome, delay);
            tokio::time::sleep(delay).await;
            retry += 1;
            request = match resign.resign(request.clone()).await {
                Ok(signed) => signed,
                Err(failure) => return (request, Err(failure)),
            };
        }
    }

    /// The wait before retrying `outcome`, or `None` when it is final.
    fn retry_delay(
        &self,
        outcome: &Result<HttpResponse, Transport>,
        retry: u32,
    ) -> Option<Duration> {
        let limits = &self.upstream.rate_limit;
        let delay = match outcome {
            Ok(response) if self.upstream.retryable_statuses.contains(&response.status) => {
                retry_after(limits, &response.headers)
                    .or_else(|| window_exhausted(limits, &response.headers))
                    .unwrap_or_else(|| self.retry.backoff(retry))
            }
            Err(error) if error.is_retryable() => self.retry.backoff(retry),
            _ => return None,
        };
        Some(delay.min(self.retry.max_backoff))
    }

    fn report_retry(
        &self,
        node: Option<&str>,
        attempt: u32,
        outcome: &Result<HttpResponse, Transport>,
        delay: Duration,
    ) {
        let (status, reason) = match outcome {
            Ok(response) => (Some(response.status), format!("status {}", response.status)),
            Err(error) => (None, self.redactor.text(&error.to_string())),
        };
        tracing::debug!(
            node,
            attempt,
            status,
            delay_ms = delay.as_millis() as u64,
            "retrying"
        );
        self.events.send(Event::Retrying {
            node: node.map(str::to_owned),
            attempt,
            status,
            reason,
            delay_ms: delay.as_millis() as u64,
        });
    }

    /// One attempt, after the account's rate-limit window allows it, holding a permit
    /// of the batch's concurrency limit while it runs.
    async fn attempt(
        &self,
        node: Option<&str>,
        request: &HttpRequest,
    ) -> Result<HttpResponse, Transport> {
        self.wait_for_window(node).await;
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| Transport::Invalid {
                message: "the batch is shutting down".into(),
            })?;
        let path = url_path(&request.url);
        let response = self
            .build(request)?
            .send()
            .await
            .map_err(|error| sending_failed(error, &path))?;
        let response = self.read(response, path).await?;
        self.note_window(&response);
        Ok(response)
    }

    /// Waits while an earlier response reported that the account has no requests left in the
    /// current rate-limit window.
    async fn wait_for_window(&self, node: Option<&str>) {
        while let Some(until) = self.upstream.account.rate_limited_until() {
            let delay_ms = until.saturating_duration_since(Instant::now()).as_millis() as u64;
            tracing::debug!(node, delay_ms, "waiting for the rate-limit window");
            self.events.send(Event::RateLimited {
                node: node.map(str::to_owned),
                delay_ms,
            });
            tokio::time::sleep_until(until).await;
        }
    }

    /// Holds back the account's later requests until the window resets when
    /// `response` reports that no requests are left.
    fn note_window(&self, response: &HttpResponse) {
        let Some(wait) = window_exhausted(&self.upstream.rate_limit, &response.headers) else {
            return;
        };
        // NOTE: a reset further away than `max_backoff` is cut short to `max_backoff`, so
        // that a batch never hangs for an hour-long window. Requests sent early then get
        // 429 and retry.
        let wait = wait.min(self.retry.max_backoff);
        self.upstream.account.hold_until(Instant::now() + wait);
    }

    fn build(&self, request: &HttpRequest) -> Result<reqwest::RequestBuilder, Transport> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|_| {
            Transport::Invalid {
                message: format!("invalid HTTP method '{}'", request.method),
            }
        })?;
        let url = reqwest::Url::parse(&request.url).map_err(|error| Transport::Invalid {
            message: format!("invalid URL '{}': {error}", url_path(&request.url)),
        })?;
        let mut builder = self.client.request(method, url);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        Ok(builder)
    }

    async fn read(
        &self,
        mut response: reqwest::Response,
        path: String,
    ) -> Result<HttpResponse, Transport> {
        let too_large = |path: String| Transport::TooLarge {
            path,
            limit: self.max_body,
        };
        if response
            .content_length()
            .is_some_and(|len| len > self.max_body as u64)
        {
            return Err(too_large(path));
        }
        let status = response.status().as_u16();
        let headers = header_pairs(response.headers());
        let mut body = Vec::new();
        loop {
            let chunk = response
                .chunk()
                .await
                .map_err(|error| Transport::Connection {
                    path: path.clone(),
                    message: describe(error),
                })?;
            let Some(chunk) = chunk else { break };
            if body.len() + chunk.len() > self.max_body {
                return Err(too_large(path));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

/// The URL's path without query or credentials, safe for messages and logs.
pub(crate) fn url_path(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(url) => url.path().to_owned(),
        Err(_) => "<invalid url>".to_owned(),
    }
}

fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_owned(), value)
        })
        .collect()
}

/// Classifies a failed send: a request reqwest refuses to build (an unsupported URL
/// scheme) is invalid and never retried; anything else is a connection failure.
fn sending_failed(error: reqwest::Error, path: &str) -> Transport {
    if error.is_builder() {
        return Transport::Invalid {
            message: describe(error),
        };
    }
    Transport::Connection {
        path: path.to_owned(),
        message: describe(error),
    }
}

/// reqwest's message plus its causes, without the URL (which may carry a key).
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// Serves `200 {}` after a short delay, recording the most requests seen at once.
    async fn slow_server(peak: Arc<AtomicUsize>) -> std::io::Result<String> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/slow", listener.local_addr()?);
        let in_flight = Arc::new(AtomicUsize::new(0));
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (peak, in_flight) = (peak.clone(), in_flight.clone());
                tokio::spawn(async move {
                    let mut buffer = [0u8; 4096];
                    while matches!(socket.read(&mut buffer).await, Ok(read) if read > 0) {
                        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(now, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        in_flight.fetch_sub(1, Ordering::SeqCst);
                        let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
                        if socket.write_all(reply).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        Ok(url)
    }

    #[tokio::test]
    async fn concurrency_limit_caps_requests_in_flight() -> Result<(), Box<dyn std::error::Error>> {
        let peak = Arc::new(AtomicUsize::new(0));
        let url = slow_server(peak.clone()).await?;
        let options = Options::default().with_concurrency(3);
        let client = HttpClient::new(
            reqwest::Client::new(),
            &options,
            Upstream::default(),
            Events::default(),
            Redactor::default(),
        );
        let request = HttpRequest {
            method: "GET".into(),
            url,
            headers: Vec::new(),
            body: None,
        };
        let sends = (0..20).map(|_| client.send(None, request.clone()));
        for response in futures::future::join_all(sends).await {
            let response = response.map_err(|failure| failure.message())?;
            assert_eq!(response.status, 200);
        }
        assert_eq!(peak.load(Ordering::SeqCst), 3);
        Ok(())
    }

    #[test]
    fn url_path_drops_query() {
        assert_eq!(url_path("https://x.test/v1/a?key=secret"), "/v1/a");
    }
}
