//! `weft eval template` run as the real binary over every placeholder vector.

use std::error::Error;
use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn vectors() -> Result<Vec<Value>, Box<dyn Error>> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/vectors/placeholders.json");
    Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
}

/// `{"$undefined": true}` in an expected value means no value (a removed key).
fn is_undefined(value: &Value) -> bool {
    value.get("$undefined") == Some(&Value::Bool(true))
}

fn without_undefined(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, value)| !is_undefined(value))
                .map(|(key, value)| (key.clone(), without_undefined(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_undefined).collect()),
        other => other.clone(),
    }
}

#[test]
fn every_vector_through_the_binary() -> Result<(), Box<dyn Error>> {
    let cases = vectors()?;
    assert!(cases.len() >= 80);
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap_or("<unnamed>");
        let output = Command::cargo_bin("weft")?
            .args(["eval", "template"])
            .arg(case["input"]["template"].to_string())
            .arg("--context")
            .arg(case["input"]["context"].to_string())
            .output()?;
        let stdout = String::from_utf8(output.stdout)?;
        let expected = &case["expected"];
        let matches = if is_undefined(expected) {
            stdout.is_empty()
        } else {
            serde_json::from_str::<Value>(&stdout).ok() == Some(without_undefined(expected))
        };
        if !output.status.success() || !matches {
            failures.push(format!(
                "{name}: exit {:?}, stdout {stdout:?}",
                output.status.code()
            ));
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

#[test]
fn reads_template_and_context_from_files() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("t.json"), r#"{"id": "{{args.id:int}}"}"#)?;
    std::fs::write(dir.path().join("c.json"), r#"{"args": {"id": "7"}}"#)?;
    let output = Command::cargo_bin("weft")?
        .current_dir(dir.path())
        .args(["eval", "template", "@t.json", "--context", "@c.json"])
        .output()?;
    assert!(output.status.success());
    let value: Value = serde_json::from_slice(&output.stdout)?;
    assert_eq!(value, serde_json::json!({"id": 7}));
    Ok(())
}

#[test]
fn unknown_cast_exits_one_with_message() -> Result<(), Box<dyn Error>> {
    Command::cargo_bin("weft")?
        .args(["eval", "template", r#""{{a:integer}}""#, "--context", "{}"])
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "unknown cast 'integer' in placeholder '{{a:integer}}'",
        ));
    Ok(())
}

#[test]
fn template_that_is_not_json_explains_quoting() -> Result<(), Box<dyn Error>> {
    Command::cargo_bin("weft")?
        .args(["eval", "template", "{{a}}", "--context", "{}"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("template is not valid JSON"));
    Ok(())
}

#[test]
fn invalid_context_gets_no_template_hint() -> Result<(), Box<dyn Error>> {
    Command::cargo_bin("weft")?
        .args(["eval", "template", "\"{{a}}\"", "--context", "{a: 1}"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("context is not valid JSON"))
        .stderr(predicate::str::contains("quote a string template").not());
    Ok(())
}

#[test]
fn closed_stdout_exits_quietly() -> Result<(), Box<dyn std::error::Error>> {
    use std::io::Read;
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir()?;
    let template = dir.path().join("big.json");
    std::fs::write(
        &template,
        serde_json::to_string(&vec!["{{word}}"; 200_000])?,
    )?;
    let template_arg = format!("@{}", template.display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args([
            "eval",
            "template",
            &template_arg,
            "--context",
            r#"{"word": "pipe"}"#,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let mut first = [0u8; 10];
    stdout.read_exact(&mut first)?;
    drop(stdout);
    let output = child.wait_with_output()?;
    let stderr = String::from_utf8(output.stderr)?;
    assert_eq!(output.status.code(), Some(141));
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
    Ok(())
}
