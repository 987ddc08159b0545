//! Stop signals for the long-running commands (`weft serve`, `weft replay`).

use std::future::Future;
use std::io;

/// Registers the SIGINT and SIGTERM handlers now and returns a future that completes
/// when either arrives.
///
/// Registration happens before the command prints its `listening on` line, because a
/// signal that arrives between that line and a lazy registration would kill the
/// process with the default action instead of stopping it gracefully.
#[cfg(unix)]
pub fn install() -> io::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        tracing::info!("stop signal received");
    })
}

/// Returns a future that completes on Ctrl-C.
#[cfg(not(unix))]
pub fn install() -> io::Result<impl Future<Output = ()> + Send + 'static> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("stop signal received");
    })
}
