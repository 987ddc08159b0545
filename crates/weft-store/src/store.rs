//! Opening the store: data directory, lock, redb tables, schema version and key.

use std::fs;
use std::path::{Path, PathBuf};

use redb::{Database, ReadOnlyDatabase, ReadableTable, Table, TableDefinition};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::StoreError;
use crate::cipher::Cipher;
use crate::environment::{DEFAULT_ENVIRONMENT, Environment};
use crate::guard;
use crate::key::{self, KeySource};
use crate::lock::{self, LockFile};

/// Schema version written by this build; bumped when a record layout changes.
pub const SCHEMA_VERSION: u32 = 1;
/// Name of the redb database file inside the data directory.
pub const DATABASE_FILE: &str = "store.redb";
/// Name of the lock file inside the data directory.
pub const LOCK_FILE: &str = "store.lock";

/// Settings and bookkeeping: schema version, key check, run retention.
pub(crate) const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// Environment name to JSON record.
pub(crate) const ENVIRONMENTS: TableDefinition<&str, &[u8]> = TableDefinition::new("environments");
/// Account id to JSON record with secret fields sealed.
pub(crate) const ACCOUNTS: TableDefinition<&str, &[u8]> = TableDefinition::new("accounts");
/// API token id to JSON record (hash included, token never).
pub(crate) const TOKENS: TableDefinition<&str, &[u8]> = TableDefinition::new("api_tokens");
/// SHA-256 hex of a live API token to the token id.
pub(crate) const TOKEN_HASHES: TableDefinition<&str, &str> =
    TableDefinition::new("api_token_hashes");
/// Insertion sequence number to JSON run record; ascending keys are oldest first.
pub(crate) const RUNS: TableDefinition<u64, &[u8]> = TableDefinition::new("runs");
/// Run id to its sequence number in `RUNS`.
pub(crate) const RUN_IDS: TableDefinition<&str, u64> = TableDefinition::new("run_ids");

const KEY_CHECK: &str = "key_check";
const KEY_CHECK_TEXT: &[u8] = b"weft store key check";

/// Options for [`Store::open_with`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StoreOptions {
    /// Look for the encryption key in the OS keyring and save new keys there. When
    /// false, or when no keyring works, the key lives in `<data-dir>/store.key`.
    pub use_keyring: bool,
}

/// Environment variable that, when set to a non-empty value, keeps [`Store::open`] away
/// from the OS keyring (for tests and headless machines).
pub const NO_KEYRING_ENV: &str = "WEFT_NO_KEYRING";

impl Default for StoreOptions {
    /// Uses the OS keyring unless `WEFT_NO_KEYRING` is set to a non-empty value.
    fn default() -> StoreOptions {
        let disabled = std::env::var_os(NO_KEYRING_ENV).is_some_and(|value| !value.is_empty());
        StoreOptions {
            use_keyring: !disabled,
        }
    }
}

impl StoreOptions {
    /// Options that keep the key in the key file and never touch the OS keyring.
    pub fn key_file_only() -> StoreOptions {
        StoreOptions { use_keyring: false }
    }
}

/// The local store: environments, API tokens, integrated accounts and run history in
/// one redb database, owned by one process at a time.
///
/// Every write method runs one redb write transaction and commits it (durably) before
/// returning, so a crash keeps either the whole change or none of it.
#[derive(Debug)]
pub struct Store {
    pub(crate) db: Database,
    pub(crate) cipher: Cipher,
    dir: PathBuf,
    key_source: KeySource,
    _lock: LockFile,
}

