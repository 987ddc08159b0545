//! Every case of tests/data/golden/jsonata-functions.json, recorded from
//! `@truto/truto-jsonata` by tools/golden, evaluated through `Transform`.
//!
//! A case passes when Weft gives the recorded value, or fails when the reference
//! failed. Cases marked `excluded` (where Weft differs from the reference on purpose) are
//! skipped; cases marked `known_difference` must still differ, so that a fix shows up
//! as a failure asking to remove the mark.

use std::path::Path;

use serde_json::{Map, Value};
use weft_transform::Transform;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn golden_file() -> Result<Value, Box<dyn std::error::Error>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/golden/jsonata-functions.json");
    Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
}

/// The outcome of one case: a value, no value, or an error message.
#[derive(Debug)]
enum Outcome {
    Value(Value),
    Nothing,
    Error(String),
}

fn recorded(case: &Value) -> Outcome {
    if let Some(message) = case.get("error").and_then(Value::as_str) {
        Outcome::Error(message.to_string())
    } else if case.get("undefined") == Some(&Value::Bool(true)) {
        Outcome::Nothing
    } else {
        Outcome::Value(case["expected"].clone())
    }
}

fn evaluate(case: &Value) -> Outcome {
    let expression = case["expression"].as_str().unwrap_or_default();
    let result = Transform::compile(expression)
        .and_then(|transform| transform.evaluate(&case["input"], &Map::new()));
    match result {
        Ok(Some(value)) => Outcome::Value(value),
        Ok(None) => Outcome::Nothing,
        Err(error) => Outcome::Error(error.to_string()),
    }
}

/// Whether two outcomes agree; errors agree whatever their messages.
fn agree(expected: &Outcome, actual: &Outcome) -> bool {
    match (expected, actual) {
        (Outcome::Value(expected), Outcome::Value(actual)) => same_json(expected, actual),
        (Outcome::Nothing, Outcome::Nothing) | (Outcome::Error(_), Outcome::Error(_)) => true,
        _ => false,
    }
}

/// JSON equality with numbers compared as f64, so `3` and `3.0` agree. Numbers may
/// differ in the last bit, because serde_json's default float parsing can be off by
/// one unit in the last place.
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => same_number(a.as_f64(), b.as_f64()),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same_json(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

fn same_number(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b || (a - b).abs() <= f64::EPSILON * a.abs().max(b.abs()),
        _ => a == b,
    }
}

/// The path of the first place where two values differ, as `$.a[2].b`.
fn first_difference(expected: &Value, actual: &Value, path: String) -> String {
    match (expected, actual) {
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find(|(_, (x, y))| !same_json(x, y))
            .map_or(path.clone(), |(i, (x, y))| {
                first_difference(x, y, format!("{path}[{i}]"))
            }),
        (Value::Object(a), Value::Object(b)) if a.len() == b.len() => a
            .iter()
            .find(|(k, v)| !b.get(*k).is_some_and(|w| same_json(v, w)))
            .map_or(path.clone(), |(k, v)| match b.get(k) {
                Some(w) => first_difference(v, w, format!("{path}.{k}")),
                None => format!("{path}.{k}"),
            }),
        _ => path,
    }
}

fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Value(value) => serde_json::to_string_pretty(value).unwrap_or_default(),
        Outcome::Nothing => "(no value)".to_string(),
        Outcome::Error(message) => format!("(error) {message}"),
    }
}

fn report(name: &str, expected: &Outcome, actual: &Outcome) -> String {
    let at = match (expected, actual) {
        (Outcome::Value(e), Outcome::Value(a)) => first_difference(e, a, "$".into()),
        _ => "$".to_string(),
    };
    format!(
        "{name}: differs at {at}\n  expected: {}\n  actual:   {}",
        describe(expected).replace('\n', "\n            "),
        describe(actual).replace('\n', "\n            ")
    )
}

#[test]
fn golden_cases_match_truto() -> TestResult {
    let file = golden_file()?;
    let cases = file["cases"].as_array().ok_or("no cases array")?;
    let mut failures = Vec::new();
    let (mut passed, mut excluded, mut known) = (0, 0, 0);
    for case in cases {
        let name = case["name"].as_str().unwrap_or("unnamed");
        if case.get("excluded").is_some() {
            excluded += 1;
            continue;
        }
        let (expected, actual) = (recorded(case), evaluate(case));
        let matches = agree(&expected, &actual);
        match case.get("known_difference").and_then(Value::as_str) {
            Some(_) if matches => failures.push(format!(
                "{name}: now matches the reference; remove its known_difference in tools/golden/cases.mjs"
            )),
            Some(_) => known += 1,
            None if matches => passed += 1,
            None => failures.push(report(name, &expected, &actual)),
        }
    }
    println!(
        "{} cases from {} {}: {passed} pass, {known} known differences, {excluded} excluded, {} fail",
        cases.len(),
        file["package"].as_str().unwrap_or_default(),
        file["version"].as_str().unwrap_or_default(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failing cases:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    Ok(())
}

#[test]
fn golden_file_records_reference_version() -> TestResult {
    let file = golden_file()?;
    assert_eq!(file["package"], "@truto/truto-jsonata");
    assert_eq!(file["version"], "3.0.6");
    assert!(file["cases"].as_array().ok_or("no cases")?.len() >= 150);
    Ok(())
}
