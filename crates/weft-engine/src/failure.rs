//! Failures of single calls and evaluations, and their `errors` entries.

use reqwest::StatusCode;
use serde_json::{Map, Value, json};
use weft_connector::{ConnectorError, HttpRequest, HttpResponse};

use crate::http::{Transport, url_path};
use crate::target::Redactor;

/// Why one call, loop expansion or evaluation of a node failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The upstream API answered with an error status.
    Remote {
        status: u16,
        message: String,
        raw: Value,
    },
    /// No usable response arrived.
    Transport(Transport),
    /// A 2xx response arrived that the connector cannot read: a body that is not JSON,
    /// an empty body where records were expected, a pagination value of the wrong type.
    BadResponse {
        method: String,
        path: String,
        status: u16,
        /// The connector's description of the problem with the body.
        reason: String,
        /// The start of the body, redacted and bounded by [`EXCERPT_CHARS`].
        excerpt: String,
    },
    /// The connector failed for another reason (script error, unknown resource...).
    Connector(ConnectorError),
    /// A template, expression or `loop_on` path produced an unusable value.
    Input(String),
    /// A `recurse` tree went deeper than allowed.
    TooDeep { limit: usize },
    /// A call would never end: its pages repeat or exceed the page limit, or a
    /// recursion repeats a call of an ancestor record.
    Endless(String),
    /// The parent node failed and produced nothing.
    Dependency { parent: String },
    /// The API rejected the credentials (or they expired) and refreshing them failed.
    Reauth { account: String, reason: String },
    /// The engine itself broke while running the node.
    Internal(String),
}

impl From<ConnectorError> for Failure {
    fn from(error: ConnectorError) -> Self {
        match error {
            ConnectorError::Remote {
                status,
                message,
                raw,
            } => Failure::Remote {
                status,
                message,
                raw,
            },
            other => Failure::Connector(other),
        }
    }
}

impl From<Transport> for Failure {
    fn from(error: Transport) -> Self {
        Failure::Transport(error)
    }
}

impl Failure {
    pub(crate) fn status(&self) -> u16 {
        match self {
            Failure::Remote { status, .. } => *status,
            Failure::Transport(_) | Failure::BadResponse { .. } => 502,
            Failure::Connector(ConnectorError::UnknownResource { .. }) => 404,
            // The spec's call cannot be made, for example a path value is missing.
            Failure::Connector(ConnectorError::InvalidCall { .. }) => 400,
            Failure::Connector(_) | Failure::Internal(_) => 500,
            Failure::Input(_) => 400,
            Failure::TooDeep { .. } | Failure::Endless(_) => 508,
            Failure::Dependency { .. } => 424,
            Failure::Reauth { .. } => 401,
        }
    }

    pub(crate) fn message(&self) -> String {
        match self {
            Failure::Remote { message, .. } => message.clone(),
            Failure::Transport(error) => error.to_string(),
            Failure::BadResponse {
                method,
                path,
                status,
                reason,
                excerpt,
            } => {
                let mut message =
                    format!("unusable response to {method} {path} with status {status}: {reason}");
                if !excerpt.is_empty() {
                    message.push_str(&format!(", starting with '{excerpt}'"));
                }
                message
            }
            Failure::Connector(error) => error.to_string(),
            Failure::Input(message) | Failure::Internal(message) | Failure::Endless(message) => {
                message.clone()
            }
            Failure::TooDeep { limit } => {
                format!("recursion went deeper than the limit of {limit} levels")
            }
            Failure::Dependency { parent } => {
                format!("node '{parent}' failed and produced no records")
            }
            Failure::Reauth { account, reason } => {
                format!("account '{account}' needs reauthorization: {reason}")
            }
        }
    }
}

/// Maximum number of characters of a response body quoted in an error.
pub(crate) const EXCERPT_CHARS: usize = 120;

/// Bytes read from the start of a body to build an excerpt. Secrets are redacted in
/// this prefix before it is cut to [`EXCERPT_CHARS`], so a cut never leaves part of a
/// secret that the redactor would no longer recognise.
const EXCERPT_SCAN_BYTES: usize = 4096;

impl Failure {
    /// Turns a connector's failure to read a 2xx response into [`Failure::BadResponse`],
    /// quoting the start of the body. Other errors convert as usual.
    pub(crate) fn from_parse(
        error: ConnectorError,
        request: &HttpRequest,
        response: &HttpResponse,
        redactor: &Redactor,
    ) -> Failure {
        let ConnectorError::InvalidResponse { message, .. } = error else {
            return Failure::from(error);
        };
        Failure::BadResponse {
            method: request.method.clone(),
            path: url_path(&request.url),
            status: response.status,
            reason: message,
            excerpt: excerpt(&response.body, redactor),
        }
    }
}

