//! `weft run`: run a batch spec and print `{result, errors}`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use serde_json::Value;
use tokio::sync::mpsc;
use weft::{AccountLookup, BatchOutput, Engine, Event, Options, Plan, Registry, Store};

use crate::progress::Progress;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Batch spec: a JSON file with the body of a batch request.
    spec: PathBuf,
    /// Values for `{{args.…}}` as a JSON object; its keys replace those of the spec's `args`.
    #[arg(long, value_name = "JSON")]
    args: Option<String>,
    /// Integrated account id, replacing the spec's `integrated_account_id`.
    #[arg(long, value_name = "ID")]
    account: Option<String>,
    /// Connector of an ephemeral account, used when the account is not in the store
    /// (nothing is saved).
    #[arg(long, value_name = "NAME")]
    connector: Option<String>,
    /// Serve this HAR file on 127.0.0.1 and send every call to it instead of the API.
    #[arg(long, value_name = "HAR")]
    replay: Option<PathBuf>,
    /// Folder of the local store and of extra connectors (`<DIR>/connectors`).
    #[arg(long, value_name = "DIR", env = "WEFT_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Output format: `json` prints the result once; `ndjson` prints one event per line,
    /// then the result.
    #[arg(long, value_enum, default_value_t = Output::Json)]
    output: Output,
    /// Maximum number of upstream requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u16).range(1..))]
    concurrency: u16,
    /// Print only the records under this `result` key, one per line: strings as they
    /// are, other values as JSON.
    #[arg(long, value_name = "KEY")]
    print: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Output {
    Json,
    Ndjson,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Some(plan) = load_plan(&args)? else {
        return Ok(ExitCode::from(2));
    };
    let registry = load_registry(args.data_dir.as_deref());
    let store = open_store(&args)?;
    let runtime = tokio::runtime::Runtime::new().context("failed to start the tokio runtime")?;
    let output = runtime.block_on(execute(&args, plan, &registry, store.as_ref()))?;
    print_output(&args, &output)
}

/// Reads and validates the spec, applying `--args` and `--account`. Returns `None`
/// after printing the diagnostics of an invalid spec.
fn load_plan(args: &Args) -> anyhow::Result<Option<Plan>> {
    let origin = args.spec.display().to_string();
    let source = std::fs::read_to_string(&args.spec)
        .with_context(|| format!("failed to read spec '{origin}'"))?;
    let mut plan = match weft::spec::plan_from_str(&source, Some(&origin)) {
        Ok(plan) => plan,
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            return Ok(None);
        }
    };
    for warning in &plan.warnings {
        eprintln!("warning: {warning}");
    }
    if let Some(text) = &args.args {
        merge_args(&mut plan.args, text)?;
    }
    if let Some(account) = &args.account {
        plan.integrated_account_id = account.clone();
    }
    Ok(Some(plan))
}

fn merge_args(args: &mut Value, text: &str) -> anyhow::Result<()> {
    let extra: Value =
        serde_json::from_str(text).with_context(|| format!("invalid JSON in --args '{text}'"))?;
    let Value::Object(extra) = extra else {
        bail!("--args must be a JSON object, got '{text}'");
    };
    if !args.is_object() {
        *args = Value::Object(Default::default());
    }
    let target = args.as_object_mut().expect("args was just made an object");
    target.extend(extra);
    Ok(())
}

/// Loads connectors from the built-in folder, `WEFT_CONNECTORS_DIR` and
/// `<data-dir>/connectors`, later folders overriding earlier ones.
fn load_registry(data_dir: Option<&Path>) -> Registry {
    let mut dirs = Vec::new();
    if cfg!(debug_assertions) {
        dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../connectors"));
    }
    if let Some(dir) = std::env::var_os("WEFT_CONNECTORS_DIR") {
        dirs.push(PathBuf::from(dir));
    }
    if let Some(dir) = data_dir.map(Path::to_path_buf).or_else(default_data_dir) {
        dirs.push(dir.join("connectors"));
    }
    dirs.retain(|dir| dir.is_dir());
    let (registry, errors) = Registry::load(&dirs);
    for error in errors {
        eprintln!("warning: connector not loaded: {error}");
    }
    registry
}

fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "weft").map(|dirs| dirs.data_dir().to_path_buf())
}

