//! The document converters against outputs recorded from `@truto/truto-jsonata` by
//! `tools/golden-converters` (see `tests/data/golden/converters.json`). Cases with a
//! `spec_difference` carry Weft's expected value, written by hand, and the reason.

mod common;

use serde_json::Value;
use weft_transform::functions::notion::{notion_block_to_markdown, notion_to_markdown};
use weft_transform::functions::{html, markdown};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Golden cases where Weft's output still differs from the reference, with the reason.
/// Each must still differ, so that a fix shows up here and the entry is removed.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[(
    "HTML email: receipt table",
    "htmd pads the table divider row to the column width",
)];

/// Returns the golden cases recorded for `function`.
fn cases(function: &str) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    common::golden_cases("converters.json", function)
}

/// Runs `convert` over every case of `function`, then fails listing each mismatch with
/// the first differing line.
fn check_text_cases(
    function: &str,
    convert: impl Fn(&Value) -> Result<String, String>,
) -> TestResult {
    let mut failures = Vec::new();
    for case in cases(function)? {
        let name = case["name"].as_str().unwrap_or("unnamed");
        let actual = convert(&case["input"]);
        let known = KNOWN_DIFFERENCES.iter().any(|(known, _)| *known == name);
        let failure = match (&actual, case.get("expected").and_then(Value::as_str)) {
            (Ok(actual), Some(expected)) => first_difference(actual, expected),
            (Err(_), None) if case.get("reference_error").is_some() => None,
            (actual, expected) => Some(format!("expected {expected:?}, got {actual:?}")),
        };
        match (failure, known) {
            (Some(failure), false) => failures.push(format!("{name}: {failure}")),
            (None, true) => failures.push(format!(
                "{name}: now matches, remove it from KNOWN_DIFFERENCES"
            )),
            _ => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    Ok(())
}

fn first_difference(actual: &str, expected: &str) -> Option<String> {
    if actual == expected {
        return None;
    }
    let actual_lines: Vec<&str> = actual.split('\n').collect();
    let expected_lines: Vec<&str> = expected.split('\n').collect();
    let line = (0..actual_lines.len().max(expected_lines.len()))
        .find(|&i| actual_lines.get(i) != expected_lines.get(i))
        .unwrap_or(0);
    Some(format!(
        "line {}: expected {:?}, got {:?}",
        line + 1,
        expected_lines.get(line),
        actual_lines.get(line)
    ))
}

#[test]
fn notion_pages_match_golden() -> TestResult {
    check_text_cases("convertNotionToMarkdown", |input| {
        notion_to_markdown(input).map_err(|error| error.to_string())
    })
}

#[test]
fn notion_single_blocks_match_golden() -> TestResult {
    check_text_cases("convertNotionToMd", |input| {
        notion_block_to_markdown(input).map_err(|error| error.to_string())
    })
}

#[test]
fn markdown_to_html_matches_golden() -> TestResult {
    check_text_cases("convertMarkdownToHtml", |input| {
        Ok(markdown::to_html(input.as_str().unwrap_or_default()))
    })
}

#[test]
fn html_to_markdown_matches_golden() -> TestResult {
    check_text_cases("convertHtmlToMarkdown", |input| {
        Ok(html::to_markdown(input.as_str().unwrap_or_default()))
    })
}

#[test]
fn markdown_to_slack_matches_golden() -> TestResult {
    check_json_cases("convertMarkdownToSlack", |input| {
        Ok(markdown::to_slack(input.as_str().unwrap_or_default()))
    })
}

/// Runs `convert` over every case of `function`, then fails listing each mismatch with
/// the expected and actual JSON.
fn check_json_cases(
    function: &str,
    convert: impl Fn(&Value) -> Result<Value, String>,
) -> TestResult {
    let mut failures = Vec::new();
    let all = cases(function)?;
    for case in &all {
        let name = case["name"].as_str().unwrap_or("unnamed");
        let actual = convert(&case["input"]);
        let known = KNOWN_DIFFERENCES.iter().any(|(known, _)| *known == name);
        let failure = match (&actual, case.get("expected")) {
            (Ok(actual), Some(expected)) if actual == expected => None,
            (Ok(actual), Some(expected)) => Some(json_difference(expected, actual, "")),
            (actual, expected) => Some(format!(
                "  expected {}\n  actual   {actual:?}",
                expected.map_or("an error".to_string(), Value::to_string)
            )),
        };
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

/// Describes the first place where `actual` differs from `expected`, by JSON path.
fn json_difference(expected: &Value, actual: &Value, path: &str) -> String {
    match (expected, actual) {
        (Value::Array(left), Value::Array(right)) => {
            let differing = (0..left.len().max(right.len()))
                .find(|&i| left.get(i) != right.get(i))
                .unwrap_or(0);
            match (left.get(differing), right.get(differing)) {
                (Some(left), Some(right)) => {
                    json_difference(left, right, &format!("{path}/{differing}"))
                }
                (left, right) => format!(
                    "  at {path}/{differing}: expected {}, actual {}",
                    shown(left),
                    shown(right)
                ),
            }
        }
        (Value::Object(left), Value::Object(right)) => {
            let keys = left
                .keys()
                .chain(right.keys().filter(|key| !left.contains_key(*key)));
            for key in keys {
                if left.get(key) != right.get(key) {
                    return match (left.get(key), right.get(key)) {
                        (Some(left), Some(right)) => {
                            json_difference(left, right, &format!("{path}/{key}"))
                        }
                        (left, right) => format!(
                            "  at {path}/{key}: expected {}, actual {}",
                            shown(left),
                            shown(right)
                        ),
                    };
                }
            }
            format!("  at {path}: key order differs")
        }
        _ => format!("  at {path}: expected {expected}, actual {actual}"),
    }
}

fn shown(value: Option<&Value>) -> String {
    value.map_or("nothing".to_string(), Value::to_string)
}

#[test]
fn markdown_to_notion_matches_golden() -> TestResult {
    check_json_cases("convertMarkdownToNotion", |input| {
        Ok(markdown::to_notion(input.as_str().unwrap_or_default()))
    })
}

#[test]
fn markdown_to_adf_matches_golden() -> TestResult {
    check_json_cases("convertMarkdownToAdf", |input| {
        Ok(markdown::to_adf(input.as_str().unwrap_or_default()))
    })
}

#[test]
fn markdown_to_google_docs_matches_golden() -> TestResult {
    // A case with a start index has `{markdown, start_index}` as input.
    check_json_cases("convertMarkdownToGoogleDocs", |input| {
        let text = input.as_str().or(input["markdown"].as_str());
        Ok(markdown::to_google_docs(
            text.unwrap_or_default(),
            input["start_index"].as_i64(),
        ))
    })
}
