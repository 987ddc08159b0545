//! Credential refresh against a real loopback OAuth2 API and token endpoint, with the
//! `oauth` test connector (`tests/fixtures/connectors/oauth`).

mod common;

use std::time::Duration;

use common::{
    Loopback, MemoryStore, OAuthApi, Received, TestResult, items_spec, plan, record_ids, run,
    target,
};
use serde_json::json;
use weft_engine::{Engine, EngineError, Event, Options};

fn engine() -> Result<Engine, common::TestError> {
    Ok(Engine::new(Options::default())?)
}

#[tokio::test]
async fn unauthorized_call_refreshes_once_and_retries() -> TestResult {
    let api = OAuthApi::start("access-0", "refresh-0").await;
    let context = api.context("expired-token", "refresh-0");
    let store = MemoryStore::new(&context);
    let target = target("oauth", context, api.base_url())?.with_credential_store(store.clone());

    let run = run(&engine()?, plan(items_spec(&["a"]))?, target).await?;

    assert!(run.output.errors.is_empty(), "{:?}", run.output.errors);
    assert_eq!(record_ids(&run.output, "items"), ["a"]);
    assert_eq!(api.tokens().refreshes, 1);
    assert_eq!(api.tokens().unauthorized, 1);
    let saves = store.saves.lock().unwrap().clone();
    assert_eq!(saves.len(), 1);
    assert_eq!(saves[0]["refresh_token"], "refresh-1");
    assert_eq!(saves[0]["access_token"], "access-1");
    assert!(saves[0]["expires_at"].is_number());
    Ok(())
}

#[tokio::test]
async fn concurrent_401s_trigger_one_refresh() -> TestResult {
    let api = OAuthApi::start("access-0", "refresh-0").await;
    let context = api.context("expired-token", "refresh-0");
    let store = MemoryStore::new(&context);
    let target = target("oauth", context, api.base_url())?.with_credential_store(store.clone());
    let ids = ["a", "b", "c", "d", "e", "f"];

    let run = run(&engine()?, plan(items_spec(&ids))?, target).await?;

    assert!(run.output.errors.is_empty(), "{:?}", run.output.errors);
    assert_eq!(record_ids(&run.output, "items"), ids);
    assert_eq!(api.tokens().grant_requests, 1);
    assert_eq!(store.saves.lock().unwrap().len(), 1);
    Ok(())
}

#[tokio::test]
async fn concurrent_batches_share_one_refresh() -> TestResult {
    let api = OAuthApi::start("access-0", "refresh-0").await;
    let context = api.context("expired-token", "refresh-0");
    let engine = engine()?;
    // No credential store: the engine's memory carries the refreshed tokens across
    // batches.
    let first = target("oauth", context.clone(), api.base_url())?;
    let second = target("oauth", context, api.base_url())?;

    let (one, two) = tokio::join!(
        run(&engine, plan(items_spec(&["a", "b"]))?, first),
        run(&engine, plan(items_spec(&["c", "d"]))?, second),
    );

    assert!(one?.output.errors.is_empty());
    assert!(two?.output.errors.is_empty());
    assert_eq!(api.tokens().grant_requests, 1);
    Ok(())
}

#[tokio::test]
async fn failed_refresh_marks_needs_reauth_and_fails_calls() -> TestResult {
    let api = OAuthApi::start("access-0", "refresh-0").await;
    api.tokens().reject_grants = true;
    let context = api.context("expired-token", "refresh-0");
    let store = MemoryStore::new(&context);
    let target = target("oauth", context, api.base_url())?.with_credential_store(store.clone());

    let run = run(&engine()?, plan(items_spec(&["a", "b", "c"]))?, target).await?;

    let errors = run.output.errors["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(errors.len(), 3);
    for error in &errors {
        assert_eq!(error["statusCode"], 401);
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.contains("needs reauthorization"), "{message}");
        assert!(message.contains("status 400"), "{message}");
    }
    // One batch spends at most one grant request on a failing refresh.
    assert_eq!(api.tokens().grant_requests, 1);
    let reason = store
        .needs_reauth
        .lock()
        .unwrap()
        .clone()
        .unwrap_or_default();
    assert!(
        reason.contains("token endpoint returned status 400"),
        "{reason}"
    );
    assert!(store.saves.lock().unwrap().is_empty());
    Ok(())
}

