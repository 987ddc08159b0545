//! Markdown to other formats, matching `@truto/truto-jsonata` 3.0.6.
//!
//! [`to_html`] (`$convertMarkdownToHtml`) parses with pulldown-cmark (CommonMark with
//! tables, strikethrough and task lists) and renders HTML in the layout of marked 14,
//! which the reference uses. [`to_slack`] (`$convertMarkdownToSlack`) rebuilds the
//! reference's Slack blocks from the same parse, using source ranges to reproduce
//! marked's token text.

mod html;
mod slack;
mod tree;

/// Renders Markdown as HTML in the layout of marked 14 (`<hr>`, `<br>`, one element per
/// line, tight list items without `<p>`).
///
/// NOTE: marked also links bare URLs such as `https://a.example`, and keeps named
/// entities such as `&copy;` as written. Here bare URLs stay text and entities render
/// as their characters.
pub fn to_html(markdown: &str) -> String {
    html::render(markdown)
}

/// Converts Markdown to an array of Slack Block Kit blocks as `$convertMarkdownToSlack`
/// does (see the `slack` module for the rules, including its quirks).
///
/// NOTE: the reference lexes with marked; here pulldown-cmark finds the blocks, so
/// loose lists and list items with indented continuation lines can differ.
pub fn to_slack(markdown: &str) -> serde_json::Value {
    slack::render(markdown)
}
