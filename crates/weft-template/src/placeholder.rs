//! Finding placeholders in text and parsing one into its parts.
//!
//! A placeholder is `{{`, one or more characters from the set below, then `}}`:
//! ASCII letters and digits, `_`, `-`, `.`, `/`, `|`, `:`, `?` and whitespace. Any
//! other character (`*`, `[`, `$`, a backtick, a brace) means the text is not a
//! placeholder and stays as written.

use std::ops::Range;

use crate::TemplateError;
use crate::cast::Cast;
use crate::js::is_space;

/// A parsed placeholder such as `{{a:int|b ?: 1:int}}`.
#[derive(Debug)]
pub struct Placeholder<'t> {
    /// The placeholder as written, braces included.
    pub text: &'t str,
    pub alternatives: Vec<Alternative<'t>>,
    pub default: Option<Fallback<'t>>,
    /// Some alternative carries `:null`: a missing value becomes null.
    pub null_when_missing: bool,
    /// Some alternative carries `:undefined`: a missing value becomes no value.
    pub undefined_when_missing: bool,
    /// Some alternative carries `:ignore-empty-str`: empty strings count as missing.
    pub skip_empty_strings: bool,
}

/// One `path:cast` alternative of a placeholder.
#[derive(Debug)]
pub struct Alternative<'t> {
    pub path: &'t str,
    /// The first cast; later ones only set the flags of [`Placeholder`].
    pub cast: Cast,
}

/// The text after `?:`, kept verbatim, and its cast.
#[derive(Debug)]
pub struct Fallback<'t> {
    pub text: &'t str,
    pub cast: Cast,
}

fn is_placeholder_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_-./|:?".contains(c) || is_space(c)
}

/// Returns the byte ranges of every placeholder in `text`, left to right.
pub fn find_all(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find("{{") {
        let start = from + offset;
        let inner = &text[start + 2..];
        let len = inner
            .find(|c| !is_placeholder_char(c))
            .unwrap_or(inner.len());
        if len > 0 && inner[len..].starts_with("}}") {
            let end = start + 2 + len + 2;
            found.push(start..end);
            from = end;
        } else {
            from = start + 1;
        }
    }
    found
}

/// Parses one placeholder found by [`find_all`].
pub fn parse(text: &str) -> Result<Placeholder<'_>, TemplateError> {
    let inner = &text[2..text.len() - 2];
    let mut sections = inner.split("?:");
    let choices = sections.next().unwrap_or_default();
    // As in the JavaScript package, text after a second `?:` is ignored.
    let default = sections.next().filter(|text| !text.is_empty());

    let mut placeholder = Placeholder {
        text,
        alternatives: Vec::new(),
        default: None,
        null_when_missing: false,
        undefined_when_missing: false,
        skip_empty_strings: false,
    };
    for choice in choices.split('|') {
        let (path, casts) = split_casts(choice);
        let casts = parse_casts(text, &casts)?;
        placeholder.null_when_missing |= casts.contains(&Cast::Null);
        placeholder.undefined_when_missing |= casts.contains(&Cast::Undefined);
        placeholder.skip_empty_strings |= casts.contains(&Cast::IgnoreEmptyStr);
        let cast = casts.first().copied().unwrap_or(Cast::Str);
        placeholder.alternatives.push(Alternative {
            path: path.trim(),
            cast,
        });
    }
    if let Some(default) = default {
        let (fallback, casts) = split_casts(default);
        let casts = parse_casts(text, &casts)?;
        let cast = casts.first().copied().unwrap_or(Cast::Str);
        placeholder.default = Some(Fallback {
            text: fallback,
            cast,
        });
    }
    Ok(placeholder)
}

/// Splits `path:cast:cast` at every colon that a letter, digit, `_` or whitespace
/// follows. Other colons (as in `https://`) belong to the path or default text.
fn split_casts(choice: &str) -> (&str, Vec<&str>) {
    let mut pieces = Vec::new();
    let mut start = 0;
    for (at, _) in choice.match_indices(':') {
        let next = choice[at + 1..].chars().next();
        if next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || is_space(c)) {
            pieces.push(&choice[start..at]);
            start = at + 1;
        }
    }
    pieces.push(&choice[start..]);
    let head = pieces.remove(0);
    (head, pieces)
}

fn parse_casts(placeholder: &str, casts: &[&str]) -> Result<Vec<Cast>, TemplateError> {
    casts
        .iter()
        .map(|cast| {
            Cast::from_name(cast.trim()).ok_or_else(|| TemplateError::UnknownCast {
                placeholder: placeholder.to_owned(),
                cast: cast.trim().to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        find_all(text)
            .into_iter()
            .map(|range| &text[range])
            .collect()
    }

    #[test]
    fn finds_placeholders_between_text() {
        assert_eq!(found("a {{x}} b {{y.z}}"), ["{{x}}", "{{y.z}}"]);
    }

    #[test]
    fn skips_braces_with_other_characters() {
        assert_eq!(found("{{a*}} {{$x}} {{`b`}} {{a[0]}}"), Vec::<&str>::new());
    }

    #[test]
    fn takes_inner_pair_of_triple_braces() {
        assert_eq!(found("{{{x}}}"), ["{{x}}"]);
    }

    #[test]
    fn empty_braces_are_not_placeholders() {
        assert_eq!(found("{{}}"), Vec::<&str>::new());
    }

    #[test]
    fn parses_alternatives_casts_and_default() -> Result<(), TemplateError> {
        let placeholder = parse("{{a:int:null| b ?: 1:num}}")?;
        assert_eq!(placeholder.alternatives.len(), 2);
        assert_eq!(placeholder.alternatives[0].cast, Cast::Int);
        assert_eq!(placeholder.alternatives[1].path, "b");
        assert!(placeholder.null_when_missing);
        let default = placeholder.default.expect("default parsed");
        assert_eq!(default.text, " 1");
        assert_eq!(default.cast, Cast::Num);
        Ok(())
    }

    #[test]
    fn colon_before_slash_stays_in_default() -> Result<(), TemplateError> {
        let placeholder = parse("{{a?:https://example.com}}")?;
        assert_eq!(
            placeholder.default.expect("default").text,
            "https://example.com"
        );
        Ok(())
    }

    #[test]
    fn rejects_unknown_cast() {
        let error = parse("{{a:integer}}").expect_err("unknown cast");
        assert_eq!(
            error,
            TemplateError::UnknownCast {
                placeholder: "{{a:integer}}".to_owned(),
                cast: "integer".to_owned()
            }
        );
    }
}