/// Quotes the start of `body` as one line of at most [`EXCERPT_CHARS`] characters, with
/// secrets redacted, whitespace runs as single spaces and control characters dropped.
/// A cut body ends with `…`.
pub(crate) fn excerpt(body: &[u8], redactor: &Redactor) -> String {
    let scanned = &body[..body.len().min(EXCERPT_SCAN_BYTES)];
    let text = redactor.text(&String::from_utf8_lossy(scanned));
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut line: String = words.chars().filter(|c| !c.is_control()).collect();
    let cut = line.chars().count() > EXCERPT_CHARS || body.len() > scanned.len();
    if let Some((index, _)) = line.char_indices().nth(EXCERPT_CHARS) {
        line.truncate(index);
    }
    if cut {
        line.push('…');
    }
    line
}

/// Where a failure happened: the HTTP call (when one was built) and the bindings.
#[derive(Debug, Default, Clone)]
pub(crate) struct Site {
    pub(crate) method: Option<String>,
    pub(crate) path: Option<String>,
    pub(crate) binding: Map<String, Value>,
}

/// Builds the `errors` entry: `statusCode`, `error`, `message`, remote details,
/// `method`, `path` and `binding`.
pub(crate) fn error_record(failure: &Failure, site: &Site, redactor: &Redactor) -> Value {
    let status = failure.status();
    let mut record = json!({
        "statusCode": status,
        "error": status_text(status),
        "message": redactor.text(&failure.message()),
    });
    let map = record.as_object_mut().expect("record is an object");
    let raw = match failure {
        Failure::Remote { raw, .. } => Some(raw.clone()),
        Failure::BadResponse { excerpt, .. } => Some(Value::String(excerpt.clone())),
        _ => None,
    };
    if let Some(mut raw) = raw {
        redactor.value(&mut raw);
        map.insert("truto_is_remote_error".into(), Value::Bool(true));
        map.insert("raw_response".into(), raw);
    }
    if let Some(method) = &site.method {
        map.insert("method".into(), Value::String(method.clone()));
    }
    if let Some(path) = &site.path {
        // A secret can sit in the path, as in `/bot<token>/sendMessage`.
        map.insert("path".into(), Value::String(redactor.text(path)));
    }
    if !site.binding.is_empty() {
        let mut binding = Value::Object(site.binding.clone());
        redactor.value(&mut binding);
        map.insert("binding".into(), binding);
    }
    record
}

fn status_text(status: u16) -> &'static str {
    StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason())
        .unwrap_or("Unknown Status")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_failure_carries_raw_response() {
        let failure = Failure::Remote {
            status: 404,
            message: "block not found".into(),
            raw: json!({"code": "object_not_found"}),
        };
        let site = Site {
            method: Some("GET".into()),
            path: Some("/v1/blocks/b2/children".into()),
            binding: Map::new(),
        };
        let record = error_record(&failure, &site, &Redactor::default());
        assert_eq!(record["statusCode"], 404);
        assert_eq!(record["error"], "Not Found");
        assert_eq!(record["truto_is_remote_error"], true);
        assert_eq!(record["raw_response"]["code"], "object_not_found");
        assert_eq!(record["path"], "/v1/blocks/b2/children");
    }

    #[test]
    fn excerpt_is_bounded_and_redacted() {
        let redactor = Redactor::default();
        redactor.add(&["secret-token-9".to_owned()]);
        let body = format!("<html>\n  <p>token secret-token-9</p>{}", "x".repeat(500));

        let excerpt = excerpt(body.as_bytes(), &redactor);

        assert!(
            excerpt.starts_with("<html> <p>token [redacted]</p>xxx"),
            "{excerpt}"
        );
        assert_eq!(excerpt.chars().count(), EXCERPT_CHARS + 1);
        assert!(excerpt.ends_with('…'));
    }

    #[test]
    fn excerpt_keeps_short_body_whole() {
        assert_eq!(
            excerpt(b"<h1>Bad Gateway</h1>", &Redactor::default()),
            "<h1>Bad Gateway</h1>"
        );
        assert_eq!(excerpt(b"", &Redactor::default()), "");
    }

    #[test]
    fn dependency_failure_names_the_parent() {
        let failure = Failure::Dependency {
            parent: "pages".into(),
        };
        let record = error_record(&failure, &Site::default(), &Redactor::default());
        assert_eq!(record["statusCode"], 424);
        assert_eq!(record["error"], "Failed Dependency");
        assert_eq!(
            record["message"],
            "node 'pages' failed and produced no records"
        );
        assert!(record.get("truto_is_remote_error").is_none());
    }
}
