//! `weft serve`, `weft env`, `weft token` and `weft runs` as a user runs them: the real
//! binary, a store in a temp folder, and a replay server standing in for Notion.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::{Map, Value, json};
use weft::replay::Har;
use weft::store::{NewAccount, Store};

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

fn weft(dir: &Path, args: &[&str]) -> TestResult<Output> {
    let output = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("WEFT_DATA_DIR")
        .output()?;
    Ok(output)
}

fn stdout_of(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Creates environment `prod`, a token and a Notion account pointing at `base_url`.
fn prepare(dir: &Path, base_url: String) -> TestResult<(String, String)> {
    stdout_of(&weft(dir, &["env", "create", "prod"])?);
    let token = stdout_of(&weft(
        dir,
        &["token", "create", "--env", "prod", "--expires-in", "7"],
    )?);
    let store = Store::open(dir)?;
    let mut context = Map::new();
    context.insert("access_token".into(), json!("secret_cli_token_0123456789"));
    let mut new = NewAccount::new("notion", context);
    new.environment = "prod".into();
    new.base_url = Some(base_url);
    new.secret_fields = vec!["access_token".into()];
    let account = store.create_account(new)?;
    Ok((token.trim().to_owned(), account.id))
}

fn start_server(dir: &Path) -> TestResult<(Child, String)> {
    start_server_with(dir, &["--listen", "127.0.0.1:0"])
}

fn start_server_with(dir: &Path, args: &[&str]) -> TestResult<(Child, String)> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("serve")
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .ok_or_else(|| format!("unexpected first line '{line}'"))?;
    Ok((child, url.to_owned()))
}

fn example(account_id: &str) -> TestResult<Value> {
    let text = std::fs::read_to_string(repo_path("examples/notion/page-to-markdown.json"))?;
    let mut body: Value = serde_json::from_str(&text)?;
    body["integrated_account_id"] = json!(account_id);
    Ok(body)
}

#[tokio::test(flavor = "multi_thread")]
async fn serves_a_batch_and_exits_cleanly_on_sigterm() -> TestResult {
    let dir = tempfile::tempdir()?;
    let har = Har::from_path(repo_path("examples/notion/workspace.har"))?;
    let replay = weft::replay::serve(har, ([127, 0, 0, 1], 0).into()).await?;
    let (token, account) = prepare(dir.path(), replay.base_url())?;

    let (child, url) = start_server(dir.path())?;
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let response = reqwest::Client::new()
        .post(format!("{url}/batch-request"))
        .bearer_auth(&token)
        .json(&example(&account)?)
        .send()
        .await?;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await?;
    assert!(
        body["result"]["combine-page-content"][0].is_string(),
        "{body}"
    );

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()?;
    assert!(kill.success());
    let output = child.wait_with_output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "exit {:?}: {stderr}",
        output.status
    );
    assert!(stderr.contains("server stopped"), "{stderr}");
    assert!(
        !stderr.contains(&token) && !stderr.contains("secret_cli_token"),
        "{stderr}"
    );

    let listed = stdout_of(&weft(dir.path(), &["runs", "list"])?);
    let run_id = listed.split('\t').next().ok_or("no run listed")?.to_owned();
    assert!(
        run_id.starts_with("run_") && listed.contains("succeeded"),
        "{listed}"
    );
    let shown: Value =
        serde_json::from_str(&stdout_of(&weft(dir.path(), &["runs", "show", &run_id])?))?;
    assert_eq!(shown["result"], body["result"]);

    let hits: usize = replay.hit_counts().iter().sum();
    let rerun: Value =
        serde_json::from_str(&stdout_of(&weft(dir.path(), &["runs", "rerun", &run_id])?))?;
    assert_eq!(rerun["result"], body["result"]);
    assert!(replay.hit_counts().iter().sum::<usize>() > hits);
    assert_eq!(
        stdout_of(&weft(dir.path(), &["runs", "list"])?)
            .lines()
            .count(),
        2
    );
    replay.shutdown().await?;
    Ok(())
}

#[test]
fn refuses_a_remote_address_without_allow_remote() -> TestResult {
    let dir = tempfile::tempdir()?;
    let output = weft(dir.path(), &["serve", "--listen", "0.0.0.0:0"])?;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--allow-remote") && stderr.contains("'0.0.0.0:0'"),
        "{stderr}"
    );
    Ok(())
}

