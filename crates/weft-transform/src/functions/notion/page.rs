//! The page form: a flat list of blocks to one Markdown document.

use std::collections::HashMap;

use serde_json::Value;

use super::{Block, ConvertError, absolute_href, caption_or, file_url, heading_depth, js};

const BLANK_LINE: &str = "\n\n";
const LIST_TYPES: [&str; 3] = ["to_do", "numbered_list_item", "bulleted_list_item"];

/// One entry of the page: a block from the input, or the empty paragraph that ends a list.
#[derive(Clone, Copy)]
enum Node<'a> {
    Block(Block<'a>),
    ListEnd,
}

/// The page's blocks in input order, with the children of each block indexed by its id.
struct Page<'a> {
    nodes: Vec<Node<'a>>,
    children: HashMap<&'a str, Vec<usize>>,
}

/// The rules for one sibling sequence: its indent level and whether numbered items count.
#[derive(Clone, Copy)]
struct Sequence {
    level: usize,
    numbered: bool,
}

pub(super) fn render_page(blocks: &Value) -> Result<String, ConvertError> {
    let page = Page::new(blocks);
    let top_level: Vec<usize> = (0..page.nodes.len())
        .filter(|&position| !page.is_child(position))
        .collect();
    let sequence = Sequence {
        level: 1,
        numbered: true,
    };
    let parts = page.render_sequence(&top_level, sequence, &mut Vec::new())?;
    Ok(parts.concat())
}

impl<'a> Page<'a> {
    /// Lays out the nodes, ending each run of list items with an empty paragraph as the
    /// reference does, so that the next block starts after a blank line.
    fn new(blocks: &'a Value) -> Self {
        let blocks = match blocks {
            Value::Array(items) => items.as_slice(),
            single => std::slice::from_ref(single),
        };
        let mut nodes = Vec::with_capacity(blocks.len() + blocks.len() / 4);
        for (index, value) in blocks.iter().enumerate() {
            nodes.push(Node::Block(Block { value, index }));
            let next_is_list = blocks.get(index + 1).is_some_and(is_list_item);
            if is_list_item(value) && !next_is_list {
                nodes.push(Node::ListEnd);
            }
        }
        let children = index_children(&nodes);
        Page { nodes, children }
    }

    fn is_child(&self, position: usize) -> bool {
        match self.nodes[position] {
            Node::Block(block) => {
                let parent_type = block.value.get("parent").and_then(|p| p.get("type"));
                parent_type.and_then(Value::as_str) == Some("block_id")
            }
            Node::ListEnd => false,
        }
    }

    /// Renders siblings in order. A numbered item takes the next number of its run, and
    /// any other block ends the run.
    fn render_sequence(
        &self,
        positions: &[usize],
        sequence: Sequence,
        ancestors: &mut Vec<&'a str>,
    ) -> Result<Vec<String>, ConvertError> {
        let mut parts = Vec::with_capacity(positions.len());
        let mut number = 0;
        for &position in positions {
            let block = match self.nodes[position] {
                Node::Block(block) => block,
                Node::ListEnd => {
                    number = 0;
                    parts.push(BLANK_LINE.to_owned());
                    continue;
                }
            };
            let is_numbered =
                block.value.get("type").and_then(Value::as_str) == Some("numbered_list_item");
            number = if is_numbered { number + 1 } else { 0 };
            let label = sequence.numbered.then_some(number);
            parts.push(self.render_block(block, sequence.level, label, ancestors)?);
        }
        Ok(parts)
    }

    /// Renders the children of `block` joined by `separator`, or nothing when it has none.
    fn render_children(
        &self,
        block: Block<'a>,
        sequence: Sequence,
        separator: &str,
        ancestors: &mut Vec<&'a str>,
    ) -> Result<String, ConvertError> {
        let Some(positions) = self.child_positions(block) else {
            return Ok(String::new());
        };
        let Some(id) = block.id() else {
            return Ok(String::new());
        };
        if ancestors.contains(&id) {
            return Err(ConvertError::ParentCycle {
                block: block.label(),
            });
        }
        ancestors.push(id);
        let parts = self.render_sequence(positions, sequence, ancestors);
        ancestors.pop();
        Ok(parts?.join(separator))
    }

