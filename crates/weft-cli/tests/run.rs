//! `weft run` as a user runs it: the real binary, a spec file, `--replay` with the HAR
//! fixture and the built-in Notion connector.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

/// Proxy that every request to a host other than loopback goes to: a closed port, so
/// no test can reach a real API even if a change lets a call escape the replay server.
const CLOSED_PROXY: &str = "http://127.0.0.1:9";

/// `weft`, kept away from the OS keyring and from every host but loopback.
fn weft() -> Command {
    weft_with_proxy(CLOSED_PROXY)
}

fn weft_with_proxy(proxy: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_weft"));
    for name in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"] {
        command.env(name, proxy).env(name.to_lowercase(), proxy);
    }
    command
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .env("WEFT_NO_KEYRING", "1");
    command
}

/// Opens the store in `data` with its key in the key file, never the OS keyring.
fn open_store(data: &Path) -> Result<weft::Store, weft::store::StoreError> {
    weft::Store::open_with(data, &weft::store::StoreOptions::key_file_only())
}

/// Stores a Notion account whose access token is the secret `token`.
fn create_notion_account(
    store: &weft::Store,
    token: &str,
) -> Result<weft::store::Account, Box<dyn std::error::Error>> {
    Ok(store.create_account(weft::store::NewAccount {
        environment: "default".into(),
        connector: "notion".into(),
        context: serde_json::from_value(json!({"access_token": token}))?,
        base_url: None,
        secret_fields: vec!["access_token".into()],
    })?)
}

/// A fresh folder under the system temp folder, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> std::io::Result<Self> {
        let unique = format!("weft-run-{name}-{}", std::process::id());
        let path = std::env::temp_dir().join(unique);
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write_spec(dir: &TempDir, spec: &Value) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let path = dir.0.join("spec.json");
    std::fs::write(&path, serde_json::to_string_pretty(spec)?)?;
    Ok(path)
}

/// Runs `weft run SPEC --replay workspace.har` with a data folder that has no store.
fn weft_run(dir: &TempDir, spec: &Path, extra: &[&str]) -> std::io::Result<Output> {
    weft()
        .arg("run")
        .arg(spec)
        .arg("--replay")
        .arg(repo_path("tests/har/workspace.har"))
        .arg("--data-dir")
        .arg(dir.0.join("data"))
        .args(extra)
        .env_remove("WEFT_DATA_DIR")
        .output()
}

fn loop_spec() -> Value {
    json!({
        "integrated_account_id": "not-in-any-store",
        "args": {"page_ids": ["page-1", "page-2"]},
        "resources": [{
            "name": "blocks", "resource": "block-children", "method": "list",
            "loop_on": "args.page_ids", "query": {"block_id": "{{args.page_ids}}"},
            "persist": true
        }]
    })
}

fn stdout_json(output: &Output) -> Result<Value, Box<dyn std::error::Error>> {
    Ok(serde_json::from_slice(&output.stdout)?)
}

#[test]
fn run_prints_result_and_exits_zero() -> TestResult {
    let dir = TempDir::new("ok")?;
    let spec = write_spec(&dir, &loop_spec())?;
    let output = weft_run(&dir, &spec, &["--connector", "notion"])?;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let body = stdout_json(&output)?;
    let ids: Vec<&str> = body["result"]["blocks"]
        .as_array()
        .ok_or("no blocks")?
        .iter()
        .filter_map(|record| record["id"].as_str())
        .collect();
    assert_eq!(ids, ["p1-a", "p1-b", "p2-a", "p2-b"]);
    assert_eq!(body["errors"], json!({}));
    assert!(
        !dir.0.join("data").exists(),
        "an ephemeral run created the store"
    );
    Ok(())
}

#[test]
fn run_with_errors_exits_one() -> TestResult {
    let dir = TempDir::new("errors")?;
    let mut spec = loop_spec();
    spec["args"]["page_ids"] = json!(["page-1", "page-missing"]);
    let spec = write_spec(&dir, &spec)?;
    let output = weft_run(&dir, &spec, &["--connector", "notion"])?;
    assert_eq!(output.status.code(), Some(1));
    let body = stdout_json(&output)?;
    assert_eq!(body["errors"]["blocks"][0]["statusCode"], 404);
    assert_eq!(body["result"]["blocks"].as_array().map(Vec::len), Some(2));
    Ok(())
}

