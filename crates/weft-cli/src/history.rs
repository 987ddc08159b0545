//! Run history for `weft run`: one record per batch that ran against a stored account.

use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;
use weft::store::{Run, RunStatus};
use weft::{BatchOutput, Plan, Store};

/// A run being recorded: the parts known before the batch starts.
pub struct Recorder {
    store: Arc<Store>,
    run: Run,
    clock: Instant,
}

impl Recorder {
    /// Starts a record when the plan's account is in `store`; `None` otherwise (an
    /// ephemeral account has nothing to re-run against). `spec` is the batch body as
    /// given; the record keeps it with the account and args the batch runs with, so
    /// `weft runs rerun` repeats this run. Account context never enters the record.
    pub fn start(store: &Arc<Store>, spec: Value, plan: &Plan) -> anyhow::Result<Option<Self>> {
        let Some(account) = store.get_account(&plan.integrated_account_id)? else {
            return Ok(None);
        };
        let mut spec = spec;
        if let Value::Object(body) = &mut spec {
            body.insert("integrated_account_id".into(), account.id.clone().into());
            body.insert("args".into(), plan.args.clone());
        }
        let run = Run {
            id: format!("run_{}", uuid::Uuid::new_v4().simple()),
            account_id: account.id,
            environment: account.environment,
            spec,
            args: plan.args.clone(),
            result: Value::Null,
            errors: Value::Null,
            status: RunStatus::Failed,
            started_at: now(),
            finished_at: String::new(),
            duration_ms: 0,
        };
        let clock = Instant::now();
        let store = store.clone();
        Ok(Some(Recorder { store, run, clock }))
    }

    /// Records the finished batch. A failure to record costs the run nothing: it is
    /// one warning line on stderr.
    pub fn finish(self, output: &BatchOutput) {
        let mut run = self.run;
        run.status = if output.is_success() {
            RunStatus::Succeeded
        } else {
            RunStatus::CompletedWithErrors
        };
        run.result = Value::Object(output.result.clone());
        run.errors = Value::Object(output.errors.clone());
        run.finished_at = now();
        run.duration_ms = u64::try_from(self.clock.elapsed().as_millis()).unwrap_or(u64::MAX);
        match self.store.record_run(&run) {
            Ok(()) => tracing::info!(run = %run.id, "run recorded"),
            Err(error) => eprintln!("warning: the run was not recorded in run history: {error}"),
        }
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
