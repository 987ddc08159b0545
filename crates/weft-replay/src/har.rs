//! The parts of HAR 1.2 that replay reads. Fields that HAR defines but replay does
//! not use (timings, cookies, cache, pages) are accepted and ignored.

use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ReplayError;
use crate::prepare;

/// A parsed HAR 1.2 document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Har {
    /// The `log` object, the only top-level key of a HAR file.
    pub log: Log,
}

/// The HAR `log` object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Log {
    /// HAR format version, `1.2` for files this crate writes.
    #[serde(default)]
    pub version: String,
    /// The recorded request and response pairs, in recording order.
    pub entries: Vec<Entry>,
}

/// One recorded request and its response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The recorded request.
    pub request: Request,
    /// The recorded response.
    pub response: Response,
}

/// A recorded HTTP request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    /// HTTP method, such as `GET`.
    pub method: String,
    /// Absolute URL, query string included.
    pub url: String,
    /// The query parameters of `url`, decoded. Matching reads `url`, not this list.
    #[serde(default)]
    pub query_string: Vec<NameValue>,
    /// Request headers, in recorded order.
    #[serde(default)]
    pub headers: Vec<NameValue>,
    /// The request body, when one was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_data: Option<PostData>,
}

/// A recorded HTTP response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    /// Status code. Browsers record 0 for requests that got no response.
    pub status: u16,
    /// Reason phrase, such as `OK`.
    #[serde(default)]
    pub status_text: String,
    /// Response headers, in recorded order.
    #[serde(default)]
    pub headers: Vec<NameValue>,
    /// The response body.
    #[serde(default)]
    pub content: Content,
}

/// A header or query parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameValue {
    /// Header or parameter name.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// A recorded request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostData {
    /// Media type of the body, such as `application/json`.
    #[serde(default)]
    pub mime_type: String,
    /// The body text.
    #[serde(default)]
    pub text: String,
}

/// A recorded response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    /// Media type of the body, such as `application/json`.
    #[serde(default)]
    pub mime_type: String,
    /// The body, decoded from any content encoding. Absent when not recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// `base64` when `text` holds base64 of binary content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
}

impl Har {
    /// Reads and checks a HAR file.
    ///
    /// Fails when the file cannot be read, is not HAR 1.2 JSON, or has an entry
    /// that cannot be replayed. Errors found in the text are wrapped in
    /// [`ReplayError::InFile`] with the path.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Har, ReplayError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ReplayError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        text.parse().map_err(|error| ReplayError::InFile {
            path: path.to_path_buf(),
            source: Box::new(error),
        })
    }
}

impl FromStr for Har {
    type Err = ReplayError;

    /// Parses HAR JSON and checks that every entry can be replayed.
    ///
    /// Fails with [`ReplayError::Syntax`] (line, column and JSON path) when the text
    /// is not HAR JSON, and with [`ReplayError::InvalidEntry`] naming the entry when
    /// a value such as a URL, header or base64 body is unusable.
    fn from_str(text: &str) -> Result<Har, ReplayError> {
        // Some tools (Fiddler among them) start the file with a UTF-8 byte order mark.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let har: Har = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let field = error.path().to_string();
            let inner = error.into_inner();
            ReplayError::Syntax {
                line: inner.line(),
                column: inner.column(),
                field,
                message: message_without_position(&inner),
            }
        })?;
        deserializer.end().map_err(|error| ReplayError::Syntax {
            line: error.line(),
            column: error.column(),
            field: String::new(),
            message: message_without_position(&error),
        })?;
        prepare::prepare(&har)?;
        Ok(har)
    }
}

/// Returns serde_json's message without the " at line L column C" suffix, which
/// [`ReplayError::Syntax`] already carries as fields.
fn message_without_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    match message.strip_suffix(&suffix) {
        Some(stripped) => stripped.to_string(),
        None => message,
    }
}
