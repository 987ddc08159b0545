//! Runs the spec fixtures under `tests/specs`: every valid spec yields a plan with no
//! diagnostics, and every invalid spec yields exactly the lines of its `.expected` file.
//!
//! Set `WEFT_BLESS=1` to rewrite the `.expected` files from the current output; review
//! the diff before committing.

use std::error::Error;
use std::path::{Path, PathBuf};

fn specs_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/specs")
        .join(kind)
}

fn spec_files(kind: &str) -> Result<Vec<PathBuf>, Box<dyn Error>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(specs_dir(kind))?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|path| path.extension().is_some_and(|ext| ext == "json"));
    files.sort();
    Ok(files)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn valid_specs_produce_plans() -> Result<(), Box<dyn Error>> {
    let files = spec_files("valid")?;
    assert!(
        files.len() >= 3,
        "expected valid fixtures, found {}",
        files.len()
    );
    for path in files {
        let source = std::fs::read_to_string(&path)?;
        let name = file_name(&path);
        if let Err(diagnostics) = weft_spec::plan_from_str(&source, Some(&name)) {
            panic!("{name} should be valid:\n{diagnostics}");
        }
    }
    Ok(())
}

#[test]
fn invalid_specs_report_expected_diagnostics() -> Result<(), Box<dyn Error>> {
    let files = spec_files("invalid")?;
    assert!(
        files.len() >= 20,
        "expected at least 20 invalid fixtures, found {}",
        files.len()
    );
    let bless = std::env::var_os("WEFT_BLESS").is_some();
    let mut failures = Vec::new();
    for path in files {
        let source = std::fs::read_to_string(&path)?;
        let name = file_name(&path);
        let actual = match weft_spec::plan_from_str(&source, Some(&name)) {
            Ok(_) => String::from("<valid>\n"),
            Err(diagnostics) => format!("{diagnostics}\n"),
        };
        let expected_path = path.with_extension("expected");
        if bless {
            std::fs::write(&expected_path, &actual)?;
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path)
            .map_err(|error| format!("{}: {error}", expected_path.display()))?;
        if actual != expected {
            failures.push(format!("{name}:\n expected:\n{expected} actual:\n{actual}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}
