//! `weft run` records a run against a stored account in run history, without its
//! secrets; `--no-history` and `--replay` runs are not recorded.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Map, Value, json};
use weft::replay::Har;
use weft::store::{NewAccount, StoreOptions};

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

const SECRET: &str = "secret_history_token_13579";

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

/// `weft ARGS --data-dir DIR` with every host but loopback behind a closed proxy.
fn weft(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_weft"));
    command.args(args).arg("--data-dir").arg(dir);
    for name in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"] {
        command.env(name, "http://127.0.0.1:9");
    }
    command
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("WEFT_NO_KEYRING", "1")
        .env_remove("WEFT_CONNECTORS_DIR");
    command
}

/// Stores a Notion account whose base URL is `base_url` and returns its id.
fn stored_account(dir: &Path, base_url: String) -> TestResult<String> {
    let store = weft::Store::open_with(dir, &StoreOptions::key_file_only())?;
    let mut context = Map::new();
    context.insert("access_token".into(), json!(SECRET));
    let mut new = NewAccount::new("notion", context);
    new.base_url = Some(base_url);
    Ok(store.create_account(new)?.id)
}

fn run_example(dir: &Path, extra: &[&str]) -> TestResult<Output> {
    let spec = repo_path("examples/notion/page-to-markdown.json");
    let spec = spec.to_str().ok_or("path is not UTF-8")?;
    Ok(weft(
        dir,
        &[&["run", spec, "--print", "combine-page-content"], extra].concat(),
    )
    .output()?)
}

fn runs_list(dir: &Path) -> TestResult<Vec<String>> {
    let output = weft(dir, &["runs", "list"]).output()?;
    assert!(output.status.success(), "{output:?}");
    Ok(String::from_utf8(output.stdout)?
        .lines()
        .map(str::to_owned)
        .collect())
}

#[tokio::test(flavor = "multi_thread")]
async fn run_with_stored_account_is_recorded_without_secrets() -> TestResult {
    let dir = tempfile::tempdir()?;
    let har = Har::from_path(repo_path("examples/notion/workspace.har"))?;
    let api = weft::replay::serve(har, ([127, 0, 0, 1], 0).into()).await?;
    let account = stored_account(dir.path(), api.base_url())?;

    let output = run_example(dir.path(), &["--account", &account])?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let expected = std::fs::read_to_string(repo_path("examples/notion/expected.md"))?;
    assert_eq!(String::from_utf8(output.stdout)?, expected);

    let runs = runs_list(dir.path())?;
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert!(runs[0].contains("\tsucceeded\t"), "{}", runs[0]);
    assert!(runs[0].ends_with(&account), "{}", runs[0]);
    let id = runs[0].split('\t').next().ok_or("no id")?;
    let shown = weft(dir.path(), &["runs", "show", id]).output()?;
    let text = String::from_utf8(shown.stdout)?;
    assert!(!text.contains(SECRET), "secret recorded: {text}");
    let run: Value = serde_json::from_str(&text)?;
    assert_eq!(run["spec"]["integrated_account_id"], json!(account));
    assert_eq!(
        run["result"]["combine-page-content"][0].as_str(),
        Some(expected.as_str())
    );

    let rerun = weft(dir.path(), &["runs", "rerun", id]).output()?;
    assert_eq!(rerun.status.code(), Some(0), "{rerun:?}");
    assert_eq!(runs_list(dir.path())?.len(), 2);

    let skipped = run_example(dir.path(), &["--account", &account, "--no-history"])?;
    assert_eq!(skipped.status.code(), Some(0));
    let har = repo_path("examples/notion/workspace.har");
    let har = har.to_str().ok_or("path is not UTF-8")?;
    let replayed = run_example(dir.path(), &["--account", &account, "--replay", har])?;
    assert_eq!(replayed.status.code(), Some(0), "{replayed:?}");
    assert_eq!(runs_list(dir.path())?.len(), 2);
    Ok(())
}

#[test]
fn replay_with_store_held_by_serve_runs_with_one_warning() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut serve = weft(dir.path(), &["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut line = String::new();
    BufReader::new(serve.stdout.take().ok_or("no stdout")?).read_line(&mut line)?;
    assert!(line.starts_with("listening on "), "{line}");

    let har = repo_path("examples/notion/workspace.har");
    let har = har.to_str().ok_or("path is not UTF-8")?;
    let output = run_example(dir.path(), &["--replay", har, "--connector", "notion"]);
    serve.kill()?;
    serve.wait()?;
    let output = output?;
    let stderr = String::from_utf8(output.stderr)?;
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("warning: the store is in use by pid "),
        "{stderr}"
    );
    assert!(stderr.contains("not recorded in run history"), "{stderr}");
    Ok(())
}
