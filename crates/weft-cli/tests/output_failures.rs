//! A write to standard output that fails says so and exits with 2, whether the command
//! writes through `println!` or through its own writer.
#![cfg(target_os = "linux")]

use std::fs::OpenOptions;
use std::path::Path;
use std::process::{Command, Stdio};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const DISK_FULL: &str =
    "error: could not write the output: No space left on device (os error 28)\n";

/// Runs weft with stdout on `/dev/full`, where every write fails with ENOSPC.
fn to_full_disk(
    args: &[&str],
    data: &Path,
) -> Result<(Option<i32>, String), Box<dyn std::error::Error>> {
    let full = OpenOptions::new().write(true).open("/dev/full")?;
    let output = Command::new(env!("CARGO_BIN_EXE_weft"))
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env("WEFT_NO_KEYRING", "1")
        .env_remove("WEFT_CONNECTORS_DIR")
        .stdout(Stdio::from(full))
        .output()?;
    Ok((output.status.code(), String::from_utf8(output.stderr)?))
}

#[test]
fn run_on_a_full_disk_reports_the_failed_write() -> TestResult {
    let data = tempfile::tempdir()?;
    let run = [
        "run",
        "examples/notion/page-to-markdown.json",
        "--replay",
        "examples/notion/workspace.har",
        "--connector",
        "notion",
    ];
    for extra in [
        &[][..],
        &["--print", "combine-page-content"],
        &["--output", "ndjson"],
    ] {
        let args = [&run[..], extra].concat();
        let (code, stderr) = to_full_disk(&args, data.path())?;
        assert_eq!(stderr, DISK_FULL, "{extra:?}");
        assert_eq!(code, Some(2), "{extra:?}");
    }
    Ok(())
}

#[test]
fn listings_on_a_full_disk_report_the_failed_write() -> TestResult {
    let data = tempfile::tempdir()?;
    for args in [
        &["env", "list"][..],
        &["accounts", "list"],
        &["token", "list"],
    ] {
        let (code, stderr) = to_full_disk(args, data.path())?;
        if args[0] == "token" {
            // No token exists, so nothing is written.
            assert_eq!((code, stderr.as_str()), (Some(0), ""), "{args:?}");
            continue;
        }
        assert_eq!(stderr, DISK_FULL, "{args:?}");
        assert_eq!(code, Some(2), "{args:?}");
    }
    Ok(())
}