#[test]
fn unresolved_placeholder_warns_on_stderr() -> TestResult {
    let dir = TempDir::new("unresolved")?;
    let mut spec = loop_spec();
    spec["resources"][0]["query"]["block_id"] = json!("{{args.nowhere}}");
    let spec = write_spec(&dir, &spec)?;
    let output = weft_run(&dir, &spec, &["--connector", "notion"])?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let warning = "warning: node 'blocks': placeholder '{{args.nowhere}}' in query did not \
                   resolve, so it was sent as written";
    assert_eq!(stderr.matches(warning).count(), 1, "{stderr}");
    Ok(())
}

#[test]
fn missing_path_value_is_a_bad_request() -> TestResult {
    let dir = TempDir::new("missing-path")?;
    let mut spec = loop_spec();
    spec["resources"][0]["query"] = json!({});
    let spec = write_spec(&dir, &spec)?;
    let output = weft_run(&dir, &spec, &["--connector", "notion"])?;
    assert_eq!(output.status.code(), Some(1));
    let body = stdout_json(&output)?;
    let error = &body["errors"]["blocks"][0];
    assert_eq!(error["statusCode"], 400, "{error}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains("needs 'block_id'"), "{message}");
    Ok(())
}

#[test]
fn args_passed_on_the_command_line_are_not_warned_about() -> TestResult {
    let dir = TempDir::new("passed-args")?;
    let mut spec = loop_spec();
    spec["args"] = json!({});
    let spec = write_spec(&dir, &spec)?;
    let output = weft_run(
        &dir,
        &spec,
        &[
            "--connector",
            "notion",
            "--args",
            r#"{"page_ids": ["page-1"]}"#,
        ],
    )?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("names arg 'page_ids'"), "{stderr}");
    Ok(())
}

#[test]
fn invalid_spec_exits_two_with_diagnostics() -> TestResult {
    let dir = TempDir::new("invalid")?;
    let mut spec = loop_spec();
    spec["resources"][0]["depends_on"] = json!("page-contnet");
    let spec = write_spec(&dir, &spec)?;
    let output = weft_run(&dir, &spec, &["--connector", "notion"])?;
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("page-contnet"), "{stderr}");
    Ok(())
}

#[test]
fn invalid_args_exit_two() -> TestResult {
    let dir = TempDir::new("args")?;
    let spec = write_spec(&dir, &loop_spec())?;
    let output = weft_run(&dir, &spec, &["--connector", "notion", "--args", "[1]"])?;
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("JSON object"));
    Ok(())
}

#[test]
fn args_option_replaces_spec_args() -> TestResult {
    let dir = TempDir::new("override")?;
    let spec = write_spec(&dir, &loop_spec())?;
    let args = r#"{"page_ids": ["page-3"]}"#;
    let output = weft_run(&dir, &spec, &["--connector", "notion", "--args", args])?;
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout_json(&output)?["result"]["blocks"][0]["id"], "p3-a");
    Ok(())
}

#[test]
fn unknown_account_without_connector_exits_one() -> TestResult {
    let dir = TempDir::new("no-account")?;
    let spec = write_spec(&dir, &loop_spec())?;
    let output = weft_run(&dir, &spec, &[])?;
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("'not-in-any-store' not found"), "{stderr}");
    Ok(())
}

#[test]
fn ndjson_prints_events_then_result() -> TestResult {
    let dir = TempDir::new("ndjson")?;
    let spec = write_spec(&dir, &loop_spec())?;
    let output = weft_run(
        &dir,
        &spec,
        &["--connector", "notion", "--output", "ndjson"],
    )?;
    assert_eq!(output.status.code(), Some(0));
    let lines: Vec<Value> = String::from_utf8(output.stdout)?
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    assert_eq!(lines[0]["event"], "batch_started");
    let pages = lines
        .iter()
        .filter(|line| line["event"] == "page_fetched")
        .count();
    assert_eq!(pages, 3);
    let last = lines.last().ok_or("no lines")?;
    assert_eq!(last["result"]["blocks"].as_array().map(Vec::len), Some(4));
    Ok(())
}

