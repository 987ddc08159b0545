//! A tree of pulldown-cmark events with their source ranges, so that converters can
//! reproduce what marked 14 keeps as a token's `raw` text.

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag};

/// One event with its source range; a start tag owns the events up to its end tag.
#[derive(Debug)]
pub(super) struct Node<'a> {
    pub event: Event<'a>,
    pub range: Range<usize>,
    pub children: Vec<Node<'a>>,
}

impl Node<'_> {
    /// Returns the tag when the node is an element, `None` for text and other leaves.
    pub fn tag(&self) -> Option<&Tag<'_>> {
        match &self.event {
            Event::Start(tag) => Some(tag),
            _ => None,
        }
    }

    /// Returns the source range of the children, or an empty range at the start when there
    /// are none.
    pub fn inner_range(&self) -> Range<usize> {
        match (self.children.first(), self.children.last()) {
            (Some(first), Some(last)) => first.range.start..last.range.end,
            _ => self.range.start..self.range.start,
        }
    }
}

/// Parses `markdown` with the extensions marked enables by default (GFM tables,
/// strikethrough and task lists) into top-level nodes.
pub(super) fn parse(markdown: &str) -> Vec<Node<'_>> {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut stack: Vec<Node<'_>> = vec![Node {
        event: Event::Text("".into()),
        range: 0..markdown.len(),
        children: Vec::new(),
    }];
    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        match event {
            Event::Start(_) => stack.push(Node {
                event,
                range,
                children: Vec::new(),
            }),
            Event::End(_) => {
                let Some(node) = stack.pop() else { break };
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(node);
                }
            }
            leaf => {
                let node = Node {
                    event: leaf,
                    range,
                    children: Vec::new(),
                };
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(node);
                }
            }
        }
    }
    stack.swap_remove(0).children
}

/// A top-level block as marked tokenizes it: the node, its `raw` text and whether a blank
/// `space` token follows it.
pub(super) struct Block<'t, 'a> {
    pub node: &'t Node<'a>,
    pub raw: String,
    pub space_after: bool,
}

/// Splits the blank lines between blocks as marked does: a heading swallows the
/// newlines after it, a single newline joins the `raw` of the block before it, and
/// more make a `space` token.
pub(super) fn blocks<'t, 'a>(markdown: &str, nodes: &'t [Node<'a>]) -> Vec<Block<'t, 'a>> {
    let mut blocks = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let content_end = markdown[..node.range.end]
            .trim_end_matches(['\n', '\r'])
            .len();
        let content_end = content_end.max(node.range.start);
        let next_start = nodes
            .get(i + 1)
            .map_or(markdown.len(), |next| next.range.start);
        let gap = &markdown[content_end..next_start.max(content_end)];
        let is_heading = matches!(node.tag(), Some(Tag::Heading { .. }));
        let mut raw = markdown[node.range.start..content_end].to_string();
        let mut space_after = false;
        if is_heading {
            raw.push_str(gap);
        } else if gap.chars().count() == 1 {
            raw.push('\n');
        } else if !gap.is_empty() {
            space_after = true;
        }
        blocks.push(Block {
            node,
            raw,
            space_after,
        });
    }
    blocks
}
