use std::sync::Arc;

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

/// Where one Lua state's log lines go, and which values to hide in them.
#[derive(Clone, Default)]
pub(crate) struct LogTarget {
    pub connector: String,
    pub account_id: Option<String>,
    pub secrets: Vec<String>,
    pub sink: Option<LogSink>,
    /// The client of the running call, which receives its lines too.
    pub client: Option<Arc<dyn HttpSend>>,
}

impl LogTarget {
    pub(crate) fn emit(&self, level: LogLevel, message: &str) {
        let message = redact(message, &self.secrets);
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
