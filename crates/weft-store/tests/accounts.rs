//! Integrated accounts: create, read, list, update, status, credentials, delete.

mod common;

use common::{TestResult, context, new_account, open};
use serde_json::{Value, json};
use weft_store::{AccountStatus, AccountUpdate, NewAccount, REDACTED, StoreError};

#[test]
fn create_then_get_returns_same_account() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let created = store.create_account(new_account("notion", "default"))?;

    let fetched = store.get_account(&created.id)?.ok_or("account missing")?;
    assert_eq!(fetched, created);
    assert_eq!(fetched.status, AccountStatus::Active);
    assert_eq!(fetched.context, context());
    assert_eq!(fetched.id.len(), 36);
    assert!(fetched.secret_fields.contains(&"api_key".to_owned()));
    Ok(())
}

#[test]
fn get_unknown_account_returns_none() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    assert!(store.get_account("no-such-id")?.is_none());
    Ok(())
}

#[test]
fn create_in_unknown_environment_fails() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let error = store
        .create_account(new_account("notion", "staging"))
        .unwrap_err();
    assert!(matches!(error, StoreError::EnvironmentNotFound { ref name } if name == "staging"));
    assert_eq!(error.to_string(), "environment 'staging' not found");
    Ok(())
}

#[test]
fn list_filters_by_environment_oldest_first() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    store.create_environment("staging")?;
    let first = store.create_account(new_account("notion", "default"))?;
    let staged = store.create_account(new_account("hubspot", "staging"))?;
    let second = store.create_account(new_account("hubspot", "default"))?;

    let all: Vec<String> = store
        .list_accounts(None)?
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(
        all,
        vec![first.id.clone(), staged.id.clone(), second.id.clone()]
    );
    let default: Vec<String> = store
        .list_accounts(Some("default"))?
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(default, vec![first.id, second.id]);
    let staging = store.list_accounts(Some("staging"))?;
    assert_eq!(staging.len(), 1);
    assert_eq!(staging[0].id, staged.id);
    Ok(())
}

#[test]
fn update_merges_context_and_sets_fields() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let created = store.create_account(new_account("notion", "default"))?;
    let patch = json!({"region": null, "api_key": "sk-new", "oauth": {"scope": "read"}});
    let update = AccountUpdate {
        context: patch.as_object().cloned(),
        base_url: Some(Some("http://127.0.0.1:9000".to_owned())),
        status: Some(AccountStatus::Connecting),
        ..AccountUpdate::default()
    };

    let updated = store.update_account(&created.id, update)?;
    assert_eq!(updated.context.get("region"), None);
    assert_eq!(updated.context["api_key"], "sk-new");
    assert_eq!(updated.context["oauth"]["scope"], "read");
    assert_eq!(
        updated.context["oauth"]["token"]["access_token"],
        "at-secret-abcdef"
    );
    assert_eq!(updated.base_url.as_deref(), Some("http://127.0.0.1:9000"));
    assert_eq!(updated.status, AccountStatus::Connecting);
    assert_eq!(store.get_account(&created.id)?.as_ref(), Some(&updated));
    Ok(())
}

#[test]
fn update_of_missing_account_is_not_found() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let error = store
        .update_account("missing", AccountUpdate::default())
        .unwrap_err();
    assert_eq!(error.to_string(), "account 'missing' not found");
    Ok(())
}

#[test]
fn set_status_records_last_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let created = store.create_account(new_account("notion", "default"))?;
    let error = Some("refresh failed with 400 invalid_grant".to_owned());

    store.set_status(&created.id, AccountStatus::NeedsReauth, error.clone())?;
    let fetched = store.get_account(&created.id)?.ok_or("account missing")?;
    assert_eq!(fetched.status, AccountStatus::NeedsReauth);
    assert_eq!(fetched.last_error, error);
    assert!(fetched.updated_at >= created.updated_at);
    Ok(())
}

#[test]
fn update_credentials_rotates_tokens_and_reactivates() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let created = store.create_account(new_account("notion", "default"))?;
    store.set_status(
        &created.id,
        AccountStatus::NeedsReauth,
        Some("expired".into()),
    )?;
    let fields = json!({"oauth": {"token": {"access_token": "at-2", "refresh_token": "rt-2"}}});

    let updated =
        store.update_credentials(&created.id, fields.as_object().cloned().ok_or("object")?)?;
    assert_eq!(updated.status, AccountStatus::Active);
    assert_eq!(updated.last_error, None);
    let fetched = store.get_account(&created.id)?.ok_or("account missing")?;
    assert_eq!(fetched.context["oauth"]["token"]["access_token"], "at-2");
    assert_eq!(fetched.context["oauth"]["token"]["refresh_token"], "rt-2");
    assert_eq!(fetched.context["oauth"]["token"]["expires_in"], 3600);
    Ok(())
}

#[test]
fn delete_removes_account_once() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let created = store.create_account(new_account("notion", "default"))?;
    assert!(store.delete_account(&created.id)?);
    assert!(store.get_account(&created.id)?.is_none());
    assert!(!store.delete_account(&created.id)?);
    Ok(())
}

#[test]
fn accounts_survive_reopen() -> TestResult {
    let dir = tempfile::tempdir()?;
    let created = open(dir.path())?.create_account(new_account("notion", "default"))?;
    let reopened = open(dir.path())?;
    assert_eq!(reopened.get_account(&created.id)?, Some(created));
    Ok(())
}

#[test]
fn redacted_and_debug_hide_secrets() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let mut new = new_account("notion", "default");
    new.secret_fields = vec!["region".to_owned()];
    let debug_new = format!("{new:?}");
    let account = store.create_account(new)?;

    let redacted = account.redacted();
    assert_eq!(redacted["context"]["api_key"], REDACTED);
    assert_eq!(redacted["context"]["oauth"]["token"], REDACTED);
    assert_eq!(redacted["context"]["region"], REDACTED);
    assert_eq!(redacted["context"]["subdomain"], "acme-plain-subdomain");
    assert_eq!(redacted["id"], Value::String(account.id.clone()));
    for text in [redacted.to_string(), format!("{account:?}"), debug_new] {
        assert!(!text.contains("sk-live-api-key"), "{text}");
        assert!(!text.contains("at-secret-abcdef"), "{text}");
        assert!(text.contains("acme-plain-subdomain"), "{text}");
    }
    Ok(())
}

#[test]
fn declared_dot_path_is_secret() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let context = json!({"instance": {"signing_key": "sig-123", "name": "acme"}});
    let mut new = NewAccount::new("custom", context.as_object().cloned().ok_or("object")?);
    new.secret_fields = vec!["instance.signing_key".to_owned()];

    let account = store.create_account(new)?;
    let redacted = account.redacted();
    assert_eq!(redacted["context"]["instance"]["signing_key"], REDACTED);
    assert_eq!(redacted["context"]["instance"]["name"], "acme");
    assert!(
        account
            .secret_fields
            .contains(&"instance.signing_key".to_owned())
    );
    Ok(())
}
