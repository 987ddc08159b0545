//! Accepting connections: HTTP/1.1 with keep-alive, a deadline for request headers, a
//! timeout for writes the client does not read, and a graceful shutdown that lets
//! running requests finish within the grace period.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio_io_timeout::TimeoutStream;

/// How long to wait before accepting again after the listener fails (out of file
/// descriptors, for example).
const ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// Time limits of each connection and of the shutdown.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    pub header: Duration,
    pub write: Duration,
    pub grace: Duration,
}

/// Serves `router` on `listener` until `shutdown` completes, then closes the listener,
/// signals every connection to close after its current request and waits up to the
/// grace period.
pub(crate) async fn serve(
    listener: TcpListener,
    router: axum::Router,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()>,
) {
    let builder = Arc::new(connection_builder(timeouts.header));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    spawn_connection(stream, timeouts.write, &router, &builder, &graceful);
                }
                Err(error) => accept_failed(error).await,
            },
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tracing::info!("shutting down; waiting for running requests");
    let grace = timeouts.grace;
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            grace_s = grace.as_secs(),
            "grace period over; dropping running requests"
        );
    }
}

/// Builds an HTTP/1.1-only connection builder, because the HTTP/2 version detection
/// would wait for a silent client without any deadline.
fn connection_builder(header_timeout: Duration) -> Builder<TokioExecutor> {
    let mut builder = Builder::new(TokioExecutor::new()).http1_only();
    builder
        .http1()
        .keep_alive(true)
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    builder
}

/// Serves one connection in a task of its own. A write that stays blocked for
/// `write_timeout`, because the client reads nothing, fails and ends the connection.
/// Hyper has no such limit of its own.
fn spawn_connection(
    stream: TcpStream,
    write_timeout: Duration,
    router: &axum::Router,
    builder: &Arc<Builder<TokioExecutor>>,
    graceful: &GracefulShutdown,
) {
    let mut stream = TimeoutStream::new(stream);
    stream.set_write_timeout(Some(write_timeout));
    let io = TokioIo::new(Box::pin(stream));
    let service = TowerToHyperService::new(router.clone());
    let builder = Arc::clone(builder);
    let watcher = graceful.watcher();
    tokio::spawn(async move {
        let connection = builder.serve_connection(io, service);
        if let Err(error) = watcher.watch(connection).await {
            tracing::debug!(%error, "connection ended with an error");
        }
    });
}

/// Ignores connection-level failures (the peer left before the accept). Logs other
/// failures and pauses accepting briefly, so a full descriptor table does not spin.
async fn accept_failed(error: io::Error) {
    if matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "failed to accept a connection");
    tokio::time::sleep(ACCEPT_BACKOFF).await;
}
