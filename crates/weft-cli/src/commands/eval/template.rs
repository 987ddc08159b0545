//! `weft eval template`: fill a placeholder template from a context.

use std::process::ExitCode;

use anyhow::Context;
use serde_json::Value;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The template as JSON text (a quoted string, an array or an object), or `@FILE`.
    #[arg(value_name = "TEMPLATE")]
    template: String,
    /// The context as JSON text, or `@FILE`.
    #[arg(long, value_name = "CONTEXT", default_value = "{}")]
    context: String,
}

/// Prints the rendered JSON, or nothing when the result is no value. Exits with 1 when
/// rendering fails.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let template = read_json(&args.template, "template")?;
    let context = read_json(&args.context, "context")?;
    match weft::template::render(&template, &context) {
        Ok(Some(value)) => {
            println!("{}", serde_json::to_string_pretty(&value)?);
            Ok(ExitCode::SUCCESS)
        }
        Ok(None) => Ok(ExitCode::SUCCESS),
        Err(error) => {
            eprintln!("error: {error}");
            Ok(ExitCode::from(1))
        }
    }
}

/// Parses `argument` as JSON text, or the file it names after `@`.
fn read_json(argument: &str, label: &str) -> anyhow::Result<Value> {
    let text = match argument.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("failed to read {label} file '{path}'"))?,
        None => argument.to_owned(),
    };
    let hint = match label {
        "template" => " (quote a string template: '\"{{a.b}}\"')",
        _ => " (give a JSON object such as '{\"args\": {\"id\": 1}}')",
    };
    serde_json::from_str(&text).with_context(|| format!("{label} is not valid JSON{hint}"))
}
