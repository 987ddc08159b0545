//! `$recursiveCharacterTextSplitter`: LangChain's `RecursiveCharacterTextSplitter`
//! (`@langchain/textsplitters` 1.0.1, as `@truto/truto-jsonata` 3.0.6 calls it).
//!
//! The text is split on the first separator it contains, pieces still longer than the
//! chunk size are split again on the next separators, and neighbouring pieces are merged
//! into chunks of at most `chunkSize` characters that repeat up to `chunkOverlap`
//! characters of the previous chunk. Lengths count UTF-16 code units, as JavaScript's
//! `String.length` does.

use serde_json::Value;

use super::core::js_number_string;

/// Settings of the splitter, named after LangChain's options.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitterOptions {
    /// Maximum chunk length in UTF-16 code units (`chunkSize`).
    pub chunk_size: usize,
    /// Length of the text that neighbouring chunks share, at most (`chunkOverlap`).
    pub chunk_overlap: usize,
    /// Separators tried in order; the empty string splits between characters.
    pub separators: Vec<String>,
    /// Whether a separator stays at the start of the piece that follows it
    /// (`keepSeparator`).
    pub keep_separator: bool,
}

impl Default for SplitterOptions {
    /// The options `$recursiveCharacterTextSplitter` uses when it gets none: 200 and 60.
    fn default() -> Self {
        Self {
            chunk_size: 200,
            chunk_overlap: 60,
            separators: ["\n\n", "\n", " ", ""].map(String::from).to_vec(),
            keep_separator: true,
        }
    }
}

/// Errors from the text splitter.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum SplitError {
    /// `chunkOverlap` is not below `chunkSize`, so no chunk could make progress.
    #[error("chunkOverlap {overlap} must be below chunkSize {size}")]
    OverlapNotBelowSize { overlap: usize, size: usize },

    /// An option has a value of the wrong type.
    #[error("invalid splitter option '{option}': {value}")]
    InvalidOption { option: &'static str, value: String },
}

impl SplitterOptions {
    /// Reads JavaScript-style options. Missing fields take LangChain's defaults
    /// (`chunkSize` 1000, `chunkOverlap` 200), not the 200/60 used when no options
    /// are given at all. Fails when a field has the wrong type or the overlap is not
    /// below the chunk size.
    pub fn from_value(options: &Value) -> Result<Self, SplitError> {
        let size = usize_option(options, "chunkSize")?.unwrap_or(1000);
        let overlap = usize_option(options, "chunkOverlap")?.unwrap_or(200);
        let separators = match options.get("separators") {
            None | Some(Value::Null) => Self::default().separators,
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| item.as_str().map(String::from))
                .collect::<Option<_>>()
                .ok_or_else(|| invalid("separators", options))?,
            Some(_) => return Err(invalid("separators", options)),
        };
        let keep_separator = match options.get("keepSeparator") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(keep)) => *keep,
            Some(_) => return Err(invalid("keepSeparator", options)),
        };
        let options = Self {
            chunk_size: size,
            chunk_overlap: overlap,
            separators,
            keep_separator,
        };
        options.check()?;
        Ok(options)
    }

    fn check(&self) -> Result<(), SplitError> {
        if self.chunk_overlap >= self.chunk_size {
            return Err(SplitError::OverlapNotBelowSize {
                overlap: self.chunk_overlap,
                size: self.chunk_size,
            });
        }
        Ok(())
    }
}

fn usize_option(options: &Value, option: &'static str) -> Result<Option<usize>, SplitError> {
    match options.get(option) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(number)) => match number.as_f64() {
            Some(n) if n >= 0.0 && n.fract() == 0.0 => Ok(Some(n as usize)),
            _ => Err(invalid(option, options)),
        },
        Some(_) => Err(invalid(option, options)),
    }
}

fn invalid(option: &'static str, options: &Value) -> SplitError {
    let value = options
        .get(option)
        .map(Value::to_string)
        .unwrap_or_default();
    SplitError::InvalidOption { option, value }
}

/// `$recursiveCharacterTextSplitter(input, options)`: splits `input` into chunks.
///
/// A string is split as it is; an object or array is first printed as JSON with two
/// spaces of indentation; null gives the empty string and other values their string
/// form. `options` of `None` means 200-character chunks with a 60-character overlap.
pub fn recursive_character_text_splitter(
    input: &Value,
    options: Option<&Value>,
) -> Result<Vec<String>, SplitError> {
    let options = match options {
        Some(options) => SplitterOptions::from_value(options)?,
        None => SplitterOptions::default(),
    };
    let text = match input {
        Value::String(text) => text.clone(),
        Value::Object(_) | Value::Array(_) => {
            serde_json::to_string_pretty(input).unwrap_or_default()
        }
        Value::Null => String::new(),
        Value::Number(number) => number_string(number),
        Value::Bool(flag) => flag.to_string(),
    };
    Ok(split_text(&text, &options))
}

