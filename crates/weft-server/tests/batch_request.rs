//! `POST /batch-request` over real HTTP: the Notion example against replayed traffic,
//! and each way a request is refused.

mod common;

use common::{Harness, SECRET, TestResult, error_body, example_batch, repo_path};
use serde_json::{Value, json};
use weft::store::{AccountStatus, RunStatus};
use weft_server::{REPLAYED_HEADER, RUN_ID_HEADER, ServerConfig};

#[tokio::test]
async fn runs_the_notion_example_and_records_the_run() -> TestResult {
    let harness = Harness::start().await?;
    let body = harness.example_batch()?;
    let response = harness.post_batch(&harness.token, &body, None).await?;
    assert_eq!(response.status().as_u16(), 200);
    let run_id = response.headers()[RUN_ID_HEADER].to_str()?.to_owned();
    let text = response.text().await?;
    assert!(!text.contains(SECRET));
    let output: Value = serde_json::from_str(&text)?;

    let expected = std::fs::read_to_string(repo_path("examples/notion/expected.md"))?;
    let markdown = output["result"]["combine-page-content"][0]
        .as_str()
        .ok_or("no markdown")?;
    assert_eq!(markdown.trim_end(), expected.trim_end());
    assert_eq!(output["errors"], json!({}));

    let run = harness.store.get_run(&run_id)?.ok_or("run not recorded")?;
    assert_eq!(run.status, RunStatus::Succeeded);
    assert_eq!(run.environment, "prod");
    assert_eq!(run.spec, body);
    assert_eq!(run.args, body["args"]);
    assert_eq!(run.result, output["result"]);
    harness.stop().await
}

#[tokio::test]
async fn rejects_missing_unknown_and_revoked_tokens() -> TestResult {
    let harness = Harness::start().await?;
    let body = harness.example_batch()?;
    let url = format!("{}/batch-request", harness.url);
    let missing = harness.client.post(&url).json(&body).send().await?;
    error_body(missing, 401, "unauthorized").await?;
    let unknown = harness
        .post_batch("weft_not-a-real-token", &body, None)
        .await?;
    error_body(unknown, 401, "unauthorized").await?;

    let id = harness.store.list_api_tokens(Some("prod"))?[0].id.clone();
    harness.store.revoke_api_token(&id)?;
    let revoked = harness.post_batch(&harness.token, &body, None).await?;
    error_body(revoked, 401, "unauthorized").await?;
    assert_eq!(harness.upstream_hits(), 0);
    harness.stop().await
}

#[tokio::test]
async fn answers_an_account_of_another_environment_like_a_missing_one() -> TestResult {
    let harness = Harness::start().await?;
    let body = harness.example_batch()?;
    let elsewhere = harness
        .post_batch(&harness.other_token, &body, None)
        .await?;
    let elsewhere = error_body(elsewhere, 404, "not_found").await?;

    let missing_id = "00000000-0000-4000-8000-000000000000";
    let missing = harness
        .post_batch(&harness.token, &example_batch(missing_id)?, None)
        .await?;
    let missing = error_body(missing, 404, "not_found").await?;
    let elsewhere_text = elsewhere.to_string().replace(&harness.account.id, "ID");
    assert_eq!(
        elsewhere_text,
        missing.to_string().replace(missing_id, "ID")
    );
    assert_eq!(harness.upstream_hits(), 0);
    harness.stop().await
}

#[tokio::test]
async fn lists_every_problem_of_an_invalid_spec() -> TestResult {
    let harness = Harness::start().await?;
    let mut body = harness.example_batch()?;
    body["resources"][1]["depends_on"] = json!("page-contnet");
    body["resources"][2]["colour"] = json!("blue");
    let response = harness.post_batch(&harness.token, &body, None).await?;
    let error = error_body(response, 400, "invalid_spec").await?;
    let problems = error["problems"].as_array().ok_or("no problems")?;
    assert!(problems.len() >= 2, "{error}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("page-contnet") && message.contains("colour"),
        "{message}"
    );
    assert_eq!(harness.upstream_hits(), 0);
    harness.stop().await
}

#[tokio::test]
async fn replays_an_idempotent_request_without_calling_upstream() -> TestResult {
    let harness = Harness::start().await?;
    let body = harness.example_batch()?;
    let first = harness
        .post_batch(&harness.token, &body, Some("key-1"))
        .await?;
    assert_eq!(first.status().as_u16(), 200);
    assert!(first.headers().get(REPLAYED_HEADER).is_none());
    let first_run = first.headers()[RUN_ID_HEADER].clone();
    let first: Value = first.json().await?;
    let hits = harness.upstream_hits();
    assert!(hits > 0);

    let second = harness
        .post_batch(&harness.token, &body, Some("key-1"))
        .await?;
    assert_eq!(second.status().as_u16(), 200);
    assert_eq!(second.headers()[REPLAYED_HEADER], "true");
    assert_eq!(second.headers()[RUN_ID_HEADER], first_run);
    assert_eq!(second.json::<Value>().await?, first);
    assert_eq!(harness.upstream_hits(), hits);
    assert_eq!(harness.store.list_runs(None, 10)?.len(), 1);
    harness.stop().await
}

