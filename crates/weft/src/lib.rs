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

use std::sync::Arc;

use serde_json::{Map, Value};
use weft_connector::{AccountContext, Connector};
use weft_store::Account;

pub use weft_connector as connector;
pub use weft_engine as engine;
pub use weft_replay as replay;
pub use weft_spec as spec;
pub use weft_store as store;
pub use weft_template as template;
pub use weft_transform as transform;

pub use weft_connector::Registry;
pub use weft_engine::{BatchOutput, Engine, Event, EventSender, Options, RetryPolicy, Target};
pub use weft_spec::{Diagnostics, Plan};
pub use weft_store::Store;

/// Errors that stop [`run_batch`] before the batch starts.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The plan's account is not in the store and no fallback connector was given.
    #[error("integrated account '{id}' not found")]
    AccountNotFound { id: String },
    /// The account's connector, or the fallback connector, is not in the registry.
    #[error("unknown connector '{name}' (known: {known})")]
    UnknownConnector { name: String, known: String },
    /// The store failed while reading the account.
    #[error(transparent)]
    Store(#[from] weft_store::StoreError),
}

/// Account sources for [`run_batch`].
#[derive(Default)]
pub struct AccountLookup<'a> {
    /// The account store; `None` runs without one.
    pub store: Option<&'a Store>,
    /// Connector for an ephemeral account, used when the plan's account is not in the
    /// store. The ephemeral account is never saved.
    pub fallback_connector: Option<String>,
    /// Base URL replacing the account's, for example a replay server's.
    pub base_url: Option<String>,
}

/// Finds the account `account_id` and builds the target every call of a batch uses.
///
/// Fails with [`Error::AccountNotFound`] when the account is neither stored nor
/// replaceable by an ephemeral account, and with [`Error::UnknownConnector`] when the
/// connector is not in `registry`.
pub fn resolve_target(
    account_id: &str,
    registry: &Registry,
    lookup: &AccountLookup<'_>,
) -> Result<Target, Error> {
    let stored = match lookup.store {
        Some(store) => store.get_account(account_id)?,
        None => None,
    };
    let mut target = match (stored, &lookup.fallback_connector) {
        (Some(account), _) => stored_target(&account, registry)?,
        (None, Some(connector)) => ephemeral_target(account_id, connector, registry)?,
        (None, None) => {
            return Err(Error::AccountNotFound {
                id: account_id.to_owned(),
            });
        }
    };
    if lookup.base_url.is_some() {
        target.set_base_url(lookup.base_url.clone());
    }
    Ok(target)
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
/// Fails only when the batch cannot start (see [`resolve_target`]); failed calls are
/// entries of [`BatchOutput::errors`]. Must be called inside a tokio runtime.
pub async fn run_batch(
    engine: &Engine,
    plan: Arc<Plan>,
    registry: &Registry,
    lookup: &AccountLookup<'_>,
    events: Option<EventSender>,
) -> Result<BatchOutput, Error> {
    let target = resolve_target(&plan.integrated_account_id, registry, lookup)?;
    Ok(engine.run(plan, target, events).await)
}
