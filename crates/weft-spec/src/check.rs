//! Shared helpers for the validation passes: collecting diagnostics and reading typed
//! fields out of JSON objects.

use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, Problem};
use crate::locate::escape_token;

/// Location of a checked object: its node and its JSON pointer.
#[derive(Debug, Clone)]
pub struct Site {
    /// Key of the node, when inside `resources`.
    pub node: Option<String>,
    /// JSON pointer of the object that contains the fields being checked.
    pub pointer: String,
    /// Dot path of that object inside the node (`recurse.config`), empty at node level.
    pub prefix: String,
}

impl Site {
    /// Returns the site of the object stored under `field` of this one.
    pub fn child(&self, field: &str) -> Site {
        Site {
            node: self.node.clone(),
            pointer: self.pointer_of(field),
            prefix: self.field_name(field),
        }
    }

    /// Returns the JSON pointer of `field` inside this site's object.
    pub fn pointer_of(&self, field: &str) -> String {
        format!("{}/{}", self.pointer, escape_token(field))
    }

    /// Returns the dotted name of `field` as diagnostics show it (`recurse.if`).
    pub fn field_name(&self, field: &str) -> String {
        if self.prefix.is_empty() {
            field.to_owned()
        } else {
            format!("{}.{field}", self.prefix)
        }
    }
}

/// Diagnostics gathered across all passes.
#[derive(Debug, Default)]
pub struct Report {
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

impl Report {
    /// Records an error about `field` of the object at `site` (or the object itself).
    pub fn error(&mut self, site: &Site, field: Option<&str>, problem: Problem) {
        let diagnostic = diagnostic(site, field, problem);
        self.errors.push(diagnostic);
    }

    /// Records a warning about `field` of the object at `site`.
    pub fn warn(&mut self, site: &Site, field: &str, problem: Problem) {
        let diagnostic = diagnostic(site, Some(field), problem);
        self.warnings.push(diagnostic);
    }

    /// Returns `field` when it is a string; records a type error when it is not.
    pub fn string<'v>(
        &mut self,
        site: &Site,
        map: &'v Map<String, Value>,
        field: &str,
    ) -> Option<&'v str> {
        match map.get(field)? {
            Value::String(text) => Some(text),
            other => {
                self.wrong_type(site, field, "a string", other);
                None
            }
        }
    }

    /// Returns `field` when it is a non-empty string; records a problem otherwise,
    /// including when it is absent.
    pub fn required_string<'v>(
        &mut self,
        site: &Site,
        map: &'v Map<String, Value>,
        field: &str,
    ) -> Option<&'v str> {
        if !map.contains_key(field) {
            let field = site.field_name(field);
            self.error(site, None, Problem::Missing { field });
            return None;
        }
        let text = self.string(site, map, field)?;
        if text.trim().is_empty() {
            let name = site.field_name(field);
            self.error(site, Some(field), Problem::Empty { field: name });
            return None;
        }
        Some(text)
    }

    /// Records that `field` contains `found` where `expected` was required.
    pub fn wrong_type(&mut self, site: &Site, field: &str, expected: &'static str, found: &Value) {
        let problem = Problem::WrongType {
            field: site.field_name(field),
            expected,
            found: describe(found),
        };
        self.error(site, Some(field), problem);
    }
}

fn diagnostic(site: &Site, field: Option<&str>, problem: Problem) -> Diagnostic {
    let pointer = field.map_or_else(|| site.pointer.clone(), |field| site.pointer_of(field));
    let mut diagnostic = Diagnostic::new(problem, pointer);
    diagnostic.node = site.node.clone();
    diagnostic.field = match field {
        Some(field) => Some(site.field_name(field)),
        None if site.prefix.is_empty() => None,
        None => Some(site.prefix.clone()),
    };
    diagnostic
}

/// Describes a JSON value for a message: its type and its text, shortened.
pub fn describe(value: &Value) -> String {
    let kind = match value {
        Value::Null => return "null".to_owned(),
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let text = value.to_string();
    const MAX_CHARS: usize = 40;
    if text.chars().count() > MAX_CHARS {
        let short: String = text.chars().take(MAX_CHARS).collect();
        format!("{kind} {short}…")
    } else {
        format!("{kind} {text}")
    }
}

/// Returns the candidate closest to `word`, when one is close enough to be a typo:
/// similar by Jaro-Winkler and at most a third of the word's characters apart.
pub fn suggest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<String> {
    const MIN_SIMILARITY: f64 = 0.8;
    let max_edits = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .filter(|candidate| strsim::levenshtein(word, candidate) <= max_edits)
        .map(|candidate| (strsim::jaro_winkler(word, candidate), candidate))
        .filter(|(score, _)| *score >= MIN_SIMILARITY)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate.to_owned())
}

/// Records an error for every key of `map` outside `known`, with a suggestion.
pub fn reject_unknown(report: &mut Report, site: &Site, map: &Map<String, Value>, known: &[&str]) {
    for key in map.keys().filter(|key| !known.contains(&key.as_str())) {
        let suggestion = suggest(key, known.iter().copied());
        let problem = Problem::UnknownField {
            field: site.field_name(key),
            suggestion,
        };
        report.error(site, Some(key), problem);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn describe_shortens_long_values() {
        let long = json!("x".repeat(100));
        assert!(describe(&long).ends_with('…'));
        assert_eq!(describe(&json!(42)), "number 42");
        assert_eq!(describe(&json!(null)), "null");
    }

    #[test]
    fn suggest_finds_typos_only() {
        let names = ["page-content", "all-page-content"];
        assert_eq!(
            suggest("page-contnet", names),
            Some("page-content".to_owned())
        );
        assert_eq!(suggest("zzz", names), None);
    }
}
