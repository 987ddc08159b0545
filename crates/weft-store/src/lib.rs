//! The local store of Weft, on redb: environments, API tokens, integrated accounts and
//! run history, in one database file inside a data directory.
//!
//! [`Store::open`] takes the data directory's lock (one process at a time), opens
//! `store.redb` and loads the encryption key. Then:
//!
//! - environments ([`Environment`]) group accounts and tokens; `default` always exists;
//! - API tokens ([`ApiToken`]) are stored as SHA-256 hashes and returned in plain text
//!   once, by [`Store::create_api_token`];
//! - integrated accounts ([`Account`]) keep their secret context fields sealed with
//!   XChaCha20-Poly1305; [`Account::redacted`] and every `Debug` output hide them;
//! - runs ([`Run`]) are kept newest first up to a retention limit.
//!
//! Every write is one redb transaction, committed durably before the method returns.

mod account;
mod cipher;
mod environment;
mod error;
mod guard;
mod key;
mod lock;
mod run;
mod secret;
mod store;
mod token;

pub use account::{Account, AccountStatus, AccountUpdate, NewAccount};
pub use environment::{DEFAULT_ENVIRONMENT, Environment};
pub use error::StoreError;
pub use key::{KEY_FILE, KeySource};
pub use run::{DEFAULT_RUN_RETENTION, Run, RunStatus};
pub use secret::{DEFAULT_SECRET_FIELDS, REDACTED};
pub use store::{DATABASE_FILE, LOCK_FILE, NO_KEYRING_ENV, SCHEMA_VERSION, Store, StoreOptions};
pub use token::{ApiToken, IssuedApiToken, NewApiToken, TOKEN_PREFIX};
