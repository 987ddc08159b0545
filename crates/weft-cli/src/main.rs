//! The `weft` command-line interface.
//!
//! Each subcommand lives in its own module under `commands/`, with its clap
//! arguments (`Args`) and an entry point (`run`) that returns the process exit code.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod commands;
mod data_dir;
mod history;
mod output;
mod progress;
mod report;
mod signals;

/// mimalloc, because JSONata evaluation allocates many small values and glibc
/// malloc spends up to half of a large transform's time managing them.
#[global_allocator]
static ALLOCATOR: weft_alloc::MiMalloc = weft_alloc::MiMalloc;

/// Run batch requests against SaaS APIs, locally.
#[derive(Debug, Parser)]
#[command(name = "weft", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check batch specs and report every problem found.
    Validate(commands::validate::Args),
    /// Write or check the JSON Schemas generated from the spec types.
    Schema(commands::schema::Args),
    /// Evaluate a placeholder template or a JSONata expression.
    #[command(subcommand)]
    Eval(commands::eval::Command),
    /// Serve a recorded HAR file over HTTP.
    Replay(commands::replay::Args),
    /// Run a batch spec and print its result and errors.
    Run(commands::run::Args),
    /// Manage integrated accounts in the local store.
    #[command(subcommand)]
    Accounts(commands::accounts::Command),
    /// Manage environments, which group accounts and API tokens.
    #[command(subcommand)]
    Env(commands::env::Command),
    /// Issue, list and revoke API tokens for `weft serve`.
    #[command(subcommand)]
    Token(commands::token::Command),
    /// List, show and re-run batches from the run history.
    #[command(subcommand)]
    Runs(commands::runs::Command),
    /// Serve Truto's POST /batch-request and /integrated-account locally.
    Serve(commands::serve::Args),
}

fn main() -> ExitCode {
    weft_alloc::keep_freed_memory(weft_alloc::FREED_MEMORY_DELAY);
    output::report_print_failures();
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Validate(args) => commands::validate::run(args),
        Command::Schema(args) => commands::schema::run(args),
        Command::Eval(command) => commands::eval::run(command),
        Command::Replay(args) => commands::replay::run(args),
        Command::Run(args) => commands::run::run(args),
        Command::Accounts(command) => commands::accounts::run(command),
        Command::Env(command) => commands::env::run(command),
        Command::Token(command) => commands::token::run(command),
        Command::Runs(command) => commands::runs::run(command),
        Command::Serve(args) => commands::serve::run(args),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", report::describe(&error));
            ExitCode::from(report::exit_code(&error))
        }
    }
}
