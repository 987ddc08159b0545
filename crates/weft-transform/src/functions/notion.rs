//! Notion blocks to Markdown, matching `@truto/truto-jsonata` 3.0.6.
//!
//! [`notion_to_markdown`] renders a whole page (`$convertNotionToMarkdown`) from the flat,
//! pre-ordered block list that `$sortNodes` returns. [`notion_block_to_markdown`] renders
//! one block on its own (`$convertNotionToMd`), which follows different, older rules.
//!
//! Weft differs from the reference on purpose in four places, all in the page form. A
//! bookmark links to its own URL. A code block joins its rich-text segments with nothing
//! between them. A block equation renders as `$$expression$$` and a blank line. A
//! numbered item nested under a bullet or to-do item is numbered from 1.

mod js;
mod page;
mod single;

use serde_json::Value;

pub use super::convert_error::ConvertError;

/// Renders a page of Notion blocks as Markdown.
///
/// `blocks` is the flat list of blocks in pre-order (a single block is read as a list of
/// one). A block whose `parent.type` is `block_id` is a child: it renders under the block
/// whose `id` equals its `parent_id` (or `parent.block_id`), when that block has
/// `has_children` set.
///
/// Fails when a block is not an object or has no data under its `type`. Also fails on a
/// field of the wrong shape (such as `rich_text` that is not an array), on a table with
/// `has_children` but no rows, and on a block that is its own ancestor.
pub fn notion_to_markdown(blocks: &Value) -> Result<String, ConvertError> {
    page::render_page(blocks)
}

/// Renders one Notion block as Markdown, without its children.
///
/// Fails when the block is not an object, has no `type` or no data under its type, or
/// when a list item, heading, quote or equation has a rich-text segment without text.
pub fn notion_block_to_markdown(block: &Value) -> Result<String, ConvertError> {
    single::render_block(block)
}

/// What [`notion_to_markdown`] reads of each block, so that a caller holding blocks in
/// another form can convert only these parts. An object block is read through
/// [`PAGE_BLOCK_FIELDS`] and the field its `type` names (its data). In the data, each
/// object in an array under [`PAGE_SEGMENT_LISTS`] is a rich-text segment, read
/// through [`PAGE_SEGMENT_FIELDS`]. Everything else is read as a whole.
pub(crate) const PAGE_BLOCK_FIELDS: &[&str] = &[
    "id",
    "type",
    "parent",
    "parent_id",
    "has_children",
    "table_row",
];

/// The fields of a block's data that hold rich-text segments (see [`PAGE_BLOCK_FIELDS`]).
pub(crate) const PAGE_SEGMENT_LISTS: &[&str] = &["rich_text", "caption"];

/// The fields of a rich-text segment the page renderer reads.
pub(crate) const PAGE_SEGMENT_FIELDS: &[&str] = &["plain_text", "href", "annotations"];

/// A block with its position in the input, for error messages.
#[derive(Clone, Copy)]
struct Block<'a> {
    value: &'a Value,
    index: usize,
}

impl<'a> Block<'a> {
    /// Names the block by its id, or by its position when it has none.
    fn label(&self) -> String {
        match self.value.get("id").and_then(Value::as_str) {
            Some(id) => format!("'{id}'"),
            None => format!("#{}", self.index),
        }
    }

    fn id(&self) -> Option<&'a str> {
        self.value.get("id").and_then(Value::as_str)
    }

    /// Returns the block's `type` and the data stored under that key.
    fn type_and_data(&self) -> Result<(&'a str, &'a Value), ConvertError> {
        if !self.value.is_object() {
            return Err(ConvertError::BlockNotObject {
                block: self.label(),
                value: truncate(&self.value.to_string()),
            });
        }
        let Some(block_type) = self.value.get("type").and_then(Value::as_str) else {
            return Err(ConvertError::MissingType {
                block: self.label(),
            });
        };
        match self.value.get(block_type) {
            Some(data) if !data.is_null() => Ok((block_type, data)),
            _ => Err(ConvertError::MissingTypeData {
                block: self.label(),
                block_type: block_type.to_owned(),
            }),
        }
    }

    /// Returns the items of an array field, or none when the field is absent or false.
    fn array_field(&self, data: &'a Value, field: &str) -> Result<&'a [Value], ConvertError> {
        let value = data.get(field);
        if !js::is_truthy(value) {
            return Ok(&[]);
        }
        match value {
            Some(Value::Array(items)) => Ok(items),
            _ => Err(self.invalid_field(field, value)),
        }
    }

    fn invalid_field(&self, field: &str, value: Option<&Value>) -> ConvertError {
        ConvertError::InvalidField {
            block: self.label(),
            field: field.to_owned(),
            value: value.map_or_else(|| "missing".to_owned(), |v| truncate(&v.to_string())),
        }
    }
}

/// Returns the URL of a file-like block: its Notion-hosted file, else its external link.
fn file_url(data: &Value) -> String {
    let field = if js::is_truthy(data.get("file")) {
        "file"
    } else if js::is_truthy(data.get("external")) {
        "external"
    } else {
        return String::new();
    };
    js::interpolate(data.get(field).and_then(|source| source.get("url")))
}

/// Returns the caption's texts joined by commas, or `fallback` when there is no caption.
fn caption_or(block: &Block<'_>, data: &Value, fallback: &str) -> Result<String, ConvertError> {
    let caption = block.array_field(data, "caption")?;
    if caption.is_empty() {
        return Ok(fallback.to_owned());
    }
    Ok(js::join_items(
        caption.iter().map(|item| item.get("plain_text")),
        ",",
    ))
}

/// Resolves a relative Notion link (`/abc`) to an absolute one.
fn absolute_href(href: &str) -> String {
    if href.starts_with('/') {
        format!("https://www.notion.so{href}")
    } else {
        href.to_owned()
    }
}

/// Returns the level of a `heading_1` to `heading_6` block type.
fn heading_depth(block_type: &str) -> Option<usize> {
    let depth = block_type.strip_prefix("heading_")?.parse().ok()?;
    (1..=6).contains(&depth).then_some(depth)
}

/// Shortens a value quoted in an error message.
fn truncate(text: &str) -> String {
    const LIMIT: usize = 80;
    match text.char_indices().nth(LIMIT) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_owned(),
    }
}
