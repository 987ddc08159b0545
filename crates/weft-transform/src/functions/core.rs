//! General helpers: `$firstNonEmpty`, `$sortNodes`, `$removeEmpty`, `$mapValues`,
//! `$toNumber`, `$jsonParse`, `$zipSqlResponse` and the currency conversions.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{arg, lodash, str_arg};

type Outcome = Result<Option<Value>, String>;

/// Returns the first argument that is neither undefined nor null.
pub(crate) fn first_non_empty(args: &[Option<Value>]) -> Outcome {
    Ok(args
        .iter()
        .flatten()
        .find(|value| !value.is_null())
        .cloned())
}

/// Returns an array or string unchanged when it is non-empty and no value otherwise.
/// An object comes back without its keys whose value is null, an empty string, an
/// empty array or an empty object (Truto's version returns no value for objects).
pub(crate) fn remove_empty(args: &[Option<Value>]) -> Outcome {
    Ok(match arg(args, 0) {
        Some(Value::Array(items)) if !items.is_empty() => Some(Value::Array(items.clone())),
        Some(Value::String(text)) if !text.is_empty() => Some(Value::String(text.clone())),
        Some(Value::Object(object)) => Some(Value::Object(
            object
                .iter()
                .filter(|(_, value)| !is_empty_value(value))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect(),
        )),
        _ => None,
    })
}

fn is_empty_value(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(object) => object.is_empty(),
        _ => false,
    }
}

/// Drops the items of an array that are falsy in JavaScript or are empty objects or
/// arrays. Any other value comes back unchanged.
pub(crate) fn remove_empty_items(args: &[Option<Value>]) -> Outcome {
    let Some(Value::Array(items)) = arg(args, 0) else {
        return Ok(args.first().cloned().flatten());
    };
    let kept = items.iter().filter(|item| is_kept_item(item)).cloned();
    Ok(Some(Value::Array(kept.collect())))
}

fn is_kept_item(item: &Value) -> bool {
    match item {
        Value::Object(object) => !object.is_empty(),
        Value::Array(items) => !items.is_empty(),
        _ => is_truthy(item),
    }
}

/// JavaScript truthiness of a JSON value.
pub(crate) fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(flag) => *flag,
        Value::Number(number) => number.as_f64().is_some_and(|n| n != 0.0),
        Value::String(text) => !text.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// `$mapValues(value, mapping, lowerCase?, default?)`: replaces a string or number by
/// its entry in `mapping` (keys compared case-insensitively), element-wise through
/// arrays and object values. A value without an entry is kept.
pub(crate) fn map_values(args: &[Option<Value>]) -> Outcome {
    let value = arg(args, 0);
    let keys_lowercased = arg(args, 2).is_some_and(super::core::is_truthy);
    let default = arg(args, 3).filter(|value| !value.is_null());
    if value.is_none_or(Value::is_null) && default.is_some() {
        return Ok(default.cloned());
    }
    let Some(Value::Object(mapping)) = arg(args, 1) else {
        return Ok(value.cloned());
    };
    let mapping: Map<String, Value> = if keys_lowercased {
        mapping.clone()
    } else {
        let lowercase = |(key, value): (&String, &Value)| (key.to_lowercase(), value.clone());
        mapping.iter().map(lowercase).collect()
    };
    Ok(value.map(|value| map_value(value, &mapping)))
}

fn map_value(value: &Value, mapping: &Map<String, Value>) -> Value {
    let key = match value {
        Value::String(text) => text.to_lowercase(),
        Value::Number(number) => js_number_string(number.as_f64().unwrap_or(f64::NAN)),
        Value::Array(items) => {
            return Value::Array(items.iter().map(|item| map_value(item, mapping)).collect());
        }
        Value::Object(object) => {
            let mapped = object
                .iter()
                .map(|(k, v)| (k.clone(), map_value(v, mapping)));
            return Value::Object(mapped.collect());
        }
        _ => return value.clone(),
    };
    match mapping.get(&key) {
        Some(found) if !found.is_null() => found.clone(),
        _ => value.clone(),
    }
}

/// Formats a number as JavaScript's `String(number)` does for the common cases.
pub(crate) fn js_number_string(number: f64) -> String {
    if number.is_nan() {
        "NaN".to_string()
    } else if number.is_infinite() {
        if number > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        }
        .to_string()
    } else if number.fract() == 0.0 && number.abs() < 1e21 {
        format!("{number:.0}")
    } else {
        number.to_string()
    }
}

