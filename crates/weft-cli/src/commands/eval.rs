//! `weft eval`: evaluate one template or expression from the shell.

use std::process::ExitCode;

mod jsonata;
mod template;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Fill a placeholder template from a context and print the result.
    Template(template::Args),
    /// Evaluate a JSONata expression with Weft's function library.
    Jsonata(jsonata::Args),
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Template(args) => template::run(args),
        Command::Jsonata(args) => jsonata::run(args),
    }
}
