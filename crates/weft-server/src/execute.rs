//! Running one batch for an account of one environment and recording it in run history.

use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;
use weft::connector::AccountContext;
use weft::store::{Account, AccountStatus, Run, RunStatus};
use weft::{BatchOutput, Engine, Plan, Registry, Store, Target};

use crate::ServerError;
use crate::refresh::refresh_account;

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
    /// [`ServerError::AccountNotFound`]. An account in `needs_reauth` gets one refresh
    /// first; when that is impossible or fails, the run is recorded as failed and
    /// [`ServerError::NeedsReauth`] is returned.
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
        let environment = account.environment.clone();
        let account = match self.ready(account).await {
            Ok(account) => account,
            Err(error) => {
                let output = failure_output(&error);
                let record = RunRecord::new(&spec, &plan, environment, started_at, clock);
                self.record(record.finish(&output, RunStatus::Failed))
                    .await?;
                return Err(error);
            }
        };
        let target = self.target(&account)?;
        let record = RunRecord::new(&spec, &plan, environment, started_at, clock);
        let output = self.engine.run(Arc::new(plan), target, None).await;
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

    /// The connector and account every call of the batch uses.
    fn target(&self, account: &Account) -> Result<Target, ServerError> {
        let connector =
            self.registry
                .get(&account.connector)
                .ok_or_else(|| ServerError::UnknownConnector {
                    name: account.connector.clone(),
                    account: account.id.clone(),
                })?;
        let context = AccountContext {
            id: account.id.clone(),
            context: account.context.clone(),
            base_url: account.base_url.clone(),
        };
        Ok(Target::new(connector, context, &account.secret_fields))
    }

    async fn account(&self, id: &str, environment: Option<&str>) -> Result<Account, ServerError> {
        let store = self.store.clone();
        let owned = id.to_owned();
        let found = blocking(move || store.get_account(&owned)).await??;
        found
            .filter(|account| environment.is_none_or(|name| account.environment == name))
            .ok_or_else(|| ServerError::AccountNotFound { id: id.to_owned() })
    }

    /// Returns the account ready to use: as it is, or refreshed when it needs reauth.
    async fn ready(&self, account: Account) -> Result<Account, ServerError> {
        if account.status != AccountStatus::NeedsReauth {
            return Ok(account);
        }
        refresh_account(&self.store, &self.registry, &account).await
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

/// The `errors` recorded for a batch that failed as a whole.
fn failure_output(error: &ServerError) -> BatchOutput {
    let mut output = BatchOutput::default();
    let detail = serde_json::json!([{ "statusCode": 401, "error": "Unauthorized",
                                      "message": error.to_string() }]);
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
