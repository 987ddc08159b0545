//! Request signing: the `signed` test connector adds an HMAC-SHA256 signature in its
//! `sign` hook, and a real loopback server checks it on every request, retries included.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Loopback, Received, TestResult, plan, run, target};
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use weft_engine::{Engine, Event, Options, RetryPolicy};

const SIGNING_SECRET: &str = "signing-secret-42";

/// Whether the request carries the signature the `signed` connector computes over the
/// method, the full URL, the timestamp and the body.
fn signature_is_valid(origin: &str, request: &Received) -> bool {
    let (Some(timestamp), Some(signature)) = (
        request.header("x-signature-timestamp"),
        request.header("x-signature"),
    ) else {
        return false;
    };
    let url = format!("{origin}{}", request.uri);
    let body = String::from_utf8_lossy(&request.body);
    let payload = [request.method.as_str(), &url, timestamp, &body].join("\n");
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(SIGNING_SECRET.as_bytes()) else {
        return false;
    };
    mac.update(payload.as_bytes());
    hex::decode(signature).is_ok_and(|signature| mac.verify_slice(&signature).is_ok())
}

/// A server that answers 401 to a bad signature, 503 to the first request for
/// `/api/items/flaky`, and otherwise echoes the id.
async fn verifying_server() -> (Loopback, Arc<Mutex<Vec<bool>>>) {
    let verdicts = Arc::new(Mutex::new(Vec::new()));
    let origin = Arc::new(Mutex::new(String::new()));
    let flaky_calls = AtomicUsize::new(0);
    let (seen, server_origin) = (verdicts.clone(), origin.clone());
    let server = Loopback::start(move |request| {
        let valid = signature_is_valid(&server_origin.lock().unwrap(), request);
        seen.lock().unwrap().push(valid);
        if !valid || request.header("x-api-key") != Some("api-key-1234") {
            return (401, vec![], json!({"message": "bad signature"}));
        }
        if request.path() == "/api/items/flaky" && flaky_calls.fetch_add(1, Ordering::SeqCst) == 0 {
            return (503, vec![], json!({"message": "try again"}));
        }
        let id = request.path().rsplit('/').next().unwrap_or_default();
        (200, vec![], json!({"id": id}))
    })
    .await;
    *origin.lock().unwrap() = server.origin.clone();
    (server, verdicts)
}

fn signed_target(server: &Loopback) -> Result<weft_engine::Target, common::TestError> {
    let context = json!({"api_key": "api-key-1234", "signing_secret": SIGNING_SECRET});
    target("signed", context, format!("{}/api", server.origin))
}

fn quick_retries() -> Options {
    let retry = RetryPolicy::new(2, Duration::from_millis(1), Duration::from_millis(5));
    Options::default().with_retry(retry)
}

#[tokio::test]
async fn every_request_carries_a_valid_signature() -> TestResult {
    let (server, verdicts) = verifying_server().await;
    let spec = json!({
        "integrated_account_id": "account-1",
        "resources": [
            {"name": "one", "resource": "items", "method": "get", "id": "a1",
             "query": {"fields": "id,name"}, "persist": true},
            {"name": "new", "resource": "items", "method": "create",
             "body": {"name": "Ada"}, "persist": true}
        ]
    });
    let engine = Engine::new(quick_retries())?;

    let run = run(&engine, plan(spec)?, signed_target(&server)?).await?;

    assert!(run.output.errors.is_empty(), "{:?}", run.output.errors);
    assert_eq!(*verdicts.lock().unwrap(), [true, true]);
    let requests = server.requests();
    let post = requests.iter().find(|request| request.method == "POST");
    assert_eq!(post.map(|request| request.body.is_empty()), Some(false));
    Ok(())
}

#[tokio::test]
async fn retry_is_signed_again() -> TestResult {
    let (server, verdicts) = verifying_server().await;
    let spec = json!({
        "integrated_account_id": "account-1",
        "resources": [{"name": "flaky", "resource": "items", "method": "get", "id": "flaky",
                       "persist": true}]
    });
    let engine = Engine::new(quick_retries())?;

    let run = run(&engine, plan(spec)?, signed_target(&server)?).await?;

    assert!(run.output.errors.is_empty(), "{:?}", run.output.errors);
    assert_eq!(*verdicts.lock().unwrap(), [true, true]);
    // The hook logs each time it signs: once when the call is prepared, once for the retry.
    let signings = run.events.iter().filter(|event| {
        matches!(event, Event::ConnectorLog { node, level, message }
            if node == "flaky" && level == "debug" && message.starts_with("signed GET "))
    });
    assert_eq!(signings.count(), 2);
    Ok(())
}

#[tokio::test]
async fn signing_secret_stays_out_of_events() -> TestResult {
    let (server, _) = verifying_server().await;
    let spec = json!({
        "integrated_account_id": "account-1",
        "resources": [{"resource": "items", "method": "get", "id": "x"}]
    });
    let engine = Engine::new(quick_retries())?;
    let run = run(&engine, plan(spec)?, signed_target(&server)?).await?;
    let text = serde_json::to_string(&run.events)? + &serde_json::to_string(&run.output)?;
    assert!(!text.contains(SIGNING_SECRET), "{text}");
    assert!(!text.contains("api-key-1234"), "{text}");
    Ok(())
}

#[tokio::test]
async fn lua_request_retry_is_signed_again() -> TestResult {
    let (server, verdicts) = verifying_server().await;
    let spec = json!({
        "integrated_account_id": "account-1",
        "resources": [{"name": "found", "resource": "lookup", "method": "get", "id": "flaky",
                       "persist": true}]
    });
    let engine = Engine::new(quick_retries())?;

    let run = run(&engine, plan(spec)?, signed_target(&server)?).await?;

    assert!(run.output.errors.is_empty(), "{:?}", run.output.errors);
    assert_eq!(*verdicts.lock().unwrap(), [true, true, true]);
    let paths: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.path().to_owned())
        .collect();
    assert_eq!(
        paths,
        [
            "/api/items/flaky",
            "/api/items/flaky",
            "/api/items/flaky/details"
        ]
    );
    // The lookup sent by the prepare hook is signed once when sent and again for its
    // retry after the 503.
    let lookup_url = format!("signed GET {}/api/items/flaky", server.origin);
    let signings = run.events.iter().filter(
        |event| matches!(event, Event::ConnectorLog { message, .. } if *message == lookup_url),
    );
    assert_eq!(signings.count(), 2);
    Ok(())
}
