//! Exit codes as docs/cli.md lists them: 1 for anything not found, 2 for bad input.

use std::path::Path;

use assert_cmd::cargo::cargo_bin_cmd;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn weft(dir: &Path, args: &[&str]) -> std::io::Result<std::process::Output> {
    cargo_bin_cmd!("weft")
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env("WEFT_NO_KEYRING", "1")
        .env_remove("WEFT_CONNECTORS_DIR")
        .output()
}

#[test]
fn everything_not_found_exits_one() -> TestResult {
    let dir = tempfile::tempdir()?;
    let commands: [&[&str]; 9] = [
        &["env", "delete", "nosuch"],
        &["accounts", "get", "nope"],
        &["accounts", "status", "nope"],
        &["accounts", "delete", "nope"],
        &["accounts", "update", "nope", "--status", "active"],
        &[
            "accounts",
            "create",
            "--connector",
            "notion",
            "--env",
            "nosuch",
        ],
        &["token", "revoke", "tok_nope"],
        &["token", "create", "--env", "nosuch"],
        &["runs", "show", "run_nope"],
    ];
    for args in commands {
        let output = weft(dir.path(), args)?;
        let stderr = String::from_utf8(output.stderr)?;
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(stderr.contains("not found"), "{args:?}: {stderr}");
    }
    Ok(())
}

#[test]
fn bad_input_exits_two() -> TestResult {
    let dir = tempfile::tempdir()?;
    let commands: [&[&str]; 3] = [
        &[
            "accounts",
            "create",
            "--connector",
            "notion",
            "--context",
            "{",
        ],
        &["env", "create", "Bad Name"],
        &["token", "create", "--env", "default", "--expires-in", "0"],
    ];
    for args in commands {
        let output = weft(dir.path(), args)?;
        let stderr = String::from_utf8(output.stderr)?;
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    }
    Ok(())
}