#[tokio::test]
async fn expiring_credentials_refresh_before_the_call() -> TestResult {
    let api = OAuthApi::start("access-0", "refresh-0").await;
    let mut context = api.context("access-0", "refresh-0");
    // Valid for 10 more seconds: inside the default 60 s margin.
    context["expires_at"] = json!(chrono::Utc::now().timestamp() + 10);
    let store = MemoryStore::new(&context);
    let target = target("oauth", context, api.base_url())?.with_credential_store(store.clone());

    let run = run(&engine()?, plan(items_spec(&["a", "b"]))?, target).await?;

    assert!(run.output.errors.is_empty(), "{:?}", run.output.errors);
    assert_eq!(api.tokens().refreshes, 1);
    assert_eq!(api.tokens().unauthorized, 0);
    let requests = api.server.requests();
    let items = requests
        .iter()
        .filter(|request| request.path().starts_with("/api/"));
    for request in items {
        assert_eq!(request.header("authorization"), Some("Bearer access-1"));
    }
    Ok(())
}

#[tokio::test]
async fn credentials_far_from_expiry_are_not_refreshed() -> TestResult {
    let api = OAuthApi::start("access-0", "refresh-0").await;
    let mut context = api.context("access-0", "refresh-0");
    context["expires_at"] = json!(chrono::Utc::now().timestamp() + 3600);
    let target = target("oauth", context, api.base_url())?;

    let run = run(&engine()?, plan(items_spec(&["a"]))?, target).await?;

    assert!(run.output.errors.is_empty(), "{:?}", run.output.errors);
    assert_eq!(api.tokens().grant_requests, 0);
    Ok(())
}

#[tokio::test]
async fn explicit_refresh_updates_the_target() -> TestResult {
    let api = OAuthApi::start("access-0", "refresh-0").await;
    let context = api.context("expired-token", "refresh-0");
    let store = MemoryStore::new(&context);
    let mut target = target("oauth", context, api.base_url())?.with_credential_store(store);

    engine()?.refresh_credentials(&mut target).await?;

    assert_eq!(target.account().context["access_token"], "access-1");
    assert_eq!(target.account().context["refresh_token"], "refresh-1");
    Ok(())
}

#[tokio::test]
async fn explicit_refresh_failure_names_the_account() -> TestResult {
    let api = OAuthApi::start("access-0", "refresh-0").await;
    let context = api.context("expired-token", "refresh-stale");
    let store = MemoryStore::new(&context);
    let mut target = target("oauth", context, api.base_url())?.with_credential_store(store.clone());

    let outcome = engine()?.refresh_credentials(&mut target).await;

    let Err(EngineError::RefreshFailed { account, reason }) = outcome else {
        return Err(format!("expected RefreshFailed, got {outcome:?}").into());
    };
    assert_eq!(account, "account-1");
    assert!(
        !reason.contains("refresh-stale"),
        "secret in reason: {reason}"
    );
    assert!(store.needs_reauth.lock().unwrap().is_some());
    Ok(())
}

