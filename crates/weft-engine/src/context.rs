//! The placeholder context: building it and binding records into it.

use serde_json::{Map, Value};

/// Builds the context every root node starts from: the account's public fields at top
/// level, then `args` and an empty `resources`.
pub(crate) fn base_context(args: &Value, account: Map<String, Value>) -> Value {
    let mut context = account;
    context.insert("args".into(), args.clone());
    context.insert("resources".into(), Value::Object(Map::new()));
    Value::Object(context)
}

/// Returns a copy of `context` with `value` bound at `resources.<path...>`, creating
/// objects on the way and replacing whatever non-object sat there.
pub(crate) fn bind(context: &Value, path: &[String], value: Value) -> Value {
    let mut context = context.clone();
    let mut slot = object_entry(&mut context, "resources");
    for segment in path {
        slot = object_entry(slot, segment);
    }
    *slot = value;
    context
}

fn object_entry<'a>(value: &'a mut Value, key: &str) -> &'a mut Value {
    if !value.is_object() {
        *value = Value::Object(Map::new());
    }
    let Value::Object(map) = value else {
        unreachable!("value was just made an object")
    };
    map.entry(key.to_owned()).or_insert(Value::Null)
}

/// Replaces the value at dot `path` (as `weft_template::lookup` resolves it, negative
/// indices counting from the end). Returns false when the path does not exist.
pub(crate) fn replace_at(context: &mut Value, path: &str, value: Value) -> bool {
    match value_at_mut(context, path) {
        Some(slot) => {
            *slot = value;
            true
        }
        None => false,
    }
}

/// Takes the value at dot `path` out of `context`, leaving null in its place.
pub(crate) fn take_at(context: &mut Value, path: &str) -> Option<Value> {
    value_at_mut(context, path).map(std::mem::take)
}

fn value_at_mut<'a>(context: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    let mut current = context;
    for segment in path.split('.') {
        current = match current {
            Value::Object(map) => map.get_mut(segment)?,
            Value::Array(items) => {
                let index = array_index(items.len(), segment)?;
                items.get_mut(index)?
            }
            _ => return None,
        };
    }
    Some(current)
}

fn array_index(len: usize, segment: &str) -> Option<usize> {
    let index: i64 = segment.parse().ok()?;
    if index < 0 {
        len.checked_sub(index.unsigned_abs() as usize)
    } else {
        Some(index as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bind_nests_unified_resource_paths() {
        let context = json!({"args": {}, "resources": {}});
        let path = vec!["crm".to_owned(), "contacts".to_owned()];
        let bound = bind(&context, &path, json!({"id": 1}));
        assert_eq!(bound["resources"]["crm"]["contacts"], json!({"id": 1}));
    }

    #[test]
    fn bind_keeps_other_bindings() {
        let context = json!({"resources": {"pages": {"id": "p"}}});
        let bound = bind(&context, &["blocks".to_owned()], json!([1]));
        assert_eq!(bound["resources"]["pages"]["id"], "p");
        assert_eq!(bound["resources"]["blocks"], json!([1]));
    }

    #[test]
    fn replace_at_sets_loop_element() {
        let mut context = json!({"args": {"ids": ["a", "b"]}});
        assert!(replace_at(&mut context, "args.ids", json!("b")));
        assert_eq!(context["args"]["ids"], "b");
    }

    #[test]
    fn replace_at_follows_negative_indices() {
        let mut context = json!({"a": [[1], [2]]});
        assert!(replace_at(&mut context, "a.-1", json!(9)));
        assert_eq!(context, json!({"a": [[1], 9]}));
    }

    #[test]
    fn take_at_leaves_null() {
        let mut context = json!({"args": {"ids": [1, 2]}});
        assert_eq!(take_at(&mut context, "args.ids"), Some(json!([1, 2])));
        assert_eq!(context, json!({"args": {"ids": null}}));
        assert_eq!(take_at(&mut context, "args.nope"), None);
    }

    #[test]
    fn replace_at_reports_missing_path() {
        let mut context = json!({"args": {}});
        assert!(!replace_at(&mut context, "args.nope.x", json!(1)));
    }
}
