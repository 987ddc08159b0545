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
    let schema = generator.into_root_schema_for::<BatchRequest>();
    let mut value = schema.to_value();
    if let Value::Object(map) = &mut value {
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
