//! `/integrated-account`, `/health` and `/openapi.json` over real HTTP.

mod common;

use common::{Harness, SECRET, TestResult, error_body};
use serde_json::{Value, json};

#[tokio::test]
async fn lists_only_accounts_of_the_token_environment() -> TestResult {
    let harness = Harness::start().await?;
    let url = format!("{}/integrated-account", harness.url);
    let prod: Value = harness
        .client
        .get(&url)
        .bearer_auth(&harness.token)
        .send()
        .await?
        .json()
        .await?;
    let ids: Vec<&Value> = prod["result"]
        .as_array()
        .ok_or("no result")?
        .iter()
        .map(|a| &a["id"])
        .collect();
    assert_eq!(ids, vec![&json!(harness.account.id)]);
    assert!(!prod.to_string().contains(SECRET));

    let staging: Value = harness
        .client
        .get(&url)
        .bearer_auth(&harness.other_token)
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(staging["result"], json!([]));
    harness.stop().await
}

#[tokio::test]
async fn creates_reads_updates_and_deletes_an_account() -> TestResult {
    let harness = Harness::start().await?;
    let url = format!("{}/integrated-account", harness.url);
    let body = json!({"connector": "notion", "context": {"access_token": "secret_new_9876543210", "workspace": "acme"}});
    let created = harness
        .client
        .post(&url)
        .bearer_auth(&harness.token)
        .json(&body)
        .send()
        .await?;
    assert_eq!(created.status().as_u16(), 201);
    let created: Value = created.json().await?;
    assert_eq!(created["environment"], "prod");
    assert_eq!(created["context"]["workspace"], "acme");
    assert!(!created.to_string().contains("secret_new_9876543210"));
    let one = format!("{url}/{}", created["id"].as_str().ok_or("no id")?);

    let patch = json!({"context": {"workspace": "acme-2"}, "status": "needs_reauth"});
    let updated: Value = harness
        .client
        .patch(&one)
        .bearer_auth(&harness.token)
        .json(&patch)
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(updated["context"]["workspace"], "acme-2");
    assert_eq!(updated["status"], "needs_reauth");

    let elsewhere = harness
        .client
        .get(&one)
        .bearer_auth(&harness.other_token)
        .send()
        .await?;
    error_body(elsewhere, 404, "not_found").await?;
    let deleted = harness
        .client
        .delete(&one)
        .bearer_auth(&harness.token)
        .send()
        .await?;
    assert_eq!(deleted.status().as_u16(), 200);
    let gone = harness
        .client
        .get(&one)
        .bearer_auth(&harness.token)
        .send()
        .await?;
    error_body(gone, 404, "not_found").await?;
    harness.stop().await
}

#[tokio::test]
async fn rejects_an_unknown_connector_and_unknown_fields() -> TestResult {
    let harness = Harness::start().await?;
    let url = format!("{}/integrated-account", harness.url);
    let unknown = harness
        .client
        .post(&url)
        .bearer_auth(&harness.token)
        .json(&json!({"connector": "notoin"}))
        .send()
        .await?;
    let error = error_body(unknown, 400, "unknown_connector").await?;
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("'notoin'")
    );
    let extra = harness
        .client
        .post(&url)
        .bearer_auth(&harness.token)
        .json(&json!({"connector": "notion", "colour": 1}))
        .send()
        .await?;
    error_body(extra, 400, "invalid_body").await?;
    harness.stop().await
}

#[tokio::test]
async fn serves_health_and_an_openapi_document() -> TestResult {
    let harness = Harness::start().await?;
    let health: Value = reqwest::get(format!("{}/health", harness.url))
        .await?
        .json()
        .await?;
    assert_eq!(health, json!({"status": "ok"}));
    let doc: Value = reqwest::get(format!("{}/openapi.json", harness.url))
        .await?
        .json()
        .await?;
    for path in [
        "/batch-request",
        "/integrated-account",
        "/integrated-account/{id}",
        "/health",
    ] {
        assert!(doc["paths"][path].is_object(), "missing {path}");
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    let missing = reqwest::get(format!("{}/nope", harness.url)).await?;
    error_body(missing, 404, "not_found").await?;
    harness.stop().await
}
