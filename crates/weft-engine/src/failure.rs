//! Failures of single calls and evaluations, and their `errors` entries.

use reqwest::StatusCode;
use serde_json::{Map, Value, json};
use weft_connector::ConnectorError;

use crate::http::Transport;
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
            Failure::Transport(_) => 502,
            Failure::Connector(ConnectorError::UnknownResource { .. }) => 404,
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
    if let Failure::Remote { raw, .. } = failure {
        let mut raw = raw.clone();
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
