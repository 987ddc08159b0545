//! How the facade finds the account a plan runs with.

use std::path::PathBuf;

use weft::{AccountLookup, Error, Registry, resolve_target};

fn registry() -> Registry {
    let connectors = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../connectors");
    let (registry, errors) = Registry::load(&[connectors]);
    assert!(errors.is_empty(), "{errors:?}");
    registry
}

#[test]
fn fallback_connector_needs_base_url() {
    let lookup = AccountLookup {
        fallback_connector: Some("notion".to_string()),
        ..AccountLookup::default()
    };
    let outcome = resolve_target("not-stored", &registry(), &lookup);
    assert!(
        matches!(outcome, Err(Error::AccountNotFound { ref id }) if id == "not-stored"),
        "{:?}",
        outcome.err()
    );
}

#[test]
fn fallback_connector_with_base_url_is_ephemeral() {
    let lookup = AccountLookup {
        fallback_connector: Some("notion".to_string()),
        base_url: Some("http://127.0.0.1:9".to_string()),
        ..AccountLookup::default()
    };
    let outcome = resolve_target("not-stored", &registry(), &lookup);
    assert!(outcome.is_ok(), "{:?}", outcome.err());
}
