//! The lodash helpers of `@truto/truto-jsonata` (`$groupBy`, `$keyBy`, `$pick`,
//! `$omit`, `$compact`, `$join`, `$orderBy`, `$find`, `$lofilter`, `$values`, `$chunk`,
//! `$difference`, `$wrap`, `$flatten`...), following lodash 4.18 semantics.
//!
//! Helpers that take an iteratee get it resolved by the prelude first: `keys` is an
//! array with one `{"v": value}` object per item (`{}` when the value is undefined).

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::arg;
use super::core::{is_truthy, js_number_string, property_key};

type Outcome = Result<Option<Value>, String>;

/// lodash `castArray`: an array as is, no value as no items, anything else wrapped.
fn cast_array(value: Option<&Value>) -> Vec<Value> {
    match value {
        Some(Value::Array(items)) => items.clone(),
        Some(other) => vec![other.clone()],
        None => Vec::new(),
    }
}

/// lodash `get` with a path such as `a.b[0].c`; a key that contains the whole path
/// wins over the path.
pub(crate) fn get<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(found) = value.as_object().and_then(|object| object.get(path)) {
        return Some(found);
    }
    path_segments(path)
        .iter()
        .try_fold(value, |current, segment| step(current, segment))
}

fn step<'a>(value: &'a Value, segment: &str) -> Option<&'a Value> {
    match value {
        Value::Object(object) => object.get(segment),
        Value::Array(items) => items.get(segment.parse::<usize>().ok()?),
        _ => None,
    }
}

/// Returns the first step of `path` as [`get`] reads it, when there is one.
pub(crate) fn first_segment(path: &str) -> Option<String> {
    path_segments(path).into_iter().next()
}

fn path_segments(path: &str) -> Vec<String> {
    path.split(['.', '['])
        .map(|segment| segment.trim_end_matches(']').trim_matches(['"', '\'']))
        .filter(|segment| !segment.is_empty())
        .map(str::to_string)
        .collect()
}

/// The value at a path given as a string, a number or an array of keys.
fn get_by(value: &Value, path: &Value) -> Option<Value> {
    match path {
        Value::Array(keys) => keys
            .iter()
            .try_fold(value, |current, key| step(current, &property_key(key)))
            .cloned(),
        other => get(value, &property_key(other)).cloned(),
    }
}

/// lodash's ascending comparison: defined values first (numbers numerically,
/// strings by code point), then null, then undefined.
pub(crate) fn compare_ascending(left: Option<&Value>, right: Option<&Value>) -> Ordering {
    let rank = |value: Option<&Value>| match value {
        None => 2,
        Some(Value::Null) => 1,
        Some(_) => 0,
    };
    match (left, right) {
        (Some(Value::Number(a)), Some(Value::Number(b))) => {
            let (a, b) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
            a.partial_cmp(&b).unwrap_or(Ordering::Equal)
        }
        (Some(Value::String(a)), Some(Value::String(b))) => a.cmp(b),
        (Some(Value::Bool(a)), Some(Value::Bool(b))) => a.cmp(b),
        _ => rank(left).cmp(&rank(right)),
    }
}

/// JavaScript's `String(value)` as `Array.prototype.join` applies it to items.
fn join_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Number(number) => js_number_string(number.as_f64().unwrap_or(f64::NAN)),
        Value::Bool(flag) => flag.to_string(),
        Value::Array(items) => items.iter().map(join_text).collect::<Vec<_>>().join(","),
        Value::Object(_) => "[object Object]".to_string(),
    }
}

/// `$join(array, separator?)`: lodash `join`, so the separator defaults to a comma and
/// items of any type are converted to text. This replaces JSONata's built-in `$join`.
pub(crate) fn join(args: &[Option<Value>]) -> Outcome {
    let items = match args.first() {
        Some(None) | None => vec![Value::Null],
        Some(Some(value)) => cast_array(Some(value)),
    };
    let separator = arg(args, 1).map_or_else(|| ",".to_string(), join_text);
    let texts: Vec<String> = items.iter().map(join_text).collect();
    Ok(Some(Value::String(texts.join(&separator))))
}

/// `$wrap(value, wrapper, endWrapper?)`: `wrapper + value + (endWrapper || wrapper)`.
pub(crate) fn wrap(args: &[Option<Value>]) -> Outcome {
    let text = |index: usize| arg(args, index).map(join_text).unwrap_or_default();
    let end = match arg(args, 2) {
        Some(end) if is_truthy(end) => join_text(end),
        _ => text(1),
    };
    Ok(Some(Value::String(format!("{}{}{end}", text(1), text(0)))))
}

fn flatten_into(items: &[Value], depth: usize, out: &mut Vec<Value>) {
    for item in items {
        match item {
            Value::Array(inner) if depth > 0 => flatten_into(inner, depth - 1, out),
            other => out.push(other.clone()),
        }
    }
}

