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
//! with capped exponential backoff that honours `Retry-After` and the connector's
//! rate-limit headers; every retry is signed again. A 2xx body that is not JSON fails
//! the call with 502, and one that the connector classifies as an error is an upstream
//! error like a non-2xx response.
//!
//! # Credentials
//!
//! When the connector declares a `refresh` hook, credentials are refreshed before their
//! `expires_at` and after a 401 (then the call is sent once more), one refresh at a time
//! per account across the engine's batches. This holds for page requests and for the
//! authorized requests connector code sends with `http.request`, except those sent
//! while a refresh runs. A [`CredentialStore`] given with
//! [`Target::with_credential_store`] receives the new credentials before they are used,
//! and records a failed refresh as `needs_reauth`.

mod accounts;
mod auth;
mod batch;
mod context;
mod credentials;
mod error;
mod event;
mod failure;
mod http;
mod options;
mod output;
mod rate_limit;
mod request;
mod spool;
mod target;
mod transform;

use std::sync::Arc;
use std::time::Instant;

use weft_connector::HttpSend;
use weft_spec::Plan;

pub use credentials::{CredentialStore, StoreFailure};
pub use error::EngineError;
pub use event::{Event, EventSender};
pub use options::{Options, RetryPolicy};
pub use output::BatchOutput;
pub use target::Target;

use accounts::AccountStates;
use auth::NodeHttp;
use batch::{Batch, CallLimits};
use credentials::Credentials;
use event::Events;
use http::{HttpClient, Upstream};

/// Runs batches; one engine can run many batches, one after another or at once.
///
/// Clones share the per-account state: credential refreshes run one at a time per
/// account, and a rate-limit window an API reported holds back every batch of the
/// account. A process should therefore use one engine (or its clones) for all batches.
#[derive(Debug, Clone)]
pub struct Engine {
    client: reqwest::Client,
    options: Options,
    accounts: Arc<AccountStates>,
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
        Ok(Engine {
            client,
            options,
            accounts: Arc::default(),
        })
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
        let redactor = target.redactor();
        let http = self.http_client(&target, events.clone(), &redactor);
        let credentials = Arc::new(self.credentials(&target, &redactor));
        events.send(Event::BatchStarted {
            nodes: plan.nodes.len(),
            concurrency: self.options.concurrency,
        });
        tracing::info!(nodes = plan.nodes.len(), account = %target.account().id, "batch started");

        let limits = CallLimits {
            max_depth: self.options.max_depth,
            max_pages: self.options.max_pages,
        };
        let batch = Batch::new(
            plan,
            target,
            http,
            credentials,
            events.clone(),
            redactor,
            limits,
        );
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

    /// Refreshes the target's credentials with the connector's `refresh` hook and puts
    /// the new ones into `target`, for example before a batch for an account in
    /// `needs_reauth`. Saves them to the target's credential store first.
    ///
    /// Fails with [`EngineError::RefreshFailed`] when the connector declares no hook or
    /// the hook fails; the account is then marked `needs_reauth` in the store.
    pub async fn refresh_credentials(&self, target: &mut Target) -> Result<(), EngineError> {
        let redactor = target.redactor();
        let credentials = Arc::new(self.credentials(target, &redactor));
        let client = self.http_client(target, Events::default(), &redactor);
        let http: Arc<dyn HttpSend> = NodeHttp::new(client, credentials.clone(), None);
        let used = credentials.current();
        match credentials.refresh(&used, http).await {
            Ok(fresh) => {
                target.set_account((*fresh).clone());
                Ok(())
            }
            Err(failed) => Err(EngineError::RefreshFailed {
                account: target.account().id.clone(),
                reason: failed.reason,
            }),
        }
    }

    fn http_client(
        &self,
        target: &Target,
        events: Events,
        redactor: &target::Redactor,
    ) -> Arc<HttpClient> {
        let account = self.accounts.get(&target.account().id);
        let upstream = Upstream::new(target.connector(), account);
        let client = self.client.clone();
        let http = HttpClient::new(client, &self.options, upstream, events, redactor.clone());
        Arc::new(http)
    }

    fn credentials(&self, target: &Target, redactor: &target::Redactor) -> Credentials {
        let account = self.accounts.get(&target.account().id);
        let margin = self.options.refresh_before_expiry;
        Credentials::new(target, account, redactor.clone(), margin)
    }
}
