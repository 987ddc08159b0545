//! The Weft executor: runs a validated [`Plan`] against one account on tokio and
//! returns `{result, errors}` ([`BatchOutput`]).
//!
//! [`Engine`] owns the HTTP client and the [`Options`]; [`Engine::run`] takes a plan, a
//! [`Target`] (connector plus account) and an optional [`EventSender`] for progress
//! [`Event`]s.
//!
//! # Execution model
//!
//! Every node runs once per emission of its parent: a root node once, a child of a
//! request node once per parent record (bound under the parent's resource path, so
//! `crm/contacts` becomes `resources.crm.contacts`), a child of a spool or transform
//! once per emitted value. A request node splits each run into one call per `loop_on`
//! element and follows pagination page by page; each page's records are stored and
//! handed to children as soon as the page arrives, and records for which `recurse.if`
//! renders `true` start another call with `recurse.config`. A spool waits until its
//! parent node has finished and then emits one array; a transform evaluates its
//! JSONata expression once per emission on a blocking thread.
//!
//! # Ordering
//!
//! Each record is stored at a position (ancestor record positions, then loop element,
//! page and record index, then page and record again per recursion level), so
//! `result` comes out in page order, loop element order, parent-record order and
//! depth-first pre-order for recursion, however the calls interleave.
//!
//! # Failures
//!
//! A failed call is recorded in `errors` and never stops other calls. A child whose
//! parent failed without producing anything gets one 424 error. Upstream 429 and 5xx
//! responses (the connector's retryable statuses) and connection errors are retried
//! with capped exponential backoff that honours `Retry-After`.

mod batch;
mod context;
mod error;
mod event;
mod failure;
mod http;
mod options;
mod output;
mod request;
mod spool;
mod target;
mod transform;

use std::sync::Arc;
use std::time::Instant;

use weft_spec::Plan;

pub use error::EngineError;
pub use event::{Event, EventSender};
pub use options::{Options, RetryPolicy};
pub use output::BatchOutput;
pub use target::Target;

use batch::Batch;
use event::Events;
use http::HttpClient;

/// Runs batches; one engine can run many batches, one after another or at once.
#[derive(Debug, Clone)]
pub struct Engine {
    client: reqwest::Client,
    options: Options,
}

impl Engine {
    /// Builds an engine with its own HTTP client (rustls).
    ///
    /// Fails with [`EngineError::HttpClient`] when the TLS backend cannot be set up.
    pub fn new(options: Options) -> Result<Self, EngineError> {
        let client = reqwest::Client::builder()
            .timeout(options.request_timeout)
            .build()
            .map_err(EngineError::HttpClient)?;
        Ok(Engine { client, options })
    }

    /// The options every batch of this engine uses.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Runs `plan` against `target` until every node has finished.
    ///
    /// Never fails as a whole: each failed call, loop expansion or evaluation becomes
    /// an entry of [`BatchOutput::errors`]. Must be called inside a tokio runtime.
    pub async fn run(
        &self,
        plan: Arc<Plan>,
        target: Target,
        events: Option<EventSender>,
    ) -> BatchOutput {
        let started = Instant::now();
        let events = Events::new(events);
        let http = Arc::new(HttpClient::new(
            self.client.clone(),
            &self.options,
            target.connector().retryable_statuses(),
            events.clone(),
            target.redactor(),
        ));
        let base = context::base_context(&plan.args, target.public_context());
        events.send(Event::BatchStarted {
            nodes: plan.nodes.len(),
            concurrency: self.options.concurrency,
        });
        tracing::info!(nodes = plan.nodes.len(), account = %target.account().id, "batch started");

        let batch = Batch::new(plan, target, http, events.clone(), base);
        batch.run_to_end().await;
        let output = batch.output();

        let (records, errors) = batch::totals(&output);
        let elapsed_ms = started.elapsed().as_millis() as u64;
        tracing::info!(records, errors, elapsed_ms, "batch finished");
        events.send(Event::BatchFinished {
            records,
            errors,
            elapsed_ms,
        });
        output
    }
}
