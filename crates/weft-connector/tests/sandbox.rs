//! Hostile connector code: each misbehaviour fails its own call with a clear error, and
//! the next call on the same connector still works.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Loopback, ReqwestSend, StalledSend, TestResult, fixtures};
use weft_connector::{
    AccountContext, Call, Connector, ConnectorError, HttpSend, Registry, RegistryOptions,
    ScriptLimits,
};

fn limits() -> ScriptLimits {
    ScriptLimits {
        memory_bytes: 8 * 1024 * 1024,
        instructions: 5_000_000,
        wall_clock: Duration::from_secs(5),
    }
}

fn hostile() -> Arc<Connector> {
    let options = RegistryOptions {
        limits: limits(),
        log_sink: None,
    };
    let (registry, errors) = Registry::load_with(&[fixtures("hostile")], &options);
    assert!(errors.is_empty(), "{errors:?}");
    registry.get("hostile").expect("hostile connector")
}

fn account(base_url: Option<String>) -> AccountContext {
    AccountContext {
        id: "acct-h".into(),
        context: Default::default(),
        base_url,
    }
}

fn get(resource: &str) -> Call {
    Call {
        resource: resource.into(),
        method: "get".into(),
        ..Default::default()
    }
}

async fn failure(resource: &str) -> ConnectorError {
    failure_with(resource, account(None), ReqwestSend::shared()).await
}

async fn failure_with(
    resource: &str,
    account: AccountContext,
    http: Arc<dyn HttpSend>,
) -> ConnectorError {
    let connector = hostile();
    let error = match connector.prepare(&account, &get(resource), http).await {
        Ok(request) => panic!("'{resource}' should fail, got {request:?}"),
        Err(error) => error,
    };
    // The connector keeps working after the failed call.
    let ok = connector
        .prepare(&account, &get("ok"), ReqwestSend::shared())
        .await;
    assert!(ok.is_ok(), "call after '{resource}' failed: {ok:?}");
    error
}

fn assert_limit(error: &ConnectorError, expected: &str) {
    match error {
        ConnectorError::LimitExceeded { message, .. } => assert_eq!(message, expected),
        other => panic!("expected a limit error '{expected}', got {other:?}"),
    }
}

fn assert_script(error: &ConnectorError, expected: &str) {
    match error {
        ConnectorError::Script { message, .. } => {
            assert!(message.contains(expected), "'{message}' lacks '{expected}'")
        }
        other => panic!("expected a script error containing '{expected}', got {other:?}"),
    }
}

#[tokio::test]
async fn infinite_loop_hits_instruction_budget() {
    assert_limit(
        &failure("loop").await,
        "instruction budget of 5000000 exceeded",
    );
}

#[tokio::test]
async fn pcall_cannot_swallow_budget_error() {
    assert_limit(
        &failure("swallow").await,
        "instruction budget of 5000000 exceeded",
    );
}

#[tokio::test]
async fn memory_bomb_hits_memory_limit() {
    assert_limit(
        &failure("memory").await,
        "memory limit of 8388608 bytes exceeded",
    );
}

#[tokio::test]
async fn string_rep_bomb_hits_memory_limit() {
    assert_limit(
        &failure("rep").await,
        "memory limit of 8388608 bytes exceeded",
    );
}

#[tokio::test]
async fn deep_recursion_fails_cleanly() {
    let error = failure("recursion").await;
    let message = error.to_string();
    let clear = message.contains("stack overflow") || message.contains("memory limit");
    assert!(clear, "{message}");
}

#[tokio::test]
async fn os_execute_is_absent() {
    assert_script(
        &failure("execute").await,
        "hostile/connector.lua:26: attempt to call a nil value (field 'execute')",
    );
}

#[tokio::test]
async fn io_is_absent() {
    assert_script(
        &failure("open").await,
        "attempt to index a nil value (global 'io')",
    );
}

#[tokio::test]
async fn require_is_absent() {
    assert_script(
        &failure("require").await,
        "attempt to call a nil value (global 'require')",
    );
}

#[tokio::test]
async fn load_is_absent() {
    assert_script(
        &failure("load").await,
        "attempt to call a nil value (global 'load')",
    );
}

#[tokio::test]
async fn gc_metamethods_are_rejected() {
    assert_script(
        &failure("gc").await,
        "__gc metamethods are not allowed in connectors",
    );
}

#[tokio::test]
async fn collectgarbage_allows_only_count() {
    assert_script(
        &failure("collect").await,
        "collectgarbage supports only 'count' in connectors",
    );
}

#[tokio::test]
async fn huge_response_is_refused() {
    let server = Loopback::start(|_| (200, vec![], vec![b'x'; 9 * 1024 * 1024])).await;
    let error = failure_with(
        "huge",
        account(Some(server.base_url.clone())),
        ReqwestSend::shared(),
    )
    .await;
    match error {
        ConnectorError::Raised { code, message, .. } => {
            assert_eq!(code, "response_too_large");
            assert_eq!(
                message,
                "response body of 9437184 bytes exceeds the memory limit of 8388608 bytes"
            );
        }
        other => panic!("expected response_too_large, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn stalled_http_hits_wall_clock_budget() {
    let account = account(Some("https://hostile.example.com".into()));
    let error = failure_with("stall", account, Arc::new(StalledSend)).await;
    assert_limit(&error, "wall-clock budget of 5s exceeded");
}

#[tokio::test]
async fn infinite_loop_while_loading_is_a_load_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    let folder = dir.path().join("spin");
    std::fs::create_dir(&folder)?;
    std::fs::write(folder.join("connector.lua"), "while true do end\n")?;
    let options = RegistryOptions {
        limits: limits(),
        log_sink: None,
    };
    let (registry, errors) = Registry::load_with(&[dir.path().to_path_buf()], &options);
    assert!(registry.names().is_empty());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].message, "instruction budget of 5000000 exceeded");
    Ok(())
}

