//! The data-format functions against outputs recorded from `@truto/truto-jsonata`
//! 3.0.6 by `tools/golden-converters/generate-formats.mjs`
//! (`tests/data/golden/formats.json`). A case with `reference_error` expects an error.

mod common;

use serde_json::Value;
use weft_transform::functions::csv::json_to_csv;
use weft_transform::functions::text_splitter::recursive_character_text_splitter;
use weft_transform::functions::xml::{js_to_xml, xml_to_js};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Golden cases where Weft's output still differs from the reference, with the reason.
/// Each must still differ, so that a fix shows up here and the entry is removed.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[];

/// Returns the golden cases recorded for `function`.
fn cases(function: &str) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    common::golden_cases("formats.json", function)
}

/// Runs `convert` on every case of `function` with its input and options, then fails
/// listing each mismatch by name with the expected and actual values.
fn check_cases(
    function: &str,
    convert: impl Fn(&Value, Option<&Value>) -> Result<Value, String>,
) -> TestResult {
    let mut failures = Vec::new();
    let all = cases(function)?;
    for case in &all {
        let name = case["name"].as_str().unwrap_or("unnamed");
        let actual = convert(&case["input"], case.get("options"));
        let failure = match (&actual, case.get("expected")) {
            (Ok(actual), Some(expected)) if actual == expected => None,
            (Err(_), None) if case.get("reference_error").is_some() => None,
            (actual, expected) => Some(describe(actual, expected)),
        };
        let known = KNOWN_DIFFERENCES.iter().any(|(known, _)| *known == name);
        match (failure, known) {
            (Some(failure), false) => failures.push(format!("{name}:\n{failure}")),
            (None, true) => failures.push(format!(
                "{name}: now matches, remove it from KNOWN_DIFFERENCES"
            )),
            _ => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} {function} case(s) differ:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n\n")
    );
    Ok(())
}

fn describe(actual: &Result<Value, String>, expected: Option<&Value>) -> String {
    let expected = expected.map_or("an error".to_string(), Value::to_string);
    match actual {
        Ok(actual) => format!("  expected {expected}\n  actual   {actual}"),
        Err(error) => format!("  expected {expected}\n  error    {error}"),
    }
}

#[test]
fn xml_to_js_matches_golden() -> TestResult {
    check_cases("xmlToJs", |input, options| {
        let xml = input.as_str().ok_or("input is not a string")?;
        xml_to_js(xml, options).map_err(|error| error.to_string())
    })
}

#[test]
fn js_to_xml_matches_golden() -> TestResult {
    check_cases("jsToXml", |input, options| {
        js_to_xml(input, options)
            .map(Value::String)
            .map_err(|error| error.to_string())
    })
}

#[test]
fn json_to_csv_matches_golden() -> TestResult {
    check_cases("jsonToCsv", |input, options| {
        json_to_csv(input, options)
            .map(Value::String)
            .map_err(|error| error.to_string())
    })
}

#[test]
fn text_splitter_matches_golden() -> TestResult {
    check_cases("recursiveCharacterTextSplitter", |input, options| {
        recursive_character_text_splitter(input, options)
            .map(Value::from)
            .map_err(|error| error.to_string())
    })
}

#[test]
fn malformed_xml_is_rejected() {
    let error = xml_to_js("<a><b></a>", None).err();
    assert!(error.is_some(), "mismatched end tag was accepted");
}

#[test]
fn unknown_entity_is_rejected() {
    let error = xml_to_js("<a>&nbsp;</a>", None).err();
    assert!(error.is_some(), "undeclared entity was accepted");
}
