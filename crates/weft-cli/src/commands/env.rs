//! `weft env`: create, list and delete environments; also the `--data-dir` option
//! shared by `weft token`, `weft runs` and `weft serve`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use weft::Store;

/// The data directory option: the folder of the local store.
#[derive(Debug, Clone, clap::Args)]
pub struct DataDir {
    /// Folder of the local store (default: the platform's data folder for weft).
    #[arg(long, value_name = "DIR", env = "WEFT_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
}

impl DataDir {
    /// The folder: `--data-dir`, `WEFT_DATA_DIR`, else the platform's data folder.
    pub fn path(&self) -> anyhow::Result<PathBuf> {
        self.data_dir
            .clone()
            .or_else(|| {
                directories::ProjectDirs::from("", "", "weft").map(|d| d.data_dir().to_path_buf())
            })
            .ok_or_else(|| anyhow!("no data folder found; pass --data-dir"))
    }

    /// Opens the store in the folder, creating it when missing.
    pub fn open(&self) -> anyhow::Result<Store> {
        let dir = self.path()?;
        Store::open(&dir)
            .with_context(|| format!("failed to open the store in '{}'", dir.display()))
    }
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create an environment.
    Create {
        /// Name: lowercase letters, digits, '-' and '_'.
        name: String,
        #[command(flatten)]
        data_dir: DataDir,
    },
    /// List environments.
    List {
        #[command(flatten)]
        data_dir: DataDir,
    },
    /// Delete an environment without accounts or live tokens.
    Delete {
        /// Name of the environment.
        name: String,
        #[command(flatten)]
        data_dir: DataDir,
    },
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Create { name, data_dir } => {
            let environment = data_dir.open()?.create_environment(&name)?;
            println!("created environment '{}'", environment.name);
        }
        Command::List { data_dir } => {
            for environment in data_dir.open()?.list_environments()? {
                println!("{}\t{}", environment.name, environment.created_at);
            }
        }
        Command::Delete { name, data_dir } => {
            if !data_dir.open()?.delete_environment(&name)? {
                eprintln!("error: environment '{name}' not found");
                return Ok(ExitCode::from(1));
            }
            println!("deleted environment '{name}'");
        }
    }
    Ok(ExitCode::SUCCESS)
}