    /// Returns the positions of the block's children, or `None` when `has_children` is
    /// not set, in which case the reference ignores any children in the input.
    fn child_positions(&self, block: Block<'a>) -> Option<&[usize]> {
        if !js::is_truthy(block.value.get("has_children")) {
            return None;
        }
        let id = block.id()?;
        Some(self.children.get(id).map_or(&[], Vec::as_slice))
    }

    fn render_block(
        &self,
        block: Block<'a>,
        level: usize,
        number: Option<usize>,
        ancestors: &mut Vec<&'a str>,
    ) -> Result<String, ConvertError> {
        let (block_type, data) = block.type_and_data()?;
        let text = rich_text(&block, data)?;
        let flat = Sequence {
            level,
            numbered: false,
        };
        let markdown = match block_type {
            "bookmark" => {
                let url = js::interpolate(data.get("url"));
                format!("[{url}]({url}){BLANK_LINE}")
            }
            "bulleted_list_item" => {
                let marker = format!("- {text}\n");
                self.render_list_item(block, marker, level, ancestors)?
            }
            "numbered_list_item" => {
                let number = number.map_or_else(|| "undefined".to_owned(), |n| n.to_string());
                let marker = format!("{number}. {text}\n");
                self.render_list_item(block, marker, level, ancestors)?
            }
            "to_do" => {
                let checked = if js::is_truthy(data.get("checked")) {
                    'X'
                } else {
                    ' '
                };
                let marker = format!("- [{checked}] {text}\n");
                self.render_list_item(block, marker, level, ancestors)?
            }
            "quote" | "callout" => format!("> {text}{BLANK_LINE}"),
            "code" => {
                let language = js::interpolate(data.get("language"));
                format!("```{language}\n{text}\n```{BLANK_LINE}")
            }
            "divider" => format!("---{BLANK_LINE}"),
            "embed" => {
                let title = caption_or(&block, data, "Embed")?;
                let url = js::interpolate(data.get("url"));
                format!("[{title}]({url}){BLANK_LINE}")
            }
            "equation" => {
                let expression = js::interpolate(data.get("expression"));
                format!("$${expression}$${BLANK_LINE}")
            }
            "paragraph" => format!("{text}{BLANK_LINE}"),
            "video" | "pdf" | "file" => {
                let title = caption_or(&block, data, "File")?;
                format!("[{title}]({}){BLANK_LINE}", file_url(data))
            }
            "image" => {
                let title = caption_or(&block, data, "Image")?;
                format!("![{title}]({}){BLANK_LINE}", file_url(data))
            }
            "child_page" => {
                let title = match data.get("title") {
                    title if js::is_truthy(title) => js::interpolate(title),
                    _ => "Untitled Page".to_owned(),
                };
                let children = self.render_children(block, flat, "", ancestors)?;
                format!("{title}{BLANK_LINE}{children}")
            }
            "table" => self.render_table(block, data)?,
            "table_row" => format!("{}\n", table_row(&block, data)?),
            heading if heading_depth(heading).is_some() => {
                let hashes = "#".repeat(heading_depth(heading).unwrap_or(1));
                format!("{hashes} {text}{BLANK_LINE}")
            }
            _ => {
                let children = self.render_children(block, flat, "", ancestors)?;
                format!("{text}{BLANK_LINE}{children}")
            }
        };
        Ok(markdown)
    }

    /// Renders a list item's line, then its children one tab deeper.
    fn render_list_item(
        &self,
        block: Block<'a>,
        marker: String,
        level: usize,
        ancestors: &mut Vec<&'a str>,
    ) -> Result<String, ConvertError> {
        let indent = "\t".repeat(level);
        let nested = Sequence {
            level: level + 1,
            numbered: true,
        };
        let children = self.render_children(block, nested, &indent, ancestors)?;
        if children.is_empty() {
            Ok(marker)
        } else {
            Ok(format!("{marker}{indent}{children}"))
        }
    }

