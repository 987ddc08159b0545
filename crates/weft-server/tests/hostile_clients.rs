//! Clients that disconnect, send secrets in the wrong shape or use wrong methods.

mod common;

use common::{Harness, TestResult, error_body, held_upstream, one_request_batch};
use serde_json::json;
use weft::store::NewAccount;

#[tokio::test]
async fn disconnected_client_does_not_cancel_batch() -> TestResult {
    let harness = Harness::start().await?;
    let (upstream, mut arrived, release) = held_upstream().await?;
    let mut context = serde_json::Map::new();
    context.insert("access_token".to_owned(), json!(common::SECRET));
    let mut new = NewAccount::new("notion", context);
    new.environment = "prod".to_owned();
    new.base_url = Some(upstream);
    let account = harness.store.create_account(new)?;
    let body = one_request_batch(&account.id);

    let client = harness.client.clone();
    let request = client
        .post(format!("{}/batch-request", harness.url))
        .bearer_auth(&harness.token)
        .header("Idempotency-Key", "disconnect-1")
        .json(&body)
        .send();
    let mut first = tokio::spawn(request);
    tokio::select! {
        arrival = arrived.recv() => arrival.ok_or("upstream closed")?,
        answer = &mut first => return Err(format!("batch ended before reaching upstream: {answer:?}").into()),
    }
    first.abort();
    let _ = first.await;
    let _ = release.send(());

    // The batch goes on without its client, finishes, and its response is saved for the key.
    let mut last_status = 0;
    for _ in 0..500 {
        let retry = harness
            .post_batch(&harness.token, &body, Some("disconnect-1"))
            .await?;
        last_status = retry.status().as_u16();
        if last_status != 409 {
            assert_eq!(last_status, 200);
            assert_eq!(
                retry
                    .headers()
                    .get(weft_server::REPLAYED_HEADER)
                    .map(|v| v.as_bytes()),
                Some(&b"true"[..])
            );
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(
        last_status, 200,
        "key still in progress after the batch ended"
    );
    let runs = harness.store.list_runs(Some("prod"), 10)?;
    assert_eq!(runs.len(), 1);
    harness.stop().await
}

#[tokio::test]
async fn context_of_wrong_type_is_not_echoed() -> TestResult {
    let harness = Harness::start().await?;
    let secret = "sk_live_never_echo_this_0123";
    for (method, path) in [
        ("POST", "/integrated-account".to_owned()),
        (
            "PATCH",
            format!("/integrated-account/{}", harness.account.id),
        ),
    ] {
        let body = json!({"connector": "notion", "context": secret});
        let body = if method == "PATCH" {
            json!({"context": secret})
        } else {
            body
        };
        let response = harness
            .client
            .request(method.parse()?, format!("{}{path}", harness.url))
            .bearer_auth(&harness.token)
            .json(&body)
            .send()
            .await?;
        let error = error_body(response, 400, "invalid_body").await?;
        let message = error["message"].as_str().unwrap_or_default();
        assert!(
            !message.contains(secret),
            "{method} {path} echoed: {message}"
        );
        assert!(message.contains("context"), "{message}");
    }
    harness.stop().await
}

#[tokio::test]
async fn wrong_method_gets_an_error_body() -> TestResult {
    let harness = Harness::start().await?;
    let response = harness
        .client
        .get(format!("{}/batch-request", harness.url))
        .bearer_auth(&harness.token)
        .send()
        .await?;
    let body = error_body(response, 405, "method_not_allowed").await?;
    assert!(body["message"].as_str().unwrap_or_default().contains("GET"));
    harness.stop().await
}

#[tokio::test]
async fn invalid_base_url_is_a_bad_request() -> TestResult {
    let harness = Harness::start().await?;
    let path = format!("{}/integrated-account/{}", harness.url, harness.account.id);
    let response = harness
        .client
        .patch(path)
        .bearer_auth(&harness.token)
        .json(&json!({"base_url": "not a url"}))
        .send()
        .await?;
    let body = error_body(response, 400, "invalid_body").await?;
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("invalid base URL 'not a url'"),
        "{message}"
    );

    let response = harness
        .client
        .post(format!("{}/integrated-account", harness.url))
        .bearer_auth(&harness.token)
        .json(&json!({"connector": "notion", "base_url": "ftp://example.com"}))
        .send()
        .await?;
    error_body(response, 400, "invalid_body").await?;
    harness.stop().await
}