#[test]
fn print_writes_one_record_per_line() -> TestResult {
    let dir = TempDir::new("print")?;
    let mut spec = loop_spec();
    spec["resources"][0]["persist"] = json!(false);
    spec["resources"]
        .as_array_mut()
        .ok_or("no resources")?
        .push(json!({
            "name": "texts", "type": "transform", "depends_on": "blocks", "persist": true,
            "config": {"expression": "resources.`block-children`.id & ' text'"}
        }));
    let spec = write_spec(&dir, &spec)?;
    let output = weft_run(&dir, &spec, &["--connector", "notion", "--print", "texts"])?;
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout)?;
    assert_eq!(stdout, "p1-a text\np1-b text\np2-a text\np2-b text\n");
    Ok(())
}

#[test]
fn print_unknown_key_runs_nothing() -> TestResult {
    let dir = TempDir::new("print-unknown")?;
    let spec = write_spec(&dir, &loop_spec())?;
    let output = weft_run(&dir, &spec, &["--connector", "notion", "--print", "nope"])?;
    let stderr = String::from_utf8(output.stderr)?;
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(stderr.contains("'nope'"), "stderr: {stderr}");
    assert!(stderr.contains("blocks"), "stderr: {stderr}");
    Ok(())
}

#[test]
fn stored_account_is_used_with_its_context() -> TestResult {
    let dir = TempDir::new("store")?;
    let data = dir.0.join("data");
    let account_id = {
        let store = open_store(&data)?;
        create_notion_account(&store, "stored-secret-987654")?.id
    };
    let spec = write_spec(&dir, &loop_spec())?;
    let output = weft_run(&dir, &spec, &["--account", &account_id])?;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("stored-secret-987654"));
    Ok(())
}

#[test]
fn notion_example_prints_expected_markdown() -> TestResult {
    let example = repo_path("examples/notion");
    let expected = std::fs::read_to_string(example.join("expected.md"))?;
    let dir = TempDir::new("example")?;
    let output = weft()
        .arg("run")
        .arg(example.join("page-to-markdown.json"))
        .arg("--replay")
        .arg(example.join("workspace.har"))
        .args(["--connector", "notion", "--print", "combine-page-content"])
        .arg("--data-dir")
        .arg(dir.0.join("data"))
        .env_remove("WEFT_DATA_DIR")
        .output()?;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout)?;
    assert_eq!(stdout, expected);
    Ok(())
}

#[test]
fn needs_reauth_account_exits_one_with_message() -> TestResult {
    let dir = TempDir::new("reauth")?;
    let data = dir.0.join("data");
    let account_id = {
        let store = open_store(&data)?;
        let account = create_notion_account(&store, "revoked-secret-123456")?;
        let status = weft::store::AccountStatus::NeedsReauth;
        store.set_status(&account.id, status, Some("token revoked".into()))?;
        account.id
    };
    let spec = write_spec(&dir, &loop_spec())?;

    let output = weft_run(&dir, &spec, &["--account", &account_id])?;

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let expected = format!("error: account '{account_id}' needs reauthorization: ");
    assert!(stderr.contains(&expected), "{stderr}");
    // The notion connector has no refresh hook, so the one refresh cannot happen.
    assert!(stderr.contains("declares no refresh hook"), "{stderr}");
    assert!(!stderr.contains("revoked-secret-123456"), "{stderr}");
    assert!(output.stdout.is_empty());
    Ok(())
}

#[test]
fn max_depth_option_limits_recursion() -> TestResult {
    let dir = TempDir::new("depth")?;
    let spec = write_spec(
        &dir,
        &json!({
            "integrated_account_id": "not-in-any-store",
            "resources": [{
                "name": "page-content",
                "resource": "block-children",
                "method": "list",
                "query": {"block_id": "tree"},
                "recurse": {
                    "if": "{{resources.block-children.has_children:bool}}",
                    "config": {"query": {"block_id": "{{resources.block-children.id}}"}}
                },
                "persist": true
            }]
        }),
    )?;

    let output = weft_run(&dir, &spec, &["--connector", "notion", "--max-depth", "1"])?;

    assert_eq!(output.status.code(), Some(1));
    let document = stdout_json(&output)?;
    let errors = document["errors"]["page-content"]
        .as_array()
        .ok_or("no errors for page-content")?;
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["statusCode"], 508);
    assert!(
        errors[0]["message"]
            .as_str()
            .is_some_and(|message| message.contains("limit of 1 levels")),
        "{}",
        errors[0]
    );
    Ok(())
}

