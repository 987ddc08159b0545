//! Markdown to Notion blocks in the layout of `$convertMarkdownToNotion`.
//!
//! The reference walks marked 14's tokens and returns `{children: [...]}`:
//! - each blank gap between blocks becomes a paragraph holding `"\n"`, a rule a
//!   `divider`, a heading `heading_<depth>` (4 to 6 included);
//! - a paragraph keeps its text as rich text and moves its images out as `image`
//!   blocks after it. A quote becomes a `callout` with the text of its first block;
//! - text is split at newlines into rich-text items (empty lines dropped, a `"\n"` item
//!   between) and into pieces of at most 2000 UTF-16 units; code blocks do the same
//!   with `"\n\n"` between lines;
//! - emphasis and strong set `italic` and `bold` annotations, links set `text.link`,
//!   strikethrough and line breaks leave no trace;
//! - list items take the type of the first item (`to_do` when it is a task), their
//!   text as `rich_text` and everything else as `children`;
//! - tables have a column header; the header row gets one cell per rich-text item.

use serde_json::{Map, Value, json};

use super::lex::{self, Block, Inline, Mark};

/// Notion's limit on the length of one rich-text item, in UTF-16 units.
const CHUNK_UNITS: usize = 2000;

pub(super) fn render(markdown: &str) -> Value {
    json!({"children": blocks(&lex::lex(markdown))})
}

fn blocks(tokens: &[Block]) -> Vec<Value> {
    tokens.iter().flat_map(block).collect()
}

fn block(token: &Block) -> Vec<Value> {
    match token {
        Block::Space(_) => vec![paragraph(vec![text_item("\n")])],
        Block::Hr => vec![json!({"type": "divider", "divider": {}})],
        Block::Paragraph(tokens) => paragraph_blocks(inlines(tokens)),
        Block::Text(tokens) => inlines(tokens),
        Block::Heading { depth, tokens } => {
            let kind = format!("heading_{depth}");
            vec![json!({"type": kind, kind.clone(): {"rich_text": inlines(tokens)}})]
        }
        Block::Code { lang, text } => vec![code(lang.as_deref(), text)],
        Block::Blockquote(children) => {
            let rich_text = match children.first() {
                Some(
                    Block::Paragraph(tokens) | Block::Text(tokens) | Block::Heading { tokens, .. },
                ) => inlines(tokens),
                _ => Vec::new(),
            };
            vec![json!({"type": "callout", "callout": {"rich_text": rich_text}})]
        }
        Block::List(list) => list_items(list),
        Block::Table(table) => vec![self::table(table)],
        Block::Html(text) => text_items(&lex::decode_entities(text), "\n", None),
    }
}

fn paragraph(rich_text: Vec<Value>) -> Value {
    json!({"type": "paragraph", "paragraph": {"rich_text": rich_text}})
}

/// Builds a paragraph of the non-image items, then the images as blocks of their own.
fn paragraph_blocks(items: Vec<Value>) -> Vec<Value> {
    let (images, other): (Vec<Value>, Vec<Value>) =
        items.into_iter().partition(|item| item["type"] == "image");
    let mut out = Vec::new();
    if !other.is_empty() {
        out.push(paragraph(other));
    }
    out.extend(images);
    out
}

fn code(lang: Option<&str>, text: &str) -> Value {
    json!({
        "type": "code",
        "code": {
            "rich_text": text_items(text, "\n\n", None),
            "language": lang.unwrap_or("plain text"),
        },
    })
}

fn list_items(list: &lex::List) -> Vec<Value> {
    let kind = match list.items.first() {
        Some(item) if item.task => "to_do",
        _ if list.ordered => "numbered_list_item",
        _ => "bulleted_list_item",
    };
    list.items
        .iter()
        .map(|item| {
            let (text, children): (Vec<Value>, Vec<Value>) = blocks(&item.tokens)
                .into_iter()
                .partition(|child| child["type"] == "text");
            let mut body = Map::new();
            if !text.is_empty() {
                body.insert("rich_text".into(), Value::Array(text));
            }
            if !children.is_empty() {
                body.insert("children".into(), Value::Array(children));
            }
            if kind == "to_do"
                && let Some(checked) = item.checked
            {
                body.insert("checked".into(), Value::Bool(checked));
            }
            json!({"type": kind, kind: body})
        })
        .collect()
}

