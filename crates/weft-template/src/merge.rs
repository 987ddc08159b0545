//! Deep merge for `$truto_merge`, following the npm `deepmerge` package's defaults.

use serde_json::{Map, Value};

/// Merges `source` into `target`: nested objects merge key by key, two arrays
/// concatenate, and any other source value replaces the target's.
pub fn deep_merge(target: &mut Map<String, Value>, source: Map<String, Value>) {
    for (key, incoming) in source {
        match (target.get_mut(&key), incoming) {
            (Some(Value::Object(existing)), Value::Object(incoming)) => {
                deep_merge(existing, incoming);
            }
            (Some(Value::Array(existing)), Value::Array(incoming)) => {
                existing.extend(incoming);
            }
            (_, incoming) => {
                target.insert(key, incoming);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arrays_concatenate_and_scalars_override() {
        let Value::Object(mut target) = json!({"a": [1], "b": 1, "c": {"d": 1}}) else {
            unreachable!()
        };
        let Value::Object(source) = json!({"a": [2], "b": {"x": 1}, "c": {"e": 2}}) else {
            unreachable!()
        };
        deep_merge(&mut target, source);
        assert_eq!(
            Value::Object(target),
            json!({"a": [1, 2], "b": {"x": 1}, "c": {"d": 1, "e": 2}})
        );
    }
}
