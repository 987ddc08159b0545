//! Weft runs batch requests (the body of Truto's `POST /batch-request`) against SaaS
//! APIs locally. This facade crate is what the CLI, the HTTP server and the desktop
//! app use: it re-exports the pieces and adds [`run_batch`], which finds the account,
//! builds the [`Target`] and runs a [`Plan`] on an [`Engine`].
//!
//! # Layout
//!
//! | crate | concern | main items |
//! | --- | --- | --- |
//! | [`spec`] (`weft-spec`) | the batch body, its JSON Schema, validation into a plan | [`Plan`], [`Diagnostics`] |
//! | [`template`] (`weft-template`) | `{{placeholder}}` rendering | `render`, `lookup` |
//! | [`transform`] (`weft-transform`) | JSONata with Truto's extension functions | `Transform` |
//! | [`connector`] (`weft-connector`) | Lua connectors: requests, auth, pagination | [`Registry`], `Connector` |
//! | [`store`] (`weft-store`) | accounts and environments in redb, secrets encrypted | [`Store`], `Account` |
//! | [`replay`] (`weft-replay`) | a loopback server that replays a HAR file | `serve`, `Har` |
//! | [`engine`] (`weft-engine`) | the executor: plan in, `{result, errors}` out | [`Engine`], [`Event`] |
//!
//! Each crate owns at most one heavy dependency (mlua, redb, axum, reqwest, the
//! JSONata engine), so swapping one touches one crate.
//!
//! # Credentials
//!
//! [`StoreCredentials`] lets the engine save refreshed credentials to the store and
//! mark a failed refresh as `needs_reauth`; [`resolve_target`] attaches it to every
//! stored account. [`run_batch`] refreshes an account in `needs_reauth` once before the
//! batch and fails with [`Error::NeedsReauth`] when that fails.

use std::sync::Arc;

use serde_json::{Map, Value};
use weft_connector::{AccountContext, Connector};
use weft_engine::StoreFailure;
use weft_store::{Account, AccountStatus};

pub use weft_connector as connector;
pub use weft_engine as engine;
pub use weft_replay as replay;
pub use weft_spec as spec;
pub use weft_store as store;
pub use weft_template as template;
pub use weft_transform as transform;

pub use weft_connector::Registry;
pub use weft_engine::{
    BatchOutput, CredentialStore, Engine, EngineError, Event, EventSender, Options, RetryPolicy,
    Target,
};
pub use weft_spec::{Diagnostics, Plan};
pub use weft_store::Store;

/// Errors that stop [`run_batch`] before the batch starts.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The plan's account is not in the store, and no fallback connector with a base
    /// URL was given.
    #[error("integrated account '{id}' not found")]
    AccountNotFound { id: String },
    /// The account's connector, or the fallback connector, is not in the registry.
    #[error("unknown connector '{name}' (known: {known})")]
    UnknownConnector { name: String, known: String },
    /// The account is in `needs_reauth` and one refresh of its credentials failed (or
    /// its connector cannot refresh); the user has to connect it again. `reason` has
    /// secrets redacted.
    #[error("account '{account}' needs reauthorization: {reason}")]
    NeedsReauth { account: String, reason: String },
    /// The store failed while reading the account.
    #[error(transparent)]
    Store(#[from] weft_store::StoreError),
    /// The engine failed before the batch started.
    #[error(transparent)]
    Engine(weft_engine::EngineError),
}

impl Error {
    /// The HTTP status a server answers with: 404 for a missing account, 401 for one
    /// that needs reauthorization, 500 otherwise.
    pub fn status_code(&self) -> u16 {
        match self {
            Error::AccountNotFound { .. } => 404,
            Error::NeedsReauth { .. } => 401,
            _ => 500,
        }
    }
}

impl From<EngineError> for Error {
    fn from(error: EngineError) -> Self {
        match error {
            EngineError::RefreshFailed { account, reason } => {
                Error::NeedsReauth { account, reason }
            }
            other => Error::Engine(other),
        }
    }
}

/// Account sources for [`run_batch`].
#[derive(Default)]
pub struct AccountLookup {
    /// The account store; `None` runs without one.
    pub store: Option<Arc<Store>>,
    /// Connector for an ephemeral account, used when the plan's account is not in the
    /// store and `base_url` is set (a replay server). The ephemeral account is never
    /// saved.
    pub fallback_connector: Option<String>,
    /// Base URL replacing the account's, for example a replay server's.
    pub base_url: Option<String>,
}

/// The account store as the engine's [`CredentialStore`]: refreshed credentials are
/// merged into the account in one transaction, and a failed refresh sets the status
/// `needs_reauth` with the reason as `last_error`.
#[derive(Debug, Clone)]
pub struct StoreCredentials(pub Arc<Store>);