fn flattened(args: &[Option<Value>], depth: usize) -> Outcome {
    let mut out = Vec::new();
    flatten_into(&cast_array(arg(args, 0)), depth, &mut out);
    Ok(Some(Value::Array(out)))
}

/// `$flatten(array)`: flattens one level.
pub(crate) fn flatten(args: &[Option<Value>]) -> Outcome {
    flattened(args, 1)
}

/// `$flattenDeep(array)`: flattens every level.
pub(crate) fn flatten_deep(args: &[Option<Value>]) -> Outcome {
    flattened(args, usize::MAX)
}

/// `$flattenDepth(array, depth?)`: flattens `depth` levels (default 1).
pub(crate) fn flatten_depth(args: &[Option<Value>]) -> Outcome {
    let depth = arg(args, 1).and_then(Value::as_f64).unwrap_or(1.0);
    flattened(args, depth.max(0.0) as usize)
}

/// `$compact(array)`: the truthy items.
pub(crate) fn compact(args: &[Option<Value>]) -> Outcome {
    let items = cast_array(arg(args, 0)).into_iter().filter(is_truthy);
    Ok(Some(Value::Array(items.collect())))
}

/// `$values(object)`: an object's values, an array's items, a string's characters.
pub(crate) fn values(args: &[Option<Value>]) -> Outcome {
    let values = match arg(args, 0) {
        Some(Value::Object(object)) => object.values().cloned().collect(),
        Some(Value::Array(items)) => items.clone(),
        Some(Value::String(text)) => text.chars().map(|c| Value::String(c.into())).collect(),
        _ => Vec::new(),
    };
    Ok(Some(Value::Array(values)))
}

/// `$chunk(array, size?)`: the items in groups of `size` (default 1).
pub(crate) fn chunk(args: &[Option<Value>]) -> Outcome {
    let size = arg(args, 1).and_then(Value::as_f64).unwrap_or(1.0);
    let items = cast_array(arg(args, 0));
    if size < 1.0 {
        return Ok(Some(Value::Array(Vec::new())));
    }
    let chunks = items
        .chunks(size as usize)
        .map(|chunk| Value::Array(chunk.to_vec()));
    Ok(Some(Value::Array(chunks.collect())))
}

/// `$difference(array, values)`: the items of `array` that are not in `values`.
/// NOTE: lodash compares objects by reference; this compares them by value.
pub(crate) fn difference(args: &[Option<Value>]) -> Outcome {
    let Some(Value::Array(items)) = arg(args, 0) else {
        return Ok(Some(Value::Array(Vec::new())));
    };
    let excluded = cast_array(arg(args, 1));
    let kept = items
        .iter()
        .filter(|item| !excluded.contains(item))
        .cloned();
    Ok(Some(Value::Array(kept.collect())))
}

/// The paths `$pick` and `$omit` take: one path or an array of them.
fn paths(value: Option<&Value>) -> Vec<String> {
    cast_array(value).iter().map(property_key).collect()
}

/// `$pick(object, paths)`: a new object with only the given paths.
pub(crate) fn pick(args: &[Option<Value>]) -> Outcome {
    let Some(source) = arg(args, 0).filter(|value| value.is_object()) else {
        return Ok(Some(Value::Object(Map::new())));
    };
    let mut picked = Value::Object(Map::new());
    for path in paths(arg(args, 1)) {
        if let Some(found) = source.get(&path) {
            set_path(&mut picked, std::slice::from_ref(&path), found.clone());
        } else if let Some(found) = get(source, &path) {
            set_path(&mut picked, &path_segments(&path), found.clone());
        }
    }
    Ok(Some(picked))
}

