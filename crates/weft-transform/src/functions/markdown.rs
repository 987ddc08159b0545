//! Markdown to other formats, matching `@truto/truto-jsonata` 3.0.6.
//!
//! [`to_html`] (`$convertMarkdownToHtml`) parses with pulldown-cmark (CommonMark with
//! tables, strikethrough and task lists) and renders HTML in the layout of marked 14,
//! which the reference uses.

mod html;

/// Renders Markdown as HTML in the layout of marked 14 (`<hr>`, `<br>`, one element per
/// line, tight list items without `<p>`).
///
/// NOTE: marked also links bare URLs such as `https://a.example`, and keeps named
/// entities such as `&copy;` as written. Here bare URLs stay text and entities render
/// as their characters.
pub fn to_html(markdown: &str) -> String {
    html::render(markdown)
}
