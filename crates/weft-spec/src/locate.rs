//! Source positions of values in JSON text, keyed by JSON pointer.
//!
//! serde_json drops positions once a document is parsed, so diagnostics about a
//! parsed value find their line and column by walking the text a second time.

use std::collections::HashMap;

/// Byte offsets of one value in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Byte offset of the member's key (its opening quote), for object members.
    pub key: Option<usize>,
    /// Byte offset of the first character of the value.
    pub value: usize,
}

/// Positions of every value in a JSON text.
#[derive(Debug, Default)]
pub struct Locator<'s> {
    source: &'s str,
    spans: HashMap<String, Span>,
}

impl<'s> Locator<'s> {
    /// Indexes `source`. Text that is not valid JSON gives a partial index, never a panic.
    pub fn new(source: &'s str) -> Locator<'s> {
        let mut walker = Walker {
            bytes: source.as_bytes(),
            at: 0,
            spans: HashMap::new(),
        };
        walker.skip_space();
        walker.value(String::new(), None);
        Locator {
            source,
            spans: walker.spans,
        }
    }

    /// Returns the span of the value at `pointer` (`/resources/2/depends_on`).
    pub fn span(&self, pointer: &str) -> Option<Span> {
        self.spans.get(pointer).copied()
    }

    /// Converts a byte offset to a 1-based line and character column.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let before = &self.source[..offset.min(self.source.len())];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |at| at + 1);
        (line, before[line_start..].chars().count() + 1)
    }
}

/// Escapes one reference token of a JSON pointer (RFC 6901).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

struct Walker<'b> {
    bytes: &'b [u8],
    at: usize,
    spans: HashMap<String, Span>,
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
            self.value(format!("{pointer}/{}", escape_token(&key)), Some(key_at));
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
    fn truncated_text_gives_partial_index() {
        let locator = Locator::new("{\"a\": [1, 2");
        assert!(locator.span("/a/1").is_some());
        assert!(locator.span("/b").is_none());
    }
}
