//! `weft serve`: answer Truto's `POST /batch-request` on a local port.

use std::fmt::Display;
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use weft_server::{
    DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT, DEFAULT_HEADER_TIMEOUT, DEFAULT_WRITE_TIMEOUT,
    Server, ServerConfig,
};

use crate::data_dir::{DataDir, load_registry};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address or host name to listen on. A port of 0 picks a free port.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8787")]
    listen: String,
    /// Allow listening on an address other than loopback.
    #[arg(long)]
    allow_remote: bool,
    /// Largest request body accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_BODY_LIMIT,
          value_parser = nonzero::<usize>)]
    body_limit: usize,
    /// Batches of one API token running at once; further requests wait.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = nonzero::<usize>)]
    token_concurrency: usize,
    /// Seconds a client has to send a request's headers before it is disconnected.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_HEADER_TIMEOUT.as_secs(),
          value_parser = nonzero::<u64>)]
    header_timeout: u64,
    /// Seconds a client has to send a request's body after its headers. A slower body
    /// gets 408 and the connection is closed.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_BODY_TIMEOUT.as_secs(),
          value_parser = nonzero::<u64>)]
    body_timeout: u64,
    /// Seconds a response write may wait for the client to read before the connection
    /// is closed.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_WRITE_TIMEOUT.as_secs(),
          value_parser = nonzero::<u64>)]
    write_timeout: u64,
    /// Seconds running batches may take to finish after SIGTERM or Ctrl-C.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    shutdown_grace: u64,
    #[command(flatten)]
    data_dir: DataDir,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Runtime::new().context("failed to start the tokio runtime")?;
    let addresses = runtime.block_on(resolve(&args.listen))?;
    check_remote(&args.listen, &addresses, args.allow_remote)?;
    init_logging();
    let dir = args.data_dir.path()?;
    let store = Arc::new(args.data_dir.open()?);
    let registry = Arc::new(load_registry(&dir));
    let config = ServerConfig::default()
        .with_body_limit(args.body_limit)
        .with_per_token_concurrency(args.token_concurrency)
        .with_header_timeout(Duration::from_secs(args.header_timeout))
        .with_body_timeout(Duration::from_secs(args.body_timeout))
        .with_write_timeout(Duration::from_secs(args.write_timeout))
        .with_shutdown_grace(Duration::from_secs(args.shutdown_grace));
    let server = Server::new(store, registry, config)?;
    runtime.block_on(serve(server, &args.listen, &addresses))?;
    Ok(ExitCode::SUCCESS)
}

/// Parses a number that must not be zero, for limits where zero would reject
/// everything.
fn nonzero<T>(text: &str) -> Result<T, String>
where
    T: FromStr + Default + PartialEq,
    T::Err: Display,
{
    let value = text.parse::<T>().map_err(|error| error.to_string())?;
    if value == T::default() {
        return Err("must be at least 1".to_owned());
    }
    Ok(value)
}

/// Resolves `HOST:PORT`, where the host is an IP address or a name such as
/// `localhost`.
async fn resolve(listen: &str) -> anyhow::Result<Vec<SocketAddr>> {
    let addresses: Vec<SocketAddr> = match tokio::net::lookup_host(listen).await {
        Ok(found) => found.collect(),
        Err(error) if error.kind() == std::io::ErrorKind::InvalidInput => {
            bail!("invalid listen address '{listen}': expected HOST:PORT")
        }
        Err(error) => {
            return Err(error)
                .with_context(|| format!("failed to resolve listen address '{listen}'"));
        }
    };
    if addresses.is_empty() {
        bail!("listen address '{listen}' does not resolve to any address");
    }
    Ok(addresses)
}

/// Rejects a non-loopback address unless `allow_remote` is set, and warns when it is.
fn check_remote(listen: &str, addresses: &[SocketAddr], allow_remote: bool) -> anyhow::Result<()> {
    if addresses.iter().all(|address| address.ip().is_loopback()) {
        return Ok(());
    }
    if !allow_remote {
        bail!("listening on non-loopback address '{listen}' requires --allow-remote");
    }
    eprintln!(
        "warning: listening on '{listen}' makes the server reachable from other machines; \
         every request still needs an API token"
    );
    Ok(())
}

async fn serve(server: Server, listen: &str, addresses: &[SocketAddr]) -> anyhow::Result<()> {
    let stop = crate::signals::install().context("failed to listen for stop signals")?;
    let listener = tokio::net::TcpListener::bind(addresses)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn addresses(list: &[&str]) -> Vec<SocketAddr> {
        list.iter().map(|text| text.parse().unwrap()).collect()
    }

    #[test]
    fn loopback_names_need_no_allow_remote() {
        let local = addresses(&["127.0.0.1:8787", "[::1]:8787"]);
        assert!(check_remote("localhost:8787", &local, false).is_ok());
    }

    #[test]
    fn name_with_remote_address_needs_allow_remote() {
        let mixed = addresses(&["127.0.0.1:8787", "192.0.2.7:8787"]);
        let error = check_remote("box.example:8787", &mixed, false).unwrap_err();
        assert!(error.to_string().contains("'box.example:8787'"), "{error}");
        assert!(error.to_string().contains("--allow-remote"), "{error}");
        assert!(check_remote("box.example:8787", &mixed, true).is_ok());
    }

    #[test]
    fn nonzero_rejects_zero() {
        assert_eq!(nonzero::<usize>("0"), Err("must be at least 1".to_owned()));
        assert_eq!(nonzero::<u64>("30"), Ok(30));
        assert!(nonzero::<usize>("-1").is_err());
    }
}
