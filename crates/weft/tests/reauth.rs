//! Re-authentication through the facade: a real store in a temporary folder, the
//! engine's `oauth` test connector and a loopback OAuth2 API with a rotating token
//! endpoint.

#[path = "../../weft-engine/tests/common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::sync::Arc;

use common::{OAuthApi, TestError, TestResult, items_spec, plan, record_ids};
use serde_json::Value;
use weft::store::{AccountStatus, NewAccount, StoreOptions};
use weft::{AccountLookup, Engine, Error, Options, Registry, Store};

struct Setup {
    api: OAuthApi,
    store: Arc<Store>,
    registry: Registry,
    account_id: String,
    _dir: tempfile::TempDir,
}

/// Stores an `oauth` account whose access token the API no longer accepts.
async fn setup(refresh_token: &str) -> Result<Setup, TestError> {
    let api = OAuthApi::start("access-0", "refresh-0").await;
    let dir = tempfile::tempdir()?;
    let store = Arc::new(Store::open_with(
        dir.path(),
        &StoreOptions::key_file_only(),
    )?);
    let context = api.context("expired-token", refresh_token);
    let mut account = NewAccount::new("oauth", context.as_object().cloned().unwrap_or_default());
    account.base_url = Some(api.base_url());
    account.secret_fields = vec!["access_token".into(), "refresh_token".into()];
    let account_id = store.create_account(account)?.id;
    let connectors =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../weft-engine/tests/fixtures/connectors");
    let (registry, errors) = Registry::load(&[connectors]);
    assert!(errors.is_empty(), "{errors:?}");
    Ok(Setup {
        api,
        store,
        registry,
        account_id,
        _dir: dir,
    })
}

impl Setup {
    async fn run(&self, engine: &Engine) -> Result<weft::BatchOutput, Error> {
        let mut spec = items_spec(&["a", "b", "c"]);
        spec["integrated_account_id"] = Value::String(self.account_id.clone());
        let plan = Arc::new(plan(spec).expect("the spec is valid"));
        let lookup = AccountLookup {
            store: Some(self.store.clone()),
            ..AccountLookup::default()
        };
        weft::run_batch(engine, plan, &self.registry, &lookup, None).await
    }

    fn account(&self) -> Result<weft::store::Account, TestError> {
        Ok(self
            .store
            .get_account(&self.account_id)?
            .ok_or("account vanished")?)
    }
}

#[tokio::test]
async fn rotated_refresh_token_is_persisted() -> TestResult {
    let setup = setup("refresh-0").await?;
    let engine = Engine::new(Options::default())?;

    let output = setup.run(&engine).await?;

    assert!(output.errors.is_empty(), "{:?}", output.errors);
    assert_eq!(record_ids(&output, "items"), ["a", "b", "c"]);
    assert_eq!(setup.api.tokens().refreshes, 1);
    let account = setup.account()?;
    assert_eq!(account.context["refresh_token"], "refresh-1");
    assert_eq!(account.context["access_token"], "access-1");
    assert_eq!(account.status, AccountStatus::Active);
    Ok(())
}

#[tokio::test]
async fn second_batch_uses_saved_credentials() -> TestResult {
    let setup = setup("refresh-0").await?;
    setup.run(&Engine::new(Options::default())?).await?;
    // A new engine has no memory of the refresh: the store alone carries the tokens.
    let output = setup.run(&Engine::new(Options::default())?).await?;
    assert!(output.errors.is_empty(), "{:?}", output.errors);
    assert_eq!(setup.api.tokens().refreshes, 1);
    Ok(())
}

#[tokio::test]
async fn failed_refresh_marks_account_needs_reauth() -> TestResult {
    let setup = setup("refresh-revoked").await?;
    let engine = Engine::new(Options::default())?;

    let output = setup.run(&engine).await?;

    let errors = output.errors["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(errors.len(), 3);
    assert!(errors.iter().all(|error| error["statusCode"] == 401));
    let account = setup.account()?;
    assert_eq!(account.status, AccountStatus::NeedsReauth);
    let last_error = account.last_error.unwrap_or_default();
    assert!(last_error.contains("status 400"), "{last_error}");
    assert!(
        !last_error.contains("refresh-revoked"),
        "secret in last_error: {last_error}"
    );
    Ok(())
}

#[tokio::test]
async fn needs_reauth_batch_fails_with_401_when_refresh_fails() -> TestResult {
    let setup = setup("refresh-revoked").await?;
    setup
        .store
        .set_status(&setup.account_id, AccountStatus::NeedsReauth, None)?;
    let engine = Engine::new(Options::default())?;

    let outcome = setup.run(&engine).await;

    let Err(error) = outcome else {
        return Err("the batch ran for an account that needs reauthorization".into());
    };
    assert_eq!(error.status_code(), 401);
    let Error::NeedsReauth { account, .. } = &error else {
        return Err(format!("expected NeedsReauth, got {error:?}").into());
    };
    assert_eq!(account, &setup.account_id);
    assert!(error.to_string().contains("needs reauthorization"));
    // Nothing but the one refresh attempt reached the API.
    assert_eq!(setup.api.tokens().unauthorized, 0);
    assert_eq!(setup.api.tokens().grant_requests, 1);
    let account = setup.account()?;
    assert_eq!(account.status, AccountStatus::NeedsReauth);
    assert!(account.last_error.is_some());
    Ok(())
}

#[tokio::test]
async fn needs_reauth_account_runs_after_refresh_succeeds() -> TestResult {
    let setup = setup("refresh-0").await?;
    let reason = Some("an earlier refresh failed".to_owned());
    setup
        .store
        .set_status(&setup.account_id, AccountStatus::NeedsReauth, reason)?;
    let engine = Engine::new(Options::default())?;

    let output = setup.run(&engine).await?;

    assert!(output.errors.is_empty(), "{:?}", output.errors);
    assert_eq!(setup.api.tokens().refreshes, 1);
    // The batch started with the refreshed token, so no call was rejected.
    assert_eq!(setup.api.tokens().unauthorized, 0);
    let account = setup.account()?;
    assert_eq!(account.status, AccountStatus::Active);
    assert_eq!(account.last_error, None);
    assert_eq!(account.context["refresh_token"], "refresh-1");
    Ok(())
}
