//! One owner at a time: the lock file, redb's own lock, and stale locks.

mod common;

use std::process::Command;

use common::{TestResult, open};
use weft_store::{DATABASE_FILE, LOCK_FILE, StoreError};

/// Environment variable that turns `child_opens_store` into a real child process.
const CHILD_DIR: &str = "WEFT_STORE_TEST_LOCK_CHILD";

#[test]
fn second_open_in_same_process_is_in_use() -> TestResult {
    let dir = tempfile::tempdir()?;
    let _first = open(dir.path())?;
    let error = open(dir.path()).unwrap_err();
    let pid = std::process::id();
    assert!(
        matches!(error, StoreError::InUse { pid: Some(p) } if p == pid),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .starts_with(&format!("store in use by pid {pid};"))
    );
    Ok(())
}

#[test]
fn second_open_from_child_process_is_in_use() -> TestResult {
    let dir = tempfile::tempdir()?;
    let _first = open(dir.path())?;
    let output = Command::new(std::env::current_exe()?)
        .args(["--exact", "child_opens_store", "--ignored", "--nocapture"])
        .env(CHILD_DIR, dir.path())
        .output()?;

    let stdout = String::from_utf8(output.stdout)?;
    let expected = format!("child error: store in use by pid {}", std::process::id());
    assert!(stdout.contains(&expected), "child printed: {stdout}");
    Ok(())
}

/// Runs only as the child of `second_open_from_child_process_is_in_use`.
#[test]
#[ignore = "helper process for second_open_from_child_process_is_in_use"]
fn child_opens_store() {
    let dir = std::env::var_os(CHILD_DIR).expect("run by the parent test only");
    match open(std::path::Path::new(&dir)) {
        Ok(_) => println!("child opened the store"),
        Err(error) => println!("child error: {error}"),
    }
}

#[test]
fn open_after_drop_succeeds() -> TestResult {
    let dir = tempfile::tempdir()?;
    drop(open(dir.path())?);
    open(dir.path())?;
    Ok(())
}

#[test]
fn stale_lock_file_is_taken_over() -> TestResult {
    let dir = tempfile::tempdir()?;
    drop(open(dir.path())?);
    std::fs::write(dir.path().join(LOCK_FILE), "4000000\n")?;

    open(dir.path())?;
    let pid = std::fs::read_to_string(dir.path().join(LOCK_FILE))?;
    assert_eq!(pid.trim(), std::process::id().to_string());
    Ok(())
}

#[test]
fn database_opened_without_lock_file_is_in_use() -> TestResult {
    let dir = tempfile::tempdir()?;
    drop(open(dir.path())?);
    std::fs::write(dir.path().join(LOCK_FILE), "4000000\n")?;
    let _raw = redb::Database::open(dir.path().join(DATABASE_FILE))?;

    let error = open(dir.path()).unwrap_err();
    assert!(matches!(error, StoreError::InUse { .. }), "{error}");
    Ok(())
}