/// `$toNumber(value)` with lodash's `toNumber` rules: strings are trimmed, `0b` and
/// `0o` prefixes are read, the empty string is 0. A value that is not a number
/// gives null, because JSON has no NaN.
pub(crate) fn to_number(args: &[Option<Value>]) -> Outcome {
    let number = match arg(args, 0) {
        None => f64::NAN,
        Some(Value::Null) => 0.0,
        Some(Value::Bool(flag)) => f64::from(u8::from(*flag)),
        Some(Value::Number(number)) => number.as_f64().unwrap_or(f64::NAN),
        Some(Value::String(text)) => js_string_to_number(text),
        Some(Value::Array(items)) => match items.as_slice() {
            [] => 0.0,
            [Value::String(text)] => js_string_to_number(text),
            [Value::Number(number)] => number.as_f64().unwrap_or(f64::NAN),
            _ => f64::NAN,
        },
        Some(Value::Object(_)) => f64::NAN,
    };
    Ok(Some(number_value(number)))
}

/// Converts to a JSON number; NaN and infinities become null.
pub(crate) fn number_value(number: f64) -> Value {
    if number.is_finite() && number.fract() == 0.0 && number.abs() < 9.0e15 {
        Value::from(number as i64)
    } else {
        serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number)
    }
}

/// JavaScript's `Number(text)` with lodash's binary and octal prefixes.
pub(crate) fn js_string_to_number(text: &str) -> f64 {
    let text = text.trim();
    if text.is_empty() {
        return 0.0;
    }
    let radix_prefixed = |prefix: &str, radix: u32| {
        let lower = text.to_ascii_lowercase();
        let digits = lower.strip_prefix(prefix)?;
        u64::from_str_radix(digits, radix).ok().map(|n| n as f64)
    };
    if let Some(number) = radix_prefixed("0x", 16)
        .or_else(|| radix_prefixed("0b", 2))
        .or_else(|| radix_prefixed("0o", 8))
    {
        return number;
    }
    match text {
        "Infinity" | "+Infinity" => return f64::INFINITY,
        "-Infinity" => return f64::NEG_INFINITY,
        _ => {}
    }
    let decimal = text
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
    if !decimal || text.contains("..") {
        return f64::NAN;
    }
    text.parse().unwrap_or(f64::NAN)
}

/// `$jsonParse(text)`: the parsed JSON, or null when the text is not JSON.
pub(crate) fn json_parse(args: &[Option<Value>]) -> Outcome {
    Ok(Some(match arg(args, 0) {
        Some(Value::String(text)) => serde_json::from_str(text).unwrap_or(Value::Null),
        Some(value @ (Value::Number(_) | Value::Bool(_))) => value.clone(),
        _ => Value::Null,
    }))
}

/// `$zipSqlResponse(columns, rows, key)`: one object per row, keyed by each column's
/// `key` field.
pub(crate) fn zip_sql_response(args: &[Option<Value>]) -> Outcome {
    let (Some(Value::Array(columns)), Some(Value::Array(rows))) = (arg(args, 0), arg(args, 1))
    else {
        return Err("$zipSqlResponse expects an array of columns and an array of rows".into());
    };
    let key = str_arg(args, 2).unwrap_or_default();
    let names: Vec<Option<String>> = columns
        .iter()
        .map(|column| column.get(key).map(property_key))
        .collect();
    let zip_row = |row: &Value| {
        let mut object = Map::new();
        for (index, name) in names.iter().enumerate() {
            let name = name.clone().unwrap_or_else(|| "undefined".to_string());
            if let Some(cell) = row.get(index) {
                object.insert(name, cell.clone());
            }
        }
        Value::Object(object)
    };
    Ok(Some(Value::Array(rows.iter().map(zip_row).collect())))
}

/// The text JavaScript uses when `value` is an object key.
pub(crate) fn property_key(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => js_number_string(number.as_f64().unwrap_or(f64::NAN)),
        other => other.to_string(),
    }
}

