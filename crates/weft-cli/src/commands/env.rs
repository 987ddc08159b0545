//! `weft env`: create, list and delete environments.

use std::process::ExitCode;

use crate::data_dir::DataDir;

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
