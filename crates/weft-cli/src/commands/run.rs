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

use crate::data_dir;
use crate::history::Recorder;
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
    /// Connector of an ephemeral account, used with `--replay` when the account is not
    /// in the store (nothing is saved). Without `--replay` the account must be stored.
    #[arg(long, value_name = "NAME")]
    connector: Option<String>,
    /// Serve this HAR file on 127.0.0.1 and send every call to it instead of the API.
    #[arg(long, value_name = "HAR")]
    replay: Option<PathBuf>,
    /// Folder of the local store and of extra connectors (`<DIR>/connectors`); default
    /// `WEFT_DATA_DIR`, else the platform's data folder.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Output format: `json` prints the result once; `ndjson` prints one event per line,
    /// then the result.
    #[arg(long, value_enum, default_value_t = Output::Json)]
    output: Output,
    /// Maximum number of upstream requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u16).range(1..))]
    concurrency: u16,
    /// Recursion depth limit of `recurse` for nodes that set no `max_depth`.
    #[arg(long, value_name = "N", default_value_t = 32,
          value_parser = clap::value_parser!(u32).range(1..))]
    max_depth: u32,
    /// Do not record this run in run history. Runs against a stored account are
    /// recorded unless `--replay` is given.
    #[arg(long)]
    no_history: bool,
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
    init_logging();
    let Some((plan, spec)) = load_plan(&args)? else {
        return Ok(ExitCode::from(2));
    };
    let data_dir = data_dir::resolve(args.data_dir.clone())?;
    let registry = data_dir::load_registry(&data_dir);
    let store = open_store(&data_dir, ephemeral_connector(&args).is_some())?;
    let recorder = match &store {
        Some(store) if records_history(&args) => Recorder::start(store, spec, &plan)?,
        _ => None,
    };
    let runtime = tokio::runtime::Runtime::new().context("failed to start the tokio runtime")?;
    match runtime.block_on(execute(&args, plan, &registry, store))? {
        Ok(output) => {
            if let Some(recorder) = recorder {
                recorder.finish(&output);
            }
            print_output(&args, &output)
        }
        Err(weft::Error::NeedsReauth { account, reason }) => {
            eprintln!("error: account '{account}' needs reauthorization: {reason}");
            eprintln!(
                "connect it again, for example with `weft accounts update {account} \
                 --context @FILE --status active`"
            );
            Ok(ExitCode::from(1))
        }
        Err(weft::Error::AccountNotFound { id }) => {
            eprintln!("error: integrated account '{id}' not found");
            if args.connector.is_some() && args.replay.is_none() {
                eprintln!(
                    "--connector makes an ephemeral account only with --replay; \
                     store the account with `weft accounts create` to call the API"
                );
            }
            Ok(ExitCode::from(1))
        }
        Err(error) => Err(error.into()),
    }
}

/// Returns whether a run against a stored account goes into run history. It does not
/// with `--no-history`, nor with `--replay`, because a rerun would call the real API.
fn records_history(args: &Args) -> bool {
    !args.no_history && args.replay.is_none()
}

/// The connector of an ephemeral account: only with `--replay`, because the account's
/// placeholder credentials must never reach the real API.
fn ephemeral_connector(args: &Args) -> Option<String> {
    args.replay.as_ref().and(args.connector.clone())
}

