//! Behaviour of `render` and `check` beyond the upstream vectors.

use serde_json::json;
use weft_template::{TemplateError, check, render};

#[test]
fn inserts_dollar_patterns_literally() -> Result<(), TemplateError> {
    let context = json!({"a": "$& and $1 and $$"});
    let rendered = render(&json!("x {{a}} y"), &context)?;
    assert_eq!(rendered, Some(json!("x $& and $1 and $$ y")));
    Ok(())
}

#[test]
fn inserted_values_are_not_rendered_again() -> Result<(), TemplateError> {
    let context = json!({"a": "{{b}}", "b": "secret"});
    let rendered = render(&json!("{{a}} {{b}}"), &context)?;
    assert_eq!(rendered, Some(json!("{{b}} secret")));
    Ok(())
}

#[test]
fn unknown_cast_fails_even_when_path_is_missing() {
    let error = render(&json!({"q": "{{nothing:integer}}"}), &json!({}));
    assert!(matches!(error, Err(TemplateError::UnknownCast { cast, .. }) if cast == "integer"));
}

#[test]
fn unknown_chained_cast_fails() {
    let error = render(&json!("{{a:int:nul}}"), &json!({"a": 1}));
    assert!(matches!(error, Err(TemplateError::UnknownCast { cast, .. }) if cast == "nul"));
}

#[test]
fn check_finds_unknown_cast_deep_inside() {
    assert!(check(&json!({"a": ["ok {{x}}", {"b": "{{y:boolean}}"}]})).is_err());
    assert!(check(&json!({"a": ["{{x:int:null}}", "{{y ?: 1:int}}"]})).is_ok());
}

#[test]
fn undefined_element_of_array_becomes_null() -> Result<(), TemplateError> {
    let rendered = render(&json!(["{{a:undefined}}", "b"]), &json!({}))?;
    assert_eq!(rendered, Some(json!([null, "b"])));
    Ok(())
}

#[test]
fn whole_value_keeps_type_but_embedded_is_text() -> Result<(), TemplateError> {
    let context = json!({"n": 1.5, "list": [1, 2], "obj": {"k": 1}});
    assert_eq!(render(&json!("{{n:num}}"), &context)?, Some(json!(1.5)));
    assert_eq!(
        render(&json!("n={{n:num}}"), &context)?,
        Some(json!("n=1.5"))
    );
    assert_eq!(
        render(&json!("{{list:json}}"), &context)?,
        Some(json!([1, 2]))
    );
    assert_eq!(
        render(&json!("l={{list:json}}"), &context)?,
        Some(json!("l=1,2"))
    );
    assert_eq!(
        render(&json!("o={{obj:any}}"), &context)?,
        Some(json!("o=[object Object]"))
    );
    Ok(())
}

#[test]
fn negative_index_in_placeholder() -> Result<(), TemplateError> {
    let context = json!({"items": [{"id": "a"}, {"id": "b"}]});
    assert_eq!(
        render(&json!("{{items.-1.id}}"), &context)?,
        Some(json!("b"))
    );
    Ok(())
}

#[test]
fn truto_merge_concatenates_arrays() -> Result<(), TemplateError> {
    let template = json!({"tags": ["a"], "$truto_merge": "{{extra:json}}"});
    let context = json!({"extra": {"tags": ["b"]}});
    assert_eq!(
        render(&template, &context)?,
        Some(json!({"tags": ["a", "b"]}))
    );
    Ok(())
}

#[test]
fn non_string_scalars_are_copied() -> Result<(), TemplateError> {
    let template = json!({"n": 3, "t": true, "z": null});
    assert_eq!(render(&template, &json!({}))?, Some(template.clone()));
    Ok(())
}
