//! Secrets at rest: sealed in the database file, key file handling.

mod common;

use common::{TestResult, file_contains, new_account, open};
use weft_store::{DATABASE_FILE, KEY_FILE, KeySource, StoreError};

#[test]
fn database_file_has_no_secret_plaintext() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let account = store.create_account(new_account("notion", "default"))?;
    drop(store);

    let database = dir.path().join(DATABASE_FILE);
    assert!(file_contains(&database, &account.id)?);
    assert!(file_contains(&database, "acme-plain-subdomain")?);
    assert!(!file_contains(&database, "sk-live-api-key")?);
    assert!(!file_contains(&database, "at-secret-abcdef")?);
    Ok(())
}

#[test]
fn key_file_and_new_folder_are_owner_only() -> TestResult {
    let parent = tempfile::tempdir()?;
    let dir = parent.path().join("data");
    let store = open(&dir)?;
    let path = dir.join(KEY_FILE);
    assert_eq!(store.key_source(), &KeySource::File(path.clone()));
    assert_eq!(std::fs::read_to_string(&path)?.trim().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path)?.permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(std::fs::metadata(&dir)?.permissions().mode() & 0o777, 0o700);
    }
    Ok(())
}

#[test]
fn wrong_key_is_rejected() -> TestResult {
    let dir = tempfile::tempdir()?;
    drop(open(dir.path())?);
    std::fs::write(dir.path().join(KEY_FILE), format!("{}\n", "ab".repeat(32)))?;

    let error = open(dir.path()).unwrap_err();
    assert!(matches!(error, StoreError::WrongKey { .. }), "{error}");
    assert!(
        error.to_string().contains("does not decrypt store"),
        "{error}"
    );
    assert!(!error.to_string().contains(&"ab".repeat(32)), "{error}");
    Ok(())
}

#[test]
fn missing_key_is_reported() -> TestResult {
    let dir = tempfile::tempdir()?;
    drop(open(dir.path())?);
    std::fs::remove_file(dir.path().join(KEY_FILE))?;

    let error = open(dir.path()).unwrap_err();
    assert!(matches!(error, StoreError::KeyMissing { .. }), "{error}");
    Ok(())
}

#[test]
fn malformed_key_file_is_an_io_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    drop(open(dir.path())?);
    std::fs::write(dir.path().join(KEY_FILE), "not hex")?;

    let error = open(dir.path()).unwrap_err();
    assert!(
        error.to_string().contains("expected 64 hexadecimal digits"),
        "{error}"
    );
    Ok(())
}
