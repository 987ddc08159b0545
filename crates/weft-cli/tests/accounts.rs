//! `weft accounts` as a user runs it: the real binary and a real store in a temp folder.

use std::path::Path;

use assert_cmd::Command;
use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;
use weft::store::{Store, StoreOptions};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const ACCESS_TOKEN: &str = "ntn-secret-access-4f9c2b";
const CLIENT_SECRET: &str = "cs-secret-77aa10";
const CONTEXT: &str = r#"{"access_token":"ntn-secret-access-4f9c2b","client_secret":"cs-secret-77aa10","workspace":"acme-workspace"}"#;

/// `weft accounts ARGS --data-dir DIR`, kept away from the OS keyring and from
/// connectors outside the repository.
fn weft(dir: &Path, args: &[&str]) -> Command {
    let mut command = cargo_bin_cmd!("weft");
    command
        .arg("accounts")
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env("WEFT_NO_KEYRING", "1")
        .env_remove("WEFT_DATA_DIR")
        .env_remove("WEFT_CONNECTORS_DIR");
    command
}

/// Runs the command, expects success, and parses stdout as JSON.
fn json_output(command: &mut Command) -> Result<Value, Box<dyn std::error::Error>> {
    let output = command.output()?;
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(serde_json::from_slice(&output.stdout)?)
}

fn create(dir: &Path, extra: &[&str]) -> Result<String, Box<dyn std::error::Error>> {
    let mut args = vec!["create", "--connector", "notion", "--context", CONTEXT];
    args.extend_from_slice(extra);
    let account = json_output(&mut weft(dir, &args))?;
    Ok(account["id"].as_str().ok_or("no id")?.to_owned())
}

#[test]
fn create_prints_redacted_account() -> TestResult {
    let dir = tempfile::tempdir()?;
    let account = json_output(&mut weft(
        dir.path(),
        &[
            "create",
            "--connector",
            "notion",
            "--context",
            CONTEXT,
            "--base-url",
            "http://127.0.0.1:9",
        ],
    ))?;

    assert_eq!(account["id"].as_str().map(str::len), Some(36));
    assert_eq!(account["connector"], "notion");
    assert_eq!(account["environment"], "default");
    assert_eq!(account["status"], "active");
    assert_eq!(account["base_url"], "http://127.0.0.1:9");
    assert_eq!(account["context"]["access_token"], "[redacted]");
    assert_eq!(account["context"]["client_secret"], "[redacted]");
    assert_eq!(account["context"]["workspace"], "acme-workspace");
    Ok(())
}

