//! Secret context fields: matching, sealing preparation and redaction.

use serde_json::{Map, Value};

/// Context fields treated as secret in every account, in addition to the ones the
/// connector declares.
pub const DEFAULT_SECRET_FIELDS: &[&str] = &[
    "access_token",
    "refresh_token",
    "api_key",
    "password",
    "client_secret",
    "token",
    "secret",
];

/// The text that replaces a secret value in redacted output.
pub const REDACTED: &str = "[redacted]";

/// A secret value and its path from the context root (object keys, array indices).
pub(crate) type SecretValue = (Vec<String>, Value);

/// Merges the connector's secret fields with the defaults, without duplicates.
pub(crate) fn all_secret_fields(declared: &[String]) -> Vec<String> {
    let mut fields: Vec<String> = DEFAULT_SECRET_FIELDS
        .iter()
        .map(|f| f.to_string())
        .collect();
    for field in declared {
        if !fields.contains(field) {
            fields.push(field.clone());
        }
    }
    fields
}

/// Checks whether a key is secret: true when its name is listed, or when its dot path from the context
/// root (for example `oauth.token.access_token`) is listed. Everything below a secret
/// key is secret too.
fn is_secret(path: &[String], fields: &[String]) -> bool {
    let Some(name) = path.last() else {
        return false;
    };
    fields
        .iter()
        .any(|field| field == name || *field == path.join("."))
}

/// Replaces every secret value in `context` with `null` and returns the values taken
/// out with their paths.
pub(crate) fn take_secrets(
    context: &mut Map<String, Value>,
    fields: &[String],
) -> Vec<SecretValue> {
    let mut taken = Vec::new();
    let mut path = Vec::new();
    for (key, value) in context.iter_mut() {
        path.push(key.clone());
        take_in(value, &mut path, fields, &mut taken);
        path.pop();
    }
    taken
}

fn take_in(
    value: &mut Value,
    path: &mut Vec<String>,
    fields: &[String],
    taken: &mut Vec<SecretValue>,
) {
    if is_secret(path, fields) {
        taken.push((path.clone(), value.take()));
        return;
    }
    for_each_child(value, path, |child, path| {
        take_in(child, path, fields, taken)
    });
}

/// Puts values taken by [`take_secrets`] back at their paths.
pub(crate) fn restore_secrets(context: &mut Map<String, Value>, secrets: Vec<SecretValue>) {
    for (path, value) in secrets {
        if let Some(slot) = slot_at(context, &path) {
            *slot = value;
        }
    }
}

/// Finds or makes the value at `path`, creating objects on the way. Returns `None`
/// when the path is empty or names a missing array element.
fn slot_at<'a>(context: &'a mut Map<String, Value>, path: &[String]) -> Option<&'a mut Value> {
    let (first, rest) = path.split_first()?;
    let mut slot = context.entry(first.clone()).or_insert(Value::Null);
    for segment in rest {
        slot = match slot {
            Value::Array(items) => items.get_mut(segment.parse::<usize>().ok()?)?,
            other => {
                if !other.is_object() {
                    *other = Value::Object(Map::new());
                }
                let object = other.as_object_mut().expect("made an object above");
                object.entry(segment.clone()).or_insert(Value::Null)
            }
        };
    }
    Some(slot)
}

/// Returns a copy of `context` with every secret value replaced by [`REDACTED`].
pub(crate) fn redact(context: &Map<String, Value>, fields: &[String]) -> Map<String, Value> {
    let mut copy = context.clone();
    for (path, _) in take_secrets(&mut copy, fields) {
        restore_secrets(&mut copy, vec![(path, Value::String(REDACTED.to_owned()))]);
    }
    copy
}

fn for_each_child(
    value: &mut Value,
    path: &mut Vec<String>,
    mut visit: impl FnMut(&mut Value, &mut Vec<String>),
) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                path.push(key.clone());
                visit(child, path);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter_mut().enumerate() {
                path.push(index.to_string());
                visit(child, path);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Applies a JSON merge patch (RFC 7396): `null` removes a key, objects merge
/// recursively, anything else replaces the old value.
pub(crate) fn merge_patch(target: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (key, value) in patch {
        match value {
            Value::Null => {
                target.remove(key);
            }
            Value::Object(inner) => {
                let slot = target.entry(key.clone()).or_insert(Value::Null);
                if !slot.is_object() {
                    *slot = Value::Object(Map::new());
                }
                let object = slot.as_object_mut().expect("made an object above");
                merge_patch(object, inner);
            }
            other => {
                target.insert(key.clone(), other.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fields() -> Vec<String> {
        all_secret_fields(&["oauth.extra".to_owned()])
    }

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn take_and_restore_round_trip_keeps_key_order() {
        let original = object(json!({
            "subdomain": "acme", "api_key": "k1",
            "oauth": {"token": {"access_token": "a"}, "extra": 1, "scope": "read"},
            "list": [{"password": "p"}, {"name": "n"}]
        }));
        let mut context = original.clone();
        let taken = take_secrets(&mut context, &fields());

        assert_eq!(taken.len(), 4);
        assert_eq!(context["api_key"], Value::Null);
        assert_eq!(context["oauth"]["scope"], "read");
        restore_secrets(&mut context, taken);
        assert_eq!(
            Value::Object(context).to_string(),
            Value::Object(original).to_string()
        );
    }

    #[test]
    fn redact_hides_nested_and_declared_paths() {
        let context = object(json!({"oauth": {"token": {"a": 1}, "extra": "x", "keep": "y"}}));
        let redacted = redact(&context, &fields());
        assert_eq!(redacted["oauth"]["token"], REDACTED);
        assert_eq!(redacted["oauth"]["extra"], REDACTED);
        assert_eq!(redacted["oauth"]["keep"], "y");
    }

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut target = object(json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1]}));
        merge_patch(
            &mut target,
            &object(json!({"a": null, "b": {"c": 5}, "e": {"f": 1}})),
        );
        assert_eq!(
            Value::Object(target),
            json!({"b": {"c": 5, "d": 3}, "e": {"f": 1}})
        );
    }
}
