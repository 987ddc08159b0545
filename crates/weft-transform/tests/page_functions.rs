//! `$sortNodes` and `$convertNotionToMarkdown` called from expressions, where they read
//! the engine's values in place, against the same functions called on JSON.

use std::path::PathBuf;

use serde_json::{Map, Value, json};
use weft_transform::Transform;
use weft_transform::functions::notion::notion_to_markdown;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn evaluate(expression: &str, input: &Value) -> Result<Option<Value>, String> {
    Transform::compile(expression)
        .and_then(|transform| transform.evaluate(input, &Map::new()))
        .map_err(|error| error.to_string())
}

/// The Notion pages of the golden converter cases.
fn golden_pages() -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/golden/converters.json");
    let golden: Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let cases = golden["cases"].as_array().ok_or("cases is not an array")?;
    let pages = cases
        .iter()
        .filter(|case| case["function"] == "convertNotionToMarkdown")
        .map(|case| case["input"].clone());
    Ok(pages.collect())
}

/// Renders `blocks` in an expression and on JSON; both must agree, errors included.
fn assert_renders_as_on_json(blocks: &Value) {
    let on_json = notion_to_markdown(blocks).map_err(|error| error.to_string());
    let in_expression = evaluate(
        "$convertNotionToMarkdown(blocks)",
        &json!({ "blocks": blocks }),
    );
    match (in_expression, on_json) {
        (Ok(Some(Value::String(text))), Ok(expected)) => assert_eq!(text, expected),
        (Err(error), Err(expected)) => assert!(
            error.contains(&format!("$convertNotionToMarkdown: {expected}")),
            "{error} does not report {expected}"
        ),
        (actual, expected) => panic!("expression gave {actual:?}, JSON gave {expected:?}"),
    }
}

#[test]
fn notion_pages_render_in_expressions_as_on_json() -> TestResult {
    let pages = golden_pages()?;
    assert!(!pages.is_empty(), "no golden Notion pages");
    for page in &pages {
        assert_renders_as_on_json(page);
    }
    Ok(())
}

#[test]
fn notion_errors_in_expressions_quote_the_whole_field() {
    let bad_text = json!([{"id": "b1", "type": "paragraph", "paragraph": {"rich_text": "plain"}}]);
    assert_renders_as_on_json(&bad_text);
    let not_object = json!([["nested"]]);
    assert_renders_as_on_json(&not_object);
    let no_data = json!({"id": "b2", "type": "quote", "quote": null});
    assert_renders_as_on_json(&no_data);
}

#[test]
fn notion_segments_keep_what_the_renderer_reads() {
    let segment = json!({
        "type": "text",
        "text": {"content": "ignored", "link": null},
        "annotations": {"bold": true, "code": true},
        "plain_text": "shown",
        "href": null
    });
    let page = json!([
        {"id": "p", "type": "paragraph", "has_children": true,
         "paragraph": {"rich_text": [segment, "loose", null]}},
        {"id": "c", "type": "image", "parent": {"type": "block_id", "block_id": "p"},
         "image": {"caption": [segment], "external": {"url": "https://example.invalid/a.png"}}},
        {"id": "t", "type": "id", "id": "t"}
    ]);
    assert_renders_as_on_json(&page);
}

#[test]
fn sorted_nodes_match_sorting_on_json() -> TestResult {
    let nodes = json!([
        {"id": "b", "parent_id": "a", "sequence": 2, "children": [1], "data": {"x": [1, 2]}},
        {"id": "a", "sequence": 1},
        {"id": "c", "parent_id": "a", "sequence": 1, "meta": {"id": "m"}},
        "loose",
        {"id": "d", "parent_id": "missing"}
    ]);
    let input = json!({ "nodes": nodes });
    let sorted = evaluate("$sortNodes(nodes)", &input)?.ok_or("no value")?;
    assert_eq!(
        sorted,
        json!([
            {"id": "a", "sequence": 1},
            {"id": "c", "parent_id": "a", "sequence": 1, "meta": {"id": "m"}},
            {"id": "b", "parent_id": "a", "sequence": 2, "data": {"x": [1, 2]}},
            "loose",
            {"id": "d", "parent_id": "missing"}
        ])
    );
    Ok(())
}

#[test]
fn sort_nodes_reads_keys_given_as_paths() -> TestResult {
    let child = json!({"k": {"id": "y"}, "p": {"id": "x"}, "s": {"n": 1}});
    let root = json!({"k": {"id": "x"}});
    let input = json!({ "nodes": [child, root] });
    let sorted = evaluate("$sortNodes(nodes, 'k.id', 'p.id', 's.n')", &input)?;
    assert_eq!(sorted, Some(json!([root, child])));
    Ok(())
}

#[test]
fn sort_nodes_rejects_a_non_array() {
    let error = evaluate("$sortNodes(nodes)", &json!({"nodes": {"id": "a"}}));
    let message = error.expect_err("an object is not a node list");
    assert!(
        message.contains("$sortNodes expects an array of nodes"),
        "{message}"
    );
}
