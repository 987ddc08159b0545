//! `weft eval jsonata`: evaluate one JSONata expression with Truto's extension
//! functions.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::{Map, Value};
use weft::transform::Transform;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The JSONata expression.
    #[arg(value_name = "EXPR")]
    expression: String,
    /// The input document: a JSON file, or `-` for standard input. Without it the
    /// expression has no input.
    #[arg(long, value_name = "FILE")]
    input: Option<String>,
    /// Extra `$name` bindings as a JSON object; a key may be written with or without
    /// its `$` (`{"y": 2}` and `{"$y": 2}` both bind `$y`).
    #[arg(long, value_name = "JSON")]
    bindings: Option<String>,
}

/// Prints the result as JSON, or nothing when the expression gives no value. Exits
/// with 1 and `CODE: message` on standard error when the expression fails.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let input = args.input.as_deref().map(read_input).transpose()?;
    let bindings = parse_bindings(args.bindings.as_deref())?;
    let outcome = Transform::compile(&args.expression).and_then(|transform| {
        transform.evaluate_opt(input.as_ref(), &bindings, &Default::default())
    });
    match outcome {
        Ok(Some(value)) => {
            println!("{}", serde_json::to_string_pretty(&value)?);
            Ok(ExitCode::SUCCESS)
        }
        Ok(None) => Ok(ExitCode::SUCCESS),
        Err(error) => {
            let message = error.to_string();
            match error.code() {
                // The code moves to the front, once: `S0207: invalid JSONata
                // expression: Unexpected end of expression`.
                Some(code) => {
                    let rest = message.replacen(&format!("{code}: "), "", 1);
                    eprintln!("{code}: {rest}");
                }
                None => eprintln!("error: {message}"),
            }
            Ok(ExitCode::from(1))
        }
    }
}

fn read_input(path: &str) -> anyhow::Result<Value> {
    let text = if path == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("failed to read the input from standard input")?;
        text
    } else {
        std::fs::read_to_string(path)
            .with_context(|| format!("failed to read input file '{path}'"))?
    };
    serde_json::from_str(&text).map_err(|error| {
        // serde_json stops at 128 levels of nesting, so the message names that limit.
        if error.to_string().starts_with("recursion limit exceeded") {
            anyhow::anyhow!(
                "input '{path}' is nested more than 128 levels deep, which weft does not read \
                 ({error})"
            )
        } else {
            anyhow::Error::new(error).context(format!("input '{path}' is not valid JSON"))
        }
    })
}

fn parse_bindings(text: Option<&str>) -> anyhow::Result<Map<String, Value>> {
    let Some(text) = text else {
        return Ok(Map::new());
    };
    match serde_json::from_str(text) {
        Ok(Value::Object(bindings)) => strip_dollars(bindings),
        Ok(other) => anyhow::bail!("--bindings must be a JSON object, got '{other}'"),
        Err(error) => anyhow::bail!("--bindings is not valid JSON: {error}"),
    }
}

/// Removes one leading `$` from each key, since JSONata names the binding `$y` either
/// way. Rejects a key that is only `$` and two keys that name the same binding.
fn strip_dollars(bindings: Map<String, Value>) -> anyhow::Result<Map<String, Value>> {
    let mut stripped = Map::new();
    for (key, value) in bindings {
        let name = key.strip_prefix('$').unwrap_or(&key);
        if name.is_empty() {
            anyhow::bail!("--bindings key '{key}' names no binding; write it as {{\"y\": …}}");
        }
        if stripped.insert(name.to_owned(), value).is_some() {
            anyhow::bail!("--bindings binds '${name}' twice: as '{name}' and as '${name}'");
        }
    }
    Ok(stripped)
}