#[tokio::test]
async fn refresh_log_reaches_events_redacted() -> TestResult {
    let api = OAuthApi::start("access-0", "refresh-0").await;
    let context = api.context("expired-token", "refresh-0");
    let target = target("oauth", context, api.base_url())?;

    let run = run(&engine()?, plan(items_spec(&["a"]))?, target).await?;

    let logs: Vec<(&String, &String, &String)> = run
        .events
        .iter()
        .filter_map(|event| match event {
            Event::ConnectorLog {
                node,
                level,
                message,
            } => Some((node, level, message)),
            _ => None,
        })
        .collect();
    assert_eq!(logs.len(), 1, "{logs:?}");
    let (node, level, message) = logs[0];
    assert_eq!(node, "items");
    assert_eq!(level, "info");
    assert_eq!(message, "refreshing with [redacted]");
    let text = serde_json::to_string(&run.events)?;
    assert!(!text.contains("access-1"), "new token leaked: {text}");
    Ok(())
}

#[tokio::test]
async fn connector_without_refresh_returns_401_as_is() -> TestResult {
    let api = OAuthApi::start("access-0", "refresh-0").await;
    let target = common::target(
        "signed",
        json!({"api_key": "key-1234", "signing_secret": "s3cret-value"}),
        api.base_url(),
    )?;
    let run = run(&engine()?, plan(items_spec(&["a"]))?, target).await?;
    let errors = run.output.errors["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["statusCode"], 401);
    assert_eq!(errors[0]["truto_is_remote_error"], true);
    assert_eq!(api.tokens().grant_requests, 0);
    Ok(())
}

fn lookup_spec(id: &str) -> serde_json::Value {
    json!({
        "integrated_account_id": "account-1",
        "resources": [{"name": "found", "resource": "lookup", "method": "get", "id": id,
                       "persist": true}]
    })
}

#[tokio::test]
async fn lua_request_refreshes_after_401() -> TestResult {
    let api = OAuthApi::start("access-0", "refresh-0").await;
    let context = api.context("expired-token", "refresh-0");
    let store = MemoryStore::new(&context);
    let target = target("oauth", context, api.base_url())?.with_credential_store(store.clone());

    let run = run(&engine()?, plan(lookup_spec("a"))?, target).await?;

    assert!(run.output.errors.is_empty(), "{:?}", run.output.errors);
    assert_eq!(record_ids(&run.output, "found"), ["details"]);
    assert_eq!(api.tokens().grant_requests, 1);
    assert_eq!(api.tokens().unauthorized, 1);
    assert_eq!(store.saves.lock().unwrap().len(), 1);
    // The lookup was sent again with the new token, and so was the call it prepared,
    // although the prepare hook built it with the expired one.
    let requests = api.server.requests();
    let paths: Vec<(&str, Option<&str>)> = requests
        .iter()
        .map(|request| (request.path(), request.header("authorization")))
        .collect();
    assert_eq!(
        paths,
        [
            ("/api/items/a", Some("Bearer expired-token")),
            ("/oauth/token", None),
            ("/api/items/a", Some("Bearer access-1")),
            ("/api/items/a/details", Some("Bearer access-1")),
        ]
    );
    Ok(())
}

#[tokio::test]
async fn refresh_hook_401_does_not_refresh_again() -> TestResult {
    // Everything answers 401, the token endpoint too, which sits below the base URL so
    // that the refresh hook's request carries the account's auth.
    let server =
        Loopback::start(|_: &Received| (401, vec![], json!({"message": "unauthorized"}))).await;
    let mut context = json!({"access_token": "expired-token", "refresh_token": "refresh-0"});
    context["token_url"] = json!(format!("{}/api/oauth/token", server.origin));
    let target = target("oauth", context, format!("{}/api", server.origin))?;

    let engine = engine()?;
    let outcome = tokio::time::timeout(
        Duration::from_secs(20),
        run(&engine, plan(items_spec(&["a"]))?, target),
    );
    let run = outcome
        .await
        .map_err(|_| "the batch hung: a refresh waited on itself")??;

    let error = &run.output.errors["items"][0];
    assert_eq!(error["statusCode"], 401);
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("token endpoint returned status 401"),
        "{message}"
    );
    let paths: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.path().to_owned())
        .collect();
    assert_eq!(paths, ["/api/items/a", "/api/oauth/token"]);
    Ok(())
}
