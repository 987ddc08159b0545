//! `$convertNotionToMarkdown` and `$convertNotionToMd` against the reference's expected
//! values in `tests/data/vectors`.

use std::path::PathBuf;

use serde_json::Value;
use weft_transform::functions::notion::{notion_block_to_markdown, notion_to_markdown};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn vectors(file: &str) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/vectors")
        .join(file);
    let text = std::fs::read_to_string(&path)?;
    Ok(serde_json::from_str(&text)?)
}

/// Fails with the first differing line of `actual` and `expected`, whitespace made visible.
fn assert_same_text(name: &str, actual: &str, expected: &str) {
    if actual == expected {
        return;
    }
    let visible = |line: &str| line.replace('\t', "→").replace(' ', "·");
    let actual_lines: Vec<&str> = actual.split('\n').collect();
    let expected_lines: Vec<&str> = expected.split('\n').collect();
    let line = (0..actual_lines.len().max(expected_lines.len()))
        .find(|&i| actual_lines.get(i) != expected_lines.get(i))
        .unwrap_or(0);
    panic!(
        "{name}: output differs at line {}\n  expected: {:?}\n  actual:   {:?}\nfull actual output:\n{actual}",
        line + 1,
        expected_lines.get(line).map(|l| visible(l)),
        actual_lines.get(line).map(|l| visible(l)),
    );
}

#[test]
fn full_page_matches_reference() -> TestResult {
    for case in vectors("convertNotionToMarkdown.json")? {
        let name = case["name"].as_str().unwrap_or("unnamed");
        let blocks = &case["input"]["bindings"]["blocks"];
        let expected = case["expected"]
            .as_str()
            .ok_or("expected is not a string")?;
        assert_same_text(name, &notion_to_markdown(blocks)?, expected);
    }
    Ok(())
}

