//! The lock file that lets one process own a data directory at a time.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::StoreError;

/// An exclusive OS lock on `<data-dir>/store.lock`, whose content is the owner's pid.
///
/// The operating system drops the lock when the file closes, so a killed process
/// leaves a stale pid in the file but never a held lock. The file is kept on drop:
/// deleting it could race with a process that has just opened it.
#[derive(Debug)]
pub(crate) struct LockFile {
    _file: File,
}

impl LockFile {
    /// Takes the lock, or returns `StoreError::InUse` with the owner's pid.
    pub(crate) fn acquire(path: &Path) -> Result<LockFile, StoreError> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|error| StoreError::io(path, error))?;

        // File::try_lock is stable since Rust 1.89, which redb 3.1 requires already.
        #[allow(clippy::incompatible_msrv)]
        let locked = file.try_lock();
        match locked {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(StoreError::InUse {
                    pid: read_pid(&mut file),
                });
            }
            Err(TryLockError::Error(error)) => return Err(StoreError::io(path, error)),
        }

        write_pid(&mut file).map_err(|error| StoreError::io(path, error))?;
        Ok(LockFile { _file: file })
    }
}

/// Reads the pid in a lock file, or `None` when the file is empty or unreadable.
pub(crate) fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

fn write_pid(file: &mut File) -> std::io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    writeln!(file, "{}", std::process::id())?;
    file.sync_all()
}
