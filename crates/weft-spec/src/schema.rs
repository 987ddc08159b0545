//! The JSON Schema of the request body, generated from [`BatchRequest`].

use schemars::generate::SchemaSettings;
use serde_json::Value;

use crate::BatchRequest;

/// File name of the committed schema, under `schemas/`.
pub const SCHEMA_FILE_NAME: &str = "batch-request.schema.json";

/// `$id` of the schema.
pub const SCHEMA_ID: &str = "https://weft.invalid/schemas/batch-request.schema.json";

/// Returns the JSON Schema (draft 2020-12) of a batch request body.
pub fn schema() -> Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let mut value = generator.into_root_schema_for::<BatchRequest>().to_value();
    remove_null(&mut value);
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
