//! Runs every case of `tests/data/vectors/placeholders.json` (expected values taken
//! from `@truto/replace-placeholders`) through `render`.

use std::path::PathBuf;

use serde_json::Value;

fn vectors() -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/vectors/placeholders.json");
    let text = std::fs::read_to_string(&path)?;
    Ok(serde_json::from_str(&text)?)
}

/// Replaces `{"$undefined": true}` markers in an expected value: at the top level it
/// means no value, inside an object the key is absent.
fn expected(value: &Value) -> Option<Value> {
    match value {
        Value::Object(map) if map.get("$undefined") == Some(&Value::Bool(true)) => None,
        Value::Object(map) => Some(Value::Object(
            map.iter()
                .filter_map(|(key, value)| Some((key.clone(), expected(value)?)))
                .collect(),
        )),
        Value::Array(items) => Some(Value::Array(
            items
                .iter()
                .map(|item| expected(item).unwrap_or(Value::Null))
                .collect(),
        )),
        other => Some(other.clone()),
    }
}

#[test]
fn every_placeholder_vector_renders_as_expected() -> Result<(), Box<dyn std::error::Error>> {
    let cases = vectors()?;
    assert!(
        cases.len() >= 80,
        "expected the full vector file, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap_or("<unnamed>");
        let input = &case["input"];
        let want = expected(&case["expected"]);
        match weft_template::render(&input["template"], &input["context"]) {
            Ok(got) if got == want => {}
            Ok(got) => failures.push(format!("{name}: expected {want:?}, got {got:?}")),
            Err(error) => failures.push(format!("{name}: failed with {error}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing vectors:\n{}",
        failures.len(),
        failures.join("\n")
    );
    Ok(())
}
