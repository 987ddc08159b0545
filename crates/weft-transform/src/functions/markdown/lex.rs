//! Markdown as a stream of marked-style tokens, built from the pulldown-cmark tree.
//!
//! The reference converters walk the tokens of marked's lexer, so their output depends
//! on where marked puts token boundaries: blank lines between blocks become `space`
//! tokens carrying the newlines, text inside list items is a `text` token rather than
//! a paragraph, adjacent text merges into one token while a backslash escape is a
//! token of its own, and bare URLs become links. This module rebuilds those tokens. Text keeps
//! its source form (entities undecoded), as marked 15 does; [`decode_entities`] gives
//! the form the marked 14 based converters see.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, LinkType, Tag};

use super::tree::{self, Node};

/// A block-level token.
#[derive(Debug, Clone)]
pub(super) enum Block {
    /// Blank lines between blocks, as written (`"\n\n"` for one blank line).
    Space(String),
    Hr,
    Heading {
        depth: u8,
        tokens: Vec<Inline>,
    },
    Code {
        lang: Option<String>,
        text: String,
    },
    Paragraph(Vec<Inline>),
    /// A paragraph inside a list item (marked's block-level `text` token).
    Text(Vec<Inline>),
    Blockquote(Vec<Block>),
    List(List),
    Table(Table),
    Html(String),
}

#[derive(Debug, Clone)]
pub(super) struct List {
    pub ordered: bool,
    pub start: u64,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone)]
pub(super) struct Item {
    pub task: bool,
    pub checked: Option<bool>,
    pub tokens: Vec<Block>,
}

/// A table: each cell is its inline tokens.
#[derive(Debug, Clone)]
pub(super) struct Table {
    pub header: Vec<Vec<Inline>>,
    pub rows: Vec<Vec<Vec<Inline>>>,
}

/// The inline marks that wrap other tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mark {
    Em,
    Strong,
    Del,
}

/// An inline token. `text` fields hold the source between the delimiters, as marked's
/// `text` property does.
#[derive(Debug, Clone)]
pub(super) enum Inline {
    Text(String),
    Escape(String),
    Codespan(String),
    Br,
    Html(String),
    Image {
        href: String,
        text: String,
    },
    Marked {
        mark: Mark,
        text: String,
        tokens: Vec<Inline>,
    },
    Link {
        href: String,
        text: String,
        tokens: Vec<Inline>,
    },
}

/// Lexes `markdown` into top-level tokens.
pub(super) fn lex(markdown: &str) -> Vec<Block> {
    let nodes = tree::parse(markdown);
    let lexer = Lexer { markdown };
    lexer.blocks(&nodes, Context::Top)
}

