//! Markdown to Google Docs `batchUpdate` requests in the layout of
//! `$convertMarkdownToGoogleDocs`.
//!
//! The reference walks marked 14's tokens with a running document index (UTF-16
//! units, starting at the given index, 1 by default) and returns
//! `{requests: [inserts..., formats...]}`:
//! - text is inserted as is, with no newline after a paragraph. Blank gaps insert their
//!   newlines, a rule inserts `"\n\n"` and a heading ends with `"\n"`. Code blocks and
//!   HTML insert their text, line breaks nothing;
//! - images insert an inline image (one index); tables insert an empty table and then
//!   walk the index through its cells (4 for the table, 2 per cell, 1 per row break,
//!   1 for the newline inserted after it), inserting the cell text where it lands;
//! - list items are separated by `"\n"`, and nested items start with one tab per level
//!   below the first; the tabs shift later format ranges back;
//! - headings get a `HEADING_<depth>` paragraph style, emphasis, strong and links a
//!   text style; styles over the same range merge into one request; each top-level list
//!   gets a `createParagraphBullets` request, placed before all other formats.

use serde_json::{Value, json};

use super::lex::{self, Block, Inline, Mark};

/// The link colour the reference uses.
const LINK_RGB: (f64, f64, f64) = (0.1, 0.33, 0.8);

pub(super) fn render(markdown: &str, start_index: i64) -> Value {
    let tokens = lex::lex(markdown);
    let mut state = State {
        counter: start_index,
        offset: 0,
        inserts: Vec::new(),
        formats: Vec::new(),
    };
    let tokens: Vec<Token<'_>> = tokens.iter().map(Token::Block).collect();
    state.walk(&tokens, 0);
    let mut requests = state.inserts;
    requests.extend(merge_text_styles(state.formats));
    json!({"requests": requests})
}

