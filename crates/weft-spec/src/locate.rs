//! Source positions of values in JSON text, keyed by JSON pointer.
//!
//! serde_json drops positions once a document is parsed, so diagnostics about a
//! parsed value find their line and column by walking the text a second time.

use std::collections::{HashMap, HashSet};

/// Byte offsets of one value in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Byte offset of the member's key (its opening quote), for object members.
    pub key: Option<usize>,
    /// Byte offset of the first character of the value.
    pub value: usize,
}

/// A key that appears twice in one JSON object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// JSON pointer of the member (`/resources/0/method`).
    pub pointer: String,
    /// Byte offset of the repeated key's opening quote.
    pub key: usize,
}

/// Positions of every value in a JSON text.
///
/// For a key repeated in one object, the span is that of the last occurrence, the one
/// whose value serde_json keeps.
#[derive(Debug, Default)]
pub struct Locator<'s> {
    source: &'s str,
    spans: HashMap<String, Span>,
    duplicates: Vec<DuplicateKey>,
}

impl<'s> Locator<'s> {
    /// Indexes `source`. Text that is not valid JSON gives a partial index, never a panic.
    pub fn new(source: &'s str) -> Locator<'s> {
        let mut walker = Walker {
            bytes: source.as_bytes(),
            at: 0,
            spans: HashMap::new(),
            duplicates: Vec::new(),
        };
        walker.skip_space();
        walker.value(String::new(), None);
        Locator {
            source,
            spans: walker.spans,
            duplicates: walker.duplicates,
        }
    }

    /// Returns every key that repeats an earlier key of the same object, in text order.
    pub fn duplicates(&self) -> &[DuplicateKey] {
        &self.duplicates
    }

    /// Returns the span of the value at `pointer` (`/resources/2/depends_on`).
    pub fn span(&self, pointer: &str) -> Option<Span> {
        self.spans.get(pointer).copied()
    }

    /// Converts a byte offset to a 1-based line and character column.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        self.line_columns(&[offset])[0]
    }

    /// Converts many byte offsets at once, in one pass over the text.
    ///
    /// Converting each offset alone scans from the start of its line, which is
    /// quadratic for many problems on one long line (a minified spec).
    pub fn line_columns(&self, offsets: &[usize]) -> Vec<(usize, usize)> {
        let mut order: Vec<usize> = (0..offsets.len()).collect();
        order.sort_by_key(|&at| offsets[at]);
        let mut positions = vec![(1, 1); offsets.len()];
        let (mut done, mut line, mut column) = (0, 1, 1);
        for at in order {
            let target = char_boundary_at_or_before(self.source, offsets[at]);
            for character in self.source[done..target].chars() {
                if character == '\n' {
                    line += 1;
                    column = 1;
                } else {
                    column += 1;
                }
            }
            done = target;
            positions[at] = (line, column);
        }
        positions
    }
}

fn char_boundary_at_or_before(source: &str, offset: usize) -> usize {
    let mut at = offset.min(source.len());
    while !source.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Escapes one reference token of a JSON pointer (RFC 6901).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

struct Walker<'b> {
    bytes: &'b [u8],
    at: usize,
    spans: HashMap<String, Span>,
    duplicates: Vec<DuplicateKey>,
}

