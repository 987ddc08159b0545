use std::future::Future;
use std::pin::Pin;

use crate::{AccountContext, LogRecord};

/// One outgoing HTTP request, fully built: absolute URL with its query, final headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Upper-case method, for example `GET`.
    pub method: String,
    /// Absolute URL, query string included.
    pub url: String,
    /// Headers in the order they are sent.
    pub headers: Vec<(String, String)>,
    /// Raw body bytes, if any.
    pub body: Option<Vec<u8>>,
}

/// One HTTP response as the host's client received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The future returned by [`HttpSend::send`].
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<HttpResponse, String>> + Send + 'a>>;

/// The host's HTTP client, handed to connectors so that Lua `http.request` calls go through
/// the engine, where auth, retries and rate limits apply. The error is a message that
/// must not contain secrets.
pub trait HttpSend: Send + Sync {
    /// Sends one request and returns the response, whatever its status.
    fn send(&self, req: HttpRequest) -> SendFuture<'_>;

    /// Sends a request to the connector's base URL that carries the auth and signature
    /// the connector applied with `account`'s credentials. The host may apply them again
    /// with its current credentials before the first attempt and before each retry, and
    /// may refresh the credentials after a 401 and send the request once more. Sends
    /// the request as [`HttpSend::send`] does unless the host overrides it.
    fn send_authorized<'a>(
        &'a self,
        req: HttpRequest,
        _account: &'a AccountContext,
    ) -> SendFuture<'a> {
        self.send(req)
    }

    /// Receives each line that connector code logs while it runs with this client, with
    /// secrets already redacted, besides the registry's log sink. Ignores it by default.
    fn log(&self, _record: &LogRecord) {}
}

impl HttpRequest {
    /// Returns the value of the first header named `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// Replaces every header named `name` (case-insensitively) with one `name: value`.
    pub fn set_header(&mut self, name: &str, value: String) {
        self.headers
            .retain(|(key, _)| !key.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value));
    }
}

impl HttpResponse {
    /// Returns the value of the first header named `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// Whether the status is in 200..=299.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}
