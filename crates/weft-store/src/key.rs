//! Storage of the encryption key: the OS keyring when one works, else a key file
//! beside the database.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::StoreError;

/// Length of the key in bytes (XChaCha20-Poly1305 takes 256-bit keys).
pub(crate) const KEY_LEN: usize = 32;

/// Name of the key file inside the data directory.
pub const KEY_FILE: &str = "store.key";

const KEYRING_SERVICE: &str = "weft";

/// Location of the encryption key.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeySource {
    /// The OS keyring (Keychain, Windows Credential Manager, Secret Service).
    Keyring,
    /// A key file readable only by its owner (mode 0600 on Unix).
    File(PathBuf),
}

impl KeySource {
    /// Describes the source for messages: "the OS keyring" or the key file path.
    pub fn describe(&self) -> String {
        match self {
            KeySource::Keyring => "the OS keyring".to_owned(),
            KeySource::File(path) => format!("'{}'", path.display()),
        }
    }
}

/// The 256-bit key, wiped from memory on drop.
pub(crate) type Key = Zeroizing<[u8; KEY_LEN]>;

/// Loads the key of the store in `dir`: the key file wins when it exists, then the
/// keyring entry. Returns `None` when neither has one.
pub(crate) fn load(dir: &Path, use_keyring: bool) -> Result<Option<(Key, KeySource)>, StoreError> {
    let path = dir.join(KEY_FILE);
    if path.exists() {
        let key = read_key_file(&path)?;
        return Ok(Some((key, KeySource::File(path))));
    }
    if use_keyring && let Some(key) = keyring_get(dir) {
        return Ok(Some((key, KeySource::Keyring)));
    }
    Ok(None)
}

/// Creates a new random key and saves it in the keyring, or in the key file when the
/// keyring is disabled or does not work.
pub(crate) fn create(dir: &Path, use_keyring: bool) -> Result<(Key, KeySource), StoreError> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    getrandom::fill(key.as_mut()).map_err(|error| StoreError::Random(error.to_string()))?;

    if use_keyring && keyring_set(dir, &key) {
        return Ok((key, KeySource::Keyring));
    }
    let path = dir.join(KEY_FILE);
    write_key_file(&path, &key)?;
    Ok((key, KeySource::File(path)))
}

fn read_key_file(path: &Path) -> Result<Key, StoreError> {
    let text = Zeroizing::new(fs::read_to_string(path).map_err(|e| StoreError::io(path, e))?);
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    hex::decode_to_slice(text.trim(), key.as_mut()).map_err(|_| StoreError::InvalidKeyFile {
        path: path.to_owned(),
    })?;
    Ok(key)
}

/// Writes the key through a temporary file and a rename, so a crash never leaves a
/// half-written key file behind.
fn write_key_file(path: &Path, key: &Key) -> Result<(), StoreError> {
    let temporary = path.with_extension("key.tmp");
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);

    let text = Zeroizing::new(format!("{}\n", hex::encode(key.as_ref())));
    let write = || -> std::io::Result<()> {
        let mut file = options.open(&temporary)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        fs::rename(&temporary, path)
    };
    write().map_err(|error| StoreError::io(path, error))?;
    sync_dir(path.parent().unwrap_or(Path::new(".")));
    Ok(())
}

/// Flushes a directory entry (the rename above); best effort because not every
/// platform can open a directory for syncing.
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

fn keyring_entry(dir: &Path) -> Option<keyring::Entry> {
    let account = format!("store:{}", dir.display());
    match keyring::Entry::new(KEYRING_SERVICE, &account) {
        Ok(entry) => Some(entry),
        Err(error) => {
            tracing::debug!(%error, "OS keyring not available");
            None
        }
    }
}

fn keyring_get(dir: &Path) -> Option<Key> {
    let secret = Zeroizing::new(keyring_entry(dir)?.get_secret().ok()?);
    let bytes: [u8; KEY_LEN] = secret.as_slice().try_into().ok()?;
    Some(Zeroizing::new(bytes))
}

/// Saves the key in the keyring and reads it back; false when either step fails.
fn keyring_set(dir: &Path, key: &Key) -> bool {
    let Some(entry) = keyring_entry(dir) else {
        return false;
    };
    if let Err(error) = entry.set_secret(key.as_ref()) {
        tracing::debug!(%error, "failed to save the store key in the OS keyring");
        return false;
    }
    keyring_get(dir).is_some_and(|stored| *stored == **key)
}
