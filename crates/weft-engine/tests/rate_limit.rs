//! Rate-limit headers: when the remaining-requests header reaches 0, later requests for
//! the account wait for the window to reset. Runs on tokio's paused clock.

mod common;

use std::time::Duration;

use common::{Loopback, TestResult, plan, run, target};
use serde_json::json;
use weft_engine::{Engine, Event, Options};

/// An API whose `/api/items/last-call` reply says the window is used up for 30 s.
async fn limited_api() -> Loopback {
    Loopback::start(|request| {
        let id = request
            .path()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let remaining = if id == "last-call" { "0" } else { "5" };
        let headers = vec![
            ("X-RateLimit-Remaining".to_owned(), remaining.to_owned()),
            ("X-RateLimit-Reset".to_owned(), "30".to_owned()),
        ];
        (200, headers, json!({"id": id}))
    })
    .await
}

/// A parent call and a child that runs after it for the same account.
fn chain_spec(parent_id: &str) -> serde_json::Value {
    json!({
        "integrated_account_id": "account-1",
        "resources": [
            {"name": "first", "resource": "items", "method": "get", "id": parent_id},
            {"name": "second", "resource": "items", "method": "get", "id": "next",
             "depends_on": "first", "persist": true}
        ]
    })
}

fn oauth_target(server: &Loopback) -> Result<weft_engine::Target, common::TestError> {
    let context = json!({"access_token": "access-0", "refresh_token": "refresh-0"});
    target("oauth", context, format!("{}/api", server.origin))
}

#[tokio::test(start_paused = true)]
async fn exhausted_window_delays_later_calls() -> TestResult {
    let server = limited_api().await;
    let engine = Engine::new(Options::default())?;

    let run = run(
        &engine,
        plan(chain_spec("last-call"))?,
        oauth_target(&server)?,
    )
    .await?;

    assert!(run.output.errors.is_empty(), "{:?}", run.output.errors);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let gap = requests[1].at.duration_since(requests[0].at);
    assert!(gap >= Duration::from_secs(30), "second call after {gap:?}");
    let waits: Vec<u64> = run
        .events
        .iter()
        .filter_map(|event| match event {
            Event::RateLimited { node, delay_ms } if node.as_deref() == Some("second") => {
                Some(*delay_ms)
            }
            _ => None,
        })
        .collect();
    assert_eq!(waits, [30_000]);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn remaining_requests_mean_no_wait() -> TestResult {
    let server = limited_api().await;
    let engine = Engine::new(Options::default())?;

    let run = run(&engine, plan(chain_spec("plenty"))?, oauth_target(&server)?).await?;

    assert!(run.output.errors.is_empty(), "{:?}", run.output.errors);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[1].at.duration_since(requests[0].at) < Duration::from_secs(1));
    assert!(
        !run.events
            .iter()
            .any(|event| matches!(event, Event::RateLimited { .. }))
    );
    Ok(())
}
