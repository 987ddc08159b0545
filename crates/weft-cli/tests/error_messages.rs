//! Error messages name each cause once: no "X: X" from a message that includes its
//! source and a report that prints the source again.

use std::path::Path;

use assert_cmd::cargo::cargo_bin_cmd;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Runs `weft accounts list --data-dir DIR` and returns its exit code and stderr.
fn accounts_list(dir: &Path) -> Result<(Option<i32>, String), Box<dyn std::error::Error>> {
    let output = cargo_bin_cmd!("weft")
        .args(["accounts", "list", "--data-dir"])
        .arg(dir)
        .env("WEFT_NO_KEYRING", "1")
        .env_remove("WEFT_CONNECTORS_DIR")
        .output()?;
    Ok((output.status.code(), String::from_utf8(output.stderr)?))
}

#[test]
fn data_dir_that_is_a_file_names_the_os_error_once() -> TestResult {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("plain-file");
    std::fs::write(&file, "not a folder")?;
    let (code, stderr) = accounts_list(&file)?;
    let shown = file.display();
    assert_eq!(
        stderr,
        format!(
            "error: failed to open the store in '{shown}': failed to access '{shown}': \
             File exists (os error 17)\n"
        )
    );
    assert_eq!(code, Some(2));
    Ok(())
}

#[test]
fn bad_key_file_is_named_once() -> TestResult {
    let dir = tempfile::tempdir()?;
    accounts_list(dir.path())?;
    let key = dir.path().join("store.key");
    std::fs::write(&key, "not a key\n")?;
    let (code, stderr) = accounts_list(dir.path())?;
    assert_eq!(
        stderr,
        format!(
            "error: failed to open the store in '{}': key file '{}' is invalid: expected 64 \
             hexadecimal digits; restore it from a backup\n",
            dir.path().display(),
            key.display()
        )
    );
    assert_eq!(code, Some(2));
    Ok(())
}

#[test]
fn garbage_database_is_reported_as_damaged_once() -> TestResult {
    let dir = tempfile::tempdir()?;
    let database = dir.path().join("store.redb");
    std::fs::write(&database, vec![b'x'; 8192])?;
    let (code, stderr) = accounts_list(dir.path())?;
    assert_eq!(
        stderr,
        format!(
            "error: failed to open the store in '{}': store file '{}' is damaged (not a redb \
             database); weft left it unchanged: restore it from a backup, or move it away to \
             start with an empty store\n",
            dir.path().display(),
            database.display()
        )
    );
    assert_eq!(code, Some(2));
    Ok(())
}