fn set_path(target: &mut Value, segments: &[String], value: Value) {
    let Some((last, parents)) = segments.split_last() else {
        return;
    };
    let mut current = target;
    for segment in parents {
        let Value::Object(object) = current else {
            return;
        };
        current = object
            .entry(segment.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if let Value::Object(object) = current {
        object.insert(last.clone(), value);
    }
}

/// `$omit(object, paths)`: a copy of the object without the given paths.
pub(crate) fn omit(args: &[Option<Value>]) -> Outcome {
    let Some(mut copy) = arg(args, 0).filter(|value| value.is_object()).cloned() else {
        return Ok(Some(Value::Object(Map::new())));
    };
    for path in paths(arg(args, 1)) {
        if let Some(object) = copy.as_object_mut()
            && object.shift_remove(&path).is_some()
        {
            continue;
        }
        remove_path(&mut copy, &path_segments(&path));
    }
    Ok(Some(copy))
}

fn remove_path(target: &mut Value, segments: &[String]) {
    let Some((last, parents)) = segments.split_last() else {
        return;
    };
    let mut current = target;
    for segment in parents {
        match current.get_mut(segment.as_str()) {
            Some(next) => current = next,
            None => return,
        }
    }
    if let Value::Object(object) = current {
        object.shift_remove(last);
    }
}

/// The resolved iteratee value of entry `index` of `keys`.
fn key_at(keys: Option<&Value>, index: usize) -> Option<&Value> {
    keys?.get(index)?.get("v")
}

/// lodash's iteratee for anything but a function: a path is read, an object is a
/// partial match, a `[path, value]` pair compares the value at the path, and no
/// iteratee is the identity.
pub(crate) fn iteratee_keys(args: &[Option<Value>]) -> Outcome {
    let items = cast_array(arg(args, 0));
    let iteratee = arg(args, 1);
    let entry = |item: &Value| -> Value {
        let value = match iteratee {
            None | Some(Value::Null) => Some(item.clone()),
            Some(Value::Object(source)) => Some(Value::Bool(is_match(item, source))),
            Some(Value::Array(pair)) if pair.len() == 2 => {
                let found = get_by(item, &pair[0]);
                Some(Value::Bool(
                    found.is_some_and(|f| matches_value(&f, &pair[1])),
                ))
            }
            Some(path) => get_by(item, path),
        };
        let mut entry = Map::new();
        if let Some(value) = value {
            entry.insert("v".into(), value);
        }
        Value::Object(entry)
    };
    Ok(Some(Value::Array(items.iter().map(entry).collect())))
}

/// lodash `isMatch`: every key of `source` matches in `item`, objects partially.
fn is_match(item: &Value, source: &Map<String, Value>) -> bool {
    source.iter().all(|(key, expected)| {
        item.get(key)
            .is_some_and(|found| matches_value(found, expected))
    })
}

fn matches_value(found: &Value, expected: &Value) -> bool {
    match (found, expected) {
        (Value::Object(_), Value::Object(source)) => is_match(found, source),
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => found == expected,
    }
}

/// `$groupBy` after its iteratee: items grouped under the text of their key.
pub(crate) fn group_by_keys(args: &[Option<Value>]) -> Outcome {
    let items = cast_array(arg(args, 0));
    let mut groups = Map::new();
    for (index, item) in items.into_iter().enumerate() {
        let key = key_at(arg(args, 1), index).map_or_else(|| "undefined".into(), js_string);
        let group = groups
            .entry(key)
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(members) = group {
            members.push(item);
        }
    }
    Ok(Some(Value::Object(groups)))
}

/// `$keyBy` after its iteratee: each item under the text of its key, later items
/// replacing earlier ones.
pub(crate) fn key_by_keys(args: &[Option<Value>]) -> Outcome {
    let items = cast_array(arg(args, 0));
    let mut keyed = Map::new();
    for (index, item) in items.into_iter().enumerate() {
        let key = key_at(arg(args, 1), index).map_or_else(|| "undefined".into(), js_string);
        keyed.insert(key, item);
    }
    Ok(Some(Value::Object(keyed)))
}

/// JavaScript's `String(value)`.
fn js_string(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Array(_) | Value::Object(_) | Value::Number(_) | Value::Bool(_) => join_text(value),
        Value::String(text) => text.clone(),
    }
}

/// `$orderBy` after its iteratees: a stable sort on each key column in turn,
/// descending where the matching order is `desc`.
pub(crate) fn order_by_keys(args: &[Option<Value>]) -> Outcome {
    let items = cast_array(arg(args, 0));
    let columns: Vec<Value> = cast_array(arg(args, 1))
        .iter()
        .filter_map(|column| column.get("keys").cloned())
        .collect();
    let orders = cast_array(arg(args, 2));
    let descending = |column: usize| orders.get(column).and_then(Value::as_str) == Some("desc");

    let mut indices: Vec<usize> = (0..items.len()).collect();
    indices.sort_by(|&a, &b| {
        if columns.is_empty() {
            return compare_ascending(Some(&items[a]), Some(&items[b]));
        }
        for (number, column) in columns.iter().enumerate() {
            let order = compare_ascending(key_at(Some(column), a), key_at(Some(column), b));
            let order = if descending(number) {
                order.reverse()
            } else {
                order
            };
            if order != Ordering::Equal {
                return order;
            }
        }
        Ordering::Equal
    });
    let sorted = indices.into_iter().map(|index| items[index].clone());
    Ok(Some(Value::Array(sorted.collect())))
}

/// `$find` and `$lofilter` after their predicate: the first item (when the third
/// argument is true) or every item whose predicate value is truthy.
pub(crate) fn pick_by_matches(args: &[Option<Value>]) -> Outcome {
    let items = cast_array(arg(args, 0));
    let first_only = arg(args, 2).is_some_and(is_truthy);
    let mut matching = items
        .into_iter()
        .enumerate()
        .filter(|(index, _)| key_at(arg(args, 1), *index).is_some_and(is_truthy))
        .map(|(_, item)| item);
    if first_only {
        return Ok(matching.next());
    }
    Ok(Some(Value::Array(matching.collect())))
}