#[test]
fn max_depth_zero_is_rejected() -> TestResult {
    let dir = TempDir::new("depth-zero")?;
    let spec = write_spec(&dir, &loop_spec())?;
    let output = weft_run(&dir, &spec, &["--connector", "notion", "--max-depth", "0"])?;
    assert_eq!(output.status.code(), Some(2));
    Ok(())
}

#[test]
fn ndjson_reader_that_stops_early_is_not_a_crash() -> TestResult {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let dir = TempDir::new("closed-pipe")?;
    let mut spec = loop_spec();
    spec["args"]["page_ids"] = json!(vec!["page-1"; 3000]);
    let spec = write_spec(&dir, &spec)?;
    let mut child = weft()
        .arg("run")
        .arg(&spec)
        .args(["--connector", "notion", "--output", "ndjson", "--replay"])
        .arg(repo_path("tests/har/workspace.har"))
        .arg("--data-dir")
        .arg(dir.0.join("data"))
        .env_remove("WEFT_DATA_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut first = String::new();
    BufReader::new(child.stdout.take().ok_or("no stdout")?).read_line(&mut first)?;
    assert!(first.contains("batch_started"), "{first}");
    let output = child.wait_with_output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    Ok(())
}

#[test]
fn missing_har_file_is_named_once() -> TestResult {
    let dir = TempDir::new("no-har")?;
    let spec = write_spec(&dir, &loop_spec())?;
    let output = weft()
        .arg("run")
        .arg(&spec)
        .args(["--connector", "notion", "--replay", "missing.har"])
        .arg("--data-dir")
        .arg(dir.0.join("data"))
        .output()?;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.matches("missing.har").count(), 1, "{stderr}");
    Ok(())
}

#[test]
fn rust_log_trace_shows_logs_without_secrets() -> TestResult {
    let dir = TempDir::new("trace")?;
    let data = dir.0.join("data");
    let account_id = {
        let store = open_store(&data)?;
        create_notion_account(&store, "traced-secret-24680")?.id
    };
    let mut spec = loop_spec();
    spec["args"]["page_ids"] = json!(["page-1", "page-missing", "page-garbled"]);
    let spec = write_spec(&dir, &spec)?;
    let output = weft()
        .arg("run")
        .arg(&spec)
        .args(["--account", &account_id, "--output", "ndjson", "--replay"])
        .arg(repo_path("tests/har/workspace.har"))
        .arg("--data-dir")
        .arg(&data)
        .env("RUST_LOG", "trace")
        .output()?;
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("batch started"), "no logs: {stderr}");
    let all = format!("{stderr}{}", String::from_utf8_lossy(&output.stdout));
    assert!(!all.contains("traced-secret-24680"), "secret leaked: {all}");
    Ok(())
}

#[test]
fn connector_without_replay_needs_a_stored_account() -> TestResult {
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    // A proxy that counts and drops connections: a request to the real API comes here.
    let proxy = TcpListener::bind("127.0.0.1:0")?;
    let address = proxy.local_addr()?;
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    std::thread::spawn(move || {
        for stream in proxy.incoming() {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    let dir = TempDir::new("no-replay")?;
    let output = weft_with_proxy(&format!("http://{address}"))
        .arg("run")
        .arg(repo_path("examples/notion/page-to-markdown.json"))
        .args(["--account", "nope", "--connector", "notion", "--data-dir"])
        .arg(dir.0.join("data"))
        .env_remove("WEFT_DATA_DIR")
        .output()?;
    let stderr = String::from_utf8(output.stderr)?;
    let sent = connections.load(Ordering::SeqCst);
    assert_eq!(sent, 0, "weft sent requests towards the API: {stderr}");
    assert!(
        stderr.starts_with("error: integrated account 'nope' not found\n"),
        "{stderr}"
    );
    assert!(stderr.contains("--replay"), "{stderr}");
    assert_eq!(output.status.code(), Some(1));
    Ok(())
}
