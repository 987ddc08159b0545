//! The JSON Schema of the request body, generated from [`BatchRequest`].

use schemars::Schema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::node::{REQUEST_FIELDS, TRANSFORM_FIELDS};
use crate::{BatchRequest, NodeType};

/// File name of the committed schema, under `schemas/`.
pub const SCHEMA_FILE_NAME: &str = "batch-request.schema.json";

/// `$id` of the schema.
pub const SCHEMA_ID: &str = "https://weft.invalid/schemas/batch-request.schema.json";

/// Returns the JSON Schema (draft 2020-12) of a batch request body.
pub fn schema() -> Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let mut value = generator.into_root_schema_for::<BatchRequest>().to_value();
    remove_null(&mut value);
    wrap_described_refs(&mut value);
    if let Value::Object(map) = &mut value {
        let dialect = map.shift_remove("$schema").unwrap_or_default();
        map.shift_insert(0, "$schema".to_owned(), dialect);
        map.shift_insert(1, "$id".to_owned(), Value::String(SCHEMA_ID.to_owned()));
    }
    value
}

/// Returns [`schema`] as pretty-printed JSON with a final newline, the exact text of
/// the committed schema file.
pub fn schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    text.push('\n');
    text
}

/// Adds the rules that depend on a node's `type` to the `Node` schema: the fields each
/// kind requires and the fields of other kinds, which it must not have. Each rule is an
/// `if` on `type` with a `then` inside `allOf`, and a node without `type` is a request.
/// The rules carry no descriptions, so an editor's hover text still comes from the fields.
pub(crate) fn add_node_kind_rules(schema: &mut Schema) {
    let rules = [NodeType::Request, NodeType::Spool, NodeType::Transform]
        .into_iter()
        .map(kind_rule)
        .collect();
    schema.insert("allOf".to_owned(), Value::Array(rules));
}

/// Returns the rule for nodes of `kind`.
fn kind_rule(kind: NodeType) -> Value {
    let (comment, required, foreign): (_, &[&str], _) = match kind {
        NodeType::Request => (
            "request nodes, with or without `type`",
            &["resource", "method"],
            TRANSFORM_FIELDS.to_vec(),
        ),
        NodeType::Spool => (
            "spool nodes",
            &["name"],
            [REQUEST_FIELDS.as_slice(), &TRANSFORM_FIELDS].concat(),
        ),
        NodeType::Transform => (
            "transform nodes",
            &["name", "config"],
            REQUEST_FIELDS.to_vec(),
        ),
    };
    let label = serde_json::to_value(kind).unwrap_or_default();
    let mut condition = json!({ "properties": { "type": { "const": label } } });
    if kind != NodeType::Request {
        // Only request nodes may leave `type` out.
        condition["required"] = json!(["type"]);
    }
    let forbidden: Map<String, Value> = foreign
        .into_iter()
        .map(|field| (field.to_owned(), Value::Bool(false)))
        .collect();
    json!({
        "$comment": comment,
        "if": condition,
        "then": { "required": required, "properties": forbidden },
    })
}

/// Removes the `null` that schemars adds for `Option` fields. An absent field is
/// optional, but validation rejects an explicit null, and the schema must agree.
fn remove_null(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|kind| kind != "null");
                if types.len() == 1 {
                    let single = types.remove(0);
                    map.insert("type".to_owned(), single);
                }
            }
            if let Some(Value::Array(choices)) = map.get_mut("anyOf") {
                choices.retain(|choice| choice.get("type").is_none_or(|kind| kind != "null"));
            }
            map.values_mut().for_each(remove_null);
        }
        Value::Array(items) => items.iter_mut().for_each(remove_null),
        _ => {}
    }
}

/// Moves a `$ref` that has its own `description` into a one-branch `anyOf`, as
/// schemars already does for optional fields. VS Code copies the target's keywords over
/// a `$ref`'s siblings (`mergeRef` in vscode-json-languageservice), so hover text would
/// show the type's description instead of the field's.
fn wrap_described_refs(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.contains_key("description")
                && !map.contains_key("anyOf")
                && let Some(target) = map.shift_remove("$ref")
            {
                let branch = json!([{ "$ref": target }]);
                map.shift_insert(0, "anyOf".to_owned(), branch);
            }
            map.values_mut().for_each(wrap_described_refs);
        }
        Value::Array(items) => items.iter_mut().for_each(wrap_described_refs),
        _ => {}
    }
}
