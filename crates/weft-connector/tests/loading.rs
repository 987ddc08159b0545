//! Loading connector folders: good ones load, broken ones are reported with path and line
//! and do not stop the others.

mod common;

use common::{TestResult, builtin_connectors, fixtures};
use weft_connector::{LoadError, Registry};

fn error_for<'a>(errors: &'a [LoadError], folder: &str) -> &'a LoadError {
    errors
        .iter()
        .find(|error| {
            error
                .path
                .parent()
                .is_some_and(|parent| parent.ends_with(folder))
        })
        .unwrap_or_else(|| panic!("no load error for '{folder}' in {errors:?}"))
}

#[test]
fn loads_good_connectors() {
    let (registry, errors) = Registry::load(&[fixtures("good")]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(registry.names(), ["echo", "plain"]);
}

#[test]
fn loads_builtin_notion_connector() -> TestResult {
    let (registry, errors) = Registry::load(&[builtin_connectors()]);
    assert!(errors.is_empty(), "{errors:?}");
    let notion = registry.get("notion").ok_or("notion not loaded")?;
    assert_eq!(notion.secret_fields(), ["access_token", "refresh_token"]);
    assert_eq!(notion.retryable_statuses(), [409, 429, 500, 502, 503, 504]);
    assert_eq!(
        notion.rate_limit_headers().retry_after.as_deref(),
        Some("retry-after")
    );
    let resources: Vec<String> = notion
        .resources()
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        resources,
        [
            "block-children",
            "blocks",
            "database-rows",
            "databases",
            "pages",
            "search",
            "users"
        ]
    );
    Ok(())
}

#[test]
fn broken_connectors_do_not_stop_the_others() {
    let (registry, errors) = Registry::load(&[fixtures("broken"), fixtures("good")]);
    assert_eq!(registry.names(), ["echo", "plain"]);
    assert_eq!(errors.len(), 9, "{errors:?}");
}

#[test]
fn syntax_error_reports_path_and_line() {
    let (_, errors) = Registry::load(&[fixtures("broken")]);
    let error = error_for(&errors, "syntax");
    assert!(error.path.ends_with("syntax/connector.lua"));
    assert_eq!(error.line, Some(4));
    assert!(error.message.contains("'}' expected"), "{}", error.message);
    assert!(
        error.to_string().contains("syntax/connector.lua:4: "),
        "{error}"
    );
}

#[test]
fn runtime_error_reports_line() {
    let (_, errors) = Registry::load(&[fixtures("broken")]);
    let error = error_for(&errors, "runtime");
    assert_eq!(error.line, Some(5));
    assert!(
        error.message.contains("attempt to concatenate"),
        "{}",
        error.message
    );
}

#[test]
fn validation_errors_name_the_field() {
    let (_, errors) = Registry::load(&[fixtures("broken")]);
    let cases = [
        ("missing_base_url", "missing field 'base_url'"),
        (
            "unknown_field",
            "unknown field 'recrods' in 'resources.items.list' (did you mean 'records'?)",
        ),
        (
            "wrong_name",
            "name 'another-name' does not match its folder 'wrong_name'",
        ),
        (
            "not_a_table",
            "connector.lua must return a table, not string",
        ),
        (
            "bad_auth",
            "unknown auth kind 'oauth9' in 'auth.kind': use bearer, header, query, basic or none",
        ),
        (
            "no_path",
            "'resources.items.get' needs a 'path' or a 'prepare' function",
        ),
        ("empty_when", "'errors.when' must name at least one path"),
    ];
    for (folder, expected) in cases {
        let error = error_for(&errors, folder);
        assert_eq!(error.message, expected, "{folder}");
        assert_eq!(error.line, None, "{folder}");
    }
}

#[test]
fn later_folders_override_earlier_ones() -> TestResult {
    let (registry, errors) = Registry::load(&[fixtures("good"), fixtures("override")]);
    assert!(errors.is_empty(), "{errors:?}");
    let plain = registry.get("plain").ok_or("plain not loaded")?;
    assert!(plain.path().starts_with(fixtures("override")));
    assert_eq!(
        plain.resources(),
        [("things".to_string(), vec!["get".to_string()])]
    );
    Ok(())
}

#[test]
fn missing_folder_is_skipped() {
    let (registry, errors) = Registry::load(&[fixtures("does-not-exist"), fixtures("good")]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(registry.names().len(), 2);
}