impl CredentialStore for StoreCredentials {
    fn load(&self, account_id: &str) -> Result<Option<Map<String, Value>>, StoreFailure> {
        let account = self.0.get_account(account_id)?;
        Ok(account.map(|account| account.context))
    }

    fn save(&self, account_id: &str, fields: &Map<String, Value>) -> Result<(), StoreFailure> {
        self.0.update_credentials(account_id, fields.clone())?;
        Ok(())
    }

    fn mark_needs_reauth(&self, account_id: &str, reason: &str) -> Result<(), StoreFailure> {
        let status = AccountStatus::NeedsReauth;
        self.0
            .set_status(account_id, status, Some(reason.to_owned()))?;
        Ok(())
    }
}

/// Finds the account `account_id` and builds the target every call of a batch uses.
/// A stored account's target saves refreshed credentials through [`StoreCredentials`].
///
/// Fails with [`Error::AccountNotFound`] when the account is neither stored nor
/// replaceable by an ephemeral account, and with [`Error::UnknownConnector`] when the
/// connector is not in `registry`.
pub fn resolve_target(
    account_id: &str,
    registry: &Registry,
    lookup: &AccountLookup,
) -> Result<Target, Error> {
    Ok(resolve_account(account_id, registry, lookup)?.0)
}

/// [`resolve_target`], plus the status of a stored account.
fn resolve_account(
    account_id: &str,
    registry: &Registry,
    lookup: &AccountLookup,
) -> Result<(Target, Option<AccountStatus>), Error> {
    let stored = match &lookup.store {
        Some(store) => store.get_account(account_id)?,
        None => None,
    };
    let (mut target, status) = match (stored, &lookup.fallback_connector, &lookup.store) {
        (Some(account), _, Some(store)) => {
            let credentials = Arc::new(StoreCredentials(store.clone()));
            let target = stored_target(&account, registry)?.with_credential_store(credentials);
            (target, Some(account.status))
        }
        // Without a base URL the ephemeral account would send placeholder credentials
        // to the connector's real API.
        (None, Some(connector), _) if lookup.base_url.is_some() => {
            (ephemeral_target(account_id, connector, registry)?, None)
        }
        _ => {
            return Err(Error::AccountNotFound {
                id: account_id.to_owned(),
            });
        }
    };
    if lookup.base_url.is_some() {
        target.set_base_url(lookup.base_url.clone());
    }
    Ok((target, status))
}

fn find_connector(name: &str, registry: &Registry) -> Result<Arc<Connector>, Error> {
    registry.get(name).ok_or_else(|| Error::UnknownConnector {
        name: name.to_owned(),
        known: registry.names().join(", "),
    })
}

fn stored_target(account: &Account, registry: &Registry) -> Result<Target, Error> {
    let connector = find_connector(&account.connector, registry)?;
    let context = AccountContext {
        id: account.id.clone(),
        context: account.context.clone(),
        base_url: account.base_url.clone(),
    };
    Ok(Target::new(connector, context, &account.secret_fields))
}

/// An account that exists only for this run, for replaying recorded traffic: each of
/// the connector's secret fields holds a placeholder so its auth can build headers.
fn ephemeral_target(
    account_id: &str,
    connector: &str,
    registry: &Registry,
) -> Result<Target, Error> {
    let connector = find_connector(connector, registry)?;
    let context: Map<String, Value> = connector
        .secret_fields()
        .iter()
        .map(|field| {
            (
                field.clone(),
                Value::String("weft-ephemeral-credential".into()),
            )
        })
        .collect();
    tracing::info!(
        account = account_id,
        connector = connector.name(),
        "using an ephemeral account"
    );
    let account = AccountContext {
        id: account_id.to_owned(),
        context,
        base_url: None,
    };
    Ok(Target::new(connector, account, &[]))
}

/// Runs `plan` for its `integrated_account_id` and returns `{result, errors}`.
///
/// An account in `needs_reauth` first gets one credential refresh. Fails only when the
/// batch cannot start: see [`resolve_target`], and [`Error::NeedsReauth`] when that
/// refresh fails. Failed calls are entries of [`BatchOutput::errors`]. Must be called
/// inside a tokio runtime.
pub async fn run_batch(
    engine: &Engine,
    plan: Arc<Plan>,
    registry: &Registry,
    lookup: &AccountLookup,
    events: Option<EventSender>,
) -> Result<BatchOutput, Error> {
    let (mut target, status) = resolve_account(&plan.integrated_account_id, registry, lookup)?;
    if status == Some(AccountStatus::NeedsReauth) {
        tracing::info!(account = %plan.integrated_account_id, "account needs reauthorization, refreshing");
        engine.refresh_credentials(&mut target).await?;
    }
    Ok(engine.run(plan, target, events).await)
}