impl Walker<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn value(&mut self, pointer: String, key: Option<usize>) {
        self.spans.insert(
            pointer.clone(),
            Span {
                key,
                value: self.at,
            },
        );
        match self.peek() {
            Some(b'{') => self.object(&pointer),
            Some(b'[') => self.array(&pointer),
            Some(b'"') => {
                self.string();
            }
            Some(_) => self.scalar(),
            None => {}
        }
    }

    fn object(&mut self, pointer: &str) {
        self.at += 1;
        let mut keys = HashSet::new();
        loop {
            self.skip_space();
            if self.peek() != Some(b'"') {
                self.at += usize::from(self.peek() == Some(b'}'));
                return;
            }
            let key_at = self.at;
            let key = self.string();
            self.skip_space();
            if self.peek() != Some(b':') {
                return;
            }
            self.at += 1;
            self.skip_space();
            let member = format!("{pointer}/{}", escape_token(&key));
            if !keys.insert(key) {
                self.duplicates.push(DuplicateKey {
                    pointer: member.clone(),
                    key: key_at,
                });
            }
            self.value(member, Some(key_at));
            if !self.separator(b'}') {
                return;
            }
        }
    }

    fn array(&mut self, pointer: &str) {
        self.at += 1;
        self.skip_space();
        if self.peek() == Some(b']') {
            self.at += 1;
            return;
        }
        for index in 0.. {
            self.skip_space();
            self.value(format!("{pointer}/{index}"), None);
            if !self.separator(b']') {
                return;
            }
        }
    }

    /// Consumes a `,` (returns true: another item follows) or the closing bracket.
    fn separator(&mut self, close: u8) -> bool {
        self.skip_space();
        match self.peek() {
            Some(b',') => {
                self.at += 1;
                true
            }
            Some(byte) if byte == close => {
                self.at += 1;
                false
            }
            _ => false,
        }
    }

    /// Consumes a string literal and returns its decoded text.
    fn string(&mut self) -> String {
        let start = self.at;
        self.at += 1;
        while let Some(byte) = self.peek() {
            self.at += 1;
            match byte {
                b'\\' => self.at += 1,
                b'"' => break,
                _ => {}
            }
        }
        let literal = &self.bytes[start..self.at.min(self.bytes.len())];
        serde_json::from_slice(literal).unwrap_or_default()
    }

    fn scalar(&mut self) {
        while let Some(byte) = self.peek() {
            if matches!(byte, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                return;
            }
            self.at += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "{\n  \"a\": [1, {\"b/c\": \"x\"}],\n  \"d\": {\"e\": null}\n}";

    fn position(pointer: &str) -> Option<(usize, usize)> {
        let locator = Locator::new(SOURCE);
        let span = locator.span(pointer)?;
        Some(locator.line_column(span.value))
    }

    #[test]
    fn finds_nested_values() {
        assert_eq!(position(""), Some((1, 1)));
        assert_eq!(position("/a"), Some((2, 8)));
        assert_eq!(position("/a/0"), Some((2, 9)));
        assert_eq!(position("/a/1/b~1c"), Some((2, 20)));
        assert_eq!(position("/d/e"), Some((3, 14)));
    }

    #[test]
    fn records_key_positions() {
        let locator = Locator::new(SOURCE);
        let span = locator.span("/d").expect("member d");
        assert_eq!(span.key.map(|at| locator.line_column(at)), Some((3, 3)));
    }

    #[test]
    fn counts_columns_in_characters() {
        let locator = Locator::new("{\"é\": 1, \"x\": 2}");
        let span = locator.span("/x").expect("member x");
        assert_eq!(locator.line_column(span.value), (1, 15));
    }

    #[test]
    fn handles_escaped_quotes_in_strings() {
        let locator = Locator::new(r#"{"a": "say \"hi\"", "b": true}"#);
        let span = locator.span("/b").expect("member b");
        assert_eq!(locator.line_column(span.value), (1, 26));
    }

    #[test]
    fn converts_unsorted_offsets() {
        let locator = Locator::new(SOURCE);
        assert_eq!(locator.line_columns(&[30, 0, 2]), [(3, 3), (1, 1), (2, 1)]);
    }

    #[test]
    fn records_repeated_keys_once_per_repeat() {
        let locator = Locator::new(r#"{"a": {"b": 1}, "a": {"b": 2}, "a": 3}"#);
        let pointers: Vec<&str> = locator
            .duplicates()
            .iter()
            .map(|d| d.pointer.as_str())
            .collect();
        assert_eq!(pointers, ["/a", "/a"]);
        assert_eq!(locator.duplicates()[0].key, 16);
    }

    #[test]
    fn truncated_text_gives_partial_index() {
        let locator = Locator::new("{\"a\": [1, 2");
        assert!(locator.span("/a/1").is_some());
        assert!(locator.span("/b").is_none());
    }
}
