//! Data-driven tests of the extension functions against expected values recorded
//! from `@truto/truto-jsonata` (tests/data/vectors/jsonata-functions.json and
//! sortNodes.json), whose `bindings` object is the input document. `{"$undefined": true}` as the expected value means no value.

use std::path::Path;

use serde_json::{Map, Value, json};
use weft_transform::Transform;

fn vectors(name: &str) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/vectors")
        .join(name);
    Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
}

/// Runs every case of a vector file and returns a description of each mismatch.
fn mismatches(name: &str) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let mut failed = Vec::new();
    for case in vectors(name)? {
        let label = case["name"].as_str().unwrap_or("unnamed").to_string();
        let expression = case["input"]["expression"]
            .as_str()
            .ok_or("no expression")?;
        // The recorded cases pass their `bindings` object as the input document.
        let input = case["input"]["bindings"].clone();
        let expected = match &case["expected"] {
            value if value == &json!({"$undefined": true}) => None,
            value => Some(value.clone()),
        };
        let actual = Transform::compile(expression)
            .and_then(|transform| transform.evaluate(&input, &Map::new()));
        match actual {
            Ok(actual) if actual == expected => {}
            other => failed.push(format!("{label}: expected {expected:?}, got {other:?}")),
        }
    }
    Ok(failed)
}

#[test]
fn jsonata_function_vectors_match_truto() -> Result<(), Box<dyn std::error::Error>> {
    let failed = mismatches("jsonata-functions.json")?;
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    Ok(())
}

#[test]
fn sort_nodes_vectors_match_truto() -> Result<(), Box<dyn std::error::Error>> {
    let failed = mismatches("sortNodes.json")?;
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    Ok(())
}
