use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything that can go wrong while loading a HAR file or serving it.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The HAR file could not be read from disk.
    #[error("failed to read HAR file '{}'", path.display())]
    Read {
        /// The file that was opened.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },

    /// The text is not JSON, or its JSON does not have the HAR 1.2 shape.
    #[error(
        "invalid HAR at line {line} column {column}{}: {message}",
        at_field(field)
    )]
    Syntax {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// JSON path of the field being read, such as `log.entries[3].response.status`,
        /// or `.` when the problem is in the JSON syntax itself.
        field: String,
        /// The serde_json message, without its position.
        message: String,
    },

    /// An entry has the HAR shape but a value that cannot be replayed, such as a
    /// relative URL, an invalid header name or content that is not valid base64.
    #[error("invalid {field} '{value}' in log.entries[{index}] ({request}): {reason}")]
    InvalidEntry {
        /// 0-based position of the entry in `log.entries`.
        index: usize,
        /// The entry's request method and URL, such as `GET https://api.example.com/v1`,
        /// escaped and shortened like `value`.
        request: String,
        /// The field within the entry, such as `request.url`.
        field: &'static str,
        /// The rejected value, with control characters escaped and shortened when long.
        value: String,
        /// The reason for rejecting the value.
        reason: String,
    },

    /// Wraps an error found in a file with the file's path.
    #[error("in HAR file '{}'", path.display())]
    InFile {
        /// The HAR file.
        path: PathBuf,
        /// The error found in it.
        #[source]
        source: Box<ReplayError>,
    },

    /// The server could not listen on the requested address.
    #[error("failed to listen on '{addr}'")]
    Bind {
        /// The requested address.
        addr: SocketAddr,
        /// The I/O error from the operating system.
        #[source]
        source: io::Error,
    },

    /// The server stopped with an I/O error or its task panicked.
    #[error("replay server on '{addr}' failed: {message}")]
    Serve {
        /// The address the server listened on.
        addr: SocketAddr,
        /// The error message.
        message: String,
    },
}

fn at_field(field: &str) -> String {
    if field.is_empty() || field == "." {
        String::new()
    } else {
        format!(" in '{field}'")
    }
}
