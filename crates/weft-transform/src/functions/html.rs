//! HTML to Markdown (`$convertHtmlToMarkdown`), in the style of turndown 7 with the GFM
//! plugin that the reference uses: setext headings, `*` bullets, `_` emphasis, indented
//! code blocks and pipe tables.
//!
//! The conversion is done by the `htmd` crate, a port of turndown's rules, on a document
//! parsed by html5ever, with turndown's `_` emphasis and the GFM plugin's `~~` strikethrough.
//!
//! NOTE: htmd pads a table's divider row to the column width (`| ----- |`) where the GFM
//! plugin writes `| --- |`, so tables differ from the reference in the divider row.

use htmd::element_handler::{HandlerResult, Handlers};
use htmd::options::{BulletListMarker, CodeBlockStyle, HeadingStyle, Options};
use htmd::{Element, HtmlToMarkdown};

/// Converts HTML (a fragment or a whole document) to Markdown.
pub fn to_markdown(html: &str) -> String {
    let options = Options {
        heading_style: HeadingStyle::Setex,
        bullet_list_marker: BulletListMarker::Asterisk,
        code_block_style: CodeBlockStyle::Indented,
        ..Options::default()
    };
    let converter = HtmlToMarkdown::builder()
        .options(options)
        .skip_tags(vec!["script", "style", "head"])
        .add_handler(
            vec!["em", "i"],
            |handlers: &dyn Handlers, element: Element| wrap(handlers, element, "_"),
        )
        .add_handler(
            vec!["del", "s", "strike"],
            |handlers: &dyn Handlers, element: Element| wrap(handlers, element, "~~"),
        )
        .build();
    // NOTE: htmd returns an error only when writing to its own buffer fails, which this
    // maps to an empty string.
    converter.convert(html).unwrap_or_default()
}

/// Wraps an element's Markdown in `marker`, or drops the element when it is empty.
fn wrap(handlers: &dyn Handlers, element: Element, marker: &str) -> Option<HandlerResult> {
    let content = handlers.walk_children(element.node).content;
    if content.trim().is_empty() {
        return None;
    }
    Some(format!("{marker}{content}{marker}").into())
}
