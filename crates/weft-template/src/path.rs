//! Dot-path lookup in a JSON value.

use std::borrow::Cow;

use serde_json::Value;

/// A placeholder context that resolves dot paths, for [`render_in`](crate::render_in).
///
/// A JSON value is one. A context built from shared layers (a base plus per-record
/// bindings) is another, so many contexts can share one copy of their data.
pub trait Lookup {
    /// Resolves a dot path with the rules of [`lookup`]: `None` when it does not
    /// resolve, and always `None` for an empty path.
    fn lookup(&self, path: &str) -> Option<Cow<'_, Value>>;
}

impl Lookup for Value {
    fn lookup(&self, path: &str) -> Option<Cow<'_, Value>> {
        lookup(self, path).map(Cow::Borrowed)
    }
}

/// Resolves a dot path (`a.b.0.c`) in `context`.
///
/// Object segments match keys literally (so `foo-bar` and `0` work as keys). On an
/// array, a segment of digits is an index and a negative one counts from the end
/// (`-1` is the last element). An empty path resolves to nothing rather than to the
/// whole context, so `{{ }}` never leaks the context into a request.
pub fn lookup<'a>(context: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return None;
    }
    path.split('.').try_fold(context, step)
}

fn step<'a>(value: &'a Value, segment: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => map.get(segment),
        Value::Array(items) => items.get(array_index(segment, items.len())?),
        _ => None,
    }
}

fn array_index(segment: &str, len: usize) -> Option<usize> {
    let digits = segment.strip_prefix('-').unwrap_or(segment);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let index: usize = digits.parse().ok()?;
    if segment.starts_with('-') {
        len.checked_sub(index).filter(|_| index > 0)
    } else {
        Some(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn negative_index_counts_from_end() {
        let context = json!({"a": [1, 2, 3]});
        assert_eq!(lookup(&context, "a.-1"), Some(&json!(3)));
        assert_eq!(lookup(&context, "a.-3"), Some(&json!(1)));
        assert_eq!(lookup(&context, "a.-4"), None);
        assert_eq!(lookup(&context, "a.-0"), None);
    }

    #[test]
    fn numeric_segment_on_object_is_a_key() {
        let context = json!({"a": {"0": "zero"}});
        assert_eq!(lookup(&context, "a.0"), Some(&json!("zero")));
    }

    #[test]
    fn empty_path_resolves_to_nothing() {
        assert_eq!(lookup(&json!({"": 1}), ""), None);
    }

    #[test]
    fn path_through_scalar_is_missing() {
        assert_eq!(lookup(&json!({"a": "text"}), "a.length"), None);
    }
}
