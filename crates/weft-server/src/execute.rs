//! Running one batch for an account of one environment and recording it in run history.

use std::sync::Arc;
use std::time::Instant;

use axum::http::StatusCode;
use serde_json::Value;
use weft::store::{Account, Run, RunStatus};
use weft::{AccountLookup, BatchOutput, Engine, Plan, Registry, Store};

use crate::ServerError;

/// Runs batches against stored accounts and records each run in the store's history.
#[derive(Clone)]
pub struct Executor {
    store: Arc<Store>,
    registry: Arc<Registry>,
    engine: Engine,
}

/// A batch that ran to the end.
#[derive(Debug, Clone)]
pub struct FinishedRun {
    /// Id of the run history record.
    pub run_id: String,
    /// `{result, errors}`.
    pub output: BatchOutput,
}

impl Executor {
    /// An executor over a store, a connector registry and an engine.
    pub fn new(store: Arc<Store>, registry: Arc<Registry>, engine: Engine) -> Executor {
        Executor {
            store,
            registry,
            engine,
        }
    }

    /// The store.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The connector registry.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// Runs `plan` for its account and records the run with `spec` (the request body).
    ///
    /// `environment` restricts the account to one environment (an API token's); an
    /// account elsewhere fails exactly like a missing one, with
    /// [`weft::Error::AccountNotFound`]. The batch runs through [`weft::run_batch`], so
    /// refreshed credentials are saved to the store, and an account in `needs_reauth`
    /// gets one refresh first. When that refresh fails, or the batch cannot start for
    /// another reason, the run is recorded as failed and [`ServerError::Batch`] is
    /// returned.
    pub async fn run(
        &self,
        spec: Value,
        plan: Plan,
        environment: Option<&str>,
    ) -> Result<FinishedRun, ServerError> {
        let started_at = now();
        let clock = Instant::now();
        let account = self
            .account(&plan.integrated_account_id, environment)
            .await?;
        let record = RunRecord::new(&spec, &plan, account.environment, started_at, clock);

        let lookup = AccountLookup {
            store: Some(self.store.clone()),
            ..AccountLookup::default()
        };
        let plan = Arc::new(plan);
        // NOTE: run_batch reads the account and saves refreshed credentials on this async
        // thread, so a redb commit during a refresh briefly blocks one tokio worker.
        let outcome = weft::run_batch(&self.engine, plan, &self.registry, &lookup, None).await;
        let output = match outcome {
            Ok(output) => output,
            Err(error) => return Err(self.record_failure(record, error).await),
        };

        let status = if output.is_success() {
            RunStatus::Succeeded
        } else {
            RunStatus::CompletedWithErrors
        };
        let run = record.finish(&output, status);
        let run_id = run.id.clone();
        self.record(run).await?;
        Ok(FinishedRun { run_id, output })
    }

    async fn account(&self, id: &str, environment: Option<&str>) -> Result<Account, ServerError> {
        let store = self.store.clone();
        let owned = id.to_owned();
        let found = blocking(move || store.get_account(&owned)).await??;
        let missing = || weft::Error::AccountNotFound { id: id.to_owned() };
        found
            .filter(|account| environment.is_none_or(|name| account.environment == name))
            .ok_or_else(|| missing().into())
    }

    /// Records a batch that could not start as a failed run and returns its error. A
    /// failure to record is logged, so the caller still learns why the batch failed.
    async fn record_failure(&self, record: RunRecord, error: weft::Error) -> ServerError {
        let run = record.finish(&failure_output(&error), RunStatus::Failed);
        let (run_id, account) = (run.id.clone(), run.account_id.clone());
        if let Err(record_error) = self.record(run).await {
            tracing::error!(run = %run_id, %account, error = %record_error, "failed to record a failed run");
        }
        ServerError::Batch(error)
    }

    async fn record(&self, run: Run) -> Result<(), ServerError> {
        let store = self.store.clone();
        blocking(move || store.record_run(&run)).await??;
        Ok(())
    }
}

/// The parts of a run known before it starts.
struct RunRecord {
    id: String,
    account_id: String,
    environment: String,
    spec: Value,
    args: Value,
    started_at: String,
    clock: Instant,
}

impl RunRecord {
    fn new(
        spec: &Value,
        plan: &Plan,
        environment: String,
        started_at: String,
        clock: Instant,
    ) -> RunRecord {
        RunRecord {
            id: format!("run_{}", uuid::Uuid::new_v4().simple()),
            account_id: plan.integrated_account_id.clone(),
            environment,
            spec: spec.clone(),
            args: plan.args.clone(),
            started_at,
            clock,
        }
    }

    fn finish(self, output: &BatchOutput, status: RunStatus) -> Run {
        Run {
            id: self.id,
            account_id: self.account_id,
            environment: self.environment,
            spec: self.spec,
            args: self.args,
            result: Value::Object(output.result.clone()),
            errors: Value::Object(output.errors.clone()),
            status,
            started_at: self.started_at,
            finished_at: now(),
            duration_ms: self.clock.elapsed().as_millis() as u64,
        }
    }
}

/// Builds the `errors` recorded for a batch that failed as a whole, under the key `batch`.
fn failure_output(error: &weft::Error) -> BatchOutput {
    let status =
        StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reason = status.canonical_reason().unwrap_or("Unknown");
    let detail = serde_json::json!([{ "statusCode": status.as_u16(), "error": reason,
                                      "message": error.to_string() }]);
    let mut output = BatchOutput::default();
    output.errors.insert("batch".to_owned(), detail);
    output
}

/// Runs a store call on tokio's blocking pool; redb commits wait for the disk.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ServerError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| ServerError::Task(error.to_string()))
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
