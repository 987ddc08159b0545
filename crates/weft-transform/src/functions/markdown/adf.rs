//! Markdown to Atlassian Document Format in the layout of marklassian 1.0.2, which
//! `$convertMarkdownToAdf` calls.
//!
//! marklassian walks marked 15's tokens (text as written, entities not decoded):
//! - paragraphs, headings, lists (`orderedList` with `order`, `bulletList`), code
//!   blocks (`language` defaults to `text`), quotes, rules and tables map to their ADF
//!   nodes. Blank gaps and HTML are dropped;
//! - an image alone in a paragraph becomes a `mediaSingle`; other images split the
//!   paragraph around a `mediaSingle`;
//! - inside emphasis, strong or strikethrough, each child becomes one text node whose
//!   text is the child's source text (so nested marks beyond a single chain keep their
//!   Markdown) and whose marks follow the chain of single children;
//! - text has newlines and runs of white space folded to one space; line breaks become
//!   `hardBreak`; escapes, inline HTML and images inside text are dropped.

use serde_json::{Value, json};

use super::lex::{self, Block, Inline, Mark};

pub(super) fn render(markdown: &str) -> Value {
    json!({"version": 1, "type": "doc", "content": blocks(&lex::lex(markdown))})
}

fn blocks(tokens: &[Block]) -> Vec<Value> {
    tokens.iter().flat_map(block).collect()
}

fn block(token: &Block) -> Vec<Value> {
    match token {
        Block::Paragraph(tokens) => paragraphs(tokens),
        Block::Heading { depth, tokens } => vec![json!({
            "type": "heading",
            "attrs": {"level": depth},
            "content": inlines(tokens),
        })],
        Block::List(list) => vec![self::list(list)],
        Block::Code { lang, text } => vec![json!({
            "type": "codeBlock",
            "attrs": {"language": lang.as_deref().unwrap_or("text")},
            "content": [{"type": "text", "text": text}],
        })],
        Block::Blockquote(children) => {
            vec![json!({"type": "blockquote", "content": blocks(children)})]
        }
        Block::Hr => vec![json!({"type": "rule"})],
        Block::Table(table) => vec![self::table(table)],
        Block::Space(_) | Block::Text(_) | Block::Html(_) => Vec::new(),
    }
}

fn list(list: &lex::List) -> Value {
    let content: Vec<Value> = list.items.iter().map(list_item).collect();
    if list.ordered {
        json!({"type": "orderedList", "attrs": {"order": list.start.max(1)}, "content": content})
    } else {
        json!({"type": "bulletList", "content": content})
    }
}

/// Builds a list item: its text as paragraphs, nested blocks in order.
fn list_item(item: &lex::Item) -> Value {
    let mut content = Vec::new();
    let mut text: Vec<Inline> = Vec::new();
    for token in &item.tokens {
        if let Block::Text(tokens) = token {
            text.extend(tokens.iter().cloned());
            continue;
        }
        if !text.is_empty() {
            content.push(paragraph(&std::mem::take(&mut text)));
        }
        content.extend(block(token));
    }
    if !text.is_empty() {
        content.push(paragraph(&text));
    }
    json!({"type": "listItem", "content": content})
}

fn table(table: &lex::Table) -> Value {
    let cells = |row: &[Vec<Inline>], kind: &str| -> Vec<Value> {
        row.iter()
            .map(|cell| json!({"type": kind, "content": paragraphs(cell)}))
            .collect()
    };
    let mut rows = Vec::new();
    if !table.header.is_empty() {
        rows.push(json!({"type": "tableRow", "content": cells(&table.header, "tableHeader")}));
    }
    for row in &table.rows {
        rows.push(json!({"type": "tableRow", "content": cells(row, "tableCell")}));
    }
    json!({"type": "table", "content": rows})
}

fn paragraph(tokens: &[Inline]) -> Value {
    json!({"type": "paragraph", "content": inlines(tokens)})
}

