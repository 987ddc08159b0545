//! What the replay server logs about entries it cannot serve.
//!
//! This is the only test in its binary: tracing caches whether each log call has a
//! listener, so a test in another thread of the same binary can make a thread-local
//! subscriber miss lines.

use std::error::Error;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use weft_replay::{Har, serve};

/// A tracing writer that keeps every formatted line.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn entry(url: &str, status: u16) -> Value {
    json!({
        "request": { "method": "GET", "url": url, "headers": [] },
        "response": {
            "status": status,
            "statusText": "",
            "headers": [{ "name": "Content-Type", "value": "application/json" }],
            "content": { "mimeType": "application/json", "text": "{}" }
        }
    })
}

#[tokio::test(flavor = "current_thread")]
async fn skipped_entry_logged_once_and_not_counted() -> Result<(), Box<dyn Error>> {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let entries = [
        entry("https://api.example.com/v1/cancelled", 0),
        entry("https://api.example.com/v1/ok", 200),
    ];
    let har: Har = json!({ "log": { "version": "1.2", "entries": entries } })
        .to_string()
        .parse()?;
    let server = serve(har, "127.0.0.1:0".parse()?).await?;
    server.shutdown().await?;

    let logs = String::from_utf8(logs.0.lock().unwrap().clone())?;
    let warnings = logs.matches("skipping entry without a response").count();
    assert_eq!(warnings, 1, "{logs}");
    assert!(logs.contains("entries=1 skipped=1"), "{logs}");
    Ok(())
}
