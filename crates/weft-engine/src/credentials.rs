//! Credential refresh through the connector's `refresh` hook.
//!
//! A batch keeps its account's current credentials in [`Credentials`]. They are
//! refreshed before a known expiry (the context's `expires_at`) and after a 401, at most
//! once at a time per account across every batch of one engine (the per-account lock in
//! [`AccountState`]). Whoever waited on that lock first checks whether the credentials
//! changed meanwhile and then uses those instead of refreshing again, so a rotated
//! refresh token is never spent twice. New credentials are saved to the
//! [`CredentialStore`] before any request uses them.

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use weft_connector::{AccountContext, Connector, HttpSend};

use crate::accounts::{AccountState, RefreshSlot};
use crate::target::{Redactor, Target};

/// The error type of [`CredentialStore`] methods.
pub type StoreFailure = Box<dyn std::error::Error + Send + Sync>;

/// Storage for refreshed credentials and failed refreshes. The facade
/// implements it with the account store, so this crate does not depend on one.
///
/// The engine calls these methods from async code while it holds the account's refresh
/// lock, so they should return quickly.
pub trait CredentialStore: Send + Sync {
    /// Returns the account's saved context, or `None` when the account is not stored.
    fn load(&self, account_id: &str) -> Result<Option<Map<String, Value>>, StoreFailure>;

    /// Merges `fields` into the account's context as a JSON merge patch (so a rotated
    /// refresh token replaces the old one) in one atomic write, and marks an account in
    /// `needs_reauth` active again.
    fn save(&self, account_id: &str, fields: &Map<String, Value>) -> Result<(), StoreFailure>;

    /// Marks the account `needs_reauth` with `reason` as its last error.
    fn mark_needs_reauth(&self, account_id: &str, reason: &str) -> Result<(), StoreFailure>;
}

/// A refresh that failed or was impossible; the account needs reauthorization.
#[derive(Debug, Clone)]
pub(crate) struct RefreshFailed {
    /// Why, with secrets redacted.
    pub(crate) reason: String,
}

/// The credentials of one batch's account.
pub(crate) struct Credentials {
    target: Target,
    current: RwLock<Arc<AccountContext>>,
    state: Arc<AccountState>,
    redactor: Redactor,
    refresh_before_expiry: Duration,
    /// Reason of a refresh that failed in this batch. Later calls fail at once instead
    /// of refreshing again.
    failed: Mutex<Option<String>>,
}

impl Credentials {
    pub(crate) fn new(
        target: &Target,
        state: Arc<AccountState>,
        redactor: Redactor,
        refresh_before_expiry: Duration,
    ) -> Self {
        Credentials {
            target: target.clone(),
            current: RwLock::new(Arc::new(target.account().clone())),
            state,
            redactor,
            refresh_before_expiry,
            failed: Mutex::new(None),
        }
    }

    pub(crate) fn connector(&self) -> &Arc<Connector> {
        self.target.connector()
    }

    /// Whether the connector declares a `refresh` hook.
    pub(crate) fn can_refresh(&self) -> bool {
        self.connector().can_refresh()
    }

    pub(crate) fn account_id(&self) -> &str {
        &self.target.account().id
    }

    /// The credentials requests use now.
    pub(crate) fn current(&self) -> Arc<AccountContext> {
        let current = self.current.read().unwrap_or_else(|p| p.into_inner());
        current.clone()
    }

    /// Returns credentials to send a request with: the current ones, refreshed first
    /// when their `expires_at` is less than the margin away.
    pub(crate) async fn usable(
        &self,
        http: Arc<dyn HttpSend>,
    ) -> Result<Arc<AccountContext>, RefreshFailed> {
        let current = self.current();
        let margin = self.refresh_before_expiry;
        if !self.connector().can_refresh() || !expires_within(&current.context, margin) {
            return Ok(current);
        }
        tracing::debug!(account = %self.account_id(), "credentials expire soon, refreshing");
        self.refresh(&current, http).await
    }

    /// Replaces the credentials in `used`, which the API rejected or which are about to
    /// expire. Returns the credentials another call saved while this one waited for
    /// the lock when there are any, and otherwise runs the connector's `refresh` hook.
    pub(crate) async fn refresh(
        &self,
        used: &AccountContext,
        http: Arc<dyn HttpSend>,
    ) -> Result<Arc<AccountContext>, RefreshFailed> {
        let mut slot = self.state.refresh.lock().await;
        if let Some(newer) = self.newer_context(&slot, used)? {
            tracing::debug!(account = %self.account_id(), "using credentials refreshed meanwhile");
            return Ok(self.adopt(newer));
        }
        if let Some(reason) = self.failure() {
            return Err(RefreshFailed { reason });
        }
        match self.connector().refresh(used, http).await {
            Ok(fields) => self.save(&mut slot, used, fields),
            Err(error) => Err(self.fail(self.redactor.text(&error.to_string()))),
        }
    }

