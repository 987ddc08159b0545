//! `weft replay` as a real process: it prints its address, serves HTTP, and stops
//! on a signal.

use std::error::Error;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn Error>>;

/// A running `weft replay` that is killed when dropped, so a failed test leaves no
/// process behind.
struct Replay {
    child: Child,
    base_url: String,
}

impl Replay {
    fn start(har: &Path) -> Result<Replay, Box<dyn Error>> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_weft"))
            .arg("replay")
            .arg(har)
            .args(["--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("stdout is not piped")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let base_url = line
            .trim_end()
            .strip_prefix("listening on ")
            .ok_or_else(|| format!("unexpected first line {line:?}"))?
            .to_string();
        Ok(Replay { child, base_url })
    }
}

impl Drop for Replay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn write_har(dir: &Path) -> Result<PathBuf, Box<dyn Error>> {
    let har = json!({ "log": { "version": "1.2", "entries": [{
        "request": { "method": "GET", "url": "https://api.example.com/v1/users/me" },
        "response": {
            "status": 200,
            "headers": [{ "name": "Content-Type", "value": "application/json" }],
            "content": { "mimeType": "application/json", "text": "{\"name\":\"Ada\"}" }
        }
    }] } });
    let path = dir.join("users.har");
    std::fs::write(&path, har.to_string())?;
    Ok(path)
}

fn notion_example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/notion/workspace.har")
}

#[tokio::test]
async fn serves_har_until_killed() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut replay = Replay::start(&write_har(dir.path())?)?;
    assert!(
        replay.base_url.starts_with("http://127.0.0.1:"),
        "{}",
        replay.base_url
    );

    let body: Value = reqwest::get(format!("{}/v1/users/me", replay.base_url))
        .await?
        .json()
        .await?;
    assert_eq!(body, json!({"name": "Ada"}));

    let missing = reqwest::get(format!("{}/v1/users/you", replay.base_url)).await?;
    assert_eq!(missing.status().as_u16(), 404);

    replay.child.kill()?;
    replay.child.wait()?;
    Ok(())
}

#[cfg(unix)]
#[tokio::test]
async fn exits_cleanly_on_sigterm() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut replay = Replay::start(&write_har(dir.path())?)?;
    let status = Command::new("kill")
        .args(["-TERM", &replay.child.id().to_string()])
        .status()?;
    assert!(status.success());
    let exit = replay.child.wait()?;
    assert_eq!(exit.code(), Some(0));
    Ok(())
}

#[test]
fn rejects_invalid_har_file() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("broken.har");
    std::fs::write(&path, "{\"log\": {\"entries\": [}}")?;
    let output = Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("replay")
        .arg(&path)
        .output()?;
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr)?;
    assert!(stderr.contains("broken.har"), "{stderr}");
    assert!(
        stderr.contains("invalid HAR at line 1 column 22"),
        "{stderr}"
    );
    Ok(())
}

#[tokio::test]
async fn serves_notion_example_pages() -> TestResult {
    let replay = Replay::start(&notion_example())?;
    let client = reqwest::Client::new();
    let page = "1a4ac512-f5a5-80d2-9c3e-e1f0a7b3c5d9";
    let url = format!(
        "{}/v1/blocks/{page}/children?page_size=100",
        replay.base_url
    );

    let first: Value = client.get(&url).send().await?.json().await?;
    assert_eq!(first["object"], "list");
    assert_eq!(first["has_more"], true);
    let cursor = first["next_cursor"]
        .as_str()
        .ok_or("first page has no next_cursor")?;

    let second: Value = client
        .get(format!("{url}&start_cursor={cursor}"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(second["has_more"], false);
    assert_eq!(second["next_cursor"], Value::Null);
    assert_ne!(first["results"][0]["id"], second["results"][0]["id"]);
    Ok(())
}
