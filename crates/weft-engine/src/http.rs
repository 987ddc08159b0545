//! The engine's HTTP client: reqwest with retries, a body size limit and a per-batch
//! limit on requests in flight. Connectors get it as their [`HttpSend`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use tokio::sync::Semaphore;
use weft_connector::{HttpRequest, HttpResponse, HttpSend};

use crate::event::{Event, Events};
use crate::options::{Options, RetryPolicy};
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

/// Shared client for one batch.
pub(crate) struct HttpClient {
    client: reqwest::Client,
    retry: RetryPolicy,
    retryable_statuses: Vec<u16>,
    max_body: usize,
    permits: Arc<Semaphore>,
    events: Events,
    redactor: Redactor,
}

impl HttpClient {
    pub(crate) fn new(
        client: reqwest::Client,
        options: &Options,
        retryable_statuses: &[u16],
        events: Events,
        redactor: Redactor,
    ) -> Self {
        HttpClient {
            client,
            retry: options.retry.clone(),
            retryable_statuses: retryable_statuses.to_vec(),
            max_body: options.max_response_bytes,
            permits: Arc::new(Semaphore::new(options.concurrency.max(1))),
            events,
            redactor,
        }
    }

    /// Sends `request`, retrying retryable statuses and connection errors. The last
    /// response is returned as it is, whatever its status, once retries run out.
    pub(crate) async fn send(
        &self,
        node: Option<&str>,
        request: &HttpRequest,
    ) -> Result<HttpResponse, Transport> {
        let mut retry = 0;
        loop {
            let outcome = self.attempt(request).await;
            let delay = match &outcome {
                Ok(response) if self.retryable_statuses.contains(&response.status) => {
                    retry_after(&response.headers).unwrap_or_else(|| self.retry.backoff(retry))
                }
                Err(error) if error.is_retryable() => self.retry.backoff(retry),
                _ => return outcome,
            };
            if retry >= self.retry.max_retries {
                return outcome;
            }
            let delay = delay.min(self.retry.max_backoff);
            self.report_retry(node, retry + 1, &outcome, delay);
            tokio::time::sleep(delay).await;
            retry += 1;
        }
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

    /// One attempt, holding a permit of the batch's concurrency limit while it runs.
    async fn attempt(&self, request: &HttpRequest) -> Result<HttpResponse, Transport> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| Transport::Invalid {
                message: "the batch is shutting down".into(),
            })?;
        let path = url_path(&request.url);
        let response =
            self.build(request)?
                .send()
                .await
                .map_err(|error| Transport::Connection {
                    path: path.clone(),
                    message: describe(error),
                })?;
        self.read(response, path).await
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

/// The [`HttpSend`] handed to a connector for calls of one node, so retries are
/// reported under that node.
pub(crate) struct NodeHttp {
    pub(crate) client: Arc<HttpClient>,
    pub(crate) node: String,
}

impl HttpSend for NodeHttp {
    fn send(
        &self,
        request: HttpRequest,
    ) -> Pin<Box<dyn Future<Output = Result<HttpResponse, String>> + Send + '_>> {
        Box::pin(async move {
            self.client
                .send(Some(&self.node), &request)
                .await
                .map_err(|error| error.to_string())
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

/// Reads `Retry-After` as seconds or as an HTTP date.
fn retry_after(headers: &[(String, String)]) -> Option<Duration> {
    let value = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(RETRY_AFTER.as_str()))
        .map(|(_, value)| value.trim())?;
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = date.signed_duration_since(chrono::Utc::now());
    Some(wait.to_std().unwrap_or(Duration::ZERO))
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
            &[],
            Events::default(),
            Redactor::default(),
        );
        let request = HttpRequest {
            method: "GET".into(),
            url,
            headers: Vec::new(),
            body: None,
        };
        let sends = (0..20).map(|_| client.send(None, &request));
        for response in futures::future::join_all(sends).await {
            assert_eq!(response?.status, 200);
        }
        assert_eq!(peak.load(Ordering::SeqCst), 3);
        Ok(())
    }

    fn header(name: &str, value: &str) -> Vec<(String, String)> {
        vec![(name.to_owned(), value.to_owned())]
    }

    #[test]
    fn retry_after_reads_seconds() {
        let delay = retry_after(&header("Retry-After", "7"));
        assert_eq!(delay, Some(Duration::from_secs(7)));
    }

    #[test]
    fn retry_after_in_the_past_means_no_wait() {
        let delay = retry_after(&header("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT"));
        assert_eq!(delay, Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_ignores_garbage() {
        assert_eq!(retry_after(&header("Retry-After", "soon")), None);
    }

    #[test]
    fn url_path_drops_query() {
        assert_eq!(url_path("https://x.test/v1/a?key=secret"), "/v1/a");
    }
}
