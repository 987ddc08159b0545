//! Markdown to Slack Block Kit blocks in the layout of `$convertMarkdownToSlack`.
//!
//! The reference walks marked's tokens: a heading becomes a `header`, a rule a
//! `divider`, an image an `image` block, each blank gap between blocks a section
//! holding `"\n"`, and code blocks and quotes a section with their Markdown source.
//! Paragraphs keep their source except `**strong**`, which becomes `*strong*`, and
//! links, which become `<url|text>`. Lists become one section with a `•` or number per
//! item, nested items flattened into the same numbering. Tables and HTML blocks are
//! dropped.

use pulldown_cmark::{Event, Tag};
use serde_json::{Value, json};

use super::tree::{self, Node};

/// Inline output: text that joins into a section, or a block (an image) that follows it.
enum Piece {
    Text(String),
    Block(Value),
}

pub(super) fn render(markdown: &str) -> Value {
    let nodes = tree::parse(markdown);
    let mut out = Vec::new();
    for block in tree::blocks(markdown, &nodes) {
        out.extend(render_block(markdown, block.node, &block.raw));
        if block.space_after {
            out.push(section("\n"));
        }
    }
    Value::Array(out)
}

fn section(text: &str) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})
}

fn render_block(markdown: &str, node: &Node<'_>, raw: &str) -> Vec<Value> {
    match (&node.event, node.tag()) {
        (Event::Rule, _) => vec![json!({"type": "divider"})],
        (_, Some(Tag::Heading { .. })) => {
            let text = markdown[node.inner_range()].trim();
            vec![
                json!({"type": "header", "text": {"type": "plain_text", "text": text, "emoji": true}}),
            ]
        }
        (_, Some(Tag::Paragraph)) => inline_sections(markdown, &node.children),
        (_, Some(Tag::CodeBlock(_) | Tag::BlockQuote(_))) => vec![section(raw)],
        (_, Some(Tag::List(start))) => vec![section(&list_text(markdown, node, start.is_some()))],
        _ => Vec::new(),
    }
}

/// Renders a paragraph or list-item text as one section for its text, then its images.
fn inline_sections(markdown: &str, children: &[Node<'_>]) -> Vec<Value> {
    let pieces = inline_pieces(markdown, children);
    let mut text = String::new();
    let mut has_text = false;
    let mut blocks = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Text(part) => {
                text.push_str(&part);
                has_text = true;
            }
            Piece::Block(block) => blocks.push(block),
        }
    }
    let mut out = Vec::new();
    if has_text {
        out.push(section(&text));
    }
    out.extend(blocks);
    out
}

/// Returns the source of an inline run with strong text, links and images rewritten.
fn inline_pieces(markdown: &str, children: &[Node<'_>]) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let Some(first) = children.first() else {
        return pieces;
    };
    let mut cursor = first.range.start;
    for child in children {
        let rewritten = match child.tag() {
            Some(Tag::Strong) => Piece::Text(format!("*{}*", &markdown[child.inner_range()])),
            Some(Tag::Link { dest_url, .. }) => {
                Piece::Text(format!("<{dest_url}|{}>", &markdown[child.inner_range()]))
            }
            Some(Tag::Image { dest_url, .. }) => Piece::Block(json!({
                "type": "image",
                "image_url": dest_url.to_string(),
                "alt_text": &markdown[child.inner_range()],
            })),
            _ => continue,
        };
        if child.range.start > cursor {
            pieces.push(Piece::Text(markdown[cursor..child.range.start].to_string()));
        }
        pieces.push(rewritten);
        cursor = child.range.end;
    }
    let end = children.last().map_or(cursor, |last| last.range.end);
    if end > cursor {
        pieces.push(Piece::Text(markdown[cursor..end].to_string()));
    }
    pieces
}

/// Joins every item's sections, flattened, each non-empty text prefixed with `•` or its
/// position in the flattened list.
fn list_text(markdown: &str, list: &Node<'_>, ordered: bool) -> String {
    let sections: Vec<Value> = list
        .children
        .iter()
        .flat_map(|item| item_sections(markdown, item))
        .collect();
    let texts = sections
        .iter()
        .filter_map(|section| section["text"]["text"].as_str())
        .filter(|text| !text.is_empty());
    let lines: Vec<String> = texts
        .enumerate()
        .map(|(i, text)| {
            let marker = if ordered {
                format!("{}.", i + 1)
            } else {
                "•".to_string()
            };
            format!("{marker} {text}")
        })
        .collect();
    lines.join("\n")
}

/// Renders one list item: its inline text, then nested blocks in order.
fn item_sections(markdown: &str, item: &Node<'_>) -> Vec<Value> {
    let mut out = Vec::new();
    let mut inline: Vec<&Node<'_>> = Vec::new();
    let is_block = |node: &Node<'_>| {
        matches!(node.event, Event::Rule)
            || matches!(
                node.tag(),
                Some(
                    Tag::Paragraph
                        | Tag::List(_)
                        | Tag::CodeBlock(_)
                        | Tag::BlockQuote(_)
                        | Tag::Heading { .. }
                )
            )
    };
    for child in &item.children {
        if matches!(child.event, Event::TaskListMarker(_)) {
            continue;
        }
        if !is_block(child) {
            inline.push(child);
            continue;
        }
        out.extend(flush_inline(markdown, &mut inline));
        let raw = markdown[child.range.clone()].trim_end_matches('\n');
        out.extend(render_block(markdown, child, raw));
    }
    out.extend(flush_inline(markdown, &mut inline));
    out
}

fn flush_inline(markdown: &str, inline: &mut Vec<&Node<'_>>) -> Vec<Value> {
    if inline.is_empty() {
        return Vec::new();
    }
    let owned: Vec<Node<'_>> = inline.drain(..).map(shallow_copy).collect();
    inline_sections(markdown, &owned)
}

/// Copies a node's event and range without its children, enough for
/// [`inline_pieces`], which reads children only through `inner_range`.
fn shallow_copy<'a>(node: &Node<'a>) -> Node<'a> {
    let children = match (node.children.first(), node.children.last()) {
        (Some(first), Some(last)) if first.range.start < last.range.end => vec![Node {
            event: Event::Text("".into()),
            range: first.range.start..last.range.end,
            children: Vec::new(),
        }],
        _ => Vec::new(),
    };
    Node {
        event: node.event.clone(),
        range: node.range.clone(),
        children,
    }
}
