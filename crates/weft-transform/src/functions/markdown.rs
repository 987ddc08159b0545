//! Markdown to other formats, matching `@truto/truto-jsonata` 3.0.6.
//!
//! [`to_html`] (`$convertMarkdownToHtml`) parses with pulldown-cmark (CommonMark with
//! tables, strikethrough and task lists) and renders HTML in the layout of marked 14,
//! which the reference uses. [`to_slack`] (`$convertMarkdownToSlack`) rebuilds the
//! reference's Slack blocks from the same parse, using source ranges to reproduce
//! marked's token text. [`to_notion`], [`to_adf`] and [`to_google_docs`] first rebuild
//! marked's token stream (the `lex` module), since the reference converters walk it.

mod adf;
mod google_docs;
mod html;
mod lex;
mod notion;
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

/// Converts Markdown to Notion blocks as `$convertMarkdownToNotion` does, returning
/// `{"children": [...]}` ready to append to a page (see the `notion` module for the
/// rules, including its quirks).
///
/// NOTE: the reference lexes with marked, while here pulldown-cmark finds the blocks and
/// the `lex` module rebuilds marked's tokens. Edge cases of emphasis, list looseness and
/// bare-URL punctuation can differ.
pub fn to_notion(markdown: &str) -> serde_json::Value {
    notion::render(markdown)
}

/// Converts Markdown to an Atlassian Document Format document (`{"version": 1, "type":
/// "doc", "content": [...]}`) as `$convertMarkdownToAdf` (marklassian 1.0.2) does.
pub fn to_adf(markdown: &str) -> serde_json::Value {
    adf::render(markdown)
}

/// Converts Markdown to Google Docs `batchUpdate` requests (`{"requests": [...]}`) as
/// `$convertMarkdownToGoogleDocs` does, inserting from `start_index` (1, the start of
/// the body, when `None`).
pub fn to_google_docs(markdown: &str, start_index: Option<i64>) -> serde_json::Value {
    google_docs::render(markdown, start_index.unwrap_or(1))
}
