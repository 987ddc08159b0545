//! The document converters as JSONata functions: `$convertNotionToMarkdown`,
//! `$convertNotionToMd`, `$convertMarkdownToHtml` and `$convertHtmlToMarkdown`.
//! The conversions themselves live in the `notion`, `markdown` and `html` modules.

use serde_json::Value;

use super::{arg, html, markdown, notion, str_arg};

type Outcome = Result<Option<Value>, String>;

/// `$convertNotionToMarkdown(blocks)`: a page of Notion blocks as Markdown.
/// NOTE: Truto's second argument, `linkChildPages`, is not read.
pub(crate) fn notion_to_markdown(args: &[Option<Value>]) -> Outcome {
    let Some(blocks) = arg(args, 0) else {
        return Ok(None);
    };
    let text = notion::notion_to_markdown(blocks)
        .map_err(|error| format!("$convertNotionToMarkdown: {error}"))?;
    Ok(Some(Value::String(text)))
}

/// `$convertNotionToMd(block)`: one Notion block as Markdown.
pub(crate) fn notion_block_to_markdown(args: &[Option<Value>]) -> Outcome {
    let Some(block) = arg(args, 0) else {
        return Ok(None);
    };
    let text = notion::notion_block_to_markdown(block)
        .map_err(|error| format!("$convertNotionToMd: {error}"))?;
    Ok(Some(Value::String(text)))
}

/// `$convertMarkdownToHtml(markdown)`: Markdown rendered as HTML.
pub(crate) fn markdown_to_html(args: &[Option<Value>]) -> Outcome {
    Ok(str_arg(args, 0).map(|text| Value::String(markdown::to_html(text))))
}

/// `$convertHtmlToMarkdown(html)`: HTML converted to Markdown.
pub(crate) fn html_to_markdown(args: &[Option<Value>]) -> Outcome {
    Ok(str_arg(args, 0).map(|text| Value::String(html::to_markdown(text))))
}
