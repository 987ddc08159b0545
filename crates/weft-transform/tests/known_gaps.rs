//! Cases of the official JSONata suite where Weft's result differs on purpose or
//! cannot match, each pinned by a test so that a change in behaviour is noticed.
//! `conformance-known-failures.txt` lists the suite cases these tests stand for.

use serde_json::{Map, Value, json};
use weft_transform::{Transform, TransformError};

fn eval(expression: &str) -> Result<Option<Value>, TransformError> {
    Transform::compile(expression)?.evaluate(&Value::Null, &Map::new())
}

/// Truto's `$join` (lodash) replaces JSONata's: the separator defaults to `,`.
#[test]
fn join_defaults_to_comma() -> Result<(), TransformError> {
    assert_eq!(eval("$join(['a', 'b'])")?, Some(json!("a,b")));
    assert_eq!(eval("$join(['a', 'b'], '')")?, Some(json!("ab")));
    Ok(())
}

/// Truto's `$join` joins any values, where JSONata raises T0412 for non-strings.
#[test]
fn join_accepts_non_strings() -> Result<(), TransformError> {
    assert_eq!(eval("$join([1, true, 'x'], '-')")?, Some(json!("1-true-x")));
    Ok(())
}

/// A lone UTF-16 surrogate cannot be a Rust string: jsonata-js raises D3140 from
/// `$encodeUrl`, jsonata-core rejects the escape when parsing.
#[test]
fn lone_surrogate_escape_is_syntax_error() {
    for expression in ["$encodeUrl('\\uD800')", "$encodeUrlComponent('\\uD800')"] {
        let error = eval(expression).expect_err("a lone surrogate does not evaluate");
        assert_eq!(error.code(), Some("S0104"), "{expression}: {error}");
    }
}

/// jsonata-core reports an unclosed comment without a code; Weft adds JSONata's.
#[test]
fn unclosed_comment_is_s0106() {
    let error = Transform::compile("1 /* no end").expect_err("an unclosed comment");
    assert_eq!(error.code(), Some("S0106"));
    assert!(error.to_string().contains("Comment has no closing tag"));
}
