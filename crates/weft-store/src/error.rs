use std::io;
use std::path::PathBuf;

/// Everything that can go wrong in the store.
///
/// Messages never contain a secret: context values, API tokens and the encryption key
/// stay out of every variant.
///
/// Each message already includes its cause, so no variant has an error `source`: a
/// report that prints the source chain (anyhow's `{:#}`) would repeat the cause.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another `Store` holds the lock on this data directory, in this process or in
    /// another one. `pid` is the owner's process id when the lock file names one.
    #[error(
        "store in use by {}; stop that process (for example `weft serve`) or pass another --data-dir",
        owner(*.pid)
    )]
    InUse {
        /// Process id of the owner, read from the lock file.
        pid: Option<u32>,
    },
    /// A file or folder of the store could not be created, read or written.
    #[error("failed to access '{}': {error}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        error: io::Error,
    },
    /// redb reported an error (storage, transaction, table or commit).
    #[error("database error: {0}")]
    Database(redb::Error),
    /// The database file is damaged: redb rejected it or failed on it while opening.
    /// The store leaves such a file as it found it.
    #[error(
        "store file '{}' is damaged ({detail}); weft left it unchanged: restore it from a backup, or move it away to start with an empty store",
        path.display()
    )]
    Damaged {
        /// The database file.
        path: PathBuf,
        /// What redb reported.
        detail: String,
    },
    /// A stored record could not be decoded, which means the file was changed outside
    /// the store or written by an incompatible version.
    #[error("stored record '{key}' in table '{table}' is invalid: {message}")]
    Corrupt {
        /// The redb table.
        table: &'static str,
        /// The record's key.
        key: String,
        /// The decoder's message.
        message: String,
    },
    /// The database was written by a newer version of the store.
    #[error("store schema version {found} is newer than the supported version {supported}")]
    UnsupportedSchema {
        /// Version found in the meta table.
        found: u32,
        /// Highest version this build reads.
        supported: u32,
    },
    /// The store contains encrypted data but its key was found neither in the OS keyring
    /// nor in the key file.
    #[error(
        "encryption key for store '{}' not found in the OS keyring or in '{}'; restore the key file or start with an empty data directory",
        dir.display(), key_file.display()
    )]
    KeyMissing {
        /// The data directory.
        dir: PathBuf,
        /// Expected path of the key file.
        key_file: PathBuf,
    },
    /// The key file does not hold a key: 64 hexadecimal digits.
    #[error(
        "key file '{}' is invalid: expected 64 hexadecimal digits; restore it from a backup",
        path.display()
    )]
    InvalidKeyFile {
        /// The key file.
        path: PathBuf,
    },
    /// The key that was found does not decrypt this store's data.
    #[error("encryption key from {source_name} does not decrypt store '{}'", dir.display())]
    WrongKey {
        /// The data directory.
        dir: PathBuf,
        /// Source of the key: "the OS keyring" or the key file path.
        source_name: String,
    },
    /// The secrets of one account failed to decrypt (tampered or damaged record).
    #[error("failed to decrypt the secret fields of account '{id}'")]
    Decrypt {
        /// The account id.
        id: String,
    },
    /// No account has this id.
    #[error("account '{id}' not found")]
    AccountNotFound {
        /// The id that was looked up.
        id: String,
    },
    /// No environment has this name.
    #[error("environment '{name}' not found")]
    EnvironmentNotFound {
        /// The name that was looked up.
        name: String,
    },
    /// An environment with this name exists already.
    #[error("environment '{name}' already exists")]
    EnvironmentExists {
        /// The name.
        name: String,
    },
    /// The environment still has accounts or live API tokens.
    #[error(
        "environment '{name}' still has {accounts} account(s) and {tokens} API token(s); delete or revoke them first"
    )]
    EnvironmentNotEmpty {
        /// The name.
        name: String,
        /// Accounts in the environment.
        accounts: usize,
        /// Unrevoked API tokens of the environment.
        tokens: usize,
    },
    /// The default environment cannot be deleted.
    #[error("environment '{name}' is the default environment and cannot be deleted")]
    DefaultEnvironment {
        /// The default environment's name.
        name: String,
    },
    /// A name (environment, API token, connector or secret field) breaks the naming rules.
    #[error("invalid {kind} name '{value}': {reason}")]
    InvalidName {
        /// "environment", "API token", "connector" or "secret field".
        kind: &'static str,
        /// The rejected name.
        value: String,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// An account's base URL is not an absolute http or https URL.
    #[error(
        "invalid base URL '{value}': {reason}; give an absolute http or https URL such as 'https://api.example.com'"
    )]
    InvalidBaseUrl {
        /// The rejected URL.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No API token has this id.
    #[error("API token '{id}' not found")]
    TokenNotFound {
        /// The id that was looked up.
        id: String,
    },
    /// The system's random number generator failed.
    #[error("failed to read random bytes from the operating system: {0}")]
    Random(String),
}

fn owner(pid: Option<u32>) -> String {
    match pid {
        Some(pid) => format!("pid {pid}"),
        None => "another process".to_owned(),
    }
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>, error: io::Error) -> StoreError {
        StoreError::Io {
            path: path.into(),
            error,
        }
    }

    pub(crate) fn corrupt(table: &'static str, key: &str, error: impl ToString) -> StoreError {
        StoreError::Corrupt {
            table,
            key: key.to_owned(),
            message: error.to_string(),
        }
    }
}

macro_rules! from_redb {
    ($($kind:ident),*) => {$(
        impl From<redb::$kind> for StoreError {
            fn from(error: redb::$kind) -> StoreError {
                StoreError::Database(error.into())
            }
        }
    )*};
}

impl From<redb::Error> for StoreError {
    fn from(error: redb::Error) -> StoreError {
        StoreError::Database(error)
    }
}

from_redb!(
    DatabaseError,
    TransactionError,
    TableError,
    StorageError,
    CommitError
);
