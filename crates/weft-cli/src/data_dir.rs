//! The data directory: the folder of the local store and of user connectors.

use std::path::{Path, PathBuf};

use anyhow::Context;
use weft::{Registry, Store};

/// Environment variable that names the data directory when `--data-dir` is absent.
pub const ENV_VAR: &str = "WEFT_DATA_DIR";

/// The `--data-dir` option of `weft env`, `weft token`, `weft runs` and `weft serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct DataDir {
    /// Folder of the local store (default: the platform's data folder for weft).
    #[arg(long, value_name = "DIR", env = ENV_VAR)]
    pub data_dir: Option<PathBuf>,
}

impl DataDir {
    /// Resolves the folder with [`resolve`].
    pub fn path(&self) -> anyhow::Result<PathBuf> {
        resolve(self.data_dir.clone())
    }

    /// Opens the store in the folder, creating the folder when missing.
    pub fn open(&self) -> anyhow::Result<Store> {
        let dir = self.path()?;
        Store::open(&dir)
            .with_context(|| format!("failed to open the store in '{}'", dir.display()))
    }
}

/// Resolves the data directory: `explicit` (from `--data-dir`), else `WEFT_DATA_DIR`,
/// else the platform's data folder for weft (for example `~/.local/share/weft` on
/// Linux). Fails only when none is set and the platform has no home folder.
pub fn resolve(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = explicit {
        return Ok(dir);
    }
    if let Some(dir) = std::env::var_os(ENV_VAR).filter(|value| !value.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "weft")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .context(
            "no home folder found for the data directory; pass --data-dir or set WEFT_DATA_DIR",
        )
}

/// Lists the folders connectors load from, later ones overriding earlier ones: the
/// `connectors/` folder of the source tree the binary was built from (kept by
/// `cargo install --path`), `WEFT_CONNECTORS_DIR`, then `<data-dir>/connectors`.
/// Folders that do not exist are left out.
pub fn connector_dirs(data_dir: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../../connectors")];
    if let Some(dir) = std::env::var_os("WEFT_CONNECTORS_DIR") {
        dirs.push(PathBuf::from(dir));
    }
    dirs.push(data_dir.join("connectors"));
    dirs.retain(|dir| dir.is_dir());
    dirs
}

/// Loads connectors from the folders [`connector_dirs`] lists, printing a warning for
/// each connector that fails to load.
pub fn load_registry(data_dir: &Path) -> Registry {
    let (registry, errors) = Registry::load(&connector_dirs(data_dir));
    for error in errors {
        eprintln!("warning: connector not loaded: {error}");
    }
    registry
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_folder_wins() -> anyhow::Result<()> {
        let dir = PathBuf::from("/tmp/weft-explicit");
        assert_eq!(resolve(Some(dir.clone()))?, dir);
        Ok(())
    }

    #[test]
    fn connector_dirs_end_with_existing_data_dir_folder() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let connectors = dir.path().join("connectors");
        assert!(!connector_dirs(dir.path()).contains(&connectors));

        std::fs::create_dir(&connectors)?;
        assert_eq!(connector_dirs(dir.path()).last(), Some(&connectors));
        Ok(())
    }
}
