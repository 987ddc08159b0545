//! `weft runs`: list, show and re-run batches from the run history.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, anyhow};
use weft::store::Run;
use weft::{Engine, Options};
use weft_server::Executor;

use crate::data_dir::{DataDir, load_registry};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List recent runs, newest first.
    List {
        /// Only runs of this environment.
        #[arg(long, value_name = "NAME")]
        env: Option<String>,
        /// Number of runs to show.
        #[arg(long, value_name = "N", default_value_t = 20)]
        limit: usize,
        #[command(flatten)]
        data_dir: DataDir,
    },
    /// Print one run as JSON: spec, args, result, errors, timings and status.
    Show {
        /// Run id (`run_…`).
        id: String,
        #[command(flatten)]
        data_dir: DataDir,
    },
    /// Run a recorded batch again with its stored spec and args, and record it.
    Rerun {
        /// Run id (`run_…`).
        id: String,
        #[command(flatten)]
        data_dir: DataDir,
    },
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::List {
            env,
            limit,
            data_dir,
        } => {
            for run in data_dir.open()?.list_runs(env.as_deref(), limit)? {
                println!("{}", summary(&run));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Show { id, data_dir } => {
            let Some(run) = data_dir.open()?.get_run(&id)? else {
                return not_found(&id);
            };
            println!("{}", serde_json::to_string_pretty(&run)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Rerun { id, data_dir } => rerun(&id, &data_dir),
    }
}

fn summary(run: &Run) -> String {
    let status = serde_json::to_value(run.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    format!(
        "{}\t{}\t{}\t{}\t{} ms\t{}",
        run.id, run.started_at, run.environment, status, run.duration_ms, run.account_id
    )
}

/// Reports an unknown run id with exit code 1, as `weft accounts get` does for an
/// unknown account.
fn not_found(id: &str) -> anyhow::Result<ExitCode> {
    eprintln!("error: run '{id}' not found (it may have been pruned; see `weft runs list`)");
    Ok(ExitCode::from(1))
}

fn rerun(id: &str, data_dir: &DataDir) -> anyhow::Result<ExitCode> {
    let store = Arc::new(data_dir.open()?);
    let Some(old) = store.get_run(id)? else {
        return not_found(id);
    };
    let mut plan = weft::spec::plan_from_value(&old.spec).map_err(|diagnostics| {
        anyhow!("the stored spec of run '{id}' is invalid:\n{diagnostics}")
    })?;
    plan.args = old.args.clone();
    let registry = Arc::new(load_registry(&data_dir.path()?));
    let executor = Executor::new(store, registry, Engine::new(Options::default())?);
    let runtime = tokio::runtime::Runtime::new().context("failed to start the tokio runtime")?;
    let finished =
        runtime.block_on(executor.run(old.spec.clone(), plan, Some(&old.environment)))?;
    eprintln!("recorded as run {}", finished.run_id);
    println!("{}", serde_json::to_string_pretty(&finished.output)?);
    Ok(if finished.output.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
