//! Environments: named groups of accounts and API tokens.

use redb::{ReadableDatabase, ReadableTable};
use serde::{Deserialize, Serialize};

use crate::store::{ACCOUNTS, ENVIRONMENTS, TOKENS, all_json, get_json, now, put_json};
use crate::{ApiToken, Store, StoreError};

/// The environment that always exists and that accounts land in by default.
pub const DEFAULT_ENVIRONMENT: &str = "default";

const MAX_NAME_LEN: usize = 64;

/// A named group of accounts; an API token grants access to its own environment only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    /// Unique name: lowercase ASCII letters, digits, `-` and `_`.
    pub name: String,
    /// Creation time, RFC 3339 UTC.
    pub created_at: String,
}

impl Environment {
    pub(crate) fn new(name: &str) -> Environment {
        Environment {
            name: name.to_owned(),
            created_at: now(),
        }
    }
}

/// Checks the naming rule: 1 to 64 characters from `a-z`, `0-9`, `-` and `_`, starting
/// with a letter or digit.
fn validate_name(name: &str) -> Result<(), StoreError> {
    let reason = if name.is_empty() {
        Some("must not be empty")
    } else if name.len() > MAX_NAME_LEN {
        Some("must be at most 64 characters")
    } else if !name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        Some("must start with a lowercase letter or a digit")
    } else if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        Some("may contain only lowercase letters, digits, '-' and '_'")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(StoreError::InvalidName {
            kind: "environment",
            value: name.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

impl Store {
    /// Creates an environment; fails when the name is invalid or taken.
    pub fn create_environment(&self, name: &str) -> Result<Environment, StoreError> {
        validate_name(name)?;
        let environment = Environment::new(name);
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(ENVIRONMENTS)?;
            if table.get(name)?.is_some() {
                return Err(StoreError::EnvironmentExists {
                    name: name.to_owned(),
                });
            }
            put_json(&mut table, name, &environment)?;
        }
        txn.commit()?;
        Ok(environment)
    }

    /// Returns the environment called `name`, if any.
    pub fn get_environment(&self, name: &str) -> Result<Option<Environment>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(ENVIRONMENTS)?;
        get_json(&table, "environments", name)
    }

    /// Lists every environment, sorted by name.
    pub fn list_environments(&self) -> Result<Vec<Environment>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(ENVIRONMENTS)?;
        all_json(&table, "environments")
    }

    /// Deletes an empty environment. Returns false when it did not exist.
    ///
    /// Fails for the default environment, and while the environment still has accounts
    /// or unrevoked API tokens.
    pub fn delete_environment(&self, name: &str) -> Result<bool, StoreError> {
        if name == DEFAULT_ENVIRONMENT {
            return Err(StoreError::DefaultEnvironment {
                name: name.to_owned(),
            });
        }
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(ENVIRONMENTS)?;
            if table.get(name)?.is_none() {
                return Ok(false);
            }
            let accounts: Vec<serde_json::Value> =
                all_json(&txn.open_table(ACCOUNTS)?, "accounts")?;
            let tokens: Vec<ApiToken> = all_json(&txn.open_table(TOKENS)?, "api_tokens")?;
            let accounts = accounts.iter().filter(|a| a["environment"] == name).count();
            let tokens = tokens
                .iter()
                .filter(|t| t.environment == name && t.revoked_at.is_none())
                .count();
            if accounts > 0 || tokens > 0 {
                return Err(StoreError::EnvironmentNotEmpty {
                    name: name.to_owned(),
                    accounts,
                    tokens,
                });
            }
            table.remove(name)?;
        }
        txn.commit()?;
        Ok(true)
    }

    /// Fails with [`StoreError::EnvironmentNotFound`] unless `name` exists.
    pub(crate) fn require_environment(
        table: &impl ReadableTable<&'static str, &'static [u8]>,
        name: &str,
    ) -> Result<(), StoreError> {
        match table.get(name)? {
            Some(_) => Ok(()),
            None => Err(StoreError::EnvironmentNotFound {
                name: name.to_owned(),
            }),
        }
    }
}