/// ISO 4217 minor-unit digits, as in the table `@truto/truto-jsonata` 3.0.6 ships.
const CURRENCY_DIGITS: &[(&str, u32)] = &[
    ("AED", 2),
    ("AFN", 2),
    ("ALL", 2),
    ("AMD", 2),
    ("ANG", 2),
    ("AOA", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AWG", 2),
    ("AZN", 2),
    ("BAM", 2),
    ("BBD", 2),
    ("BDT", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BMD", 2),
    ("BND", 2),
    ("BOB", 2),
    ("BOV", 2),
    ("BRL", 2),
    ("BSD", 2),
    ("BTN", 2),
    ("BWP", 2),
    ("BYN", 2),
    ("BZD", 2),
    ("CAD", 2),
    ("CDF", 2),
    ("CHE", 2),
    ("CHF", 2),
    ("CHW", 2),
    ("CLF", 4),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("COU", 2),
    ("CRC", 2),
    ("CUC", 2),
    ("CUP", 2),
    ("CVE", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("DOP", 2),
    ("DZD", 2),
    ("EGP", 2),
    ("ERN", 2),
    ("ETB", 2),
    ("EUR", 2),
    ("FJD", 2),
    ("FKP", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("GHS", 2),
    ("GIP", 2),
    ("GMD", 2),
    ("GNF", 0),
    ("GTQ", 2),
    ("GYD", 2),
    ("HKD", 2),
    ("HNL", 2),
    ("HRK", 2),
    ("HTG", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("IRR", 2),
    ("ISK", 0),
    ("JMD", 2),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KGS", 2),
    ("KHR", 2),
    ("KMF", 0),
    ("KPW", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KYD", 2),
    ("KZT", 2),
    ("LAK", 2),
    ("LBP", 2),
    ("LKR", 2),
    ("LRD", 2),
    ("LSL", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MDL", 2),
    ("MGA", 2),
    ("MKD", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MRU", 2),
    ("MUR", 2),
    ("MVR", 2),
    ("MWK", 2),
    ("MXN", 2),
    ("MXV", 2),
    ("MYR", 2),
    ("MZN", 2),
    ("NAD", 2),
    ("NGN", 2),
    ("NIO", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PAB", 2),
    ("PEN", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SBD", 2),
    ("SCR", 2),
    ("SDG", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("SHP", 2),
    ("SLL", 2),
    ("SOS", 2),
    ("SRD", 2),
    ("SSP", 2),
    ("STN", 2),
    ("SVC", 2),
    ("SYP", 2),
    ("SZL", 2),
    ("THB", 2),
    ("TJS", 2),
    ("TMT", 2),
    ("TND", 3),
    ("TOP", 2),
    ("TRY", 2),
    ("TTD", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("USN", 2),
    ("UYI", 0),
    ("UYU", 2),
    ("UYW", 4),
    ("UZS", 2),
    ("VES", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
    ("XAF", 0),
    ("XAG", 0),
    ("XAU", 0),
    ("XBA", 0),
    ("XBB", 0),
    ("XBC", 0),
    ("XBD", 0),
    ("XCD", 2),
    ("XDR", 0),
    ("XOF", 0),
    ("XPD", 0),
    ("XPF", 0),
    ("XPT", 0),
    ("XSU", 0),
    ("XTS", 0),
    ("XUA", 0),
    ("XXX", 0),
    ("YER", 2),
    ("ZAR", 2),
    ("ZMW", 2),
    ("ZWL", 2),
];

fn currency_digits(args: &[Option<Value>]) -> Option<u32> {
    let code = str_arg(args, 1)?;
    CURRENCY_DIGITS
        .iter()
        .find(|(known, _)| *known == code)
        .map(|(_, digits)| *digits)
}

/// JavaScript's `parseFloat` of a value: the longest numeric prefix of its text.
fn parse_float(value: &Value) -> f64 {
    let text = match value {
        Value::Number(number) => return number.as_f64().unwrap_or(f64::NAN),
        Value::String(text) => text.trim_start(),
        _ => return f64::NAN,
    };
    let mut best = f64::NAN;
    for (index, c) in text.char_indices() {
        let end = index + c.len_utf8();
        if let Ok(number) = text[..end].parse::<f64>() {
            best = number;
        } else if !matches!(c, '+' | '-' | '.' | 'e' | 'E') {
            break;
        }
    }
    best
}

/// `$convertCurrencyToSubunit(amount, code)`: the amount in minor units, rounded down.
/// An unknown currency code returns the amount unchanged.
pub(crate) fn currency_to_subunit(args: &[Option<Value>]) -> Outcome {
    let amount = arg(args, 0);
    let (Some(amount), Some(digits)) = (amount.filter(|v| !v.is_null()), currency_digits(args))
    else {
        return Ok(amount.cloned());
    };
    let subunits = (parse_float(amount) * 10f64.powi(digits as i32)).floor();
    Ok(Some(number_value(subunits)))
}

/// `$convertCurrencyFromSubunit(amount, code)`: the amount in major units, as a string
/// with the currency's number of decimals.
pub(crate) fn currency_from_subunit(args: &[Option<Value>]) -> Outcome {
    let amount = arg(args, 0);
    let (Some(amount), Some(digits)) = (amount.filter(|v| !v.is_null()), currency_digits(args))
    else {
        return Ok(amount.cloned());
    };
    let major = parse_float(amount) / 10f64.powi(digits as i32);
    if major.is_nan() {
        return Ok(Some(Value::String("NaN".into())));
    }
    Ok(Some(Value::String(format!("{major:.*}", digits as usize))))
}

/// `$sortNodes(nodes, idKey?, parentIdKey?, sequenceKey?)`: orders a flat list of
/// tree nodes depth-first, siblings by sequence. A node whose parent is missing or
/// falsy is a root. Output nodes have no `children` key.
pub(crate) fn sort_nodes(args: &[Option<Value>]) -> Outcome {
    let Some(Value::Array(nodes)) = arg(args, 0) else {
        return Err(SORT_NODES_EXPECTS_ARRAY.into());
    };
    let keys = NodeKeys::from_args(args);
    let ordered = node_order(nodes, &keys)
        .into_iter()
        .map(|index| without_children(&nodes[index]))
        .collect();
    Ok(Some(Value::Array(ordered)))
}

/// The error of `$sortNodes` when its first argument is not an array.
pub(crate) const SORT_NODES_EXPECTS_ARRAY: &str = "$sortNodes expects an array of nodes";

/// The keys `$sortNodes` reads from each node: paths as lodash's `get` takes them.
pub(crate) struct NodeKeys<'a> {
    pub id: &'a str,
    pub parent: &'a str,
    pub sequence: &'a str,
}

impl<'a> NodeKeys<'a> {
    /// Reads arguments 1 to 3 of `$sortNodes`, with their defaults.
    pub(crate) fn from_args(args: &'a [Option<Value>]) -> Self {
        NodeKeys {
            id: str_arg(args, 1).unwrap_or("id"),
            parent: str_arg(args, 2).unwrap_or("parent_id"),
            sequence: str_arg(args, 3).unwrap_or("sequence"),
        }
    }

    /// Returns the top-level fields of a node that the keys can read: each key as a
    /// field name and the first step of each key as a path.
    pub(crate) fn fields(&self) -> Vec<String> {
        let keys = [self.id, self.parent, self.sequence];
        let mut fields: Vec<String> = keys.iter().map(|key| key.to_string()).collect();
        fields.extend(keys.iter().filter_map(|key| lodash::first_segment(key)));
        fields
    }
}

/// Returns the positions of `nodes` in `$sortNodes` order.
pub(crate) fn node_order(nodes: &[Value], keys: &NodeKeys<'_>) -> Vec<usize> {
    // As with a JavaScript Map, a later node with the same id replaces an earlier one.
    let identity = |node: &Value, key: &str| lodash::get(node, key).map(|v| v.to_string());
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for (index, node) in nodes.iter().enumerate() {
        by_id.insert(identity(node, keys.id).unwrap_or_default(), index);
    }

    let mut children: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut roots = Vec::new();
    for node in nodes {
        let own = by_id[&identity(node, keys.id).unwrap_or_default()];
        let parent = lodash::get(node, keys.parent)
            .filter(|parent| is_truthy(parent))
            .and_then(|parent| by_id.get(&parent.to_string()));
        match parent {
            Some(&parent) => children[parent].push(own),
            None => roots.push(own),
        }
    }

    let mut ordered = Vec::with_capacity(nodes.len());
    let sequence = |index: &usize| lodash::get(&nodes[*index], keys.sequence).cloned();
    let mut stack: Vec<std::vec::IntoIter<usize>> = vec![sorted(roots, &sequence).into_iter()];
    while let Some(level) = stack.last_mut() {
        let Some(index) = level.next() else {
            stack.pop();
            continue;
        };
        ordered.push(index);
        let kids = std::mem::take(&mut children[index]);
        stack.push(sorted(kids, &sequence).into_iter());
    }
    ordered
}

fn sorted(mut indices: Vec<usize>, sequence: &impl Fn(&usize) -> Option<Value>) -> Vec<usize> {
    indices.sort_by(|a, b| lodash::compare_ascending(sequence(a).as_ref(), sequence(b).as_ref()));
    indices
}

fn without_children(node: &Value) -> Value {
    let mut node = node.clone();
    if let Value::Object(object) = &mut node {
        object.shift_remove("children");
    }
    node
}
