//! `weft validate` and `weft schema` run as the real binary over the spec fixtures.

use std::error::Error;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn specs_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/specs")
        .join(kind)
}

fn json_files(dir: &Path) -> Result<Vec<PathBuf>, Box<dyn Error>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn weft() -> Result<Command, Box<dyn Error>> {
    Ok(Command::cargo_bin("weft")?)
}

#[test]
fn valid_specs_exit_zero_silently() -> Result<(), Box<dyn Error>> {
    let dir = specs_dir("valid");
    for path in json_files(&dir)? {
        let name = path.file_name().unwrap_or_default().to_owned();
        let assert = weft()?
            .current_dir(&dir)
            .arg("validate")
            .arg(&name)
            .assert();
        assert.code(0).stdout(predicate::str::is_empty());
    }
    Ok(())
}

#[test]
fn seed_example_validates_without_output() -> Result<(), Box<dyn Error>> {
    weft()?
        .current_dir(specs_dir("valid"))
        .args(["validate", "notion-page-to-markdown.json"])
        .assert()
        .code(0)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::is_empty());
    Ok(())
}

#[test]
fn sync_job_field_prints_warning_only() -> Result<(), Box<dyn Error>> {
    weft()?
        .current_dir(specs_dir("valid"))
        .args(["validate", "compatibility-forms.json"])
        .assert()
        .code(0)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::starts_with(
            "warning: compatibility-forms.json:10:26: node 'users': field 'delete_tracking'",
        ));
    Ok(())
}

#[test]
fn invalid_specs_exit_two_with_expected_messages() -> Result<(), Box<dyn Error>> {
    let dir = specs_dir("invalid");
    let files = json_files(&dir)?;
    assert!(files.len() >= 20, "found {} invalid specs", files.len());
    for path in files {
        let name = path.file_name().unwrap_or_default().to_owned();
        let expected = std::fs::read_to_string(path.with_extension("expected"))?;
        weft()?
            .current_dir(&dir)
            .arg("validate")
            .arg(&name)
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::eq(expected.as_str()));
    }
    Ok(())
}

#[test]
fn reports_every_file_given() -> Result<(), Box<dyn Error>> {
    let output = weft()?
        .current_dir(specs_dir("invalid"))
        .args([
            "validate",
            "cycle-two-nodes.json",
            "../valid/with-schema-reference.json",
        ])
        .args(["self-dependency.json"])
        .output()?;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr)?;
    assert_eq!(stderr.lines().count(), 2, "stderr: {stderr}");
    assert!(stderr.contains("cycle-two-nodes.json:4:76"));
    assert!(stderr.contains("self-dependency.json:4:77"));
    Ok(())
}

#[test]
fn missing_file_is_an_error() -> Result<(), Box<dyn Error>> {
    weft()?
        .args(["validate", "does-not-exist.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "failed to read spec 'does-not-exist.json'",
        ));
    Ok(())
}

#[test]
fn unreadable_file_does_not_stop_later_files() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("bad.json"), "[]")?;
    let assert = weft()?
        .current_dir(dir.path())
        .args(["validate", "does-not-exist.json", "bad.json"])
        .assert()
        .code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone())?;
    assert!(stderr.contains("failed to read spec 'does-not-exist.json'"));
    assert!(stderr.contains("bad.json:1:1: body must be a JSON object"));
    Ok(())
}

#[test]
fn non_utf8_spec_reports_line_and_column() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("latin1.json"), b"{\n  \"a\": \"caf\xe9\"}")?;
    weft()?
        .current_dir(dir.path())
        .args(["validate", "latin1.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "latin1.json:2:12: invalid UTF-8: byte 0xe9",
        ));
    Ok(())
}

#[test]
fn schema_check_names_missing_file() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    weft()?
        .args(["schema", "--check", "--out"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "batch-request.schema.json is missing; run 'weft schema",
        ));
    Ok(())
}

#[test]
fn schema_check_passes_on_committed_schema() -> Result<(), Box<dyn Error>> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    weft()?
        .current_dir(repo)
        .args(["schema", "--check"])
        .assert()
        .code(0);
    Ok(())
}

#[test]
fn schema_writes_then_check_detects_staleness() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("schemas");
    weft()?
        .args(["schema", "--check", "--out"])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "batch-request.schema.json is missing",
        ));
    weft()?.args(["schema", "--out"]).arg(&out).assert().code(0);
    weft()?
        .args(["schema", "--check", "--out"])
        .arg(&out)
        .assert()
        .code(0);

    let file = out.join("batch-request.schema.json");
    let written = std::fs::read_to_string(&file)?;
    assert_eq!(written, weft::spec::schema_text());
    std::fs::write(&file, written.replace("Weft batch request", "Old title"))?;
    weft()?
        .args(["schema", "--check", "--out"])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "batch-request.schema.json is stale",
        ));
    Ok(())
}
