//! The `{result, errors}` document of a finished batch.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What a batch returns: records per persisted node and errors per failing node.
///
/// Both maps are keyed by node key (the name, else the resource) and hold arrays.
/// `errors` has an entry only for nodes with at least one error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BatchOutput {
    /// Records of each persisted node, in the deterministic order described in the
    /// crate overview.
    pub result: Map<String, Value>,
    /// Error objects of each node that had failures.
    pub errors: Map<String, Value>,
}

impl BatchOutput {
    /// Whether no node recorded an error.
    pub fn is_success(&self) -> bool {
        self.errors.is_empty()
    }

    pub(crate) fn add_records(&mut self, key: &str, records: impl Iterator<Item = Value>) {
        append(&mut self.result, key, records);
    }

    pub(crate) fn add_errors(&mut self, key: &str, errors: impl Iterator<Item = Value>) {
        let mut errors = errors.peekable();
        if errors.peek().is_some() {
            append(&mut self.errors, key, errors);
        }
    }
}

/// Appends to the array under `key`; two nodes without names on one resource share a
/// key, and their records are concatenated in plan order.
fn append(map: &mut Map<String, Value>, key: &str, items: impl Iterator<Item = Value>) {
    let slot = map
        .entry(key.to_owned())
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(array) = slot {
        array.extend(items);
    }
}
