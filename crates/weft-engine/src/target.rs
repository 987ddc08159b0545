//! The account and connector a batch runs against.

use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};

use serde_json::{Map, Value};
use weft_connector::{AccountContext, Connector};

use crate::credentials::CredentialStore;

/// The connector and account every call of a batch uses.
#[derive(Clone)]
pub struct Target {
    connector: Arc<Connector>,
    account: AccountContext,
    secret_fields: BTreeSet<String>,
    store: Option<Arc<dyn CredentialStore>>,
}

impl Target {
    /// Builds a target from a connector and account data. `secret_fields` adds to the
    /// connector's own secret fields; those are hidden from templates, events and errors.
    pub fn new(
        connector: Arc<Connector>,
        account: AccountContext,
        secret_fields: &[String],
    ) -> Self {
        let mut secrets: BTreeSet<String> = connector.secret_fields().iter().cloned().collect();
        secrets.extend(secret_fields.iter().cloned());
        Target {
            connector,
            account,
            secret_fields: secrets,
            store: None,
        }
    }

    /// Returns this target with a store that refreshed credentials are saved to and
    /// that records a failed refresh. Without one, refreshed credentials live only in
    /// the engine's memory.
    pub fn with_credential_store(mut self, store: Arc<dyn CredentialStore>) -> Self {
        self.store = Some(store);
        self
    }

    pub(crate) fn credential_store(&self) -> Option<&Arc<dyn CredentialStore>> {
        self.store.as_ref()
    }

    pub(crate) fn set_account(&mut self, account: AccountContext) {
        self.account = account;
    }

    /// The connector of this target.
    pub fn connector(&self) -> &Arc<Connector> {
        &self.connector
    }

    /// The account handed to the connector (secrets included).
    pub fn account(&self) -> &AccountContext {
        &self.account
    }

    /// Replaces the base URL override, for example to point at a replay server.
    pub fn set_base_url(&mut self, base_url: Option<String>) {
        self.account.base_url = base_url;
    }

    /// Account context fields that are not secret; placeholders see them at top level.
    pub(crate) fn public_context(&self) -> Map<String, Value> {
        self.account
            .context
            .iter()
            .filter(|(key, _)| !self.secret_fields.contains(*key))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    }

    /// The redactor for this account's secret values.
    pub(crate) fn redactor(&self) -> Redactor {
        let redactor = Redactor::default();
        redactor.add(&self.secret_values(&self.account.context));
        redactor
    }

    /// The values of the secret fields in `context`.
    pub(crate) fn secret_values(&self, context: &Map<String, Value>) -> Vec<String> {
        context
            .iter()
            .filter(|(key, _)| self.secret_fields.contains(*key))
            .filter_map(|(_, value)| value.as_str())
            .map(str::to_owned)
            .collect()
    }
}

/// Replaces secret values wherever they show up in text meant for users. Clones share
/// the list, so secrets added after a credential refresh are hidden everywhere.
#[derive(Debug, Clone, Default)]
pub(crate) struct Redactor {
    secrets: Arc<RwLock<Vec<String>>>,
}

impl Redactor {
    /// Adds secret values to hide. Values shorter than 4 characters are skipped
    /// because they would blank out ordinary words in messages.
    pub(crate) fn add(&self, values: &[String]) {
        let mut secrets = self
            .secrets
            .write()
            .unwrap_or_else(|poison| poison.into_inner());
        let long_enough = |value: &&String| value.len() >= weft_connector::MIN_SECRET_LEN;
        for value in values.iter().filter(long_enough) {
            if !secrets.contains(value) {
                secrets.push(value.clone());
            }
        }
    }

    /// Returns `text` with the secrets hidden, also in their percent-encoded,
    /// JSON-escaped and base64 forms.
    pub(crate) fn text(&self, text: &str) -> String {
        let secrets = self
            .secrets
            .read()
            .unwrap_or_else(|poison| poison.into_inner());
        weft_connector::redact(text, &secrets)
    }

    pub(crate) fn value(&self, value: &mut Value) {
        match value {
            Value::String(text) => *text = self.text(text),
            Value::Array(items) => items.iter_mut().for_each(|item| self.value(item)),
            Value::Object(map) => map.values_mut().for_each(|item| self.value(item)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redactor_hides_secrets_in_nested_values() {
        let redactor = Redactor::default();
        redactor.add(&["sk-12345".into()]);
        let mut value = json!({"a": ["token sk-12345 rejected"], "b": 3});
        redactor.value(&mut value);
        assert_eq!(value, json!({"a": ["token [redacted] rejected"], "b": 3}));
    }
}
