//! Integrated accounts: credentials and settings for one connector, secrets sealed.

use std::fmt;
use std::str::FromStr;

use redb::{ReadableDatabase, Table};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::cipher::Cipher;
use crate::environment::DEFAULT_ENVIRONMENT;
use crate::secret::{self, SecretValue};
use crate::store::{ACCOUNTS, ENVIRONMENTS, all_json, get_json, now, put_json};
use crate::{Store, StoreError};

/// Connection state of an account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Credentials work.
    #[default]
    Active,
    /// A credential refresh failed; the user has to connect the account again.
    NeedsReauth,
    /// The account is being connected.
    Connecting,
    /// The connector rejected the account's settings.
    ValidationError,
    /// A step after connecting (for example fetching instance settings) failed.
    PostInstallError,
}

impl AccountStatus {
    /// Every status, in declaration order.
    pub const ALL: [AccountStatus; 5] = [
        AccountStatus::Active,
        AccountStatus::NeedsReauth,
        AccountStatus::Connecting,
        AccountStatus::ValidationError,
        AccountStatus::PostInstallError,
    ];

    /// Returns the snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::NeedsReauth => "needs_reauth",
            AccountStatus::Connecting => "connecting",
            AccountStatus::ValidationError => "validation_error",
            AccountStatus::PostInstallError => "post_install_error",
        }
    }
}

impl fmt::Display for AccountStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AccountStatus {
    type Err = String;

    /// Parses a snake_case name; the error lists the valid names.
    fn from_str(text: &str) -> Result<AccountStatus, String> {
        AccountStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = AccountStatus::ALL.iter().map(|s| s.as_str()).collect();
                format!(
                    "invalid account status '{text}', expected one of: {}",
                    names.join(", ")
                )
            })
    }
}

/// The fields of an account to create.
#[derive(Clone, PartialEq)]
pub struct NewAccount {
    /// Environment name; it must exist.
    pub environment: String,
    /// Connector name, for example `notion`.
    pub connector: String,
    /// Credentials and instance settings.
    pub context: Map<String, Value>,
    /// Base URL that replaces the connector's default.
    pub base_url: Option<String>,
    /// Context fields the connector declares secret, added to
    /// [`DEFAULT_SECRET_FIELDS`](crate::DEFAULT_SECRET_FIELDS).
    pub secret_fields: Vec<String>,
}

impl NewAccount {
    /// Creates the fields of an account for `connector` in the default environment.
    pub fn new(connector: impl Into<String>, context: Map<String, Value>) -> NewAccount {
        NewAccount {
            environment: DEFAULT_ENVIRONMENT.to_owned(),
            connector: connector.into(),
            context,
            base_url: None,
            secret_fields: Vec::new(),
        }
    }
}

impl fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields = secret::all_secret_fields(&self.secret_fields);
        f.debug_struct("NewAccount")
            .field("environment", &self.environment)
            .field("connector", &self.connector)
            .field("context", &secret::redact(&self.context, &fields))
            .field("base_url", &self.base_url)
            .field("secret_fields", &self.secret_fields)
            .finish()
    }
}

/// Changes to an account; `None` leaves a field as it is.
#[derive(Clone, Default, PartialEq)]
pub struct AccountUpdate {
    /// A JSON merge patch (RFC 7396) for the context: keys set to `null` are removed,
    /// objects merge, other values replace.
    pub context: Option<Map<String, Value>>,
    /// New base URL; `Some(None)` removes the override.
    pub base_url: Option<Option<String>>,
    /// New status.
    pub status: Option<AccountStatus>,
    /// New last error; `Some(None)` clears it.
    pub last_error: Option<Option<String>>,
    /// Replaces the connector-declared secret fields.
    pub secret_fields: Option<Vec<String>>,
}

impl fmt::Debug for AccountUpdate {
    /// Shows only the context keys, because the account's full list of secret fields
    /// is not known here.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let context_keys = self.context.as_ref().map(|c| c.keys().collect::<Vec<_>>());
        f.debug_struct("AccountUpdate")
            .field("context_keys", &context_keys)
            .field("base_url", &self.base_url)
            .field("status", &self.status)
            .field("last_error", &self.last_error)
            .field("secret_fields", &self.secret_fields)
            .finish()
    }
}

/// An integrated account with its context decrypted.
#[derive(Clone, PartialEq)]
pub struct Account {
    /// UUID v7, so ids sort in creation order.
    pub id: String,
    /// Environment name.
    pub environment: String,
    /// Connector name.
    pub connector: String,
    /// Connection state.
    pub status: AccountStatus,
    /// Credentials and settings, secrets included in plain text.
    pub context: Map<String, Value>,
    /// Base URL that replaces the connector's default.
    pub base_url: Option<String>,
    /// Every secret field name or dot path: the defaults plus the declared ones.
    pub secret_fields: Vec<String>,
    /// Message of the last failure (for example a failed refresh).
    pub last_error: Option<String>,
    /// Creation time, RFC 3339 UTC.
    pub created_at: String,
    /// Time of the last change, RFC 3339 UTC.
    pub updated_at: String,
}

