//! API tokens: issue, verify, revoke, expire, and hashing at rest.

mod common;

use chrono::{Duration, Utc};
use common::{TestResult, file_contains, open};
use weft_store::{DATABASE_FILE, NewApiToken, StoreError, TOKEN_PREFIX};

fn new_token(environment: &str, name: &str) -> NewApiToken {
    NewApiToken {
        environment: environment.to_owned(),
        name: name.to_owned(),
        expires_at: None,
    }
}

#[test]
fn issued_token_verifies_to_its_environment() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    store.create_environment("staging")?;
    let issued = store.create_api_token(new_token("staging", "laptop"))?;

    assert!(issued.secret.starts_with(TOKEN_PREFIX));
    assert_eq!(issued.secret.len(), TOKEN_PREFIX.len() + 43);
    assert_eq!(
        store.verify_api_token(&issued.secret)?.as_deref(),
        Some("staging")
    );
    assert!(!format!("{issued:?}").contains(&issued.secret));
    Ok(())
}

#[test]
fn unknown_or_altered_token_does_not_verify() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let issued = store.create_api_token(new_token("default", "laptop"))?;
    let mut altered = issued.secret.clone();
    altered.pop();
    altered.push('x');

    assert_eq!(store.verify_api_token(&altered)?, None);
    assert_eq!(store.verify_api_token("")?, None);
    assert_eq!(
        store.verify_api_token(issued.secret.trim_start_matches(TOKEN_PREFIX))?,
        None
    );
    Ok(())
}

#[test]
fn database_file_has_no_token() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let issued = store.create_api_token(new_token("default", "laptop"))?;
    drop(store);

    let database = dir.path().join(DATABASE_FILE);
    assert!(file_contains(&database, &issued.token.id)?);
    let random_part = issued.secret.trim_start_matches(TOKEN_PREFIX);
    assert!(!file_contains(&database, random_part)?);
    Ok(())
}

#[test]
fn revoked_token_no_longer_verifies() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let issued = store.create_api_token(new_token("default", "laptop"))?;

    assert!(store.revoke_api_token(&issued.token.id)?);
    assert_eq!(store.verify_api_token(&issued.secret)?, None);
    assert!(!store.revoke_api_token(&issued.token.id)?);
    let listed = store.list_api_tokens(None)?;
    assert!(listed[0].revoked_at.is_some());
    Ok(())
}

#[test]
fn revoke_unknown_token_is_not_found() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let error = store.revoke_api_token("tok_missing").unwrap_err();
    assert!(matches!(error, StoreError::TokenNotFound { .. }));
    Ok(())
}

#[test]
fn expired_token_does_not_verify() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let mut expired = new_token("default", "old");
    expired.expires_at = Some(Utc::now() - Duration::seconds(1));
    let mut live = new_token("default", "new");
    live.expires_at = Some(Utc::now() + Duration::hours(1));

    let expired = store.create_api_token(expired)?;
    let live = store.create_api_token(live)?;
    assert_eq!(store.verify_api_token(&expired.secret)?, None);
    assert_eq!(
        store.verify_api_token(&live.secret)?.as_deref(),
        Some("default")
    );
    Ok(())
}

#[test]
fn list_tokens_filters_by_environment() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    store.create_environment("staging")?;
    store.create_api_token(new_token("default", "a"))?;
    store.create_api_token(new_token("staging", "b"))?;

    let names: Vec<String> = store
        .list_api_tokens(Some("staging"))?
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, vec!["b".to_owned()]);
    assert_eq!(store.list_api_tokens(None)?.len(), 2);
    Ok(())
}

#[test]
fn token_for_unknown_environment_or_bad_name_fails() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let error = store.create_api_token(new_token("nope", "a")).unwrap_err();
    assert!(matches!(error, StoreError::EnvironmentNotFound { .. }));
    let error = store
        .create_api_token(new_token("default", " "))
        .unwrap_err();
    assert!(matches!(error, StoreError::InvalidName { .. }));
    Ok(())
}