fn table(table: &lex::Table) -> Value {
    let header: Vec<Value> = table
        .header
        .iter()
        .flat_map(|cell| inlines(cell))
        .map(|item| json!([item]))
        .collect();
    let mut rows = vec![json!({"type": "table_row", "table_row": {"cells": header}})];
    for row in &table.rows {
        let cells: Vec<Value> = row.iter().map(|cell| Value::Array(inlines(cell))).collect();
        rows.push(json!({"type": "table_row", "table_row": {"cells": cells}}));
    }
    json!({
        "type": "table",
        "table": {
            "table_width": table.header.len(),
            "has_column_header": true,
            "has_row_header": false,
            "children": rows,
        },
    })
}

/// Converts inline tokens to rich-text items (and image blocks, which paragraphs move
/// out).
fn inlines(tokens: &[Inline]) -> Vec<Value> {
    tokens.iter().flat_map(inline).collect()
}

fn inline(token: &Inline) -> Vec<Value> {
    match token {
        Inline::Text(text) | Inline::Escape(text) | Inline::Html(text) => {
            text_items(&lex::decode_entities(text), "\n", None)
        }
        Inline::Codespan(text) => text_items(text, "\n", Some(json!({"code": true}))),
        Inline::Br => Vec::new(),
        Inline::Image { href, .. } => vec![json!({
            "type": "image",
            "image": {"type": "external", "external": {"url": href}},
        })],
        Inline::Marked { mark, tokens, .. } => {
            let mut items = inlines(tokens);
            let annotation = match mark {
                Mark::Em => Some("italic"),
                Mark::Strong => Some("bold"),
                Mark::Del => None,
            };
            if let Some(annotation) = annotation {
                items.iter_mut().for_each(|item| annotate(item, annotation));
            }
            items
        }
        Inline::Link { href, tokens, .. } => {
            let mut items = inlines(tokens);
            for item in &mut items {
                if let Some(Value::Object(text)) = item.get_mut("text") {
                    text.insert("link".into(), json!({"url": href}));
                }
            }
            items
        }
    }
}

/// Sets `annotations.<name>` to true, creating the object when missing.
fn annotate(item: &mut Value, name: &str) {
    let Value::Object(item) = item else { return };
    let annotations = item
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(annotations) = annotations {
        annotations.insert(name.into(), Value::Bool(true));
    }
}

fn text_item(content: &str) -> Value {
    json!({"type": "text", "text": {"content": content}})
}

/// Splits text into rich-text items: one per piece of each non-empty line, with a
/// `separator` item between lines. `annotations` goes on the pieces, not separators.
fn text_items(text: &str, separator: &str, annotations: Option<Value>) -> Vec<Value> {
    let lines: Vec<Vec<String>> = text
        .split('\n')
        .map(chunks)
        .filter(|pieces| !pieces.is_empty())
        .collect();
    let mut out = Vec::new();
    for (i, pieces) in lines.iter().enumerate() {
        if i > 0 {
            out.push(text_item(separator));
        }
        for piece in pieces {
            let mut item = text_item(piece);
            if let (Some(annotations), Value::Object(map)) = (&annotations, &mut item) {
                map.insert("annotations".into(), annotations.clone());
            }
            out.push(item);
        }
    }
    out
}

/// Splits a line as the reference's `/.{1,2000}/g` does: line terminators other than
/// `\n` (`\r`, U+2028, U+2029) end a piece and are dropped.
///
/// NOTE: the reference counts UTF-16 units and can cut a surrogate pair in two; here a
/// piece ends before a character that would not fit.
fn chunks(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in line.split(['\r', '\u{2028}', '\u{2029}']) {
        let mut piece = String::new();
        let mut units = 0;
        for c in part.chars() {
            if units + c.len_utf16() > CHUNK_UNITS {
                out.push(std::mem::take(&mut piece));
                units = 0;
            }
            piece.push(c);
            units += c.len_utf16();
        }
        if !piece.is_empty() {
            out.push(piece);
        }
    }
    out
}
