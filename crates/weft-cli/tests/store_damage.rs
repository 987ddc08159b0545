//! A damaged `store.redb` gives a clean error with exit code 2 from every command that
//! opens the store, and the file stays as it was.

use std::fs::OpenOptions;
use std::path::Path;

use assert_cmd::cargo::cargo_bin_cmd;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Creates a store with one account in `dir` through the CLI.
fn fill(dir: &Path) -> TestResult {
    let output = weft(dir, &["accounts", "create", "--connector", "notion"])
        .args(["--context", r#"{"access_token": "damage-test-secret"}"#])
        .output()?;
    assert!(output.status.success(), "{output:?}");
    Ok(())
}

fn weft(dir: &Path, args: &[&str]) -> assert_cmd::Command {
    let mut command = cargo_bin_cmd!("weft");
    command
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env("WEFT_NO_KEYRING", "1")
        .env_remove("WEFT_DATA_DIR")
        .env_remove("WEFT_CONNECTORS_DIR")
        .env_remove("RUST_BACKTRACE");
    command
}

fn assert_reports_damage(dir: &Path, args: &[&str]) -> TestResult {
    let path = dir.join("store.redb");
    let before = std::fs::read(&path)?;
    let output = weft(dir, args).output()?;
    let stderr = String::from_utf8(output.stderr)?;
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    let expected = format!("store file '{}' is damaged (", path.display());
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(stderr.contains("restore it from a backup"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(std::fs::read(&path)?, before, "{args:?} changed the file");
    Ok(())
}

#[test]
fn truncated_store_is_reported_without_a_panic() -> TestResult {
    let dir = tempfile::tempdir()?;
    fill(dir.path())?;
    let path = dir.path().join("store.redb");
    OpenOptions::new()
        .write(true)
        .open(&path)?
        .set_len(10_000)?;

    assert_reports_damage(dir.path(), &["accounts", "list"])?;
    assert_reports_damage(dir.path(), &["runs", "list"])?;
    assert_reports_damage(dir.path(), &["serve", "--listen", "127.0.0.1:0"])
}

#[test]
fn emptied_store_is_reported_instead_of_replaced() -> TestResult {
    let dir = tempfile::tempdir()?;
    fill(dir.path())?;
    OpenOptions::new()
        .write(true)
        .open(dir.path().join("store.redb"))?
        .set_len(0)?;
    assert_reports_damage(dir.path(), &["accounts", "list"])
}
