//! The user-facing progress stream of a batch run.

use serde::Serialize;

/// Sender half of the event stream handed to [`crate::run`].
pub type EventSender = tokio::sync::mpsc::UnboundedSender<Event>;

/// One step of a batch run, for progress displays and run logs.
///
/// Serialised with an `event` tag, for example
/// `{"event":"page_fetched","node":"page-content","page":1,"records":100}`.
/// Events never contain account secrets; messages pass through the same redaction as
/// `errors`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// The batch started with this many nodes.
    BatchStarted { nodes: usize, concurrency: usize },
    /// A node began its first run.
    NodeStarted { node: String },
    /// One page of a call arrived (`page` counts from 1 within its call).
    PageFetched {
        node: String,
        page: usize,
        records: usize,
    },
    /// A request failed in a retryable way and is sent again after `delay_ms`.
    Retrying {
        node: Option<String>,
        attempt: u32,
        status: Option<u16>,
        reason: String,
        delay_ms: u64,
    },
    /// Requests for the account wait until the API's rate-limit window resets, because
    /// the connector's remaining-requests header reached 0.
    RateLimited { node: Option<String>, delay_ms: u64 },
    /// Connector code logged a line while running for a node; secrets are redacted.
    ConnectorLog {
        node: String,
        level: String,
        message: String,
    },
    /// A placeholder in a node's `id`, `query` or `body` resolved to nothing, so its
    /// text was kept as written, as the placeholder rules require, and the call was still
    /// made. A missing arg is the usual cause. Sent once per node, field and
    /// placeholder.
    PlaceholderUnresolved {
        node: String,
        /// `id`, `query`, `body`, or `recurse.config.id` and so on.
        field: String,
        /// The placeholder as written, braces included.
        placeholder: String,
    },
    /// A call or evaluation of a node failed; the same failure is in `errors`.
    Failed {
        node: String,
        status: u16,
        message: String,
    },
    /// A node finished every run, with its totals.
    NodeFinished {
        node: String,
        records: usize,
        errors: usize,
    },
    /// The whole batch finished.
    BatchFinished {
        records: usize,
        errors: usize,
        elapsed_ms: u64,
    },
}

/// Optional event sender; sending never blocks and a closed receiver is ignored.
#[derive(Debug, Clone, Default)]
pub(crate) struct Events(Option<EventSender>);

impl Events {
    pub(crate) fn new(sender: Option<EventSender>) -> Self {
        Events(sender)
    }

    pub(crate) fn send(&self, event: Event) {
        if let Some(sender) = &self.0 {
            let _ = sender.send(event);
        }
    }
}