/// Runs `weft serve` with `args` and returns its stderr, failing if the server starts.
fn serve_rejected(dir: &Path, args: &[&str]) -> TestResult<String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("serve")
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    if !line.is_empty() {
        child.kill()?;
        child.wait()?;
        return Err(format!("server started with {args:?}: '{}'", line.trim()).into());
    }
    let output = child.wait_with_output()?;
    assert!(!output.status.success());
    Ok(String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn rejects_zero_limits() -> TestResult {
    let dir = tempfile::tempdir()?;
    for option in [
        "--body-limit",
        "--token-concurrency",
        "--header-timeout",
        "--body-timeout",
        "--write-timeout",
    ] {
        let stderr = serve_rejected(dir.path(), &["--listen", "127.0.0.1:0", option, "0"])?;
        assert!(stderr.contains(option), "{stderr}");
        assert!(stderr.contains("'0'"), "{stderr}");
        assert!(stderr.contains("must be at least 1"), "{stderr}");
    }
    Ok(())
}

#[test]
fn rejects_listen_address_without_port() -> TestResult {
    let dir = tempfile::tempdir()?;
    let stderr = serve_rejected(dir.path(), &["--listen", "localhost"])?;
    assert!(stderr.contains("'localhost'"), "{stderr}");
    assert!(stderr.contains("HOST:PORT"), "{stderr}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn listens_on_localhost_by_name() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (child, url) = start_server_with(dir.path(), &["--listen", "localhost:0"])?;
    assert!(
        url.starts_with("http://127.0.0.1:") || url.starts_with("http://[::1]:"),
        "{url}"
    );
    let health = reqwest::get(format!("{url}/health")).await?;
    assert_eq!(health.status().as_u16(), 200);

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()?;
    assert!(kill.success());
    let output = child.wait_with_output()?;
    assert!(output.status.success(), "exit {:?}", output.status);
    Ok(())
}

#[test]
fn lists_and_revokes_tokens_without_showing_them() -> TestResult {
    let dir = tempfile::tempdir()?;
    let token = stdout_of(&weft(
        dir.path(),
        &["token", "create", "--env", "default", "--name", "ci"],
    )?);
    let listed = stdout_of(&weft(dir.path(), &["token", "list"])?);
    assert!(
        !listed.contains(token.trim()) && listed.contains("\tci\t"),
        "{listed}"
    );
    let id = listed.split('\t').next().ok_or("no token listed")?;
    stdout_of(&weft(dir.path(), &["token", "revoke", id])?);
    assert!(stdout_of(&weft(dir.path(), &["token", "list"])?).contains("revoked"));
    Ok(())
}

#[test]
fn creates_lists_and_deletes_environments() -> TestResult {
    let dir = tempfile::tempdir()?;
    stdout_of(&weft(dir.path(), &["env", "create", "staging"])?);
    let listed = stdout_of(&weft(dir.path(), &["env", "list"])?);
    assert!(
        listed.contains("default\t") && listed.contains("staging\t"),
        "{listed}"
    );
    stdout_of(&weft(dir.path(), &["env", "delete", "staging"])?);
    assert!(!stdout_of(&weft(dir.path(), &["env", "list"])?).contains("staging"));
    let bad = weft(dir.path(), &["env", "create", "Bad Name"])?;
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("'Bad Name'"));
    Ok(())
}

#[test]
fn reads_the_data_dir_from_weft_data_dir() -> TestResult {
    let dir = tempfile::tempdir()?;
    let created = Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["env", "create", "from-env"])
        .env("WEFT_DATA_DIR", dir.path())
        .output()?;
    stdout_of(&created);
    let listed = stdout_of(&weft(dir.path(), &["env", "list"])?);
    assert!(listed.contains("from-env\t"), "{listed}");
    Ok(())
}

#[test]
fn unknown_run_exits_one() -> TestResult {
    let dir = tempfile::tempdir()?;
    for command in ["show", "rerun"] {
        let output = weft(dir.path(), &["runs", command, "no-such-run"])?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{command}: {stderr}");
        assert!(stderr.contains("run 'no-such-run' not found"), "{stderr}");
    }
    Ok(())
}
