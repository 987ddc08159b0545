//! State kept per account for as long as an engine lives, shared by all its batches:
//! the lock that makes credential refreshes single-flight and the rate-limit window.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};
use tokio::time::Instant;

/// Every account an engine has run batches for, by account id.
#[derive(Debug, Default)]
pub(crate) struct AccountStates {
    accounts: Mutex<HashMap<String, Arc<AccountState>>>,
}

impl AccountStates {
    /// Returns the state of `account_id`, creating it on first use.
    pub(crate) fn get(&self, account_id: &str) -> Arc<AccountState> {
        let mut accounts = self
            .accounts
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        accounts.entry(account_id.to_owned()).or_default().clone()
    }
}

/// Shared state of one account.
#[derive(Debug, Default)]
pub(crate) struct AccountState {
    /// Held for the whole of a refresh, so at most one runs at a time per account.
    pub(crate) refresh: tokio::sync::Mutex<RefreshSlot>,
    rate_limited_until: Mutex<Option<Instant>>,
}

/// The outcome of the latest successful refresh by this engine.
#[derive(Debug, Default)]
pub(crate) struct RefreshSlot {
    /// The whole context after the latest successful refresh; used when the account
    /// has no credential store to read the current context from.
    pub(crate) latest: Option<Map<String, Value>>,
}

impl AccountState {
    /// Returns the instant requests may go out again, when that is still ahead.
    pub(crate) fn rate_limited_until(&self) -> Option<Instant> {
        let until = *self
            .rate_limited_until
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        until.filter(|until| *until > Instant::now())
    }

    /// Holds back requests until `until`, unless a later hold is already set.
    pub(crate) fn hold_until(&self, until: Instant) {
        let mut current = self
            .rate_limited_until
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if current.is_none_or(|current| current < until) {
            *current = Some(until);
        }
    }
}
