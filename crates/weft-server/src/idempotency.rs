//! Stored responses for `Idempotency-Key`: a redb database of its own
//! (`<data-dir>/idempotency.redb`) next to the store, kept across restarts.
//!
//! An entry is keyed by environment and key and holds the SHA-256 of the request body
//! and the response sent. Entries older than [`IDEMPOTENCY_TTL_HOURS`] count as absent
//! and are deleted when the server starts.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use redb::{Database, ReadableDatabase, TableDefinition};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::ServerError;

/// File name of the idempotency database inside the data directory.
pub const IDEMPOTENCY_FILE: &str = "idempotency.redb";
/// How long a stored response is replayed.
pub const IDEMPOTENCY_TTL_HOURS: i64 = 24;

const ENTRIES: TableDefinition<&str, &[u8]> = TableDefinition::new("idempotency");

/// One stored response.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Stored {
    pub body_sha256: String,
    pub status: u16,
    pub response: Value,
    pub run_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What a lookup found for a key and body.
#[derive(Debug)]
pub(crate) enum Lookup {
    /// No live entry: run the batch and save the response through the guard.
    Fresh(RunningKey),
    /// A response to the same body is stored.
    Replay(Stored),
    /// The key was used with another body.
    Conflict,
    /// A request with this key is running right now.
    InFlight,
}

/// The running mark of one key. Dropping it without [`RunningKey::finish`] (a panic,
/// a cancelled task) releases the key, so it never stays "in progress" for good.
#[derive(Debug)]
pub(crate) struct RunningKey {
    idempotency: Arc<Idempotency>,
    environment: String,
    key: String,
}

impl RunningKey {
    /// Saves the response (when given) and releases the running mark.
    pub(crate) fn finish(self, answer: Option<Stored>) -> Result<(), ServerError> {
        let id = entry_key(&self.environment, &self.key);
        answer.map_or(Ok(()), |answer| self.idempotency.put(&id, &answer))
    }
}

impl Drop for RunningKey {
    fn drop(&mut self) {
        let id = entry_key(&self.environment, &self.key);
        self.idempotency.release(&id);
    }
}

/// The idempotency database plus the keys of requests still running.
#[derive(Debug)]
pub(crate) struct Idempotency {
    db: Database,
    running: Mutex<HashSet<String>>,
}

/// SHA-256 hex of a request body.
pub(crate) fn body_hash(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

fn entry_key(environment: &str, key: &str) -> String {
    format!("{environment}\u{0}{key}")
}

fn is_live(entry: &Stored, now: DateTime<Utc>) -> bool {
    now - entry.created_at < Duration::hours(IDEMPOTENCY_TTL_HOURS)
}

impl Idempotency {
    /// Opens (or creates) the database in `dir` and deletes expired entries.
    pub(crate) fn open(dir: &Path) -> Result<Idempotency, ServerError> {
        let db = Database::create(dir.join(IDEMPOTENCY_FILE)).map_err(redb::Error::from)?;
        let idempotency = Idempotency {
            db,
            running: Mutex::new(HashSet::new()),
        };
        idempotency.prune(Utc::now())?;
        Ok(idempotency)
    }

    /// Looks the key up and, when it is fresh, marks it running until the returned
    /// [`RunningKey`] is finished or dropped.
    pub(crate) fn begin(
        self: &Arc<Self>,
        environment: &str,
        key: &str,
        hash: &str,
    ) -> Result<Lookup, ServerError> {
        let id = entry_key(environment, key);
        let mut running = self.running.lock().expect("idempotency lock poisoned");
        if running.contains(&id) {
            return Ok(Lookup::InFlight);
        }
        match self.get(&id)? {
            Some(entry) if entry.body_sha256 == hash => Ok(Lookup::Replay(entry)),
            Some(_) => Ok(Lookup::Conflict),
            None => {
                running.insert(id);
                Ok(Lookup::Fresh(RunningKey {
                    idempotency: Arc::clone(self),
                    environment: environment.to_owned(),
                    key: key.to_owned(),
                }))
            }
        }
    }

    fn release(&self, id: &str) {
        self.running
            .lock()
            .expect("idempotency lock poisoned")
            .remove(id);
    }

    fn get(&self, id: &str) -> Result<Option<Stored>, ServerError> {
        let txn = self.db.begin_read().map_err(redb::Error::from)?;
        let table = match txn.open_table(ENTRIES) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(error) => return Err(redb::Error::from(error).into()),
        };
        let Some(bytes) = table.get(id).map_err(redb::Error::from)? else {
            return Ok(None);
        };
        // A record this build cannot read counts as absent; the next response replaces it.
        let entry: Option<Stored> = serde_json::from_slice(bytes.value()).ok();
        Ok(entry.filter(|entry| is_live(entry, Utc::now())))
    }

    fn put(&self, id: &str, entry: &Stored) -> Result<(), ServerError> {
        let bytes = serde_json::to_vec(entry).expect("idempotency entries encode as JSON");
        let txn = self.db.begin_write().map_err(redb::Error::from)?;
        txn.open_table(ENTRIES)
            .map_err(redb::Error::from)?
            .insert(id, bytes.as_slice())
            .map_err(redb::Error::from)?;
        txn.commit().map_err(redb::Error::from)?;
        Ok(())
    }

    fn prune(&self, now: DateTime<Utc>) -> Result<(), ServerError> {
        let txn = self.db.begin_write().map_err(redb::Error::from)?;
        {
            let mut table = txn.open_table(ENTRIES).map_err(redb::Error::from)?;
            table
                .retain(|_, bytes| {
                    serde_json::from_slice::<Stored>(bytes).is_ok_and(|e| is_live(&e, now))
                })
                .map_err(redb::Error::from)?;
        }
        txn.commit().map_err(redb::Error::from)?;
        Ok(())
    }
}