/// Decodes the nine entities `@truto/truto-jsonata` decodes in marked 14's escaped text.
/// Because marked's escaping is undone too, the result is the source text with only
/// these entities replaced.
pub(super) fn decode_entities(text: &str) -> String {
    const ENTITIES: [(&str, &str); 9] = [
        ("&amp;", "&"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&#x2F;", "/"),
        ("&#x5C;", "\\"),
        ("&#x60;", "`"),
        ("&#x3D;", "="),
    ];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match ENTITIES.iter().find(|(entity, _)| rest.starts_with(entity)) {
            Some((entity, plain)) => {
                out.push_str(plain);
                rest = &rest[entity.len()..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The place of a block. marked keeps the source of top-level text, while inside quotes
/// and list items it works on text with the markers and indentation removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    Top,
    Quote,
    Item,
}

/// How much of the blank space after a block marked's rule for that block consumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trailing {
    /// Nothing: the blank lines become a `space` token.
    Keep,
    /// Every newline (headings, tables, HTML, indented code).
    Swallow,
}

struct Lexer<'m> {
    markdown: &'m str,
}

/// A block with the source range it was built from.
struct Unit {
    range: Range<usize>,
    trailing: Trailing,
    block: Block,
}

impl Lexer<'_> {
    /// Converts sibling nodes to blocks, with `space` tokens for the blank lines between.
    fn blocks(&self, nodes: &[Node<'_>], context: Context) -> Vec<Block> {
        let units = self.units(nodes, context);
        let mut out = Vec::new();
        let mut end = nodes.first().map_or(0, |node| node.range.start);
        if context == Context::Top {
            end = 0;
        }
        for (i, unit) in units.iter().enumerate() {
            let gap = self.gap(end, unit.range.start, context, true);
            if let Some(space) = self.space(gap, i == 0) {
                out.push(space);
            }
            end = self.content_end(unit);
            match &unit.block {
                // marked's HTML token keeps the blank lines it consumed.
                Block::Html(_) => {
                    let text = &self.markdown[unit.range.start..end];
                    out.push(Block::Html(text.to_string()));
                }
                block => out.push(block.clone()),
            }
        }
        if context == Context::Top {
            let gap = self.gap(end, self.markdown.len(), context, false);
            if let Some(space) = self.space(gap, units.is_empty()) {
                out.push(space);
            }
        }
        out
    }

    /// Returns marked's `space` token for a gap: a lone newline joins the block before.
    fn space(&self, gap: String, first: bool) -> Option<Block> {
        if gap.is_empty() || (gap.len() == 1 && !first) {
            return None;
        }
        Some(Block::Space(gap))
    }

    /// Returns the blank text between `from` and `to` as marked's space rule takes it:
    /// whole lines at the top level, bare newlines inside quotes and items.
    fn gap(&self, from: usize, to: usize, context: Context, before_block: bool) -> String {
        let text = self.markdown.get(from..to.max(from)).unwrap_or_default();
        if context != Context::Top {
            return "\n".repeat(text.matches('\n').count());
        }
        if !before_block {
            return text.to_string();
        }
        match text.rfind('\n') {
            Some(last) => text[..=last].to_string(),
            None => String::new(),
        }
    }

    /// Returns where the source a block consumed ends, after the newlines it swallows.
    fn content_end(&self, unit: &Unit) -> usize {
        let before = &self.markdown[..unit.range.end];
        let trimmed = before.trim_end_matches(['\n', '\r']).len();
        let end = trimmed.max(unit.range.start);
        match unit.trailing {
            Trailing::Keep => end,
            Trailing::Swallow => {
                let rest = &self.markdown[end..];
                end + (rest.len() - rest.trim_start_matches(['\n', '\r']).len())
            }
        }
    }

    /// Groups nodes into blocks: inside list items, runs of inline nodes form one
    /// block-level text token.
    fn units(&self, nodes: &[Node<'_>], context: Context) -> Vec<Unit> {
        let mut units = Vec::new();
        let mut inline: Vec<&Node<'_>> = Vec::new();
        for node in nodes {
            if is_inline(node) {
                if !matches!(node.event, Event::TaskListMarker(_)) {
                    inline.push(node);
                }
                continue;
            }
            self.flush_inline(&mut inline, context, &mut units);
            if let Some(unit) = self.unit(node, context) {
                units.push(unit);
            }
        }
        self.flush_inline(&mut inline, context, &mut units);
        units
    }

    fn flush_inline(&self, inline: &mut Vec<&Node<'_>>, context: Context, units: &mut Vec<Unit>) {
        let (Some(first), Some(last)) = (inline.first(), inline.last()) else {
            return;
        };
        let range = first.range.start..last.range.end;
        let nodes: Vec<&Node<'_>> = std::mem::take(inline);
        let tokens = self.inlines(&nodes, context, false);
        units.push(Unit {
            range,
            trailing: Trailing::Keep,
            block: Block::Text(tokens),
        });
    }

    fn unit(&self, node: &Node<'_>, context: Context) -> Option<Unit> {
        let (block, trailing) = self.block(node, context)?;
        Some(Unit {
            range: node.range.clone(),
            trailing,
            block,
        })
    }

    fn block(&self, node: &Node<'_>, context: Context) -> Option<(Block, Trailing)> {
        if matches!(node.event, Event::Rule) {
            return Some((Block::Hr, Trailing::Keep));
        }
        let children: Vec<&Node<'_>> = node.children.iter().collect();
        let block = match node.tag()? {
            Tag::Paragraph if context == Context::Item => {
                Block::Text(self.inlines(&children, context, false))
            }
            Tag::Paragraph => Block::Paragraph(self.inlines(&children, context, false)),
            Tag::Heading { level, .. } => {
                let tokens = self.inlines(&children, context, false);
                return Some((
                    Block::Heading {
                        depth: *level as u8,
                        tokens,
                    },
                    Trailing::Swallow,
                ));
            }
            Tag::BlockQuote(_) => Block::Blockquote(self.blocks(&node.children, Context::Quote)),
            Tag::CodeBlock(kind) => return Some(self.code(node, kind)),
            Tag::HtmlBlock => {
                let text = self.markdown[node.range.clone()].to_string();
                return Some((Block::Html(text), Trailing::Swallow));
            }
            Tag::List(start) => Block::List(self.list(node, *start)),
            Tag::Table(_) => {
                return Some((Block::Table(self.table(node, context)), Trailing::Swallow));
            }
            _ => return None,
        };
        Some((block, Trailing::Keep))
    }

    fn code(&self, node: &Node<'_>, kind: &CodeBlockKind<'_>) -> (Block, Trailing) {
        let mut text: String = node
            .children
            .iter()
            .filter_map(|child| match &child.event {
                Event::Text(text) => Some(text.as_ref()),
                _ => None,
            })
            .collect();
        match kind {
            CodeBlockKind::Fenced(info) => {
                if text.ends_with('\n') {
                    text.pop();
                }
                let lang = Some(info.trim().to_string()).filter(|lang| !lang.is_empty());
                (Block::Code { lang, text }, Trailing::Keep)
            }
            CodeBlockKind::Indented => {
                let text = text.trim_end_matches('\n').to_string();
                (Block::Code { lang: None, text }, Trailing::Swallow)
            }
        }
    }

    fn list(&self, node: &Node<'_>, start: Option<u64>) -> List {
        let items = node
            .children
            .iter()
            .map(|item| {
                let checked = task_marker(item);
                Item {
                    task: checked.is_some(),
                    checked,
                    tokens: self.blocks(&item.children, Context::Item),
                }
            })
            .collect();
        List {
            ordered: start.is_some(),
            start: start.unwrap_or(0),
            items,
        }
    }

    fn table(&self, node: &Node<'_>, context: Context) -> Table {
        let cells = |row: &Node<'_>| -> Vec<Vec<Inline>> {
            row.children
                .iter()
                .map(|cell| {
                    let children: Vec<&Node<'_>> = cell.children.iter().collect();
                    self.inlines(&children, context, false)
                })
                .collect()
        };
        let mut header = Vec::new();
        let mut rows = Vec::new();
        for row in &node.children {
            match row.tag() {
                Some(Tag::TableHead) => header = cells(row),
                Some(Tag::TableRow) => rows.push(cells(row)),
                _ => {}
            }
        }
        Table { header, rows }
    }

    /// Converts inline nodes to tokens, merging adjacent text as marked does.
    fn inlines(&self, nodes: &[&Node<'_>], context: Context, in_link: bool) -> Vec<Inline> {
        let mut out = Vec::new();
        let mut run = TextRun::default();
        let mut previous_end = None;
        for node in nodes {
            let escaped = self.escaped_char(node, previous_end);
            previous_end = Some(node.range.end);
            let mut range = node.range.clone();
            if let Some(escaped) = escaped {
                run.flush(&mut out, in_link);
                out.push(Inline::Escape(escaped.to_string()));
                range.start += escaped.len_utf8();
                if range.is_empty() {
                    continue;
                }
            }
            if let Some(mut piece) = self.text_piece(node, range.clone(), context) {
                // At the top level marked keeps the indentation of continuation lines.
                if let (Context::Top, Some(run_range)) = (context, &run.range) {
                    piece.insert_str(0, &self.markdown[run_range.end..range.start]);
                }
                run.push(piece, range);
                continue;
            }
            run.flush(&mut out, in_link);
            if let Some(token) = self.inline(node, context, in_link) {
                out.push(token);
            }
        }
        run.flush(&mut out, in_link);
        out
    }

    /// Returns the character a backslash escapes at the start of a text node:
    /// pulldown-cmark leaves the backslash out of every range, so it shows as a gap.
    fn escaped_char(&self, node: &Node<'_>, previous_end: Option<usize>) -> Option<char> {
        let Event::Text(text) = &node.event else {
            return None;
        };
        let start = node.range.start;
        let preceded = start > 0 && self.markdown.as_bytes()[start - 1] == b'\\';
        let gap = previous_end.is_none_or(|end| end < start);
        let first = text.chars().next()?;
        (preceded && gap && first.is_ascii_punctuation()).then_some(first)
    }

    /// Returns the source text a text or soft-break node adds to a text run; `None` for
    /// nodes that are tokens of their own.
    fn text_piece(&self, node: &Node<'_>, range: Range<usize>, context: Context) -> Option<String> {
        let source = &self.markdown[range];
        match &node.event {
            Event::Text(_) => Some(source.to_string()),
            Event::SoftBreak if context == Context::Top => Some(source.to_string()),
            Event::SoftBreak => Some("\n".to_string()),
            _ => None,
        }
    }

    fn inline(&self, node: &Node<'_>, context: Context, in_link: bool) -> Option<Inline> {
        let inner = || self.markdown[node.inner_range()].to_string();
        let children: Vec<&Node<'_>> = node.children.iter().collect();
        let marked = |mark| Inline::Marked {
            mark,
            text: inner(),
            tokens: self.inlines(&children, context, in_link),
        };
        match (&node.event, node.tag()) {
            (Event::Code(code), _) => Some(Inline::Codespan(code.to_string())),
            (Event::HardBreak, _) => Some(Inline::Br),
            (Event::InlineHtml(html) | Event::Html(html), _) => {
                Some(Inline::Html(html.to_string()))
            }
            (_, Some(Tag::Emphasis)) => Some(marked(Mark::Em)),
            (_, Some(Tag::Strong)) => Some(marked(Mark::Strong)),
            (_, Some(Tag::Strikethrough)) => Some(marked(Mark::Del)),
            (
                _,
                Some(Tag::Link {
                    link_type,
                    dest_url,
                    ..
                }),
            ) => {
                let href = match link_type {
                    LinkType::Email => format!("mailto:{dest_url}"),
                    _ => dest_url.to_string(),
                };
                Some(Inline::Link {
                    href,
                    text: inner(),
                    tokens: self.inlines(&children, context, true),
                })
            }
            (_, Some(Tag::Image { dest_url, .. })) => Some(Inline::Image {
                href: dest_url.to_string(),
                text: inner(),
            }),
            _ => None,
        }
    }
}

/// Tells whether a node belongs to running text (a tight list item contains these
/// directly).
fn is_inline(node: &Node<'_>) -> bool {
    match node.tag() {
        Some(tag) => matches!(
            tag,
            Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. } | Tag::Image { .. }
        ),
        None => !matches!(node.event, Event::Rule | Event::Html(_)),
    }
}

/// Returns the checkbox state of a task list item, looking inside a loose item's first
/// paragraph too.
fn task_marker(item: &Node<'_>) -> Option<bool> {
    let first = item.children.first()?;
    let marker = match first.tag() {
        Some(Tag::Paragraph) => first.children.first()?,
        _ => first,
    };
    match marker.event {
        Event::TaskListMarker(checked) => Some(checked),
        _ => None,
    }
}

/// Adjacent text collected into one token.
#[derive(Default)]
struct TextRun {
    text: String,
    range: Option<Range<usize>>,
}

impl TextRun {
    fn push(&mut self, piece: String, range: Range<usize>) {
        self.text.push_str(&piece);
        self.range = Some(match self.range.take() {
            Some(run) => run.start..range.end,
            None => range,
        });
    }

    /// Emits the run, splitting bare URLs into links outside links.
    fn flush(&mut self, out: &mut Vec<Inline>, in_link: bool) {
        if self.range.take().is_none() {
            return;
        }
        let text = std::mem::take(&mut self.text);
        if in_link {
            out.push(Inline::Text(text));
            return;
        }
        out.extend(split_bare_urls(&text));
    }
}

/// Splits text at bare `http://`, `https://`, `ftp://` and `www.` URLs, which GFM in
/// marked turns into links (trailing punctuation stays text).
fn split_bare_urls(text: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some((at, len)) = earliest(find_url(rest), find_email(rest)) {
        if at > 0 {
            out.push(Inline::Text(rest[..at].to_string()));
        }
        let url = &rest[at..at + len];
        let href = if url.starts_with("www.") {
            format!("http://{url}")
        } else if !url.contains("://") && url.contains('@') {
            format!("mailto:{url}")
        } else {
            url.to_string()
        };
        out.push(Inline::Link {
            href,
            text: url.to_string(),
            tokens: vec![Inline::Text(url.to_string())],
        });
        rest = &rest[at + len..];
    }
    if !rest.is_empty() {
        out.push(Inline::Text(rest.to_string()));
    }
    out
}

fn earliest(a: Option<(usize, usize)>, b: Option<(usize, usize)>) -> Option<(usize, usize)> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// Finds the first bare email address (`local@domain.tld`): its start and length.
fn find_email(text: &str) -> Option<(usize, usize)> {
    let is_local = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-');
    let is_domain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_');
    for (at, _) in text.match_indices('@') {
        let local = text[..at].len() - text[..at].trim_end_matches(is_local).len();
        let domain = &text[at + 1..];
        let mut end = domain.len() - domain.trim_start_matches(is_domain).len();
        if local == 0 || end == 0 {
            continue;
        }
        let mut dotted = false;
        while let Some(after_dot) = domain[end..].strip_prefix('.') {
            let label = after_dot.len() - after_dot.trim_start_matches(is_domain).len();
            let label = after_dot[..label].trim_end_matches(['-', '_']).len();
            if label == 0 {
                break;
            }
            end += 1 + label;
            dotted = true;
        }
        if dotted && !domain[end..].starts_with(['-', '_']) {
            return Some((at - local, local + 1 + end));
        }
    }
    None
}

/// Finds the first bare URL: its start and length.
fn find_url(text: &str) -> Option<(usize, usize)> {
    const PREFIXES: [&str; 4] = ["https://", "http://", "ftp://", "www."];
    let mut from = 0;
    loop {
        let (at, prefix) = PREFIXES
            .iter()
            .filter_map(|prefix| text[from..].find(prefix).map(|at| (from + at, *prefix)))
            .min_by_key(|(at, _)| *at)?;
        let after = &text[at + prefix.len()..];
        let domain = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .count();
        if domain > 0 {
            let tail = after
                .find(|c: char| c.is_whitespace() || c == '<')
                .unwrap_or(after.len());
            let url = backpedal(&text[at..at + prefix.len() + tail]);
            return Some((at, url.len()));
        }
        from = at + prefix.len();
    }
}

/// Drops trailing punctuation from a bare URL, and anything from an unclosed `(`.
fn backpedal(url: &str) -> &str {
    let mut url = url;
    if let Some(open) = url.rfind('(')
        && !url[open..].contains(')')
    {
        url = &url[..open];
    }
    loop {
        let trimmed =
            url.trim_end_matches(['?', '!', '.', ',', ':', ';', '*', '_', '\'', '"', '~']);
        let trimmed = if trimmed.ends_with(')')
            && trimmed.matches(')').count() > trimmed.matches('(').count()
        {
            &trimmed[..trimmed.len() - 1]
        } else {
            trimmed
        };
        if trimmed == url {
            return url;
        }
        url = trimmed;
    }
}