fn number_string(number: &serde_json::Number) -> String {
    match number.as_i64() {
        Some(integer) => integer.to_string(),
        None => js_number_string(number.as_f64().unwrap_or(f64::NAN)),
    }
}

/// Splits `text` into chunks with the recursive algorithm. Options are not checked
/// here; [`SplitterOptions::from_value`] rejects an overlap that is not below the size.
pub fn split_text(text: &str, options: &SplitterOptions) -> Vec<String> {
    let separators: Vec<&str> = options.separators.iter().map(String::as_str).collect();
    split_recursive(text, &separators, options)
}

fn split_recursive(text: &str, separators: &[&str], options: &SplitterOptions) -> Vec<String> {
    // The first separator the text contains wins; the empty string always matches.
    let mut separator = separators.last().copied().unwrap_or("");
    let mut rest: Option<&[&str]> = None;
    for (i, candidate) in separators.iter().enumerate() {
        if candidate.is_empty() {
            separator = candidate;
            break;
        }
        if text.contains(candidate) {
            separator = candidate;
            rest = Some(&separators[i + 1..]);
            break;
        }
    }

    let joiner = if options.keep_separator {
        ""
    } else {
        separator
    };
    let mut chunks = Vec::new();
    let mut small: Vec<&str> = Vec::new();
    for piece in split_on_separator(text, separator, options.keep_separator) {
        if utf16_len(piece) < options.chunk_size {
            small.push(piece);
            continue;
        }
        chunks.extend(merge_splits(&small, joiner, options));
        small.clear();
        match rest {
            Some(rest) => chunks.extend(split_recursive(piece, rest, options)),
            None => chunks.push(piece.to_string()),
        }
    }
    chunks.extend(merge_splits(&small, joiner, options));
    chunks
}

/// Splits on `separator`, keeping it at the start of the following piece when `keep`
/// is set, and drops empty pieces. The empty separator splits between characters.
fn split_on_separator<'a>(text: &'a str, separator: &str, keep: bool) -> Vec<&'a str> {
    let pieces: Vec<&str> = if separator.is_empty() {
        text.char_indices()
            .map(|(i, c)| &text[i..i + c.len_utf8()])
            .collect()
    } else if keep {
        // Every position after the first where the separator starts begins a piece,
        // overlapping occurrences included, as JavaScript's split on `(?=sep)` does.
        let mut starts: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .filter(|&i| i > 0 && text[i..].starts_with(separator))
            .collect();
        starts.insert(0, 0);
        starts.push(text.len());
        starts.windows(2).map(|w| &text[w[0]..w[1]]).collect()
    } else {
        text.split(separator).collect()
    };
    pieces
        .into_iter()
        .filter(|piece| !piece.is_empty())
        .collect()
}

/// Joins pieces into chunks of at most `chunk_size`, starting each new chunk with the
/// tail of the previous one that fits in `chunk_overlap`.
fn merge_splits(pieces: &[&str], joiner: &str, options: &SplitterOptions) -> Vec<String> {
    let joiner_len = utf16_len(joiner);
    let mut chunks = Vec::new();
    let mut current: std::collections::VecDeque<&str> = std::collections::VecDeque::new();
    let mut total = 0;
    for piece in pieces {
        let len = utf16_len(piece);
        if total + len + current.len() * joiner_len > options.chunk_size && !current.is_empty() {
            chunks.extend(join_chunk(&current, joiner));
            while total > options.chunk_overlap
                || (total + len + current.len() * joiner_len > options.chunk_size && total > 0)
            {
                let Some(first) = current.pop_front() else {
                    break;
                };
                total -= utf16_len(first);
            }
        }
        current.push_back(piece);
        total += len;
    }
    chunks.extend(join_chunk(&current, joiner));
    chunks
}

fn join_chunk(pieces: &std::collections::VecDeque<&str>, joiner: &str) -> Option<String> {
    let joined = pieces.iter().copied().collect::<Vec<_>>().join(joiner);
    let trimmed = joined.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

fn utf16_len(text: &str) -> usize {
    text.encode_utf16().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_separator_at_start_of_next_piece() {
        assert_eq!(
            split_on_separator("a\n\n\nb", "\n\n", true),
            ["a", "\n", "\n\nb"]
        );
    }

    #[test]
    fn drops_separator_when_not_kept() {
        assert_eq!(
            split_on_separator("a, b,, c", ",", false),
            ["a", " b", " c"]
        );
    }

    #[test]
    fn counts_length_in_utf16_units() {
        assert_eq!(utf16_len("a🎉"), 3);
    }
}