#[tokio::test]
async fn scopes_idempotency_keys_to_the_environment() -> TestResult {
    let harness = Harness::start().await?;
    let body = harness.example_batch()?;
    harness
        .post_batch(&harness.token, &body, Some("shared"))
        .await?;
    let other = harness
        .post_batch(&harness.other_token, &body, Some("shared"))
        .await?;
    error_body(other, 404, "not_found").await?;
    harness.stop().await
}

#[tokio::test]
async fn rejects_an_idempotency_key_reused_with_another_body() -> TestResult {
    let harness = Harness::start().await?;
    let body = harness.example_batch()?;
    harness
        .post_batch(&harness.token, &body, Some("key-2"))
        .await?;
    let hits = harness.upstream_hits();
    let mut changed = body.clone();
    changed["args"]["page_id"] = json!("another-page");
    let response = harness
        .post_batch(&harness.token, &changed, Some("key-2"))
        .await?;
    let error = error_body(response, 422, "idempotency_conflict").await?;
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("'key-2'")
    );
    assert_eq!(harness.upstream_hits(), hits);
    harness.stop().await
}

#[tokio::test]
async fn rejects_a_body_over_the_limit() -> TestResult {
    let harness = Harness::with_config(ServerConfig::default().with_body_limit(16 * 1024)).await?;
    let mut body = harness.example_batch()?;
    body["args"]["padding"] = json!("x".repeat(32 * 1024));
    let response = harness.post_batch(&harness.token, &body, None).await?;
    let error = error_body(response, 413, "payload_too_large").await?;
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("16384")
    );
    assert_eq!(harness.upstream_hits(), 0);
    harness.stop().await
}

#[tokio::test]
async fn refuses_an_account_that_needs_reauth_and_cannot_refresh() -> TestResult {
    let harness = Harness::start().await?;
    let id = harness.account.id.clone();
    harness
        .store
        .set_status(&id, AccountStatus::NeedsReauth, None)?;
    let response = harness
        .post_batch(&harness.token, &harness.example_batch()?, None)
        .await?;
    let error = error_body(response, 401, "needs_reauth").await?;
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("needs reauthorization")
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("connector 'notion' declares no refresh hook")
    );
    assert_eq!(harness.upstream_hits(), 0);

    let account = harness.store.get_account(&id)?.ok_or("account gone")?;
    assert_eq!(account.status, AccountStatus::NeedsReauth);
    assert!(account.last_error.is_some());
    let runs = harness.store.list_runs(Some("prod"), 10)?;
    assert_eq!(runs[0].status, RunStatus::Failed);
    harness.stop().await
}

#[tokio::test]
async fn rejects_a_body_that_is_not_json() -> TestResult {
    let harness = Harness::start().await?;
    let response = harness
        .client
        .post(format!("{}/batch-request", harness.url))
        .bearer_auth(&harness.token)
        .body("{\"integrated_account_id\": ")
        .send()
        .await?;
    error_body(response, 400, "invalid_body").await?;
    harness.stop().await
}

#[tokio::test]
async fn rejects_malformed_idempotency_keys() -> TestResult {
    let harness = Harness::start().await?;
    let body = harness.example_batch()?;
    let long = "k".repeat(256);
    let cases: [(&[u8], &str); 5] = [
        (b"a b", "'a b'"),
        (b"a\tb", r"'a\tb'"),
        (b"it's\xff", r"'it\'s\xff'"),
        (b"", "''"),
        (long.as_bytes(), "256"),
    ];
    for (key, quoted) in cases {
        let response = harness
            .client
            .post(format!("{}/batch-request", harness.url))
            .bearer_auth(&harness.token)
            .header(
                "Idempotency-Key",
                reqwest::header::HeaderValue::from_bytes(key)?,
            )
            .json(&body)
            .send()
            .await?;
        let error = error_body(response, 400, "invalid_body").await?;
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.contains("Idempotency-Key"), "{message}");
        assert!(message.contains(quoted), "{quoted} not in: {message}");
        assert!(message.contains("visible ASCII"), "{message}");
    }
    assert_eq!(harness.upstream_hits(), 0);
    assert!(harness.store.list_runs(Some("prod"), 10)?.is_empty());
    harness.stop().await
}

#[tokio::test]
async fn rejects_repeated_idempotency_key_header() -> TestResult {
    let harness = Harness::start().await?;
    let body = harness.example_batch()?;
    let response = harness
        .client
        .post(format!("{}/batch-request", harness.url))
        .bearer_auth(&harness.token)
        .header("Idempotency-Key", "first")
        .header("Idempotency-Key", "second")
        .json(&body)
        .send()
        .await?;
    let error = error_body(response, 400, "invalid_body").await?;
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains("Idempotency-Key"), "{message}");
    assert!(message.contains("'first'"), "{message}");
    assert!(message.contains("'second'"), "{message}");
    assert_eq!(harness.upstream_hits(), 0);
    harness.stop().await
}
