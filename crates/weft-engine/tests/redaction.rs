//! Secrets stay out of errors, events and logs in every form an upstream API or connector
//! code may echo them: as is, percent-encoded, JSON-escaped and base64.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{Loopback, TestResult, plan, run, target};
use serde_json::json;
use weft_engine::{Engine, Options};

const SECRET: &str = "Q\"Z/K+9 \\x";

/// The encodings of [`SECRET`] that must never be shown.
fn encoded_forms() -> Vec<String> {
    let json_escaped = serde_json::to_string(SECRET).unwrap();
    vec![
        SECRET.to_owned(),
        "Q%22Z%2FK%2B9%20%5Cx".to_owned(),
        "Q%22Z%2fK%2b9%20%5cx".to_owned(),
        "Q%22Z%2FK%2B9+%5Cx".to_owned(),
        json_escaped.trim_matches('"').to_owned(),
        // base64("user:" + SECRET), as in a Basic auth header.
        "dXNlcjpRIlovSys5IFx4".to_owned(),
        // The run of it that encodes only the secret's bytes.
        "pRIlovSys5IFx".to_owned(),
    ]
}

/// A tracing writer that keeps every formatted line.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn encoded_secrets_reach_no_error_event_or_log() -> TestResult {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let echo = format!(
        "token Q%22Z%2FK%2B9%20%5Cx, Q%22Z%2fK%2b9+%5cx, {} and dXNlcjpRIlovSys5IFx4 rejected",
        serde_json::to_string(SECRET)?
    );
    let server = Loopback::start(move |_| (400, Vec::new(), json!({"message": echo}))).await;
    let spec = json!({
        "integrated_account_id": "account-1",
        "resources": [
            {"name": "items", "resource": "items", "method": "list"},
            {"name": "chatty", "resource": "chatty", "method": "get", "id": "1"}
        ]
    });
    let target = target(
        "echoing",
        json!({"access_token": SECRET}),
        server.origin.clone(),
    )?;
    let run = run(&Engine::new(Options::default())?, plan(spec)?, target).await?;

    let errors = serde_json::to_string(&run.output.errors)?;
    let events = serde_json::to_string(&run.events)?;
    let logs = String::from_utf8(logs.0.lock().unwrap().clone())?;
    assert!(errors.contains("[redacted]"), "{errors}");
    assert!(events.contains("[redacted]"), "{events}");
    assert!(logs.contains("[redacted]"), "{logs}");
    for form in encoded_forms() {
        assert!(!errors.contains(&form), "errors show '{form}': {errors}");
        assert!(!events.contains(&form), "events show '{form}': {events}");
        assert!(!logs.contains(&form), "logs show '{form}': {logs}");
    }
    Ok(())
}
