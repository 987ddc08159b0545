//! `weft eval jsonata` run as a process.

use std::io::Write;

use assert_cmd::Command;
use predicates::prelude::*;

fn weft() -> Result<Command, Box<dyn std::error::Error>> {
    Ok(Command::cargo_bin("weft")?)
}

#[test]
fn prints_result_as_json() -> Result<(), Box<dyn std::error::Error>> {
    let mut input = tempfile::NamedTempFile::new()?;
    write!(input, r#"{{"items": [{{"n": 1}}, {{"n": 2}}]}}"#)?;
    let path = input.path().to_str().ok_or("temp path is not UTF-8")?;
    let output = weft()?
        .args([
            "eval",
            "jsonata",
            "$sum(items.n) * $factor",
            "--input",
            path,
        ])
        .args(["--bindings", r#"{"factor": 10}"#])
        .output()?;
    assert!(output.status.success());
    assert_eq!(String::from_utf8(output.stdout)?.trim(), "30");
    Ok(())
}

#[test]
fn reads_input_from_stdin() -> Result<(), Box<dyn std::error::Error>> {
    weft()?
        .args(["eval", "jsonata", "$firstNonEmpty(a, b)", "--input", "-"])
        .write_stdin(r#"{"a": null, "b": "second"}"#)
        .assert()
        .success()
        .stdout("\"second\"\n");
    Ok(())
}

#[test]
fn prints_nothing_for_no_value() -> Result<(), Box<dyn std::error::Error>> {
    weft()?
        .args(["eval", "jsonata", "missing.field"])
        .assert()
        .success()
        .stdout("");
    Ok(())
}

#[test]
fn reports_error_code_and_exits_1() -> Result<(), Box<dyn std::error::Error>> {
    weft()?
        .args(["eval", "jsonata", "1 + 'a'"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::starts_with("T2002: The right side"));
    Ok(())
}

#[test]
fn reports_syntax_error_code() -> Result<(), Box<dyn std::error::Error>> {
    weft()?
        .args(["eval", "jsonata", "(1 + "])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with("S0"));
    Ok(())
}

#[test]
fn syntax_error_names_its_code_once() -> Result<(), Box<dyn std::error::Error>> {
    weft()?
        .args(["eval", "jsonata", "1 /* no end"])
        .assert()
        .code(1)
        .stderr("S0106: invalid JSONata expression: Comment has no closing tag\n");
    Ok(())
}

#[test]
fn rejects_bindings_that_are_not_an_object() -> Result<(), Box<dyn std::error::Error>> {
    weft()?
        .args(["eval", "jsonata", "$x", "--bindings", "[1]"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--bindings must be a JSON object"));
    Ok(())
}

#[test]
fn binding_keys_may_start_with_dollar() -> Result<(), Box<dyn std::error::Error>> {
    weft()?
        .args(["eval", "jsonata", "$x + $y"])
        .args(["--bindings", r#"{"x": 1, "$y": 2}"#])
        .assert()
        .success()
        .stdout("3\n");
    Ok(())
}

#[test]
fn binding_given_with_and_without_dollar_is_rejected() -> Result<(), Box<dyn std::error::Error>> {
    weft()?
        .args(["eval", "jsonata", "$y"])
        .args(["--bindings", r#"{"y": 1, "$y": 2}"#])
        .assert()
        .code(2)
        .stderr("error: --bindings binds '$y' twice: as 'y' and as '$y'\n");
    weft()?
        .args(["eval", "jsonata", "1"])
        .args(["--bindings", r#"{"$": 1}"#])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--bindings key '$' names no binding",
        ));
    Ok(())
}

#[test]
fn large_integers_print_as_javascript_does() -> Result<(), Box<dyn std::error::Error>> {
    weft()?
        .args(["eval", "jsonata", "[small, big]", "--input", "-"])
        .write_stdin(r#"{"small": 9007199254740993, "big": 12345678901234567890}"#)
        .assert()
        .success()
        .stdout("[\n  9007199254740992,\n  12345678901234567000\n]\n");
    Ok(())
}

#[test]
fn deeply_nested_input_names_the_nesting_limit() -> Result<(), Box<dyn std::error::Error>> {
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    weft()?
        .args(["eval", "jsonata", "$", "--input", "-"])
        .write_stdin(deep)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nested more than 128 levels deep"));
    Ok(())
}
