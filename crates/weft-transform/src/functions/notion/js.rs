//! JavaScript string conversions, so that odd input renders as the reference renders it.
//!
//! The reference converters build Markdown with template literals, so a missing field
//! prints as `undefined` and an array prints as its items joined by commas.

use serde_json::Value;

/// Converts a field the way a template literal does: a missing field is `undefined`.
pub fn interpolate(value: Option<&Value>) -> String {
    match value {
        None => "undefined".to_owned(),
        Some(value) => to_string(value),
    }
}

/// Converts a value the way JavaScript's `String(value)` does.
pub fn to_string(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number_to_string(number),
        Value::String(text) => text.clone(),
        Value::Array(items) => join_items(items.iter().map(Some), ","),
        Value::Object(_) => "[object Object]".to_owned(),
    }
}

/// Joins items the way `Array.prototype.join` does: null and missing items are empty.
pub fn join_items<'a>(items: impl Iterator<Item = Option<&'a Value>>, separator: &str) -> String {
    let parts: Vec<String> = items
        .map(|item| match item {
            None | Some(Value::Null) => String::new(),
            Some(value) => to_string(value),
        })
        .collect();
    parts.join(separator)
}

/// Returns whether JavaScript treats the field as true in a condition.
pub fn is_truthy(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => *flag,
        Some(Value::Number(number)) => number.as_f64().is_some_and(|n| n != 0.0 && !n.is_nan()),
        Some(Value::String(text)) => !text.is_empty(),
        Some(Value::Array(_) | Value::Object(_)) => true,
    }
}

/// Formats a number as JavaScript prints it: integral values have no fraction.
fn number_to_string(number: &serde_json::Number) -> String {
    if number.is_i64() || number.is_u64() {
        return number.to_string();
    }
    let float = number.as_f64().unwrap_or(f64::NAN);
    if float.fract() == 0.0 && float.abs() < 1e21 {
        format!("{float:.0}")
    } else {
        float.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn interpolate_matches_template_literals() {
        assert_eq!(interpolate(None), "undefined");
        assert_eq!(interpolate(Some(&json!(null))), "null");
        assert_eq!(interpolate(Some(&json!(2.0))), "2");
        assert_eq!(interpolate(Some(&json!(["a", null, "b"]))), "a,,b");
        assert_eq!(interpolate(Some(&json!({"a": 1}))), "[object Object]");
    }

    #[test]
    fn truthiness_matches_javascript() {
        assert!(!is_truthy(Some(&json!(""))));
        assert!(!is_truthy(Some(&json!(0))));
        assert!(is_truthy(Some(&json!([]))));
        assert!(is_truthy(Some(&json!("x"))));
    }
}
