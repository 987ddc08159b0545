//! The casts a placeholder can name (`{{path:int}}`) and how each converts a value.

use serde_json::Value;

use crate::js;

/// A placeholder cast. `Str` applies when none is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cast {
    Str,
    Int,
    Num,
    Bool,
    Json,
    Any,
    Null,
    Undefined,
    IgnoreEmptyStr,
}

impl Cast {
    /// Parses the name written after the colon.
    pub fn from_name(name: &str) -> Option<Cast> {
        let cast = match name {
            "str" => Cast::Str,
            "int" => Cast::Int,
            "num" => Cast::Num,
            "bool" => Cast::Bool,
            "json" => Cast::Json,
            "any" => Cast::Any,
            "null" => Cast::Null,
            "undefined" => Cast::Undefined,
            "ignore-empty-str" => Cast::IgnoreEmptyStr,
            _ => return None,
        };
        Some(cast)
    }

    /// Converts a resolved value. `whole` is true when the placeholder is the entire
    /// string, the only case where the result may be something other than text in the
    /// end. A value the cast cannot convert (`"blah"` for `:int`) is returned as it is.
    pub fn apply(self, value: &Value, whole: bool) -> Value {
        if value.is_null() {
            return Value::Null;
        }
        // Every cast except `str` trims string values first.
        let trimmed = match value {
            Value::String(text) if self != Cast::Str => {
                Value::String(text.trim_matches(js::is_space).to_owned())
            }
            _ => value.clone(),
        };
        match self {
            Cast::Str => Value::String(js::to_string(value)),
            Cast::Int => js::parse_int(&js::to_string(&trimmed)).unwrap_or(trimmed),
            Cast::Num => js::parse_float(&js::to_string(&trimmed)).unwrap_or(trimmed),
            Cast::Bool => to_bool(trimmed),
            Cast::Json if whole => parse_json(trimmed),
            Cast::Null => to_null(trimmed, whole),
            Cast::Json | Cast::Any | Cast::Undefined | Cast::IgnoreEmptyStr => trimmed,
        }
    }
}

fn to_bool(value: Value) -> Value {
    match value.as_str() {
        Some("true") => Value::Bool(true),
        Some("false") => Value::Bool(false),
        _ => value,
    }
}

fn parse_json(value: Value) -> Value {
    if value.is_object() || value.is_array() {
        return value;
    }
    serde_json::from_str(&js::to_string(&value)).unwrap_or(value)
}

/// `:null` turns the text `null` into null. Embedded in text, any other value prints
/// as `null` too, which is what the JavaScript package does.
fn to_null(value: Value, whole: bool) -> Value {
    if value.as_str() == Some("null") {
        Value::Null
    } else if whole {
        value
    } else {
        Value::String("null".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn int_truncates_and_trims() {
        assert_eq!(Cast::Int.apply(&json!(" 12.7 "), true), json!(12));
        assert_eq!(Cast::Int.apply(&json!(true), true), json!(true));
    }

    #[test]
    fn str_keeps_surrounding_spaces() {
        assert_eq!(Cast::Str.apply(&json!(" a "), true), json!(" a "));
    }

    #[test]
    fn json_embedded_returns_text() {
        assert_eq!(Cast::Json.apply(&json!("[1]"), false), json!("[1]"));
        assert_eq!(Cast::Json.apply(&json!("[1]"), true), json!([1]));
    }

    #[test]
    fn null_embedded_prints_null_for_any_value() {
        assert_eq!(Cast::Null.apply(&json!("x"), false), json!("null"));
        assert_eq!(Cast::Null.apply(&json!("x"), true), json!("x"));
    }
}
