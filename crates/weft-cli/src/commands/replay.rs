//! `weft replay`: serve a recorded HAR file over HTTP until interrupted.

use std::io::{self, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use weft::replay::{Har, serve};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// HAR 1.2 file to serve, for example one saved from browser devtools.
    #[arg(value_name = "FILE.har")]
    pub file: PathBuf,

    /// Address to listen on. Port 0 lets the system choose a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
}

/// Serves `args.file` and prints `listening on URL` as the first stdout line, so
/// scripts can read the address. Runs until Ctrl-C or SIGTERM, then stops
/// gracefully and exits with 0.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    init_logging();
    let har = Har::from_path(&args.file)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    runtime.block_on(serve_until_stopped(har, args.listen))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve_until_stopped(har: Har, listen: SocketAddr) -> anyhow::Result<()> {
    let stop = crate::signals::install().context("failed to listen for stop signals")?;
    let server = serve(har, listen).await?;
    {
        let mut stdout = io::stdout().lock();
        writeln!(stdout, "listening on {}", server.base_url())?;
        stdout.flush()?;
    }
    stop.await;
    server.shutdown().await?;
    Ok(())
}

/// Sends logs to stderr, at `info` unless `RUST_LOG` sets another level, so unmatched
/// requests show up while stdout stays free for the address line.
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // An error means a subscriber is already installed, which is fine.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(io::stderr().is_terminal())
        .try_init();
}
