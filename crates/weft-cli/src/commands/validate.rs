//! `weft validate`: check batch specs and report every problem found.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Spec files to check (JSON batch request bodies).
    #[arg(required = true, value_name = "SPEC")]
    specs: Vec<PathBuf>,
}

/// Checks every spec. Prints nothing for a valid spec except warnings, and one line
/// per problem on stderr otherwise. Exits with 2 when any spec is invalid or unreadable;
/// an unreadable file is reported and the remaining files are still checked.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut all_valid = true;
    for path in &args.specs {
        all_valid &= validate_file(path).unwrap_or_else(|error| {
            eprintln!("error: {}", crate::report::describe(&error));
            false
        });
    }
    Ok(if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn validate_file(path: &PathBuf) -> anyhow::Result<bool> {
    let origin = path.display().to_string();
    let source = std::fs::read(path).with_context(|| format!("failed to read spec '{origin}'"))?;
    match weft::spec::plan_from_slice(&source, Some(&origin)) {
        Ok(plan) => {
            for warning in &plan.warnings {
                eprintln!("warning: {warning}");
            }
            Ok(true)
        }
        Err(diagnostics) => {
            for diagnostic in &diagnostics.0 {
                eprintln!("{diagnostic}");
            }
            Ok(false)
        }
    }
}