impl Store {
    /// Opens the store in `dir`, creating the folder, database and key when missing.
    ///
    /// Fails with [`StoreError::InUse`] when another `Store` (in any process) has the
    /// folder open, and with [`StoreError::KeyMissing`] or [`StoreError::WrongKey`]
    /// when the encryption key is gone or does not match.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        Store::open_with(dir, &StoreOptions::default())
    }

    /// Opens the store in `dir` with explicit options; see [`Store::open`].
    pub fn open_with(dir: &Path, options: &StoreOptions) -> Result<Store, StoreError> {
        create_private_dir(dir)?;
        let lock = LockFile::acquire(&dir.join(LOCK_FILE))?;
        let db = open_database(dir)?;
        let path = dir.join(DATABASE_FILE);
        guard::catch(|| initialise(&db)).map_err(|panic| damaged(&path, &panic))??;

        let (key, key_source) = match key::load(dir, options.use_keyring)? {
            Some(found) => found,
            None if guard::catch(|| has_key_check(&db))
                .map_err(|panic| damaged(&path, &panic))?? =>
            {
                return Err(StoreError::KeyMissing {
                    dir: dir.to_owned(),
                    key_file: dir.join(key::KEY_FILE),
                });
            }
            None => key::create(dir, options.use_keyring)?,
        };
        let cipher = Cipher::new(&key);
        guard::catch(|| check_key(&db, &cipher, dir, &key_source))
            .map_err(|panic| damaged(&path, &panic))??;

        tracing::info!(dir = %dir.display(), key = %key_source.describe(), "store opened");
        Ok(Store {
            db,
            cipher,
            dir: dir.to_owned(),
            key_source,
            _lock: lock,
        })
    }

    /// Returns the data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Returns the location of the encryption key.
    pub fn key_source(&self) -> &KeySource {
        &self.key_source
    }
}

fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|error| StoreError::io(dir, error))
}

/// Opens the database file; redb's own file lock backs up the lock file, for example
/// against a program that opens the database without it.
///
/// An existing file is first opened read-only, so a damaged one is reported without a
/// single write. When redb has to repair the file after a crash, a copy is made first.
/// If the repair fails, the copy replaces the file again.
fn open_database(dir: &Path) -> Result<Database, StoreError> {
    let path = dir.join(DATABASE_FILE);
    if !check_existing(dir, &path)? {
        return open_writable(dir, &path);
    }
    let backup = path.with_extension("redb.before-repair");
    fs::copy(&path, &backup).map_err(|error| StoreError::io(&backup, error))?;
    match open_writable(dir, &path) {
        Ok(db) => {
            let _ = fs::remove_file(&backup);
            Ok(db)
        }
        Err(error) => {
            fs::rename(&backup, &path).map_err(|error| StoreError::io(&path, error))?;
            Err(error)
        }
    }
}

/// Checks an existing database file without writing to it. Returns whether redb has
/// to repair it; fails with [`StoreError::Damaged`] when it cannot be opened.
fn check_existing(dir: &Path, path: &Path) -> Result<bool, StoreError> {
    let length = match fs::metadata(path) {
        Ok(metadata) => metadata.len(),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(error) => return Err(StoreError::io(path, error)),
    };
    // The key file is written after the database, so an empty database beside a key
    // file has lost its contents. Without a key file, a first open stopped early.
    if length == 0 && dir.join(key::KEY_FILE).exists() {
        return Err(damaged(path, "the file is empty"));
    }
    if length == 0 {
        return Ok(false);
    }
    match guard::catch(|| ReadOnlyDatabase::open(path)) {
        Ok(Ok(_db)) => Ok(false),
        Ok(Err(redb::DatabaseError::RepairAborted)) => Ok(true),
        Ok(Err(error)) => Err(open_error(dir, path, error)),
        Err(panic) => Err(damaged(path, &panic)),
    }
}

fn open_writable(dir: &Path, path: &Path) -> Result<Database, StoreError> {
    match guard::catch(|| Database::create(path)) {
        Ok(Ok(db)) => Ok(db),
        Ok(Err(error)) => Err(open_error(dir, path, error)),
        Err(panic) => Err(damaged(path, &panic)),
    }
}

/// Sorts redb's error on opening `path` into in use, damaged, input/output and other.
fn open_error(dir: &Path, path: &Path, error: redb::DatabaseError) -> StoreError {
    use redb::{DatabaseError, StorageError};
    match error {
        DatabaseError::DatabaseAlreadyOpen => {
            let pid = fs::File::open(dir.join(LOCK_FILE))
                .ok()
                .and_then(|mut file| lock::read_pid(&mut file));
            StoreError::InUse { pid }
        }
        DatabaseError::Storage(StorageError::Corrupted(detail)) => damaged(path, &detail),
        DatabaseError::Storage(StorageError::Io(error)) => match error.kind() {
            std::io::ErrorKind::InvalidData => damaged(path, "not a redb database"),
            std::io::ErrorKind::UnexpectedEof => damaged(path, "the file is too short"),
            _ => StoreError::io(path, error),
        },
        other => other.into(),
    }
}