#[test]
fn single_blocks_match_reference() -> TestResult {
    let cases = vectors("jsonata-functions.json")?;
    let cases: Vec<&Value> = cases
        .iter()
        .filter(|case| {
            case["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("convertNotionToMd "))
        })
        .collect();
    assert!(
        cases.len() >= 2,
        "expected convertNotionToMd cases in the vectors"
    );
    for case in cases {
        let name = case["name"].as_str().unwrap_or("unnamed");
        let block = &case["input"]["bindings"]["b"];
        let expected = case["expected"]
            .as_str()
            .ok_or("expected is not a string")?;
        assert_same_text(name, &notion_block_to_markdown(block)?, expected);
    }
    Ok(())
}

fn text(content: &str) -> Value {
    serde_json::json!({ "plain_text": content, "annotations": {}, "href": null })
}

fn block(id: &str, parent: Option<&str>, block_type: &str, data: Value) -> Value {
    let parent_value = match parent {
        Some(parent) => serde_json::json!({ "type": "block_id", "block_id": parent }),
        None => serde_json::json!({ "type": "page_id", "page_id": "page" }),
    };
    let mut value = serde_json::json!({
        "id": id,
        "parent": parent_value,
        "parent_id": parent.unwrap_or("page"),
        "has_children": false,
        "type": block_type,
    });
    value[block_type] = data;
    value
}

fn with_children(mut value: Value) -> Value {
    value["has_children"] = Value::Bool(true);
    value
}

#[test]
fn bookmark_links_to_its_own_url() -> TestResult {
    let blocks = serde_json::json!([block(
        "b",
        None,
        "bookmark",
        serde_json::json!({ "url": "https://a.example" })
    )]);
    assert_eq!(
        notion_to_markdown(&blocks)?,
        "[https://a.example](https://a.example)\n\n"
    );
    Ok(())
}

#[test]
fn code_block_joins_segments_without_separator() -> TestResult {
    let data = serde_json::json!({ "language": "rust", "rich_text": [text("let a = 1;\n"), text("let b = 2;")] });
    let blocks = serde_json::json!([block("c", None, "code", data)]);
    assert_eq!(
        notion_to_markdown(&blocks)?,
        "```rust\nlet a = 1;\nlet b = 2;\n```\n\n"
    );
    Ok(())
}

#[test]
fn block_equation_renders_display_math() -> TestResult {
    let blocks = serde_json::json!([
        block(
            "e",
            None,
            "equation",
            serde_json::json!({ "expression": "e=mc^2" })
        ),
        block(
            "p",
            None,
            "paragraph",
            serde_json::json!({ "rich_text": [text("after")] })
        ),
    ]);
    assert_eq!(notion_to_markdown(&blocks)?, "$$e=mc^2$$\n\nafter\n\n");
    Ok(())
}

#[test]
fn numbered_items_under_bullet_count_from_one() -> TestResult {
    let blocks = serde_json::json!([
        with_children(block(
            "a",
            None,
            "bulleted_list_item",
            serde_json::json!({ "rich_text": [text("bullet")] })
        )),
        block(
            "n1",
            Some("a"),
            "numbered_list_item",
            serde_json::json!({ "rich_text": [text("one")] })
        ),
        block(
            "n2",
            Some("a"),
            "numbered_list_item",
            serde_json::json!({ "rich_text": [text("two")] })
        ),
    ]);
    assert_eq!(
        notion_to_markdown(&blocks)?,
        "- bullet\n\t1. one\n\t2. two\n\n\n"
    );
    Ok(())
}

#[test]
fn numbered_items_under_toggle_keep_reference_output() -> TestResult {
    let blocks = serde_json::json!([
        with_children(block(
            "t",
            None,
            "toggle",
            serde_json::json!({ "rich_text": [text("toggle")] })
        )),
        block(
            "n1",
            Some("t"),
            "numbered_list_item",
            serde_json::json!({ "rich_text": [text("one")] })
        ),
    ]);
    assert_eq!(
        notion_to_markdown(&blocks)?,
        "toggle\n\nundefined. one\n\n\n"
    );
    Ok(())
}

#[test]
fn children_link_through_parent_block_id() -> TestResult {
    let mut child = block(
        "c",
        Some("a"),
        "to_do",
        serde_json::json!({ "rich_text": [text("inner")], "checked": true }),
    );
    child
        .as_object_mut()
        .ok_or("not an object")?
        .remove("parent_id");
    let blocks = serde_json::json!([
        with_children(block(
            "a",
            None,
            "to_do",
            serde_json::json!({ "rich_text": [text("outer")] })
        )),
        child,
    ]);
    assert_eq!(
        notion_to_markdown(&blocks)?,
        "- [ ] outer\n\t- [X] inner\n\n\n"
    );
    Ok(())
}

#[test]
fn rejects_block_without_type_data() {
    let blocks = serde_json::json!([{ "id": "x1", "type": "paragraph" }]);
    let error = notion_to_markdown(&blocks).err().map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some("notion block 'x1' of type 'paragraph' has no field 'paragraph'")
    );
}

#[test]
fn rejects_table_without_rows() {
    let blocks = serde_json::json!([with_children(block(
        "t1",
        None,
        "table",
        serde_json::json!({ "table_width": 2 })
    ))]);
    let error = notion_to_markdown(&blocks).err().map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some("notion table block 't1' has has_children set but no rows in the input")
    );
}

#[test]
fn rejects_block_that_is_its_own_parent() {
    let mut looped = with_children(block(
        "l",
        Some("l"),
        "toggle",
        serde_json::json!({ "rich_text": [] }),
    ));
    looped["parent"] = serde_json::json!({ "type": "page_id" });
    let blocks = serde_json::json!([looped]);
    let error = notion_to_markdown(&blocks).err().map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some("notion block 'l' is its own ancestor through parent_id")
    );
}

#[test]
fn renders_ten_thousand_block_page() -> TestResult {
    let mut blocks = Vec::new();
    for group in 0..2500 {
        let parent = format!("p{group}");
        let item = serde_json::json!({ "rich_text": [text("item")] });
        blocks.push(with_children(block(
            &parent,
            None,
            "bulleted_list_item",
            item.clone(),
        )));
        for child in 0..3 {
            let id = format!("{parent}-{child}");
            blocks.push(block(
                &id,
                Some(&parent),
                "numbered_list_item",
                item.clone(),
            ));
        }
    }
    let markdown = notion_to_markdown(&Value::Array(blocks))?;
    assert_eq!(markdown.matches("- item\n").count(), 2500);
    assert_eq!(markdown.matches("\t3. item\n").count(), 2500);
    Ok(())
}