    /// Renders a table: its first row is the header, the rest are body rows.
    fn render_table(&self, block: Block<'a>, data: &Value) -> Result<String, ConvertError> {
        let Some(positions) = self.child_positions(block) else {
            return Ok("Table as CSV\n".to_owned());
        };
        let mut rows = positions.iter().filter_map(|&p| match self.nodes[p] {
            Node::Block(row) => Some(row),
            Node::ListEnd => None,
        });
        let Some(header) = rows.next() else {
            return Err(ConvertError::TableWithoutRows {
                block: block.label(),
            });
        };
        let header = table_row_of_child(header)?;
        let divider = "---|".repeat(column_count(data.get("table_width")));
        let body: Vec<String> = rows.map(table_row_of_child).collect::<Result<_, _>>()?;
        Ok(format!(
            "{header}\n|{divider}\n{}{BLANK_LINE}",
            body.join("\n")
        ))
    }
}

/// Maps each block id to the positions of the blocks that name it as their parent.
fn index_children<'a>(nodes: &[Node<'a>]) -> HashMap<&'a str, Vec<usize>> {
    let mut children: HashMap<&str, Vec<usize>> = HashMap::new();
    for (position, node) in nodes.iter().enumerate() {
        let Node::Block(block) = node else { continue };
        if let Some(parent) = parent_id(block.value) {
            children.entry(parent).or_default().push(position);
        }
    }
    children
}

fn parent_id(block: &Value) -> Option<&str> {
    let direct = block.get("parent_id").and_then(Value::as_str);
    direct.or_else(|| block.get("parent")?.get("block_id")?.as_str())
}

fn is_list_item(block: &Value) -> bool {
    let block_type = block.get("type").and_then(Value::as_str);
    block_type.is_some_and(|t| LIST_TYPES.contains(&t))
}

/// Reads `table_width` as lodash's `repeat` does: truncated, and 0 when not a number.
fn column_count(width: Option<&Value>) -> usize {
    let width = match width {
        Some(Value::Number(number)) => number.as_f64().unwrap_or(0.0),
        Some(Value::String(text)) => text.trim().parse().unwrap_or(0.0),
        _ => 0.0,
    };
    if width.is_finite() && width > 0.0 {
        width as usize
    } else {
        0
    }
}

/// Renders a block's `rich_text` with annotations and links, segments joined.
fn rich_text(block: &Block<'_>, data: &Value) -> Result<String, ConvertError> {
    let segments = block.array_field(data, "rich_text")?;
    Ok(segments.iter().filter_map(format_segment).collect())
}

/// Renders one rich-text segment. A link wins over annotations, as in the reference.
fn format_segment(segment: &Value) -> Option<String> {
    if !js::is_truthy(Some(segment)) {
        return None;
    }
    let plain_text = segment.get("plain_text");
    let href = segment.get("href");
    if js::is_truthy(href) {
        let href = absolute_href(&js::interpolate(href));
        return Some(format!("[{}]({href})", js::interpolate(plain_text)));
    }
    let annotation = |name: &str| {
        let annotations = segment.get("annotations");
        js::is_truthy(annotations.and_then(|a| a.get(name)))
    };
    let wrappers = [
        ("code", "`"),
        ("bold", "**"),
        ("italic", "_"),
        ("underline", "_"),
        ("strikethrough", "~~"),
    ];
    let active: Vec<&str> = wrappers
        .iter()
        .filter(|(name, _)| annotation(name))
        .map(|(_, mark)| *mark)
        .collect();
    if active.is_empty() {
        return match plain_text {
            None | Some(Value::Null) => None,
            Some(text) => Some(js::to_string(text)),
        };
    }
    let mut text = js::interpolate(plain_text);
    for mark in active {
        text = format!("{mark}{text}{mark}");
    }
    Some(text)
}

fn table_row_of_child(row: Block<'_>) -> Result<String, ConvertError> {
    let data = row.value.get("table_row");
    match data {
        Some(data) if data.is_object() => table_row(&row, data),
        _ => Err(row.invalid_field("table_row", data)),
    }
}

/// Renders a table row's cells as `| a | b |`.
fn table_row(row: &Block<'_>, data: &Value) -> Result<String, ConvertError> {
    let cells = match data.get("cells") {
        Some(Value::Array(cells)) => cells,
        other => return Err(row.invalid_field("cells", other)),
    };
    let mut rendered = Vec::with_capacity(cells.len());
    for cell in cells {
        let Value::Array(segments) = cell else {
            return Err(row.invalid_field("cells", Some(cell)));
        };
        rendered.push(
            segments
                .iter()
                .filter_map(format_segment)
                .collect::<String>(),
        );
    }
    Ok(format!("| {} |", rendered.join(" | ")))
}
