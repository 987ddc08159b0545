//! `weft serve`: answer Truto's `POST /batch-request` on a local port.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use weft_server::{DEFAULT_BODY_LIMIT, Server, ServerConfig};

use crate::data_dir::{DataDir, load_registry};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on; a port of 0 picks a free port.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// Allow listening on an address other than loopback.
    #[arg(long)]
    allow_remote: bool,
    /// Largest request body accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_BODY_LIMIT)]
    body_limit: usize,
    /// Batches of one API token running at once; further requests wait.
    #[arg(long, value_name = "N", default_value_t = 16,
          value_parser = clap::value_parser!(u16).range(1..))]
    token_concurrency: u16,
    /// Seconds running batches may take to finish after SIGTERM or Ctrl-C.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    shutdown_grace: u64,
    #[command(flatten)]
    data_dir: DataDir,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !args.listen.ip().is_loopback() {
        if !args.allow_remote {
            bail!(
                "listening on non-loopback address '{}' requires --allow-remote",
                args.listen
            );
        }
        eprintln!(
            "warning: listening on '{}' makes the server reachable from other machines; \
             every request still needs an API token",
            args.listen
        );
    }
    init_logging();
    let dir = args.data_dir.path()?;
    let store = Arc::new(args.data_dir.open()?);
    let registry = Arc::new(load_registry(&dir));
    let config = ServerConfig::default()
        .with_body_limit(args.body_limit)
        .with_per_token_concurrency(args.token_concurrency.into())
        .with_shutdown_grace(std::time::Duration::from_secs(args.shutdown_grace));
    let server = Server::new(store, registry, config)?;
    let runtime = tokio::runtime::Runtime::new().context("failed to start the tokio runtime")?;
    runtime.block_on(serve(server, args.listen))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(server: Server, listen: SocketAddr) -> anyhow::Result<()> {
    let stop = crate::signals::install().context("failed to listen for stop signals")?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("failed to listen on '{listen}'"))?;
    let address = listener.local_addr()?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on http://{address}")?;
    stdout.flush()?;
    drop(stdout);
    server.run(listener, stop).await?;
    eprintln!("server stopped");
    Ok(())
}

/// Request logs on stderr; `RUST_LOG` sets the level (default `info`).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