/// Splits a paragraph's tokens into paragraphs around `mediaSingle` images.
fn paragraphs(tokens: &[Inline]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut run: Vec<Inline> = Vec::new();
    for token in tokens {
        let Inline::Image { href, text } = token else {
            run.push(token.clone());
            continue;
        };
        if !run.is_empty() {
            out.push(paragraph(&std::mem::take(&mut run)));
        }
        out.push(json!({
            "type": "mediaSingle",
            "attrs": {"layout": "center"},
            "content": [{"type": "media", "attrs": {"type": "external", "url": href, "alt": text}}],
        }));
    }
    if !run.is_empty() {
        out.push(paragraph(&run));
    }
    out
}

fn inlines(tokens: &[Inline]) -> Vec<Value> {
    tokens
        .iter()
        .flat_map(inline)
        .filter(|node| {
            node["type"] != "text" || node["text"].as_str().is_some_and(|t| !t.is_empty())
        })
        .collect()
}

fn inline(token: &Inline) -> Vec<Value> {
    match token {
        Inline::Text(_) => vec![json!({"type": "text", "text": safe_text(token)})],
        Inline::Marked { mark, tokens, .. } => tokens
            .iter()
            .map(|child| {
                let mut marks = Marks::default();
                marks.add_mark(*mark);
                text_node(child, marks)
            })
            .collect(),
        Inline::Link { .. } | Inline::Codespan(_) => vec![text_node(token, Marks::default())],
        Inline::Br => vec![json!({"type": "hardBreak"})],
        Inline::Escape(_) | Inline::Html(_) | Inline::Image { .. } => Vec::new(),
    }
}

/// Builds a text node for `token` with the marks of its chain of single children.
fn text_node(token: &Inline, mut marks: Marks) -> Value {
    marks.collect(token);
    json!({"type": "text", "text": safe_text(token), "marks": marks.resolve()})
}

/// Returns the text of a token (of its only child when it has exactly one), with
/// newlines and white space runs folded to single spaces.
fn safe_text(token: &Inline) -> String {
    if let Some([only]) = children(token)
        && !matches!(only, Inline::Br)
    {
        return safe_text(only);
    }
    let text = match token {
        Inline::Text(text)
        | Inline::Escape(text)
        | Inline::Codespan(text)
        | Inline::Html(text)
        | Inline::Image { text, .. }
        | Inline::Marked { text, .. }
        | Inline::Link { text, .. } => text.as_str(),
        Inline::Br => return String::new(),
    };
    let text = text.strip_suffix('\n').unwrap_or(text);
    fold_white_space(text)
}

fn fold_white_space(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    out
}

fn children(token: &Inline) -> Option<&[Inline]> {
    match token {
        Inline::Marked { tokens, .. } | Inline::Link { tokens, .. } => Some(tokens),
        _ => None,
    }
}

/// ADF marks in the order they were first added; a later link replaces an earlier one
/// in place.
#[derive(Default)]
struct Marks(Vec<(&'static str, Value)>);

impl Marks {
    fn set(&mut self, key: &'static str, mark: Value, replace: bool) {
        match self.0.iter_mut().find(|(existing, _)| *existing == key) {
            Some(slot) if replace => slot.1 = mark,
            Some(_) => {}
            None => self.0.push((key, mark)),
        }
    }

    fn add_mark(&mut self, mark: Mark) {
        let (key, kind) = match mark {
            Mark::Em => ("em", "em"),
            Mark::Strong => ("strong", "strong"),
            Mark::Del => ("strike", "strike"),
        };
        self.set(key, json!({"type": kind}), false);
    }

    /// Adds the marks of `token` and of its descendants while each has one child.
    fn collect(&mut self, token: &Inline) {
        match token {
            Inline::Marked { mark, .. } => self.add_mark(*mark),
            Inline::Link { href, .. } => self.set(
                "link",
                json!({"type": "link", "attrs": {"href": href}}),
                true,
            ),
            Inline::Codespan(_) => self.set("code", json!({"type": "code"}), false),
            _ => {}
        }
        if let Some([only]) = children(token) {
            self.collect(only);
        }
    }

    /// Lists the marks. Inline code keeps only `link` and `code`.
    fn resolve(self) -> Vec<Value> {
        let has_code = self.0.iter().any(|(key, _)| *key == "code");
        self.0
            .into_iter()
            .filter(|(key, _)| !has_code || matches!(*key, "link" | "code"))
            .map(|(_, mark)| mark)
            .collect()
    }
}
