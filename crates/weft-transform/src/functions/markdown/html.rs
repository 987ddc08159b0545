//! HTML output in marked 14's layout from pulldown-cmark events.

use pulldown_cmark::{Alignment, CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

pub(super) fn render(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut writer = Writer::default();
    for event in Parser::new_ext(markdown, options) {
        writer.event(event);
    }
    writer.output
}

#[derive(Default)]
struct Writer {
    output: String,
    alignments: Vec<Alignment>,
    cell: usize,
    in_head: bool,
    body_open: bool,
    /// The alt text of the image being read, which arrives as text events.
    image_alt: Option<String>,
}

impl Writer {
    fn event(&mut self, event: Event<'_>) {
        if let Some(alt) = self.image_alt.as_mut() {
            match event {
                Event::End(TagEnd::Image) => {}
                Event::Text(text) | Event::Code(text) => return alt.push_str(&text),
                _ => return,
            }
        }
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => self.output.push_str(&escape(&text)),
            Event::Code(code) => {
                self.output
                    .push_str(&format!("<code>{}</code>", escape(&code)));
            }
            Event::Html(html) | Event::InlineHtml(html) => self.output.push_str(&html),
            Event::SoftBreak => self.output.push('\n'),
            Event::HardBreak => self.output.push_str("<br>"),
            Event::Rule => self.output.push_str("<hr>\n"),
            Event::TaskListMarker(checked) => {
                let checked = if checked { "checked=\"\" " } else { "" };
                let input = format!("<input {checked}disabled=\"\" type=\"checkbox\"> ");
                self.output.push_str(&input);
            }
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        let html = match tag {
            Tag::Paragraph => "<p>".to_owned(),
            Tag::Heading { level, .. } => format!("<{level}>"),
            Tag::BlockQuote(_) => "<blockquote>\n".to_owned(),
            Tag::CodeBlock(kind) => code_block_start(&kind),
            Tag::List(Some(1)) => "<ol>\n".to_owned(),
            Tag::List(Some(start)) => format!("<ol start=\"{start}\">\n"),
            Tag::List(None) => "<ul>\n".to_owned(),
            Tag::Item => "<li>".to_owned(),
            Tag::Table(alignments) => {
                self.alignments = alignments;
                self.body_open = false;
                "<table>\n".to_owned()
            }
            Tag::TableHead => {
                self.in_head = true;
                "<thead>\n<tr>\n".to_owned()
            }
            Tag::TableRow => self.row_start(),
            Tag::TableCell => self.cell_start(),
            Tag::Emphasis => "<em>".to_owned(),
            Tag::Strong => "<strong>".to_owned(),
            Tag::Strikethrough => "<del>".to_owned(),
            Tag::Link {
                dest_url, title, ..
            } => {
                format!(
                    "<a href=\"{}\"{}>",
                    escape(&dest_url),
                    title_attribute(&title)
                )
            }
            Tag::Image {
                dest_url, title, ..
            } => {
                self.image_alt = Some(String::new());
                format!(
                    "<img src=\"{}\"{}",
                    escape(&dest_url),
                    title_attribute(&title)
                )
            }
            _ => String::new(),
        };
        self.output.push_str(&html);
    }

    fn end(&mut self, tag: TagEnd) {
        let html = match tag {
            TagEnd::Paragraph => "</p>\n".to_owned(),
            TagEnd::Heading(level) => format!("</{level}>\n"),
            TagEnd::BlockQuote(_) => "</blockquote>\n".to_owned(),
            TagEnd::CodeBlock => "</code></pre>\n".to_owned(),
            TagEnd::List(true) => "</ol>\n".to_owned(),
            TagEnd::List(false) => "</ul>\n".to_owned(),
            TagEnd::Item => "</li>\n".to_owned(),
            TagEnd::Table if self.body_open => "</tbody></table>\n".to_owned(),
            TagEnd::Table => "</table>\n".to_owned(),
            TagEnd::TableHead => {
                self.in_head = false;
                "</tr>\n</thead>\n".to_owned()
            }
            TagEnd::TableRow => "</tr>\n".to_owned(),
            TagEnd::TableCell if self.in_head => "</th>\n".to_owned(),
            TagEnd::TableCell => "</td>\n".to_owned(),
            TagEnd::Emphasis => "</em>".to_owned(),
            TagEnd::Strong => "</strong>".to_owned(),
            TagEnd::Strikethrough => "</del>".to_owned(),
            TagEnd::Link => "</a>".to_owned(),
            TagEnd::Image => {
                let alt = self.image_alt.take().unwrap_or_default();
                format!(" alt=\"{}\">", escape(&alt))
            }
            _ => String::new(),
        };
        self.output.push_str(&html);
    }

    /// Opens a body row. marked opens `<tbody>` on the first row's line.
    fn row_start(&mut self) -> String {
        self.cell = 0;
        if self.body_open {
            return "<tr>\n".to_owned();
        }
        self.body_open = true;
        "<tbody><tr>\n".to_owned()
    }

    fn cell_start(&mut self) -> String {
        let element = if self.in_head { "th" } else { "td" };
        let align = match self.alignments.get(self.cell) {
            Some(Alignment::Left) => " align=\"left\"",
            Some(Alignment::Center) => " align=\"center\"",
            Some(Alignment::Right) => " align=\"right\"",
            _ => "",
        };
        self.cell += 1;
        format!("<{element}{align}>")
    }
}

fn code_block_start(kind: &CodeBlockKind<'_>) -> String {
    let language = match kind {
        CodeBlockKind::Fenced(info) => info.split_whitespace().next().unwrap_or(""),
        CodeBlockKind::Indented => "",
    };
    if language.is_empty() {
        "<pre><code>".to_owned()
    } else {
        format!("<pre><code class=\"language-{}\">", escape(language))
    }
}

fn title_attribute(title: &str) -> String {
    if title.is_empty() {
        String::new()
    } else {
        format!(" title=\"{}\"", escape(title))
    }
}

/// Escapes text as marked does: `&`, `<`, `>`, `"` and `'`.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}
