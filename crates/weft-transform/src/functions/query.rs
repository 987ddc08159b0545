//! `$parseQuery` and `$stringifyQuery` with the defaults of the npm `qs` 6.15
//! package: bracket keys nest (`a[b]=c`), repeated keys and `a[]` make arrays,
//! nesting stops at depth 5 and indices above 20 make object keys.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde_json::{Map, Value};

use super::core::js_number_string;
use super::{arg, str_arg};

type Outcome = Result<Option<Value>, String>;

const MAX_DEPTH: usize = 5;
const MAX_ARRAY_INDEX: usize = 20;

/// RFC 3986 unreserved characters stay; everything else is percent-encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn decode(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

/// `$parseQuery(query)`: the query string as nested objects and arrays of strings.
pub(crate) fn parse_query(args: &[Option<Value>]) -> Outcome {
    let query = str_arg(args, 0).unwrap_or_default();
    let mut result = Value::Object(Map::new());
    for part in query.split('&').filter(|part| !part.is_empty()) {
        let (raw_key, raw_value) = match part.find("]=").map(|i| i + 1).or(part.find('=')) {
            Some(index) => (&part[..index], &part[index + 1..]),
            None => (part, ""),
        };
        let key = decode(raw_key);
        if key.is_empty() {
            continue;
        }
        insert(
            &mut result,
            &key_segments(&key),
            Value::String(decode(raw_value)),
        );
    }
    Ok(Some(result))
}

/// Splits `a[b][c]` into `a`, `b`, `c`; brackets past the depth limit stay in the
/// last segment, as qs does.
fn key_segments(key: &str) -> Vec<String> {
    let Some(open) = key.find('[').filter(|&index| index > 0) else {
        return vec![key.to_string()];
    };
    let mut segments = vec![key[..open].to_string()];
    let mut rest = &key[open..];
    while segments.len() <= MAX_DEPTH {
        let Some(close) = rest.find(']').filter(|_| rest.starts_with('[')) else {
            break;
        };
        segments.push(rest[1..close].to_string());
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        segments.push(rest.to_string());
    }
    segments
}

fn insert(target: &mut Value, segments: &[String], value: Value) {
    let Some((first, rest)) = segments.split_first() else {
        return;
    };
    if let Value::Array(items) = target {
        // An array grows by appending (`a[]`) or at a small index (`a[0]`);
        // otherwise it turns into an object keyed by index.
        match first.parse::<usize>() {
            Ok(index) if index <= MAX_ARRAY_INDEX && rest.is_empty() && index >= items.len() => {
                items.push(value);
                return;
            }
            _ if first.is_empty() && rest.is_empty() => {
                items.push(value);
                return;
            }
            _ => *target = array_to_object(items),
        }
    }
    let Value::Object(object) = target else {
        return;
    };
    if rest.is_empty() {
        combine(object, first, value);
        return;
    }
    let child = object.entry(first.clone()).or_insert_with(|| {
        let next = &rest[0];
        let is_index = next.is_empty() || next.parse::<usize>().is_ok_and(|i| i <= MAX_ARRAY_INDEX);
        if is_index {
            Value::Array(Vec::new())
        } else {
            Value::Object(Map::new())
        }
    });
    if !child.is_object() && !child.is_array() {
        let previous = std::mem::replace(child, Value::Array(Vec::new()));
        if let Value::Array(items) = child {
            items.push(previous);
        }
    }
    insert(child, rest, value);
}

fn array_to_object(items: &[Value]) -> Value {
    let entries = items
        .iter()
        .enumerate()
        .map(|(i, v)| (i.to_string(), v.clone()));
    Value::Object(entries.collect())
}

/// A repeated key collects its values into an array.
fn combine(object: &mut Map<String, Value>, key: &str, value: Value) {
    match object.get_mut(key) {
        None => {
            object.insert(key.to_string(), value);
        }
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => {
            let previous = existing.take();
            *existing = Value::Array(vec![previous, value]);
        }
    }
}

/// Options of `$stringifyQuery` that Weft reads.
struct StringifyOptions {
    encode: bool,
    array_format: String,
    prefix: bool,
}

/// `$stringifyQuery(object, options?)`: a query string with bracketed, indexed keys.
/// Reads the `encode`, `arrayFormat` and `addQueryPrefix` options.
pub(crate) fn stringify_query(args: &[Option<Value>]) -> Outcome {
    let options = arg(args, 1);
    let option = |name: &str| options.and_then(|o| o.get(name));
    let options = StringifyOptions {
        encode: option("encode").and_then(Value::as_bool).unwrap_or(true),
        array_format: option("arrayFormat")
            .and_then(Value::as_str)
            .unwrap_or("indices")
            .into(),
        prefix: option("addQueryPrefix")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    };
    let mut pairs = Vec::new();
    if let Some(Value::Object(object)) = arg(args, 0) {
        for (key, value) in object {
            collect_pairs(key, value, &options, &mut pairs);
        }
    }
    let joined = pairs.join("&");
    let text = if options.prefix && !joined.is_empty() {
        format!("?{joined}")
    } else {
        joined
    };
    Ok(Some(Value::String(text)))
}

fn collect_pairs(key: &str, value: &Value, options: &StringifyOptions, pairs: &mut Vec<String>) {
    let encode = |text: &str| {
        if options.encode {
            utf8_percent_encode(text, COMPONENT).to_string()
        } else {
            text.into()
        }
    };
    match value {
        Value::Object(object) => {
            for (child, inner) in object {
                collect_pairs(&format!("{key}[{child}]"), inner, options, pairs);
            }
        }
        Value::Array(items) if options.array_format == "comma" => {
            let texts: Vec<String> = items.iter().map(scalar_text).collect();
            pairs.push(format!("{}={}", encode(key), encode(&texts.join(","))));
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let child = match options.array_format.as_str() {
                    "brackets" => format!("{key}[]"),
                    "repeat" => key.to_string(),
                    _ => format!("{key}[{index}]"),
                };
                collect_pairs(&child, item, options, pairs);
            }
        }
        scalar => pairs.push(format!("{}={}", encode(key), encode(&scalar_text(scalar)))),
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Number(number) => js_number_string(number.as_f64().unwrap_or(f64::NAN)),
        other => other.to_string(),
    }
}
