//! Helpers shared by the golden-file tests.

use std::path::PathBuf;

use serde_json::Value;

/// Returns the cases recorded for `function` in `tests/data/golden/<file>`, checking
/// that the file was recorded with @truto/truto-jsonata 3.0.6.
pub fn golden_cases(file: &str, function: &str) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/golden")
        .join(file);
    let golden: Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    assert_eq!(
        golden["version"].as_str(),
        Some("3.0.6"),
        "golden file from another package version"
    );
    let all = golden["cases"]
        .as_array()
        .ok_or("golden cases are not an array")?;
    let selected: Vec<Value> = all
        .iter()
        .filter(|case| case["function"] == function)
        .cloned()
        .collect();
    assert!(!selected.is_empty(), "no golden cases for {function}");
    Ok(selected)
}