impl Account {
    /// Returns the account as JSON with every secret value replaced by `"[redacted]"`.
    pub fn redacted(&self) -> Value {
        json!({
            "id": self.id,
            "environment": self.environment,
            "connector": self.connector,
            "status": self.status,
            "context": secret::redact(&self.context, &self.secret_fields),
            "base_url": self.base_url,
            "secret_fields": self.secret_fields,
            "last_error": self.last_error,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("id", &self.id)
            .field("environment", &self.environment)
            .field("connector", &self.connector)
            .field("status", &self.status)
            .field(
                "context",
                &secret::redact(&self.context, &self.secret_fields),
            )
            .field("base_url", &self.base_url)
            .field("last_error", &self.last_error)
            .finish_non_exhaustive()
    }
}

/// The record on disk: secret values are `null` in `context` and sealed together in
/// `sealed` (a JSON list of path and value pairs).
#[derive(Serialize, Deserialize)]
struct StoredAccount {
    id: String,
    environment: String,
    connector: String,
    status: AccountStatus,
    context: Map<String, Value>,
    sealed: Option<String>,
    base_url: Option<String>,
    declared_secret_fields: Vec<String>,
    last_error: Option<String>,
    created_at: String,
    updated_at: String,
}

/// Additional authenticated data for an account's sealed secrets.
fn aad(id: &str) -> Vec<u8> {
    format!("account:{id}").into_bytes()
}

impl StoredAccount {
    fn seal(
        account: &Account,
        declared: Vec<String>,
        cipher: &Cipher,
    ) -> Result<StoredAccount, StoreError> {
        let mut context = account.context.clone();
        let secrets = secret::take_secrets(&mut context, &account.secret_fields);
        let sealed = if secrets.is_empty() {
            None
        } else {
            let plaintext =
                zeroize::Zeroizing::new(serde_json::to_vec(&secrets).expect("JSON values encode"));
            Some(cipher.seal(&plaintext, &aad(&account.id))?)
        };
        Ok(StoredAccount {
            id: account.id.clone(),
            environment: account.environment.clone(),
            connector: account.connector.clone(),
            status: account.status,
            context,
            sealed,
            base_url: account.base_url.clone(),
            declared_secret_fields: declared,
            last_error: account.last_error.clone(),
            created_at: account.created_at.clone(),
            updated_at: account.updated_at.clone(),
        })
    }

    fn open(self, cipher: &Cipher) -> Result<Account, StoreError> {
        let mut context = self.context;
        if let Some(sealed) = &self.sealed {
            let plaintext =
                cipher
                    .open(sealed, &aad(&self.id))
                    .ok_or_else(|| StoreError::Decrypt {
                        id: self.id.clone(),
                    })?;
            let secrets: Vec<SecretValue> =
                serde_json::from_slice(&plaintext).map_err(|_| StoreError::Decrypt {
                    id: self.id.clone(),
                })?;
            secret::restore_secrets(&mut context, secrets);
        }
        Ok(Account {
            secret_fields: secret::all_secret_fields(&self.declared_secret_fields),
            id: self.id,
            environment: self.environment,
            connector: self.connector,
            status: self.status,
            context,
            base_url: self.base_url,
            last_error: self.last_error,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

impl Store {
    /// Creates an account with a new UUID; fails when the environment does not exist.
    pub fn create_account(&self, new: NewAccount) -> Result<Account, StoreError> {
        check_connector_name(&new.connector)?;
        if let Some(base_url) = &new.base_url {
            check_base_url(base_url)?;
        }
        check_secret_field_names(&new.secret_fields)?;
        let created_at = now();
        let account = Account {
            id: uuid::Uuid::now_v7().to_string(),
            environment: new.environment,
            connector: new.connector,
            status: AccountStatus::Active,
            context: new.context,
            base_url: new.base_url,
            secret_fields: secret::all_secret_fields(&new.secret_fields),
            last_error: None,
            created_at: created_at.clone(),
            updated_at: created_at,
        };
        let txn = self.db.begin_write()?;
        {
            Store::require_environment(&txn.open_table(ENVIRONMENTS)?, &account.environment)?;
            let mut table = txn.open_table(ACCOUNTS)?;
            self.write_account(&mut table, &account, new.secret_fields)?;
        }
        txn.commit()?;
        tracing::debug!(id = %account.id, connector = %account.connector, "account created");
        Ok(account)
    }

    /// Returns the account with this id, if any.
    pub fn get_account(&self, id: &str) -> Result<Option<Account>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(ACCOUNTS)?;
        let stored: Option<StoredAccount> = get_json(&table, "accounts", id)?;
        stored.map(|stored| stored.open(&self.cipher)).transpose()
    }

    /// Lists accounts, oldest first, in one environment or in all of them.
    pub fn list_accounts(&self, environment: Option<&str>) -> Result<Vec<Account>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(ACCOUNTS)?;
        let stored: Vec<StoredAccount> = all_json(&table, "accounts")?;
        let mut accounts = stored
            .into_iter()
            .filter(|a| environment.is_none_or(|name| a.environment == name))
            .map(|a| a.open(&self.cipher))
            .collect::<Result<Vec<_>, _>>()?;
        accounts.sort_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
        Ok(accounts)
    }

    /// Applies `update` to an account; fails with [`StoreError::AccountNotFound`].
    pub fn update_account(&self, id: &str, update: AccountUpdate) -> Result<Account, StoreError> {
        if let Some(Some(base_url)) = &update.base_url {
            check_base_url(base_url)?;
        }
        if let Some(fields) = &update.secret_fields {
            check_secret_field_names(fields)?;
        }
        self.modify_account(id, |account, declared| {
            if let Some(patch) = &update.context {
                secret::merge_patch(&mut account.context, patch);
            }
            if let Some(base_url) = update.base_url {
                account.base_url = base_url;
            }
            if let Some(status) = update.status {
                account.status = status;
            }
            if let Some(last_error) = update.last_error {
                account.last_error = last_error;
            }
            if let Some(fields) = update.secret_fields {
                account.secret_fields = secret::all_secret_fields(&fields);
                *declared = fields;
            }
        })
    }

    /// Sets the status and last error of an account (for example `needs_reauth` with
    /// the refresh failure).
    pub fn set_status(
        &self,
        id: &str,
        status: AccountStatus,
        last_error: Option<String>,
    ) -> Result<Account, StoreError> {
        self.modify_account(id, |account, _| {
            account.status = status;
            account.last_error = last_error;
        })
    }

    /// Merges new credentials into the context (a JSON merge patch, so a rotated
    /// refresh token replaces the old one) in one transaction. An account in
    /// `needs_reauth` becomes `active` again and its last error is cleared.
    pub fn update_credentials(
        &self,
        id: &str,
        fields: Map<String, Value>,
    ) -> Result<Account, StoreError> {
        self.modify_account(id, |account, _| {
            secret::merge_patch(&mut account.context, &fields);
            if account.status == AccountStatus::NeedsReauth {
                account.status = AccountStatus::Active;
                account.last_error = None;
            }
        })
    }

    /// Deletes an account; returns false when it did not exist.
    pub fn delete_account(&self, id: &str) -> Result<bool, StoreError> {
        let txn = self.db.begin_write()?;
        let removed = txn.open_table(ACCOUNTS)?.remove(id)?.is_some();
        txn.commit()?;
        Ok(removed)
    }

    /// Reads, changes and writes back one account inside one write transaction. The
    /// closure also gets the connector-declared secret fields to change.
    fn modify_account(
        &self,
        id: &str,
        change: impl FnOnce(&mut Account, &mut Vec<String>),
    ) -> Result<Account, StoreError> {
        let txn = self.db.begin_write()?;
        let account = {
            let mut table = txn.open_table(ACCOUNTS)?;
            let stored: StoredAccount = get_json(&table, "accounts", id)?
                .ok_or_else(|| StoreError::AccountNotFound { id: id.to_owned() })?;
            let mut declared = stored.declared_secret_fields.clone();
            let mut account = stored.open(&self.cipher)?;
            change(&mut account, &mut declared);
            account.updated_at = now();
            self.write_account(&mut table, &account, declared)?;
            account
        };
        txn.commit()?;
        Ok(account)
    }

    fn write_account(
        &self,
        table: &mut Table<&str, &[u8]>,
        account: &Account,
        declared: Vec<String>,
    ) -> Result<(), StoreError> {
        let stored = StoredAccount::seal(account, declared, &self.cipher)?;
        put_json(table, &account.id, &stored)
    }
}

fn check_connector_name(name: &str) -> Result<(), StoreError> {
    let reason = if name.is_empty() {
        "must not be empty"
    } else if name.trim() != name {
        "must not start or end with whitespace"
    } else {
        return Ok(());
    };
    Err(StoreError::InvalidName {
        kind: "connector",
        value: name.to_owned(),
        reason,
    })
}

/// Accepts an absolute `http` or `https` URL with a host, the only kind requests can
/// be sent to.
fn check_base_url(value: &str) -> Result<(), StoreError> {
    let invalid = |reason: String| StoreError::InvalidBaseUrl {
        value: value.to_owned(),
        reason,
    };
    let url = url::Url::parse(value).map_err(|error| invalid(error.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(format!(
            "scheme '{}' is not http or https",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("the URL has no host".to_owned()));
    }
    Ok(())
}

/// Accepts field names and dot paths whose segments are all non-empty.
fn check_secret_field_names(fields: &[String]) -> Result<(), StoreError> {
    let Some(bad) = fields
        .iter()
        .find(|field| field.split('.').any(str::is_empty))
    else {
        return Ok(());
    };
    Err(StoreError::InvalidName {
        kind: "secret field",
        value: bad.clone(),
        reason: "must be a field name or a dot path without empty parts",
    })
}
