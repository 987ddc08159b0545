//! Helpers shared by the store's integration tests.
#![allow(dead_code)]

use std::path::Path;

use serde_json::{Map, Value, json};
use weft_store::{NewAccount, Store, StoreError, StoreOptions};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Opens a store that keeps its key in the key file, so tests never write to the
/// developer's OS keyring.
pub fn open(dir: &Path) -> Result<Store, StoreError> {
    Store::open_with(dir, &StoreOptions::key_file_only())
}

/// A context with one plain field, two default secrets and a nested secret.
pub fn context() -> Map<String, Value> {
    let value = json!({
        "subdomain": "acme-plain-subdomain",
        "api_key": "sk-live-api-key-0123456789",
        "oauth": {"token": {"access_token": "at-secret-abcdef", "expires_in": 3600}},
        "region": "eu"
    });
    value.as_object().cloned().expect("an object")
}

/// A new account for `connector` in `environment` with [`context`].
pub fn new_account(connector: &str, environment: &str) -> NewAccount {
    let mut new = NewAccount::new(connector, context());
    new.environment = environment.to_owned();
    new
}

/// Returns true when `needle` occurs anywhere in the bytes of `path`.
pub fn file_contains(path: &Path, needle: &str) -> std::io::Result<bool> {
    let bytes = std::fs::read(path)?;
    Ok(bytes
        .windows(needle.len())
        .any(|window| window == needle.as_bytes()))
}
