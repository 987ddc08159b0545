//! Strict rendering: a placeholder that resolves to nothing is an error instead of
//! text that would reach an API.

use serde_json::json;
use weft_template::{TemplateError, render_in, render_strict_in};

fn unresolved(placeholder: &str) -> TemplateError {
    TemplateError::Unresolved {
        placeholder: placeholder.to_owned(),
    }
}

#[test]
fn strict_rejects_missing_whole_value() {
    let result = render_strict_in(&json!("{{args.missing}}"), &json!({"args": {}}));
    assert_eq!(result, Err(unresolved("{{args.missing}}")));
}

#[test]
fn strict_rejects_missing_embedded_value() {
    let template = json!({"q": {"filter": "id = {{resources.nowhere.id}}"}});
    let result = render_strict_in(&template, &json!({"resources": {}}));
    assert_eq!(result, Err(unresolved("{{resources.nowhere.id}}")));
}

#[test]
fn strict_rejects_missing_value_inside_array() {
    let result = render_strict_in(&json!(["{{a}}", "{{b}}"]), &json!({"a": 1}));
    assert_eq!(result, Err(unresolved("{{b}}")));
}

#[test]
fn strict_accepts_defaults_null_and_undefined() -> Result<(), TemplateError> {
    let template = json!({
        "limit": "{{args.limit:int ?: 100:int}}",
        "cursor": "{{args.cursor:null}}",
        "archived": "{{args.archived:bool:undefined}}",
        "id": "{{args.missing|args.id}}"
    });
    let rendered = render_strict_in(&template, &json!({"args": {"id": "x"}}))?;
    assert_eq!(
        rendered,
        Some(json!({"limit": 100, "cursor": null, "id": "x"}))
    );
    Ok(())
}

#[test]
fn strict_treats_ignored_empty_string_as_missing() {
    let template = json!("{{args.name:ignore-empty-str}}");
    let result = render_strict_in(&template, &json!({"args": {"name": ""}}));
    assert_eq!(result, Err(unresolved("{{args.name:ignore-empty-str}}")));
}

#[test]
fn strict_skips_unresolved_merge_source() -> Result<(), TemplateError> {
    let template = json!({"a": 1, "$truto_merge": "{{args.extra:json}}"});
    let rendered = render_strict_in(&template, &json!({"args": {}}))?;
    assert_eq!(rendered, Some(json!({"a": 1})));
    Ok(())
}

#[test]
fn strict_matches_lenient_when_everything_resolves() -> Result<(), TemplateError> {
    let context = json!({"args": {"n": "4", "ids": ["a", "b"]}});
    let template = json!({"n": "{{args.n:int}}", "text": "ids {{args.ids}}", "k": true});
    assert_eq!(
        render_strict_in(&template, &context)?,
        render_in(&template, &context)?
    );
    Ok(())
}

#[test]
fn lenient_keeps_text_that_strict_rejects() -> Result<(), TemplateError> {
    let rendered = render_in(&json!("{{args.missing}}"), &json!({}))?;
    assert_eq!(rendered, Some(json!("{{args.missing}}")));
    Ok(())
}

#[test]
fn unresolved_message_names_placeholder_and_fix() {
    let message = unresolved("{{args.page_id}}").to_string();
    assert!(message.starts_with("placeholder '{{args.page_id}}' did not resolve"));
    assert!(message.contains("'?: text'"));
}