#[test]
fn create_reads_context_file() -> TestResult {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("context.json");
    std::fs::write(&file, r#"{"api_key": "file-secret-91", "region": "eu"}"#)?;
    let argument = format!("@{}", file.display());
    let account = json_output(&mut weft(
        &dir.path().join("data"),
        &[
            "create",
            "--connector",
            "custom",
            "--context",
            &argument,
            "--secret-field",
            "region",
        ],
    ))?;

    assert_eq!(account["context"]["api_key"], "[redacted]");
    assert_eq!(account["context"]["region"], "[redacted]");
    Ok(())
}

#[test]
fn list_shows_accounts_by_environment() -> TestResult {
    let dir = tempfile::tempdir()?;
    let first = create(dir.path(), &[])?;
    let second = create(dir.path(), &[])?;
    let store = Store::open_with(dir.path(), &StoreOptions::key_file_only())?;
    store.create_environment("staging")?;
    drop(store);
    let staged = create(dir.path(), &["--env", "staging"])?;

    let all = json_output(&mut weft(dir.path(), &["list"]))?;
    let ids: Vec<&str> = all
        .as_array()
        .ok_or("array")?
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert_eq!(ids, vec![first.as_str(), second.as_str(), staged.as_str()]);
    let staging = json_output(&mut weft(dir.path(), &["list", "--env", "staging"]))?;
    assert_eq!(staging.as_array().map(Vec::len), Some(1));
    assert_eq!(staging[0]["id"], staged.as_str());
    Ok(())
}

#[test]
fn create_in_unknown_environment_exits_1() -> TestResult {
    let dir = tempfile::tempdir()?;
    weft(
        dir.path(),
        &["create", "--connector", "notion", "--env", "nope"],
    )
    .assert()
    .code(1)
    .stderr(predicates::str::contains("environment 'nope' not found"));
    Ok(())
}

#[test]
fn get_prints_account_and_missing_exits_1() -> TestResult {
    let dir = tempfile::tempdir()?;
    let id = create(dir.path(), &[])?;
    let account = json_output(&mut weft(dir.path(), &["get", &id]))?;
    assert_eq!(account["id"], id.as_str());
    assert_eq!(account["context"]["workspace"], "acme-workspace");

    weft(dir.path(), &["get", "no-such-id"])
        .assert()
        .code(1)
        .stderr("error: account 'no-such-id' not found\n");
    Ok(())
}

#[test]
fn update_changes_context_status_and_base_url() -> TestResult {
    let dir = tempfile::tempdir()?;
    let id = create(dir.path(), &["--base-url", "http://127.0.0.1:9"])?;
    let patch = r#"{"workspace": "beta", "access_token": "ntn-rotated-secret-55"}"#;
    let updated = json_output(&mut weft(
        dir.path(),
        &[
            "update",
            &id,
            "--context",
            patch,
            "--status",
            "needs_reauth",
            "--last-error",
            "refresh failed",
            "--clear-base-url",
        ],
    ))?;

    assert_eq!(updated["context"]["workspace"], "beta");
    assert_eq!(updated["context"]["access_token"], "[redacted]");
    assert_eq!(updated["status"], "needs_reauth");
    assert_eq!(updated["last_error"], "refresh failed");
    assert_eq!(updated["base_url"], Value::Null);

    let store = Store::open_with(dir.path(), &StoreOptions::key_file_only())?;
    let account = store.get_account(&id)?.ok_or("account missing")?;
    assert_eq!(account.context["access_token"], "ntn-rotated-secret-55");
    assert_eq!(account.context["client_secret"], CLIENT_SECRET);
    Ok(())
}

#[test]
fn update_rejects_unknown_status() -> TestResult {
    let dir = tempfile::tempdir()?;
    let id = create(dir.path(), &[])?;
    weft(dir.path(), &["update", &id, "--status", "broken"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("invalid account status 'broken'"));
    Ok(())
}

#[test]
fn status_prints_status_and_last_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    let id = create(dir.path(), &[])?;
    let status = json_output(&mut weft(dir.path(), &["status", &id]))?;
    assert_eq!(
        status,
        serde_json::json!({"id": id, "status": "active", "last_error": null})
    );
    Ok(())
}

#[test]
fn delete_removes_account() -> TestResult {
    let dir = tempfile::tempdir()?;
    let id = create(dir.path(), &[])?;
    let deleted = json_output(&mut weft(dir.path(), &["delete", &id]))?;
    assert_eq!(deleted["deleted"], true);

    weft(dir.path(), &["get", &id]).assert().code(1);
    weft(dir.path(), &["delete", &id]).assert().code(1);
    Ok(())
}

#[test]
fn secrets_never_reach_output_or_disk() -> TestResult {
    let dir = tempfile::tempdir()?;
    let id = create(dir.path(), &[])?;
    let mut printed = Vec::new();
    for args in [
        vec!["list"],
        vec!["get", id.as_str()],
        vec!["status", id.as_str()],
        vec![
            "update",
            id.as_str(),
            "--context",
            r#"{"password": "pw-secret-0042"}"#,
        ],
        vec![
            "update",
            id.as_str(),
            "--context",
            r#"{"password": "pw-secret-0042""#,
        ],
        vec!["update", id.as_str(), "--context", r#"["pw-secret-0042"]"#],
        vec!["delete", id.as_str()],
    ] {
        let output = weft(dir.path(), &args).output()?;
        printed.extend(output.stdout);
        printed.extend(output.stderr);
    }

    let printed = String::from_utf8(printed)?;
    for secret in [ACCESS_TOKEN, CLIENT_SECRET, "pw-secret-0042"] {
        assert!(!printed.contains(secret), "{secret} printed");
    }
    assert!(printed.contains("[redacted]"));
    let database = std::fs::read(dir.path().join(weft::store::DATABASE_FILE))?;
    assert!(
        !database
            .windows(ACCESS_TOKEN.len())
            .any(|w| w == ACCESS_TOKEN.as_bytes())
    );
    Ok(())
}

#[test]
fn data_dir_comes_from_environment_variable() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut command = cargo_bin_cmd!("weft");
    command
        .args(["accounts", "create", "--connector", "notion"])
        .env("WEFT_DATA_DIR", dir.path())
        .env("WEFT_NO_KEYRING", "1");
    let account = json_output(&mut command)?;

    let store = Store::open_with(dir.path(), &StoreOptions::key_file_only())?;
    let id = account["id"].as_str().ok_or("no id")?;
    assert!(store.get_account(id)?.is_some());
    Ok(())
}

#[test]
fn open_store_reports_owner_pid() -> TestResult {
    let dir = tempfile::tempdir()?;
    let _store = Store::open_with(dir.path(), &StoreOptions::key_file_only())?;
    let expected = format!("store in use by pid {}", std::process::id());
    weft(dir.path(), &["list"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(expected));
    Ok(())
}