    /// The saved context when it differs from `used`: another call refreshed, or the
    /// account was connected again.
    fn newer_context(
        &self,
        slot: &RefreshSlot,
        used: &AccountContext,
    ) -> Result<Option<Map<String, Value>>, RefreshFailed> {
        let saved = match self.target.credential_store() {
            Some(store) => store
                .load(self.account_id())
                .map_err(|error| RefreshFailed {
                    reason: format!("reading the account failed: {error}"),
                })?,
            None => slot.latest.clone(),
        };
        Ok(saved.filter(|saved| *saved != used.context))
    }

    fn save(
        &self,
        slot: &mut RefreshSlot,
        used: &AccountContext,
        fields: Map<String, Value>,
    ) -> Result<Arc<AccountContext>, RefreshFailed> {
        if let Some(store) = self.target.credential_store() {
            store
                .save(self.account_id(), &fields)
                .map_err(|error| RefreshFailed {
                    reason: format!("saving the refreshed credentials failed: {error}"),
                })?;
        }
        let mut context = used.context.clone();
        merge_patch(&mut context, &fields);
        slot.latest = Some(context.clone());
        tracing::info!(account = %self.account_id(), "credentials refreshed");
        Ok(self.adopt(context))
    }

    /// Makes `context` the current credentials and hides its secrets from now on.
    fn adopt(&self, context: Map<String, Value>) -> Arc<AccountContext> {
        self.redactor.add(&self.target.secret_values(&context));
        let mut current = self.current.write().unwrap_or_else(|p| p.into_inner());
        let account = Arc::new(AccountContext {
            context,
            ..(**current).clone()
        });
        *current = account.clone();
        account
    }

    /// Records a failed refresh: in the store (`needs_reauth`) and for this batch.
    fn fail(&self, reason: String) -> RefreshFailed {
        tracing::warn!(account = %self.account_id(), %reason, "credential refresh failed");
        if let Some(store) = self.target.credential_store()
            && let Err(error) = store.mark_needs_reauth(self.account_id(), &reason)
        {
            tracing::error!(account = %self.account_id(), %error, "failed to mark the account needs_reauth");
        }
        *self.failed.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason.clone());
        RefreshFailed { reason }
    }

    fn failure(&self) -> Option<String> {
        self.failed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// Whether the context's `expires_at` is less than `margin` away or past.
fn expires_within(context: &Map<String, Value>, margin: Duration) -> bool {
    let Some(expires_at) = context.get("expires_at").and_then(expiry_time) else {
        return false;
    };
    let margin = chrono::Duration::from_std(margin).unwrap_or(chrono::Duration::MAX);
    expires_at - margin <= Utc::now()
}

/// Reads `expires_at` as Unix time (a number or numeric text) or an RFC 3339 date.
fn expiry_time(value: &Value) -> Option<DateTime<Utc>> {
    let seconds = match value {
        Value::Number(number) => number.as_f64()?,
        Value::String(text) => match text.trim().parse::<f64>() {
            Ok(seconds) => seconds,
            Err(_) => {
                return DateTime::parse_from_rfc3339(text.trim())
                    .ok()
                    .map(|d| d.into());
            }
        },
        _ => return None,
    };
    // Unix seconds stay below 1e11 until the year 5138, so larger values are milliseconds.
    let seconds = if seconds > 1e11 {
        seconds / 1000.0
    } else {
        seconds
    };
    DateTime::from_timestamp(seconds as i64, 0)
}

/// Applies a JSON merge patch (RFC 7396): `null` removes a key, objects merge, other
/// values replace.
fn merge_patch(target: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (key, value) in patch {
        match (value, target.get_mut(key)) {
            (Value::Null, _) => {
                target.remove(key);
            }
            (Value::Object(patch), Some(Value::Object(existing))) => merge_patch(existing, patch),
            (value, _) => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn merge_patch_replaces_and_removes_keys() {
        let mut context = object(json!({"a": 1, "b": {"x": 1, "y": 2}, "c": 3}));
        merge_patch(
            &mut context,
            &object(json!({"a": 2, "b": {"y": null}, "c": null})),
        );
        assert_eq!(Value::Object(context), json!({"a": 2, "b": {"x": 1}}));
    }

    #[test]
    fn expiry_reads_seconds_milliseconds_and_dates() {
        let expected = DateTime::from_timestamp(1_700_000_000, 0);
        assert_eq!(expiry_time(&json!(1_700_000_000)), expected);
        assert_eq!(expiry_time(&json!(1_700_000_000_000u64)), expected);
        assert_eq!(expiry_time(&json!("1700000000")), expected);
        assert_eq!(expiry_time(&json!("2023-11-14T22:13:20Z")), expected);
        assert_eq!(expiry_time(&json!(true)), None);
    }

    #[test]
    fn expiry_within_margin_counts_as_expiring() {
        let soon = Utc::now().timestamp() + 30;
        let later = Utc::now().timestamp() + 3600;
        let margin = Duration::from_secs(60);
        assert!(expires_within(&object(json!({"expires_at": soon})), margin));
        assert!(!expires_within(
            &object(json!({"expires_at": later})),
            margin
        ));
        assert!(!expires_within(&Map::new(), margin));
    }
}
