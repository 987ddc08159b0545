//! `weft schema`: write or check the JSON Schema generated from the spec types.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use weft::spec::{SCHEMA_FILE_NAME, schema_text};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder to write the schema files into.
    #[arg(long, value_name = "DIR", default_value = "schemas")]
    out: PathBuf,
    /// Write nothing; exit with 1 when a schema file is missing or differs from the
    /// generated schema.
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let path = args.out.join(SCHEMA_FILE_NAME);
    let generated = schema_text();
    if args.check {
        let problem = match std::fs::read_to_string(&path) {
            Ok(current) if current == generated => return Ok(ExitCode::SUCCESS),
            Ok(_) => "is stale",
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => "is missing",
            Err(error) => {
                return Err(error).with_context(|| format!("failed to read '{}'", path.display()));
            }
        };
        eprintln!(
            "{} {problem}; run 'weft schema --out {}' to regenerate it",
            path.display(),
            args.out.display()
        );
        return Ok(ExitCode::from(1));
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("failed to create folder '{}'", args.out.display()))?;
    std::fs::write(&path, generated)
        .with_context(|| format!("failed to write '{}'", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}
