use std::sync::{Arc, Mutex};

use crate::HttpSend;
use crate::redact::redact;

/// Severity of a connector log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

/// One line a connector logged with `log.*` or `print`, secrets already redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    pub connector: String,
    /// The account the call ran for; `None` while the connector file loads.
    pub account_id: Option<String>,
    pub level: LogLevel,
    pub message: String,
}

/// A subscriber for connector log lines, for example the engine's per-batch run log.
pub type LogSink = Arc<dyn Fn(&LogRecord) + Send + Sync>;

/// Log lines one connector function call may write; later lines are counted and
/// reported in one line when the call ends.
pub(crate) const MAX_LINES_PER_CALL: usize = 100;

/// Characters kept of one log line; the rest is replaced by a note of how many were cut.
pub(crate) const MAX_LINE_CHARS: usize = 2_000;

/// Lines written and dropped in the running call.
#[derive(Default)]
struct LineCount {
    written: usize,
    dropped: usize,
}

/// Where one Lua state's log lines go, and which values to hide in them.
#[derive(Clone, Default)]
pub(crate) struct LogTarget {
    pub connector: String,
    pub account_id: Option<String>,
    pub secrets: Vec<String>,
    pub sink: Option<LogSink>,
    /// The client of the running call, which receives its lines too.
    pub client: Option<Arc<dyn HttpSend>>,
    /// Shared by the clones in each `log` function of the state.
    lines: Arc<Mutex<LineCount>>,
}

impl LogTarget {
    pub(crate) fn new(
        connector: String,
        account_id: Option<String>,
        secrets: Vec<String>,
        sink: Option<LogSink>,
        client: Option<Arc<dyn HttpSend>>,
    ) -> LogTarget {
        LogTarget {
            connector,
            account_id,
            secrets,
            sink,
            client,
            lines: Arc::default(),
        }
    }

    /// Writes a line from connector code, unless the call already wrote
    /// [`MAX_LINES_PER_CALL`] lines.
    pub(crate) fn emit(&self, level: LogLevel, message: &str) {
        {
            let mut lines = self
                .lines
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            if lines.written >= MAX_LINES_PER_CALL {
                lines.dropped += 1;
                return;
            }
            lines.written += 1;
        }
        self.write(level, &bounded(&redact(message, &self.secrets)));
    }

    /// Ends the count of a call to `function`, writing how many lines it dropped.
    pub(crate) fn finish_call(&self, function: &str) {
        let dropped = {
            let mut lines = self
                .lines
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            std::mem::take(&mut *lines).dropped
        };
        if dropped > 0 {
            let message = format!(
                "{dropped} more lines from '{function}' dropped: at most {MAX_LINES_PER_CALL} \
                 lines are kept per call"
            );
            self.write(LogLevel::Warn, &message);
        }
    }

    fn write(&self, level: LogLevel, message: &str) {
        let message = message.to_string();
        let connector = self.connector.as_str();
        let account = self.account_id.as_deref().unwrap_or("");
        match level {
            LogLevel::Debug => tracing::debug!(connector, account, "{message}"),
            LogLevel::Info => tracing::info!(connector, account, "{message}"),
            LogLevel::Warn => tracing::warn!(connector, account, "{message}"),
            LogLevel::Error => tracing::error!(connector, account, "{message}"),
        }
        let record = LogRecord {
            connector: self.connector.clone(),
            account_id: self.account_id.clone(),
            level,
            message,
        };
        if let Some(sink) = &self.sink {
            sink(&record);
        }
        if let Some(client) = &self.client {
            client.log(&record);
        }
    }
}

/// Cuts `line` to [`MAX_LINE_CHARS`] characters, saying how many were cut.
fn bounded(line: &str) -> String {
    match line.char_indices().nth(MAX_LINE_CHARS) {
        Some((end, _)) => {
            let cut = line[end..].chars().count();
            format!("{}… ({cut} more characters)", &line[..end])
        }
        None => line.to_string(),
    }
}
