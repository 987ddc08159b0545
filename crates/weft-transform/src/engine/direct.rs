//! Native functions that read engine values in place.
//!
//! Most native functions get their arguments converted to JSON whole. `$sortNodes` and
//! `$convertNotionToMarkdown` take whole pages of blocks, so converting every block on
//! every call would cost more than the functions themselves. Here `$sortNodes`
//! converts only the keys it orders by and returns the engine's own nodes, and
//! `$convertNotionToMarkdown` converts only the parts of each block that the renderer
//! reads. `$merge` replaces the engine's built-in so that each merged object is
//! built from a copy of the first one instead of key by key.

use std::rc::Rc;

use jsonata_core::evaluator::{Context, Evaluator, EvaluatorError};
use jsonata_core::value::{JArray, JMap, JValue};
use serde_json::{Map, Value};

use super::{json_from_engine, native_result, parsed, plain_object, to_json};
use crate::functions::{self, NativeFn, notion};

/// `$sortNodes` over engine values: the nodes come back in order as they are, apart
/// from a `children` field, which is removed.
///
/// An object node keeps its values as the engine holds them: the reference, too,
/// returns its input objects. Any other node goes through JSON, as in other native
/// functions.
pub(super) fn sort_nodes(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    let Some(JValue::Array(nodes)) = args.first() else {
        let message = functions::core::SORT_NODES_EXPECTS_ARRAY.to_string();
        return Err(EvaluatorError::EvaluationError(message));
    };
    let key_args: Vec<Option<Value>> = std::iter::once(None)
        .chain(args.iter().skip(1).map(to_json))
        .collect();
    let keys = functions::core::NodeKeys::from_args(&key_args);
    let fields = keys.fields();
    let views: Vec<Value> = nodes.iter().map(|node| node_view(node, &fields)).collect();
    let ordered: Vec<JValue> = functions::core::node_order(&views, &keys)
        .into_iter()
        .map(|index| sorted_node(&nodes[index], &views[index]))
        .collect();
    let flat = !ordered.iter().any(|node| matches!(node, JValue::Array(_)));
    Ok(JValue::Array(JArray::new_flat(ordered, flat)))
}

/// Converts the fields of `node` that the sort keys read, or all of a node that is
/// not an object.
fn node_view(node: &JValue, fields: &[String]) -> Value {
    let Some(object) = plain_object(node) else {
        return to_json(node).unwrap_or(Value::Null);
    };
    let read = fields.iter().filter_map(|field| {
        let value = object.get(field.as_str())?;
        Some((field.clone(), json_from_engine(value, 2)))
    });
    Value::Object(read.collect())
}

/// Returns `node` for the sorted list without its `children` field. `view` is the
/// whole node as JSON when it is not an object.
fn sorted_node(node: &JValue, view: &Value) -> JValue {
    match plain_object(node) {
        Some(object) if object.contains_key("children") => {
            let mut object: JMap = object.clone();
            object.shift_remove("children");
            JValue::Object(Rc::new(object))
        }
        Some(_) => node.clone(),
        None => JValue::from(view.clone()),
    }
}

/// Calls `$convertNotionToMarkdown` with its blocks converted only as far as the page
/// renderer reads them (see [`notion::PAGE_BLOCK_FIELDS`]).
pub(super) fn notion_to_markdown(
    call: NativeFn,
    args: &[JValue],
) -> Result<JValue, EvaluatorError> {
    let mut converted: Vec<Option<Value>> = Vec::with_capacity(args.len());
    converted.extend(args.first().map(|blocks| match blocks {
        JValue::Array(items) => Some(Value::Array(items.iter().map(block_view).collect())),
        JValue::Undefined => None,
        single => Some(block_view(single)),
    }));
    converted.extend(args.iter().skip(1).map(to_json));
    native_result(call(&converted))
}

fn block_view(block: &JValue) -> Value {
    let Some(object) = plain_object(block) else {
        return json_from_engine(block, 1);
    };
    let block_type = object.get("type").map(|value| json_from_engine(value, 2));
    let data_key = block_type
        .as_ref()
        .and_then(Value::as_str)
        .filter(|name| !notion::PAGE_BLOCK_FIELDS.contains(name));
    let mut view = Map::new();
    for (key, value) in object.iter() {
        if Some(key.as_str()) == data_key {
            view.insert(key.clone(), data_view(value));
        } else if notion::PAGE_BLOCK_FIELDS.contains(&key.as_str()) {
            view.insert(key.clone(), json_from_engine(value, 2));
        }
    }
    Value::Object(view)
}

/// Converts a block's data, with its rich-text segments converted only as far as the
/// renderer reads them.
fn data_view(data: &JValue) -> Value {
    let Some(object) = plain_object(data) else {
        return json_from_engine(data, 2);
    };
    let fields = object.iter().map(|(key, value)| {
        let view = match value {
            JValue::Array(items) if notion::PAGE_SEGMENT_LISTS.contains(&key.as_str()) => {
                Value::Array(items.iter().map(segment_view).collect())
            }
            other => json_from_engine(other, 3),
        };
        (key.clone(), view)
    });
    Value::Object(fields.collect())
}

fn segment_view(segment: &JValue) -> Value {
    let Some(object) = plain_object(segment) else {
        return json_from_engine(segment, 4);
    };
    let fields = object
        .iter()
        .filter(|(key, _)| notion::PAGE_SEGMENT_FIELDS.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), json_from_engine(value, 5)));
    Value::Object(fields.collect())
}

/// `$merge` over an array of objects: the result starts as a copy of the first
/// object and takes the others' fields in order, a key already there keeping its
/// place. Any other arguments go to the built-in, so
/// that its argument checks and errors apply unchanged.
pub(super) fn merge(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    let objects = match args {
        [JValue::Array(items)] => items.iter().map(object_fields).collect::<Option<Vec<_>>>(),
        _ => None,
    };
    let Some(objects) = objects else {
        return builtin_merge(args);
    };
    let Some((first, rest)) = objects.split_first() else {
        return builtin_merge(args);
    };
    let mut merged = JMap::default();
    merged.reserve(objects.iter().map(|object| object.len()).sum());
    // Copies the first object's entries with their stored hashes into the room
    // reserved for all fields, so its keys are not hashed again.
    (*merged).clone_from(&**first);
    for object in rest {
        for (key, value) in object.iter() {
            merged.insert(key.clone(), value.clone());
        }
    }
    Ok(JValue::Object(Rc::new(merged)))
}

fn object_fields(value: &JValue) -> Option<&JMap> {
    match value {
        JValue::Object(object) => Some(object),
        _ => None,
    }
}

/// Calls the engine's own `$merge` on `args` in an evaluator without Weft's
/// functions.
fn builtin_merge(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    let names: Vec<String> = (0..args.len()).map(|index| format!("$a{index}")).collect();
    let source = format!("$merge({})", names.join(", "));
    let ast =
        parsed(&source).map_err(|error| EvaluatorError::EvaluationError(error.to_string()))?;
    let mut context = Context::new();
    for (name, value) in names.iter().zip(args) {
        context.bind(name[1..].to_string(), value.clone());
    }
    Evaluator::with_context(context).evaluate(&ast, &JValue::Undefined)
}