/// Anything the walk visits: the reference handles block tokens, inline tokens, list
/// items, table cells and the newlines it puts between items alike.
#[derive(Clone, Copy)]
enum Token<'a> {
    Block(&'a Block),
    Inline(&'a Inline),
    Item(&'a lex::Item),
    Cell(&'a [Inline]),
    Newline,
}

struct State {
    counter: i64,
    offset: i64,
    inserts: Vec<Value>,
    formats: Vec<Value>,
}

impl State {
    fn walk(&mut self, tokens: &[Token<'_>], level: usize) {
        for token in tokens {
            self.token(*token, level);
        }
    }

    fn insert_text(&mut self, text: &str) {
        self.inserts.push(json!({
            "insertText": {"text": text, "location": {"index": self.counter}},
        }));
        self.counter += utf16_len(text);
    }

    fn token(&mut self, token: Token<'_>, level: usize) {
        match token {
            Token::Newline => self.insert_text("\n"),
            Token::Block(Block::Space(raw)) => {
                self.insert_text(if raw.is_empty() { "\n" } else { raw });
            }
            Token::Block(Block::Hr) => self.insert_text("\n\n"),
            Token::Inline(Inline::Image { href, .. }) => {
                self.inserts.push(json!({
                    "insertInlineImage": {"uri": href, "location": {"index": self.counter}},
                }));
                self.counter += 1;
            }
            Token::Block(Block::Table(table)) => self.table(table, level),
            Token::Block(Block::List(list)) if !list.items.is_empty() => self.list(list, level),
            _ => match children(token) {
                Some(children) if !children.is_empty() => self.container(token, &children, level),
                _ => self.leaf(token),
            },
        }
    }

    fn table(&mut self, table: &lex::Table, level: usize) {
        self.inserts.push(json!({
            "insertTable": {
                "columns": table.header.len(),
                "rows": table.rows.len() + 1,
                "location": {"index": self.counter},
            },
        }));
        self.counter += 4;
        let rows: Vec<&Vec<Vec<Inline>>> =
            std::iter::once(&table.header).chain(&table.rows).collect();
        for (i, row) in rows.iter().enumerate() {
            for cell in row.iter() {
                self.token(Token::Cell(cell), level);
                self.counter += 2;
            }
            if i + 1 < rows.len() {
                self.counter += 1;
            }
        }
        self.insert_text("\n");
    }

    fn list(&mut self, list: &lex::List, level: usize) {
        let start = self.counter;
        let items: Vec<Token<'_>> = list.items.iter().map(Token::Item).collect();
        self.walk(&between(items), level + 1);
        if level == 0 {
            let preset = if list.ordered {
                "NUMBERED_DECIMAL_ALPHA_ROMAN"
            } else {
                "BULLET_DISC_CIRCLE_SQUARE"
            };
            let bullets = json!({
                "createParagraphBullets": {
                    "range": {"startIndex": start, "endIndex": self.counter},
                    "bulletPreset": preset,
                },
            });
            self.formats.insert(0, bullets);
        }
    }

    /// Walks a token's children, then adds the style the token stands for.
    fn container(&mut self, token: Token<'_>, children: &[Token<'_>], level: usize) {
        let start = self.counter;
        if let Token::Item(_) = token {
            if level > 1 {
                let tabs = (level - 1) as i64;
                self.insert_text(&"\t".repeat(level - 1));
                self.offset += tabs;
            }
            self.walk(&between(children.to_vec()), level);
        } else {
            self.walk(children, level);
        }
        let range = json!({
            "startIndex": start - self.offset,
            "endIndex": self.counter - self.offset,
        });
        let text_style = match token {
            Token::Block(Block::Heading { depth, .. }) => {
                self.formats.push(json!({
                    "updateParagraphStyle": {
                        "paragraphStyle": {"namedStyleType": format!("HEADING_{depth}")},
                        "fields": "*",
                        "range": range,
                    },
                }));
                self.insert_text("\n");
                return;
            }
            Token::Inline(Inline::Marked { mark: Mark::Em, .. }) => json!({"italic": true}),
            Token::Inline(Inline::Marked {
                mark: Mark::Strong, ..
            }) => json!({"bold": true}),
            Token::Inline(Inline::Link { href, .. }) => {
                let (red, green, blue) = LINK_RGB;
                json!({
                    "link": {"url": href},
                    "underline": true,
                    "foregroundColor": {"color": {"rgbColor": {"red": red, "green": green, "blue": blue}}},
                })
            }
            _ => return,
        };
        self.formats.push(json!({
            "updateTextStyle": {"textStyle": text_style, "fields": "*", "range": range},
        }));
    }

    /// Inserts a token's own text, if it has any.
    fn leaf(&mut self, token: Token<'_>) {
        let text = match token {
            Token::Inline(Inline::Text(text) | Inline::Escape(text) | Inline::Html(text))
            | Token::Block(Block::Html(text)) => lex::decode_entities(text),
            Token::Inline(Inline::Codespan(text)) => text.clone(),
            Token::Block(Block::Code { text, .. }) => lex::decode_entities(text),
            _ => return,
        };
        if !text.is_empty() {
            self.insert_text(&text);
        }
    }
}

/// Returns the child tokens of a token that has them (`None` for leaves).
fn children(token: Token<'_>) -> Option<Vec<Token<'_>>> {
    fn inlines(tokens: &[Inline]) -> Vec<Token<'_>> {
        tokens.iter().map(Token::Inline).collect()
    }
    Some(match token {
        Token::Block(
            Block::Paragraph(tokens) | Block::Text(tokens) | Block::Heading { tokens, .. },
        ) => inlines(tokens),
        Token::Block(Block::Blockquote(blocks)) => blocks.iter().map(Token::Block).collect(),
        Token::Inline(Inline::Marked { tokens, .. } | Inline::Link { tokens, .. }) => {
            inlines(tokens)
        }
        Token::Item(item) => item.tokens.iter().map(Token::Block).collect(),
        Token::Cell(cell) => inlines(cell),
        _ => return None,
    })
}

/// Puts a newline token between every two tokens.
fn between(tokens: Vec<Token<'_>>) -> Vec<Token<'_>> {
    let mut out = Vec::with_capacity(tokens.len() * 2);
    for (i, token) in tokens.into_iter().enumerate() {
        if i > 0 {
            out.push(Token::Newline);
        }
        out.push(token);
    }
    out
}

/// Merges text-style requests over equal ranges into the first of them; other requests
/// stay in order.
fn merge_text_styles(formats: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for format in formats {
        let range = format.pointer("/updateTextStyle/range").cloned();
        let existing = range.as_ref().and_then(|range| {
            out.iter_mut()
                .find(|other| other.pointer("/updateTextStyle/range") == Some(range))
        });
        match (existing, format.pointer("/updateTextStyle/textStyle")) {
            (Some(existing), Some(Value::Object(style))) => {
                if let Some(Value::Object(target)) =
                    existing.pointer_mut("/updateTextStyle/textStyle")
                {
                    for (key, value) in style {
                        target.insert(key.clone(), value.clone());
                    }
                }
            }
            _ => out.push(format),
        }
    }
    out
}

fn utf16_len(text: &str) -> i64 {
    text.encode_utf16().count() as i64
}
