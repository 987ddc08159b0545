//! The single-block form, which renders through json2md 2.0.1's rules in the reference.
//!
//! Each rich-text segment is a separate json2md item here, so a list item with two
//! segments renders as two list lines. That is the reference's output and is kept.

use serde_json::Value;

use super::{Block, ConvertError, absolute_href, caption_or, file_url, heading_depth, js};

pub(super) fn render_block(value: &Value) -> Result<String, ConvertError> {
    let block = Block { value, index: 0 };
    let (block_type, data) = block.type_and_data()?;
    let segments = segment_texts(&block, data)?;
    let joined = || segments.iter().flatten().cloned().collect::<String>();
    let markdown = match block_type {
        "bookmark" => {
            let url = js::interpolate(data.get("url"));
            format!("[{url}]({url})\n")
        }
        "bulleted_list_item" => list(&block, &segments, |_| " - ".to_owned())?,
        "numbered_list_item" => list(&block, &segments, |i| format!(" {}. ", i + 1))?,
        "quote" | "callout" => {
            let items = required(&block, &segments)?;
            let quoted: Vec<String> = items.iter().map(|item| prefix_lines(item, "> ")).collect();
            format!("{}\n", quoted.join("\n"))
        }
        "code" => {
            let language = match data.get("language") {
                language if js::is_truthy(language) => js::interpolate(language),
                _ => String::new(),
            };
            let content: Vec<String> = segments
                .iter()
                .map(|s| s.clone().unwrap_or_default())
                .collect();
            format!("```{language}\n{}\n```\n", content.join("\n"))
        }
        "divider" => "--- \n".to_owned(),
        "embed" => {
            let title = caption_or(&block, data, "Embed")?;
            format!("[{title}]({})\n", js::interpolate(data.get("url")))
        }
        "equation" => match data.get("expression") {
            Some(expression @ (Value::String(_) | Value::Number(_))) => {
                paragraph(&js::to_string(expression))
            }
            other => return Err(block.invalid_field("expression", other)),
        },
        "video" | "pdf" | "file" => {
            let title = caption_or(&block, data, "File")?;
            format!("[{title}]({})\n", file_url(data))
        }
        "image" => {
            let title = caption_or(&block, data, "Image")?;
            format!("![{title}]({} \"{title}\")\n", file_url(data))
        }
        "table" => paragraph("Tabular values as CSV"),
        "table_row" => paragraph(&first_cell_texts(&block, data)?),
        "to_do" => {
            let checked = if js::is_truthy(data.get("checked")) {
                'X'
            } else {
                ' '
            };
            format!("- [{checked}] {}\n", joined())
        }
        heading if heading_depth(heading).is_some() => {
            let hashes = "#".repeat(heading_depth(heading).unwrap_or(1));
            format!("{hashes} {}\n", required(&block, &segments)?.join("\n"))
        }
        _ => paragraph(&joined()),
    };
    Ok(markdown)
}

/// Returns each segment's text: a link for linked segments, else `plain_text`. A segment
/// without text is `None`, which joins as empty but fails where json2md needs a string.
fn segment_texts(block: &Block<'_>, data: &Value) -> Result<Vec<Option<String>>, ConvertError> {
    let segments = block.array_field(data, "rich_text")?;
    let texts = segments.iter().map(|segment| {
        if !js::is_truthy(Some(segment)) {
            return None;
        }
        let plain_text = segment.get("plain_text");
        let href = segment.get("href");
        if js::is_truthy(href) {
            let href = absolute_href(&js::interpolate(href));
            return Some(format!("[{}]({href})", js::interpolate(plain_text)));
        }
        match plain_text {
            None | Some(Value::Null) => None,
            Some(text) => Some(js::to_string(text)),
        }
    });
    Ok(texts.collect())
}

/// Returns the segment texts, failing on a segment without text as json2md does.
fn required(block: &Block<'_>, segments: &[Option<String>]) -> Result<Vec<String>, ConvertError> {
    segments
        .iter()
        .map(|segment| {
            segment
                .clone()
                .ok_or_else(|| block.invalid_field("rich_text", Some(&Value::Null)))
        })
        .collect()
}

/// Renders json2md's `ul` or `ol`: one line per segment, continuation lines indented by
/// four spaces, then trimmed and closed with a space and a newline.
fn list(
    block: &Block<'_>,
    segments: &[Option<String>],
    marker: impl Fn(usize) -> String,
) -> Result<String, ConvertError> {
    let items = required(block, segments)?;
    let mut markdown = String::new();
    for (index, item) in items.iter().enumerate() {
        markdown.push('\n');
        markdown.push_str(&marker(index));
        markdown.push_str(&replace_format_tags(&indent_continuation(item)));
    }
    Ok(format!("{} \n", markdown.trim()))
}

/// Renders json2md's `p`: every line is preceded by a newline, then one more follows.
fn paragraph(text: &str) -> String {
    format!("{}\n", replace_format_tags(&prefix_lines(text, "\n")))
}

/// Puts `prefix` at the start of every line, including the empty line after a final
/// newline, as a multiline `^` replacement does in JavaScript.
fn prefix_lines(text: &str, prefix: &str) -> String {
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| format!("{prefix}{line}"))
        .collect();
    lines.join("\n")
}

fn indent_continuation(text: &str) -> String {
    let mut lines = text.split('\n');
    let first = lines.next().unwrap_or_default();
    let rest: Vec<String> = lines.map(|line| format!("    {line}")).collect();
    if rest.is_empty() {
        first.to_owned()
    } else {
        format!("{first}\n{}", rest.join("\n"))
    }
}

/// Replaces json2md's HTML-like format tags (`<strong>`, `<em>`, `<u>`, ...) with
/// Markdown marks, ignoring case.
fn replace_format_tags(text: &str) -> String {
    const TAGS: [(&str, &str); 6] = [
        ("strong", "**"),
        ("bold", "**"),
        ("em", "*"),
        ("italic", "*"),
        ("u", "_"),
        ("strike", "~~"),
    ];
    let mut output = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        output.push_str(&rest[..start]);
        rest = &rest[start..];
        let body = rest[1..].strip_prefix('/').unwrap_or(&rest[1..]);
        let tag = TAGS.iter().find(|(name, _)| {
            body.get(..name.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(name))
                && body.as_bytes().get(name.len()) == Some(&b'>')
        });
        match tag {
            Some((name, mark)) => {
                output.push_str(mark);
                let closing = usize::from(rest[1..].starts_with('/'));
                rest = &rest[1 + closing + name.len() + 1..];
            }
            None => {
                output.push('<');
                rest = &rest[1..];
            }
        }
    }
    output.push_str(rest);
    output
}

/// Joins the first segment's text of each cell with commas.
fn first_cell_texts(block: &Block<'_>, data: &Value) -> Result<String, ConvertError> {
    let cells = match data.get("cells") {
        Some(Value::Array(cells)) => cells,
        other => return Err(block.invalid_field("cells", other)),
    };
    let texts = cells
        .iter()
        .map(|cell| cell.get(0).and_then(|s| s.get("plain_text")));
    Ok(js::join_items(texts, ","))
}
