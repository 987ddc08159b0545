//! Hostile or unusual spec text: byte order marks, duplicate keys, positions at the
//! end of the text and many problems on one long line.

use weft_spec::{Problem, plan_from_slice, plan_from_str};

const VALID: &str =
    r#"{"integrated_account_id":"a","resources":[{"resource":"x","method":"list"}]}"#;

#[test]
fn accepts_leading_byte_order_mark() {
    let source = format!("\u{feff}{VALID}");
    assert!(plan_from_str(&source, None).is_ok());
}

#[test]
fn positions_ignore_byte_order_mark() {
    let source = "\u{feff}{\"integrated_account_id\": 1, \"resources\": []}";
    let diagnostics = plan_from_str(source, None).expect_err("invalid spec");
    let first = &diagnostics.0[0];
    assert_eq!((first.line, first.column), (Some(1), Some(27)));
}

#[test]
fn rejects_duplicate_key_in_node() {
    let source = r#"{"integrated_account_id":"a","resources":[
  {"name":"n","resource":"x","method":"list","method":"get"}]}"#;
    let diagnostics = plan_from_str(source, Some("spec.json")).expect_err("duplicate key");
    assert_eq!(diagnostics.0.len(), 1);
    let diagnostic = &diagnostics.0[0];
    assert!(matches!(
        &diagnostic.problem,
        Problem::DuplicateKey { key } if key == "method"
    ));
    assert_eq!(diagnostic.node.as_deref(), Some("n"));
    assert_eq!(diagnostic.field.as_deref(), Some("method"));
    assert_eq!((diagnostic.line, diagnostic.column), (Some(2), Some(46)));
    assert_eq!(
        diagnostic.to_string(),
        "spec.json:2:46: node 'n': duplicate key 'method' (JSON keeps only the last value; remove the other)"
    );
}

#[test]
fn rejects_duplicate_top_level_key() {
    let source = r#"{"integrated_account_id":"a","integrated_account_id":"b","resources":[{"resource":"x","method":"list"}]}"#;
    let diagnostics = plan_from_str(source, None).expect_err("duplicate key");
    assert_eq!(diagnostics.0.len(), 1);
    assert_eq!(diagnostics.0[0].node, None);
    assert_eq!(diagnostics.0[0].column, Some(30));
}

#[test]
fn same_key_in_sibling_objects_is_no_duplicate() {
    let source = r#"{"integrated_account_id":"a","resources":[{"resource":"x","method":"list","query":{"a":{"b":1},"c":{"b":2}}}]}"#;
    assert!(plan_from_str(source, None).is_ok());
}

#[test]
fn syntax_error_at_end_has_column_from_one() {
    let diagnostics = plan_from_str("\n", None).expect_err("empty text");
    let diagnostic = &diagnostics.0[0];
    assert!(
        diagnostic.column >= Some(1),
        "column {:?}",
        diagnostic.column
    );
}

#[test]
fn reports_invalid_utf8_with_position() {
    let bytes = b"{\n  \"integrated_account_id\": \"a\xff\"}";
    let diagnostics = plan_from_slice(bytes, Some("spec.json")).expect_err("not UTF-8");
    let diagnostic = &diagnostics.0[0];
    assert!(matches!(
        diagnostic.problem,
        Problem::InvalidUtf8 { byte: 0xff, .. }
    ));
    assert_eq!((diagnostic.line, diagnostic.column), (Some(2), Some(30)));
    assert_eq!(
        diagnostic.to_string(),
        "spec.json:2:30: invalid UTF-8: byte 0xff at offset 31 (save the file as UTF-8)"
    );
}

#[test]
fn places_every_problem_on_one_long_line() {
    let node = r#"{"name":"n","resource":"x","method":"l"}"#;
    let nodes = vec![node; 2_000].join(",");
    let source = format!(r#"{{"integrated_account_id":"a","resources":[{nodes}]}}"#);
    let diagnostics = plan_from_str(&source, None).expect_err("duplicate names");
    assert_eq!(diagnostics.0.len(), 1_999);
    for (at, diagnostic) in diagnostics.0.iter().enumerate() {
        let node_start = 42 + 41 * (at + 1);
        assert_eq!(diagnostic.line, Some(1));
        assert_eq!(diagnostic.column, Some(node_start + 9), "diagnostic {at}");
    }
}
