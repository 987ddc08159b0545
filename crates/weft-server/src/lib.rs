//! The local HTTP server of Weft: serves Truto's `POST /batch-request` so that tools
//! written against Truto work against a local Weft unchanged, plus the
//! `/integrated-account` endpoints, `/health` and `/openapi.json`.
//!
//! [`Server::new`] takes an open [`Store`], a connector [`Registry`] and a
//! [`ServerConfig`]; [`Server::run`] serves on a bound listener until the shutdown
//! future completes, then lets running batches finish for at most
//! [`ServerConfig::shutdown_grace`]. Connections speak HTTP/1.1 with keep-alive; a
//! client that does not finish sending its request headers within
//! [`ServerConfig::header_timeout`] is disconnected. The token is checked from the
//! headers before the body is read, and a body that does not arrive within
//! [`ServerConfig::body_timeout`] gets 408. A client that stops reading a response for
//! [`ServerConfig::write_timeout`] is disconnected.
//!
//! - Auth: `Authorization: Bearer <token>`; the token's environment scopes every
//!   account lookup, and an account elsewhere gets the same response as a missing one.
//! - Errors: `{statusCode, error, message, code}` ([`ErrorBody`]) with a stable code.
//! - `Idempotency-Key`: responses are kept 24 hours in `<data-dir>/idempotency.redb`.
//! - Every batch is recorded in the store's run history ([`Executor`]).

mod accounts;
mod app;
mod batch;
mod error;
mod execute;
mod extract;
mod idempotency;
mod listen;
mod openapi;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use weft::{Engine, Options, Registry, Store};

pub use batch::{BatchResponse, REPLAYED_HEADER, RUN_ID_HEADER};
pub use error::{ApiError, ErrorBody, ServerError};
pub use execute::{Executor, FinishedRun};
pub use idempotency::{IDEMPOTENCY_FILE, IDEMPOTENCY_TTL_HOURS};
pub use openapi::openapi;

/// Default request body limit: 5 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 5 * 1024 * 1024;

/// Default time a client has to send a request's headers: 30 seconds.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// Default time a client has to send a request's body once its headers arrived: 30 seconds.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// Default time one write of a response may wait for the client to read: 30 seconds.
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// Limits and tunables of the server.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Largest request body accepted, in bytes; larger bodies get 413.
    pub body_limit: usize,
    /// Batches of one API token running at once; further requests wait their turn.
    pub per_token_concurrency: usize,
    /// How long running batches may take to finish after shutdown starts.
    pub shutdown_grace: Duration,
    /// Time a client has to send a request's headers. A connection whose headers are
    /// still incomplete after this time is closed.
    pub header_timeout: Duration,
    /// Time a client has to send a request's whole body, counted from the end of its
    /// headers. A body still incomplete after this time gets 408 and the connection is
    /// closed.
    pub body_timeout: Duration,
    /// Time one write to a connection may wait for the client to read. A client that
    /// stops reading a response for this long is disconnected.
    pub write_timeout: Duration,
    /// Engine options for every batch.
    pub engine: Options,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            body_limit: DEFAULT_BODY_LIMIT,
            per_token_concurrency: 16,
            shutdown_grace: Duration::from_secs(30),
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            write_timeout: DEFAULT_WRITE_TIMEOUT,
            engine: Options::default(),
        }
    }
}

impl ServerConfig {
    /// Returns this configuration with another body limit, in bytes.
    pub fn with_body_limit(mut self, bytes: usize) -> ServerConfig {
        self.body_limit = bytes;
        self
    }

    /// Returns this configuration with another per-token concurrency limit (at least 1).
    pub fn with_per_token_concurrency(mut self, batches: usize) -> ServerConfig {
        self.per_token_concurrency = batches.max(1);
        self
    }

    /// Returns this configuration with another shutdown grace period.
    pub fn with_shutdown_grace(mut self, grace: Duration) -> ServerConfig {
        self.shutdown_grace = grace;
        self
    }

    /// Returns this configuration with another header read timeout.
    pub fn with_header_timeout(mut self, timeout: Duration) -> ServerConfig {
        self.header_timeout = timeout;
        self
    }

    /// Returns this configuration with another body read timeout.
    pub fn with_body_timeout(mut self, timeout: Duration) -> ServerConfig {
        self.body_timeout = timeout;
        self
    }

    /// Returns this configuration with another write timeout.
    pub fn with_write_timeout(mut self, timeout: Duration) -> ServerConfig {
        self.write_timeout = timeout;
        self
    }

    /// Returns this configuration with other engine options.
    pub fn with_engine(mut self, options: Options) -> ServerConfig {
        self.engine = options;
        self
    }
}

/// The HTTP server, ready to run.
pub struct Server {
    router: axum::Router,
    timeouts: listen::Timeouts,
}

impl Server {
    /// Builds the server over an open store; opens the idempotency database in the
    /// store's data directory.
    pub fn new(
        store: Arc<Store>,
        registry: Arc<Registry>,
        config: ServerConfig,
    ) -> Result<Server, ServerError> {
        let engine = Engine::new(config.engine.clone())?;
        let idempotency = idempotency::Idempotency::open(store.dir())?;
        let timeouts = listen::Timeouts {
            header: config.header_timeout,
            write: config.write_timeout,
            grace: config.shutdown_grace,
        };
        let executor = Executor::new(store, registry, engine);
        let state = app::AppState::new(executor, idempotency, config);
        Ok(Server {
            router: app::router(state),
            timeouts,
        })
    }

    /// The router, for embedding or for tests.
    pub fn router(&self) -> axum::Router {
        self.router.clone()
    }

    /// Serves on `listener` until `shutdown` completes, then stops accepting
    /// connections and waits up to the grace period for running requests.
    pub async fn run(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        listen::serve(listener, self.router, self.timeouts, shutdown).await;
        Ok(())
    }
}
