//! A damaged database file gives `StoreError::Damaged`, never a panic, and the store
//! leaves the file exactly as it found it.

mod common;

use std::fs::OpenOptions;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use common::{TestResult, new_account, open};
use weft_store::{DATABASE_FILE, StoreError};

/// A store with a few accounts, closed, and the path of its database file.
fn filled_store() -> Result<(tempfile::TempDir, PathBuf), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    {
        let store = open(dir.path())?;
        for _ in 0..20 {
            store.create_account(new_account("notion", "default"))?;
        }
    }
    let path = dir.path().join(DATABASE_FILE);
    Ok((dir, path))
}

/// Opens the store in `dir` and expects `Damaged` with the file unchanged.
fn assert_damaged(dir: &Path, path: &Path, damage: &str) -> TestResult {
    let before = std::fs::read(path)?;
    let error = open(dir).expect_err(damage);
    assert!(
        matches!(&error, StoreError::Damaged { path: reported, .. } if reported == path),
        "{damage}: {error}"
    );
    assert!(
        error.to_string().contains("restore it from a backup"),
        "{error}"
    );
    assert_eq!(
        std::fs::read(path)?,
        before,
        "{damage}: the file was changed"
    );
    Ok(())
}

#[test]
fn truncated_file_is_reported_as_damaged() -> TestResult {
    for length in [0, 100, 511, 512, 4096, 10_000, 50_000] {
        let (dir, path) = filled_store()?;
        OpenOptions::new()
            .write(true)
            .open(&path)?
            .set_len(length)?;
        assert_damaged(dir.path(), &path, &format!("truncated to {length} bytes"))?;
    }
    Ok(())
}

#[test]
fn file_extended_by_a_partial_page_is_reported_as_damaged() -> TestResult {
    let (dir, path) = filled_store()?;
    let length = std::fs::metadata(&path)?.len();
    OpenOptions::new()
        .write(true)
        .open(&path)?
        .set_len(length + 100)?;
    assert_damaged(dir.path(), &path, "extended by 100 bytes")
}

#[test]
fn overwritten_header_is_reported_as_damaged() -> TestResult {
    for (offset, bytes) in [(0, vec![0; 512]), (32, vec![0; 64]), (5, vec![0xff; 4])] {
        let (dir, path) = filled_store()?;
        let mut file = OpenOptions::new().write(true).open(&path)?;
        file.seek(SeekFrom::Start(offset))?;
        file.write_all(&bytes)?;
        drop(file);
        let damage = format!("{} bytes overwritten at {offset}", bytes.len());
        assert_damaged(dir.path(), &path, &damage)?;
    }
    Ok(())
}

#[test]
fn flipped_bytes_never_panic() -> TestResult {
    for offset in [20, 40, 70, 200, 600, 4200, 9000, 20_000] {
        let (dir, path) = filled_store()?;
        let mut file = OpenOptions::new().write(true).open(&path)?;
        file.seek(SeekFrom::Start(offset))?;
        file.write_all(&[0xff; 4])?;
        drop(file);
        // redb repairs some of these from its second header; the rest must be errors.
        let opened = std::panic::catch_unwind(|| open(dir.path()).map(|_| ()));
        assert!(opened.is_ok(), "flipping bytes at {offset} panicked");
    }
    Ok(())
}