/// Sends logs to stderr when `RUST_LOG` sets a level. Without it `weft run` logs
/// nothing, so stderr keeps only warnings, errors and the progress line.
fn init_logging() {
    let Ok(filter) = tracing_subscriber::EnvFilter::try_from_default_env() else {
        return;
    };
    // An error means a subscriber is already installed, which is fine.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

/// Reads and validates the spec, applying `--args` and `--account`, and returns the
/// plan with the spec as JSON. Returns `None` after printing the diagnostics of an
/// invalid spec.
fn load_plan(args: &Args) -> anyhow::Result<Option<(Plan, Value)>> {
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
    if let Some(text) = &args.args {
        merge_args(&mut plan.args, text)?;
    }
    print_warnings(&plan);
    if let Some(account) = &args.account {
        plan.integrated_account_id = account.clone();
    }
    if let Some(key) = &args.print {
        check_print_key(&plan, key)?;
    }
    let spec = serde_json::from_str(&source).context("the spec is not valid JSON")?;
    Ok(Some((plan, spec)))
}

/// Rejects a `--print` key that names no persisted node, before anything runs.
fn check_print_key(plan: &Plan, key: &str) -> anyhow::Result<()> {
    let persisted: Vec<&str> = plan
        .nodes
        .iter()
        .filter(|node| node.persist)
        .map(|node| node.key.as_str())
        .collect();
    if persisted.contains(&key) {
        return Ok(());
    }
    anyhow::bail!(
        "--print names no result key '{key}'; the spec's result keys are: {} \
         (set \"persist\": true on a node to add its key)",
        persisted.join(", ")
    )
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

/// Opens the store in `dir`. A replay with `--connector` can run without one: then a
/// missing folder is not created, and a store in use by another process (such as
/// `weft serve`) costs one warning instead of the run.
fn open_store(dir: &Path, ephemeral: bool) -> anyhow::Result<Option<Arc<Store>>> {
    if !dir.exists() && ephemeral {
        return Ok(None);
    }
    match Store::open(dir) {
        Ok(store) => Ok(Some(Arc::new(store))),
        Err(weft::store::StoreError::InUse { pid }) if ephemeral => {
            let owner = pid.map_or("another process".to_owned(), |pid| format!("pid {pid}"));
            eprintln!(
                "warning: the store is in use by {owner}, so this run uses the ephemeral \
                 account and is not recorded in run history"
            );
            Ok(None)
        }
        Err(error) => Err(anyhow::Error::new(error)
            .context(format!("failed to open the store in '{}'", dir.display()))),
    }
}

/// Runs the batch. The outer error is a failure of the CLI itself; the inner one is
/// why the batch could not start.
async fn execute(
    args: &Args,
    plan: Plan,
    registry: &Registry,
    store: Option<Arc<Store>>,
) -> anyhow::Result<Result<BatchOutput, weft::Error>> {
    let replay = match &args.replay {
        Some(path) => Some(start_replay(path).await?),
        None => None,
    };
    let lookup = AccountLookup {
        store,
        fallback_connector: ephemeral_connector(args),
        base_url: replay.as_ref().map(|server| server.base_url()),
    };
    let options = Options::default()
        .with_concurrency(args.concurrency.into())
        .with_max_depth(args.max_depth as usize);
    let engine = Engine::new(options)?;
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
    Ok(outcome)
}

async fn start_replay(path: &Path) -> anyhow::Result<weft::replay::ReplayServer> {
    // The replay error names the file already.
    let har = weft::replay::Har::from_path(path)?;
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
    let mut ndjson = output == Output::Ndjson && !printing_records;
    while let Some(event) = receiver.recv().await {
        if let Some(warning) = warning(&event) {
            match &progress {
                Some(progress) => progress.println(&warning),
                None => eprintln!("{warning}"),
            }
        }
        if let Some(progress) = &mut progress {
            progress.show(&event);
        }
        if ndjson && let Ok(line) = serde_json::to_string(&event) {
            // A reader that went away (`| head`) ends the event lines, not the batch.
            ndjson = writeln!(std::io::stdout().lock(), "{line}").is_ok();
        }
    }
    if let Some(progress) = progress {
        progress.finish();
    }
}

/// Prints the spec's warnings once each, leaving out those about args that the run
/// passes with `--args`.
fn print_warnings(plan: &Plan) {
    let mut printed = std::collections::HashSet::new();
    for warning in &plan.warnings {
        let passed = plan.args.as_object().is_some_and(|args| {
            args.keys()
                .any(|name| warning.message.contains(&format!("names arg '{name}'")))
        });
        let line = format!("warning: {warning}");
        if !passed && printed.insert(line.clone()) {
            eprintln!("{line}");
        }
    }
}

/// Returns the warning line for an event that the user should see on every run.
fn warning(event: &Event) -> Option<String> {
    match event {
        Event::PlaceholderUnresolved {
            node,
            field,
            placeholder,
        } => Some(format!(
            "warning: node '{node}': placeholder '{placeholder}' in {field} did not \
             resolve, so it was sent as written (give the value with --args, or a \
             default with '?:')"
        )),
        _ => None,
    }
}

fn print_output(args: &Args, output: &BatchOutput) -> anyhow::Result<ExitCode> {
    match write_output(args, output) {
        Ok(code) => Ok(code),
        // A closed pipe (`weft run … | head`) is the reader's choice, not a failure.
        Err(error) if is_broken_pipe(&error) => Ok(exit_code(output)),
        Err(error) if error.is::<std::io::Error>() => {
            Err(error.context(crate::output::WRITE_FAILED))
        }
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