/// Opens the store when its folder exists. A replay with `--connector` needs none, so a
/// missing folder is not created then.
fn open_store(args: &Args) -> anyhow::Result<Option<Store>> {
    let Some(dir) = args.data_dir.clone().or_else(default_data_dir) else {
        return Ok(None);
    };
    if !dir.exists() && args.connector.is_some() {
        return Ok(None);
    }
    let store = Store::open(&dir)
        .with_context(|| format!("failed to open the store in '{}'", dir.display()))?;
    Ok(Some(store))
}

async fn execute(
    args: &Args,
    plan: Plan,
    registry: &Registry,
    store: Option<&Store>,
) -> anyhow::Result<BatchOutput> {
    let replay = match &args.replay {
        Some(path) => Some(start_replay(path).await?),
        None => None,
    };
    let lookup = AccountLookup {
        store,
        fallback_connector: args.connector.clone(),
        base_url: replay.as_ref().map(|server| server.base_url()),
    };
    let engine = Engine::new(Options::default().with_concurrency(args.concurrency.into()))?;
    let (sender, receiver) = mpsc::unbounded_channel();
    let printer = tokio::spawn(show_events(receiver, args.output, args.print.is_some()));

    let outcome = weft::run_batch(&engine, Arc::new(plan), registry, &lookup, Some(sender)).await;
    printer.await.context("the event printer failed")?;
    if let Some(server) = replay {
        let unmatched = server.unmatched().len();
        if unmatched > 0 {
            eprintln!("warning: {unmatched} request(s) matched no entry of the HAR file");
        }
        server.shutdown().await?;
    }
    Ok(outcome?)
}

async fn start_replay(path: &Path) -> anyhow::Result<weft::replay::ReplayServer> {
    let har = weft::replay::Har::from_path(path)
        .with_context(|| format!("failed to read HAR file '{}'", path.display()))?;
    let listen = SocketAddr::from(([127, 0, 0, 1], 0));
    Ok(weft::replay::serve(har, listen).await?)
}

/// Shows events as a progress display on a terminal's stderr and, with
/// `--output ndjson`, as JSON lines on stdout.
async fn show_events(
    mut receiver: mpsc::UnboundedReceiver<Event>,
    output: Output,
    printing_records: bool,
) {
    let mut progress = Progress::for_stderr();
    let ndjson = output == Output::Ndjson && !printing_records;
    while let Some(event) = receiver.recv().await {
        if let Some(progress) = &mut progress {
            progress.show(&event);
        }
        if ndjson && let Ok(line) = serde_json::to_string(&event) {
            println!("{line}");
        }
    }
    if let Some(progress) = progress {
        progress.finish();
    }
}

fn print_output(args: &Args, output: &BatchOutput) -> anyhow::Result<ExitCode> {
    match write_output(args, output) {
        Ok(code) => Ok(code),
        // A closed pipe (`weft run … | head`) is the reader's choice, not a failure.
        Err(error) if is_broken_pipe(&error) => Ok(exit_code(output)),
        Err(error) => Err(error),
    }
}

fn write_output(args: &Args, output: &BatchOutput) -> anyhow::Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    match (&args.print, args.output) {
        (Some(key), _) => {
            let Some(records) = output.result.get(key).and_then(Value::as_array) else {
                let known: Vec<&str> = output.result.keys().map(String::as_str).collect();
                eprintln!("error: no result key '{key}' (keys: {})", known.join(", "));
                return Ok(ExitCode::from(2));
            };
            for record in records {
                write_record(&mut stdout, record)?;
            }
            if !output.is_success() {
                eprintln!("{}", serde_json::to_string_pretty(&output.errors)?);
            }
        }
        (None, Output::Json) => writeln!(stdout, "{}", serde_json::to_string_pretty(output)?)?,
        (None, Output::Ndjson) => writeln!(stdout, "{}", serde_json::to_string(output)?)?,
    }
    stdout.flush()?;
    Ok(exit_code(output))
}

/// Writes a string as it is (ending it with a newline unless it has one) and any other
/// value as one line of JSON.
fn write_record(out: &mut impl Write, record: &Value) -> std::io::Result<()> {
    match record {
        Value::String(text) if text.ends_with('\n') => out.write_all(text.as_bytes()),
        Value::String(text) => writeln!(out, "{text}"),
        other => writeln!(out, "{other}"),
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<std::io::Error>()
        .is_some_and(|error| error.kind() == std::io::ErrorKind::BrokenPipe)
}

fn exit_code(output: &BatchOutput) -> ExitCode {
    if output.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