/// Builds a [`StoreError::Damaged`] for `path`, with multi-line messages on one line.
fn damaged(path: &Path, detail: &str) -> StoreError {
    StoreError::Damaged {
        path: path.to_owned(),
        detail: detail.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

/// Creates every table, checks the schema version and adds the default environment.
fn initialise(db: &Database) -> Result<(), StoreError> {
    let txn = db.begin_write()?;
    {
        let mut meta = txn.open_table(META)?;
        check_schema(&mut meta)?;
        let mut environments = txn.open_table(ENVIRONMENTS)?;
        if environments.get(DEFAULT_ENVIRONMENT)?.is_none() {
            let default = Environment::new(DEFAULT_ENVIRONMENT);
            put_json(&mut environments, DEFAULT_ENVIRONMENT, &default)?;
        }
        txn.open_table(ACCOUNTS)?;
        txn.open_table(TOKENS)?;
        txn.open_table(TOKEN_HASHES)?;
        txn.open_table(RUNS)?;
        txn.open_table(RUN_IDS)?;
    }
    txn.commit()?;
    Ok(())
}

fn check_schema(meta: &mut Table<&str, &[u8]>) -> Result<(), StoreError> {
    let found: Option<u32> = get_json(meta, "meta", "schema_version")?;
    match found {
        Some(found) if found > SCHEMA_VERSION => Err(StoreError::UnsupportedSchema {
            found,
            supported: SCHEMA_VERSION,
        }),
        Some(_) => Ok(()),
        None => put_json(meta, "schema_version", &SCHEMA_VERSION),
    }
}

fn has_key_check(db: &Database) -> Result<bool, StoreError> {
    use redb::ReadableDatabase;
    let txn = db.begin_read()?;
    let meta = txn.open_table(META)?;
    Ok(meta.get(KEY_CHECK)?.is_some())
}

/// Verifies the key against the sealed check value, or stores that value on first use.
fn check_key(
    db: &Database,
    cipher: &Cipher,
    dir: &Path,
    source: &KeySource,
) -> Result<(), StoreError> {
    let txn = db.begin_write()?;
    {
        let mut meta = txn.open_table(META)?;
        let stored: Option<String> = get_json(&meta, "meta", KEY_CHECK)?;
        match stored {
            Some(sealed) => {
                let opened = cipher.open(&sealed, KEY_CHECK.as_bytes());
                if opened.as_deref().map(Vec::as_slice) != Some(KEY_CHECK_TEXT) {
                    return Err(StoreError::WrongKey {
                        dir: dir.to_owned(),
                        source_name: source.describe(),
                    });
                }
            }
            None => {
                let sealed = cipher.seal(KEY_CHECK_TEXT, KEY_CHECK.as_bytes())?;
                put_json(&mut meta, KEY_CHECK, &sealed)?;
            }
        }
    }
    txn.commit()?;
    Ok(())
}

/// Reads and decodes the JSON record at `key`.
pub(crate) fn get_json<T: DeserializeOwned>(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    name: &'static str,
    key: &str,
) -> Result<Option<T>, StoreError> {
    let Some(guard) = table.get(key)? else {
        return Ok(None);
    };
    let value = serde_json::from_slice(guard.value())
        .map_err(|error| StoreError::corrupt(name, key, error))?;
    Ok(Some(value))
}

/// Encodes `value` as JSON and stores it at `key`.
pub(crate) fn put_json<T: Serialize>(
    table: &mut Table<&str, &[u8]>,
    key: &str,
    value: &T,
) -> Result<(), StoreError> {
    let bytes = serde_json::to_vec(value).expect("store records always encode as JSON");
    table.insert(key, bytes.as_slice())?;
    Ok(())
}

/// Decodes every record of a table.
pub(crate) fn all_json<T: DeserializeOwned>(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    name: &'static str,
) -> Result<Vec<T>, StoreError> {
    let mut records = Vec::new();
    for entry in table.iter()? {
        let (key, value) = entry?;
        let record = serde_json::from_slice(value.value())
            .map_err(|error| StoreError::corrupt(name, key.value(), error))?;
        records.push(record);
    }
    Ok(records)
}

/// Returns the current time as RFC 3339 in UTC with milliseconds.
pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
