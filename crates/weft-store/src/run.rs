//! Run history: one record per batch run, the newest kept up to a retention limit.

use redb::{ReadableDatabase, ReadableTable, ReadableTableMetadata, Table};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::{META, RUN_IDS, RUNS, get_json, put_json};
use crate::{Store, StoreError};

/// Runs kept when no retention has been set.
pub const DEFAULT_RUN_RETENTION: u64 = 1000;

const RETENTION_KEY: &str = "run_retention";

/// Outcome of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RunStatus {
    /// Every node succeeded.
    Succeeded,
    /// The batch finished but some nodes reported errors.
    CompletedWithErrors,
    /// The batch failed as a whole (for example the account was not found).
    Failed,
    /// The batch was stopped before it finished.
    Cancelled,
}

/// One batch run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// Unique id chosen by the caller.
    pub id: String,
    /// The integrated account the batch ran against.
    pub account_id: String,
    /// Environment of the account.
    pub environment: String,
    /// The batch request body.
    pub spec: Value,
    /// The `args` the batch ran with.
    pub args: Value,
    /// The response's `result`.
    pub result: Value,
    /// The response's `errors`.
    pub errors: Value,
    /// Outcome of the run.
    pub status: RunStatus,
    /// Start time, RFC 3339 UTC.
    pub started_at: String,
    /// End time, RFC 3339 UTC.
    pub finished_at: String,
    /// Wall-clock duration in milliseconds.
    pub duration_ms: u64,
}

impl Store {
    /// Records a run, replacing an earlier record with the same id, then deletes the
    /// oldest runs beyond the retention limit, all in one transaction.
    pub fn record_run(&self, run: &Run) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(run).expect("run records always encode as JSON");
        let txn = self.db.begin_write()?;
        {
            let mut runs = txn.open_table(RUNS)?;
            let mut ids = txn.open_table(RUN_IDS)?;
            let existing = ids.get(run.id.as_str())?.map(|seq| seq.value());
            let seq = match existing {
                Some(seq) => seq,
                None => runs.last()?.map_or(0, |(seq, _)| seq.value() + 1),
            };
            runs.insert(seq, bytes.as_slice())?;
            ids.insert(run.id.as_str(), seq)?;
            let keep = read_retention(&txn.open_table(META)?)?;
            prune(&mut runs, &mut ids, keep)?;
        }
        txn.commit()?;
        Ok(())
    }

    /// Lists up to `limit` runs, newest first, in one environment or in all of them.
    pub fn list_runs(
        &self,
        environment: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Run>, StoreError> {
        let txn = self.db.begin_read()?;
        let runs = txn.open_table(RUNS)?;
        let mut listed = Vec::new();
        for entry in runs.iter()?.rev() {
            if listed.len() == limit {
                break;
            }
            let (seq, bytes) = entry?;
            let run: Run = decode_run(seq.value(), bytes.value())?;
            if environment.is_none_or(|name| run.environment == name) {
                listed.push(run);
            }
        }
        Ok(listed)
    }

    /// Returns the run with this id, if it is still kept.
    pub fn get_run(&self, id: &str) -> Result<Option<Run>, StoreError> {
        let txn = self.db.begin_read()?;
        let Some(seq) = txn.open_table(RUN_IDS)?.get(id)?.map(|seq| seq.value()) else {
            return Ok(None);
        };
        let runs = txn.open_table(RUNS)?;
        let Some(bytes) = runs.get(seq)? else {
            return Ok(None);
        };
        decode_run(seq, bytes.value()).map(Some)
    }

    /// Returns the number of runs kept, [`DEFAULT_RUN_RETENTION`] until set.
    pub fn run_retention(&self) -> Result<u64, StoreError> {
        let txn = self.db.begin_read()?;
        read_retention(&txn.open_table(META)?)
    }

    /// Sets how many runs are kept and deletes the oldest runs beyond it at once.
    pub fn set_run_retention(&self, keep: u64) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        {
            put_json(&mut txn.open_table(META)?, RETENTION_KEY, &keep)?;
            prune(
                &mut txn.open_table(RUNS)?,
                &mut txn.open_table(RUN_IDS)?,
                keep,
            )?;
        }
        txn.commit()?;
        Ok(())
    }
}

fn read_retention(
    meta: &impl ReadableTable<&'static str, &'static [u8]>,
) -> Result<u64, StoreError> {
    Ok(get_json(meta, "meta", RETENTION_KEY)?.unwrap_or(DEFAULT_RUN_RETENTION))
}

/// Deletes the oldest runs until at most `keep` remain.
fn prune(
    runs: &mut Table<u64, &[u8]>,
    ids: &mut Table<&str, u64>,
    keep: u64,
) -> Result<(), StoreError> {
    while runs.len()? > keep {
        let Some((_, bytes)) = runs.pop_first()? else {
            break;
        };
        // Read only the id, so a damaged record is still pruned.
        let id = serde_json::from_slice::<RunId>(bytes.value()).map(|r| r.id);
        drop(bytes);
        if let Ok(id) = id {
            ids.remove(id.as_str())?;
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct RunId {
    id: String,
}

fn decode_run(seq: u64, bytes: &[u8]) -> Result<Run, StoreError> {
    serde_json::from_slice(bytes)
        .map_err(|error| StoreError::corrupt("runs", &seq.to_string(), error))
}
