use std::path::PathBuf;

use serde_json::Value;

/// Errors from preparing a call, parsing a response or running connector code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectorError {
    /// The upstream API answered with a non-2xx status, or with a 2xx body that the
    /// connector classifies as an error (then `status` is the one the body states, else
    /// 502). `message` comes from the error body where the connector's error mapping
    /// points, `raw` is the parsed body (a string when the body is not JSON).
    #[error("remote returned status {status}: {message}")]
    Remote {
        status: u16,
        message: String,
        raw: Value,
    },

    /// The connector has no such resource, or the resource has no such method.
    #[error("connector '{connector}' has no method '{method}' on resource '{resource}'")]
    UnknownResource {
        connector: String,
        resource: String,
        method: String,
    },

    /// Connector code failed: a Lua runtime error, a bad value returned to the host, or a
    /// failed call to a host library.
    #[error("connector '{connector}': {message}")]
    Script { connector: String, message: String },

    /// Connector code raised a structured error `{code = "...", message = "..."}`.
    #[error("connector '{connector}' raised {code}: {message}")]
    Raised {
        connector: String,
        code: String,
        message: String,
    },

    /// Connector code ran past its memory, instruction or wall-clock budget.
    #[error("connector '{connector}': {message}")]
    LimitExceeded { connector: String, message: String },

    /// The account's context lacks a field the connector's auth needs.
    #[error("connector '{connector}' needs context field '{field}', which the account lacks")]
    MissingContext { connector: String, field: String },

    /// The call cannot be turned into a request, for example a path placeholder has no value.
    #[error("connector '{connector}': {message}")]
    InvalidCall { connector: String, message: String },

    /// A 2xx response that the connector cannot read: a body that is not JSON, an empty
    /// body for a `list` or `get` call, or a pagination value of the wrong type.
    #[error("connector '{connector}': {message}")]
    InvalidResponse { connector: String, message: String },

    /// The connector declares no `refresh` hook, so its credentials cannot be refreshed.
    #[error("connector '{connector}' declares no refresh hook")]
    NoRefresh { connector: String },
}

/// A connector that failed to load: its file, the line when Lua reports one, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {message}", path.display(), line.map(|line| format!(":{line}")).unwrap_or_default())]
pub struct LoadError {
    /// The `connector.lua` file, or the folder when the file is missing.
    pub path: PathBuf,
    /// The line of a syntax or runtime error.
    pub line: Option<usize>,
    /// What is wrong, without the path and line.
    pub message: String,
}
