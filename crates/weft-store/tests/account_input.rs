//! Account fields that the store rejects before writing: base URLs, connector names
//! and secret field names.

mod common;

use common::{TestResult, new_account, open};
use weft_store::{AccountUpdate, StoreError};

#[test]
fn rejects_base_url_that_is_not_http() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    for bad in ["not a url", "ftp://example.com", "/v1", "http://"] {
        let mut new = new_account("notion", "default");
        new.base_url = Some(bad.to_owned());
        let error = store.create_account(new).unwrap_err();
        assert!(
            matches!(&error, StoreError::InvalidBaseUrl { value, .. } if value == bad),
            "{bad}: {error}"
        );
        assert!(
            error
                .to_string()
                .starts_with(&format!("invalid base URL '{bad}'"))
        );
    }
    assert!(store.list_accounts(None)?.is_empty());
    Ok(())
}

#[test]
fn accepts_http_and_https_base_urls() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    for good in ["http://127.0.0.1:8080", "https://api.notion.com/v1"] {
        let mut new = new_account("notion", "default");
        new.base_url = Some(good.to_owned());
        assert_eq!(store.create_account(new)?.base_url.as_deref(), Some(good));
    }
    Ok(())
}

#[test]
fn update_rejects_invalid_base_url() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let account = store.create_account(new_account("notion", "default"))?;
    let update = AccountUpdate {
        base_url: Some(Some("nope".to_owned())),
        ..AccountUpdate::default()
    };
    let error = store.update_account(&account.id, update).unwrap_err();
    assert!(
        matches!(error, StoreError::InvalidBaseUrl { .. }),
        "{error}"
    );
    let stored = store.get_account(&account.id)?.ok_or("account missing")?;
    assert_eq!(stored.base_url, None);
    Ok(())
}

#[test]
fn rejects_empty_connector_name() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    let error = store
        .create_account(new_account("", "default"))
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::InvalidName {
                kind: "connector",
                ..
            }
        ),
        "{error}"
    );
    Ok(())
}

#[test]
fn rejects_malformed_secret_field_names() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    for bad in ["", "..", "a.", ".a", "a..b"] {
        let mut new = new_account("notion", "default");
        new.secret_fields = vec![bad.to_owned()];
        let error = store.create_account(new).unwrap_err();
        assert!(
            matches!(&error, StoreError::InvalidName { kind: "secret field", value, .. } if value == bad),
            "{bad:?}: {error}"
        );
    }
    Ok(())
}