/// Runs a `get` on the hostile connector on its own thread, failing the test when it does
/// not return within `seconds`: a pattern matcher stuck in C cannot be cancelled.
fn finishes_within(seconds: u64, resource: &'static str) -> ConnectorError {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let _ = sender.send(runtime.block_on(failure(resource)));
    });
    receiver
        .recv_timeout(Duration::from_secs(seconds))
        .unwrap_or_else(|_| panic!("'{resource}' still runs after {seconds} s"))
}

#[test]
fn backtracking_pattern_is_rejected_quickly() {
    let error = finishes_within(20, "backtrack");
    let message = error.to_string();
    assert!(message.starts_with("connector 'hostile': "), "{message}");
    assert!(message.contains("hostile/connector.lua:"), "{message}");
    assert!(
        message.contains("string.find in 'resources.backtrack.get' rejected the pattern"),
        "{message}"
    );
    assert!(message.contains("on a subject of 31 bytes"), "{message}");
    assert!(message.contains("may backtrack about"), "{message}");
}

#[test]
fn backtracking_pattern_through_string_method_is_rejected() {
    let message = finishes_within(20, "backtrack-method").to_string();
    assert!(
        message.contains("string.match in 'resources.backtrack-method.get' rejected"),
        "{message}"
    );
}

#[tokio::test]
async fn ordinary_patterns_still_work() -> TestResult {
    let account = account(None);
    let request = hostile()
        .prepare(&account, &get("patterns"), ReqwestSend::shared())
        .await?;
    let expected = "https%3A%2F%2Fhostile.example.com%2Fitems%3Fafter%3Dabc%7Climit%7C100%7Ca%2Cb%2Cc%7Cx%20y%7C2000";
    assert_eq!(
        request.url,
        format!("https://hostile.example.com/{expected}")
    );
    Ok(())
}

fn script_message(error: ConnectorError) -> String {
    match error {
        ConnectorError::Script { message, .. } => message,
        other => panic!("expected a script error, got {other:?}"),
    }
}

async fn request_failure(resource: &str) -> String {
    let mut account = account(None);
    account
        .context
        .insert("api_key".into(), "key-0123456789".into());
    script_message(failure_with(resource, account, ReqwestSend::shared()).await)
}

#[tokio::test]
async fn path_table_names_hook_and_field() {
    assert_eq!(
        request_failure("path-table").await,
        "'resources.path-table.get' returned a request whose 'path' is a table, not a string"
    );
}

#[tokio::test]
async fn file_url_names_hook_and_url() {
    assert_eq!(
        request_failure("file-url").await,
        "'resources.file-url.get' returned a request whose 'url' 'file:///etc/passwd' is not \
         an http or https URL"
    );
}

#[tokio::test]
async fn bad_url_is_escaped_and_redacted() {
    assert_eq!(
        request_failure("secret-url").await,
        "'resources.secret-url.get' returned a request whose 'url' \
         'ftp://files.example.com/?key=[redacted]' is not an http or https URL"
    );
}

#[tokio::test]
async fn crlf_header_value_names_header() {
    assert_eq!(
        request_failure("crlf-header").await,
        "'resources.crlf-header.get' returned a request whose header 'X-Note' has an invalid \
         value 'a\\r\\nX-Key: [redacted]': header values cannot contain control characters \
         such as CR, LF or NUL"
    );
}

#[tokio::test]
async fn bad_header_name_is_escaped() {
    assert_eq!(
        request_failure("bad-header-name").await,
        "'resources.bad-header-name.get' returned a request with an invalid header name \
         'X Note\\n'"
    );
}

#[tokio::test]
async fn log_lines_are_capped_per_call() -> TestResult {
    let records = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink_records = Arc::clone(&records);
    let options = RegistryOptions {
        limits: limits(),
        log_sink: Some(Arc::new(move |record: &weft_connector::LogRecord| {
            sink_records.lock().unwrap().push(record.clone());
        })),
    };
    let (registry, errors) = Registry::load_with(&[fixtures("hostile")], &options);
    assert!(errors.is_empty(), "{errors:?}");
    let connector = registry.get("hostile").ok_or("no hostile connector")?;
    connector
        .prepare(&account(None), &get("chatty"), ReqwestSend::shared())
        .await?;

    let records = records.lock().unwrap().clone();
    assert_eq!(records.len(), 101);
    assert!(records[0].message.chars().count() < 2_100);
    assert!(
        records[0].message.ends_with("… (98000 more characters)"),
        "{}",
        &records[0].message[1_990..]
    );
    assert_eq!(records[99].message, "line 99");
    assert_eq!(
        records[100].message,
        "901 more lines from 'resources.chatty.get' dropped: at most 100 lines are kept per call"
    );
    assert_eq!(records[100].level, weft_connector::LogLevel::Warn);
    Ok(())
}
