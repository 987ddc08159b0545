//! Environments: the default one, create, list, delete and their rules.

mod common;

use common::{TestResult, new_account, open};
use weft_store::{DEFAULT_ENVIRONMENT, NewApiToken, StoreError};

#[test]
fn default_environment_exists() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let names: Vec<String> = store
        .list_environments()?
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, vec![DEFAULT_ENVIRONMENT.to_owned()]);
    Ok(())
}

#[test]
fn create_list_get_delete_environment() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let created = store.create_environment("staging")?;
    assert_eq!(store.get_environment("staging")?, Some(created));

    let names: Vec<String> = store
        .list_environments()?
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, vec!["default".to_owned(), "staging".to_owned()]);
    assert!(store.delete_environment("staging")?);
    assert!(store.get_environment("staging")?.is_none());
    assert!(!store.delete_environment("staging")?);
    Ok(())
}

#[test]
fn rejects_invalid_environment_names() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let long = "a".repeat(65);
    for name in ["", "Prod", "-prod", "prod env", "prod/1", long.as_str()] {
        let error = store.create_environment(name).unwrap_err();
        assert!(
            matches!(error, StoreError::InvalidName { .. }),
            "{name:?}: {error}"
        );
        assert!(
            error
                .to_string()
                .starts_with(&format!("invalid environment name '{name}'"))
        );
    }
    store.create_environment("prod_eu-1")?;
    Ok(())
}

#[test]
fn rejects_duplicate_environment() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    store.create_environment("staging")?;
    let error = store.create_environment("staging").unwrap_err();
    assert_eq!(error.to_string(), "environment 'staging' already exists");
    Ok(())
}

#[test]
fn refuses_to_delete_default_environment() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let error = store.delete_environment(DEFAULT_ENVIRONMENT).unwrap_err();
    assert!(matches!(error, StoreError::DefaultEnvironment { .. }));
    assert!(store.get_environment(DEFAULT_ENVIRONMENT)?.is_some());
    Ok(())
}

#[test]
fn refuses_to_delete_environment_in_use() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    store.create_environment("staging")?;
    let account = store.create_account(new_account("notion", "staging"))?;
    let token = store.create_api_token(NewApiToken {
        environment: "staging".into(),
        name: "ci".into(),
        expires_at: None,
    })?;

    let error = store.delete_environment("staging").unwrap_err();
    assert_eq!(
        error.to_string(),
        "environment 'staging' still has 1 account(s) and 1 API token(s); delete or revoke them first"
    );
    store.delete_account(&account.id)?;
    store.revoke_api_token(&token.token.id)?;
    assert!(store.delete_environment("staging")?);
    Ok(())
}
