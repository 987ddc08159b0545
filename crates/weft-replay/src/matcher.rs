//! Request matching: which recorded entries can serve an incoming request.
//!
//! An entry matches when the method and the percent-decoded path are equal, every
//! query parameter in the entry's URL is in the request with the same value, and,
//! for a JSON object body, every top-level key of the recorded body is in the
//! request body with an equal value. A recorded body that is not a JSON object must
//! equal the request body byte for byte. Extra request parameters and keys are
//! ignored, so the entry with the most recorded parameters and keys is the most
//! specific.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How many near misses a 404 response lists.
const CLOSEST_LIMIT: usize = 3;

/// The matching conditions of one recorded entry.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    /// 0-based position of the entry in `log.entries`.
    pub index: usize,
    /// Upper-case method.
    pub method: String,
    /// Percent-decoded path.
    pub path: String,
    /// Decoded query parameters of the recorded URL.
    pub query: Vec<(String, String)>,
    pub body: BodyRule,
}

/// The condition a recorded body puts on a request body.
#[derive(Debug, Clone)]
pub(crate) enum BodyRule {
    /// No body was recorded, so any request body matches.
    Any,
    /// Every key of this object must be in the request's JSON object, equal.
    JsonKeys(Map<String, Value>),
    /// The request body must be exactly this text.
    Text(String),
}

/// An incoming request, reduced to what matching compares.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: String,
    json: Option<Map<String, Value>>,
}

/// A near miss listed in the `closest` array of a 404 response body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Closest {
    /// 0-based position of the entry in `log.entries`.
    pub entry: usize,
    /// The entry's method.
    pub method: String,
    /// The entry's percent-decoded path.
    pub path: String,
    /// Each condition of the entry that the request does not meet.
    pub differences: Vec<String>,
}

/// Decodes percent-escapes in a path so that `/a%2Db` and `/a-b` compare equal.
pub(crate) fn normalize_path(raw: &str) -> String {
    percent_decode_str(raw).decode_utf8_lossy().into_owned()
}

/// Decodes an `application/x-www-form-urlencoded` query string into pairs.
pub(crate) fn parse_query(raw: Option<&str>) -> Vec<(String, String)> {
    let raw = raw.unwrap_or_default();
    url::form_urlencoded::parse(raw.as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

impl Incoming {
    /// Builds the matching view of a request from its raw path, raw query and body.
    pub(crate) fn new(method: &str, raw_path: &str, raw_query: Option<&str>, body: &[u8]) -> Self {
        let body = String::from_utf8_lossy(body).into_owned();
        let json = match serde_json::from_str(&body) {
            Ok(Value::Object(object)) => Some(object),
            _ => None,
        };
        Incoming {
            method: method.to_ascii_uppercase(),
            path: normalize_path(raw_path),
            query: parse_query(raw_query),
            body,
            json,
        }
    }
}

impl Rule {
    /// Counts the conditions beyond method and path: recorded query parameters and
    /// body keys (an exact text body counts as one).
    pub(crate) fn specificity(&self) -> usize {
        let body = match &self.body {
            BodyRule::Any => 0,
            BodyRule::JsonKeys(keys) => keys.len(),
            BodyRule::Text(_) => 1,
        };
        self.query.len() + body
    }

    pub(crate) fn matches(&self, request: &Incoming) -> bool {
        self.differences(request).is_empty()
    }

    /// Lists every condition of this rule that `request` does not meet.
    pub(crate) fn differences(&self, request: &Incoming) -> Vec<String> {
        let mut differences = Vec::new();
        if self.method != request.method {
            differences.push(format!(
                "method is '{}' in the entry but '{}' in the request",
                self.method, request.method
            ));
        }
        if self.path != request.path {
            differences.push(format!(
                "path is '{}' in the entry but '{}' in the request",
                self.path, request.path
            ));
        }
        differences.extend(self.query_differences(request));
        differences.extend(self.body_differences(request));
        differences
    }

    fn query_differences(&self, request: &Incoming) -> Vec<String> {
        let mut differences = Vec::new();
        for (name, value) in &self.query {
            if request.query.iter().any(|(n, v)| n == name && v == value) {
                continue;
            }
            let other = request.query.iter().find(|(n, _)| n == name);
            differences.push(match other {
                Some((_, actual)) => format!(
                    "query parameter '{name}' is '{value}' in the entry but '{actual}' in the request"
                ),
                None => format!(
                    "query parameter '{name}' is '{value}' in the entry but missing from the request"
                ),
            });
        }
        differences
    }

    fn body_differences(&self, request: &Incoming) -> Vec<String> {
        match &self.body {
            BodyRule::Any => Vec::new(),
            BodyRule::Text(text) if *text == request.body => Vec::new(),
            BodyRule::Text(_) => vec!["body differs from the recorded body text".to_string()],
            BodyRule::JsonKeys(keys) => match &request.json {
                Some(actual) => json_key_differences(keys, actual),
                None => vec!["body is a JSON object in the entry but not in the request".into()],
            },
        }
    }
}

fn json_key_differences(expected: &Map<String, Value>, actual: &Map<String, Value>) -> Vec<String> {
    let mut differences = Vec::new();
    for (key, value) in expected {
        match actual.get(key) {
            Some(found) if found == value => {}
            Some(found) => differences.push(format!(
                "body key '{key}' is {} in the entry but {} in the request",
                shorten(&value.to_string()),
                shorten(&found.to_string())
            )),
            None => differences.push(format!(
                "body key '{key}' is {} in the entry but missing from the request",
                shorten(&value.to_string())
            )),
        }
    }
    differences
}

/// Cuts long values to keep 404 bodies and logs readable.
pub(crate) fn shorten(text: &str) -> Cow<'_, str> {
    const LIMIT: usize = 80;
    match text.char_indices().nth(LIMIT) {
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
        None => Cow::Borrowed(text),
    }
}

/// The rules of one HAR file, in file order.
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    rules: Vec<Rule>,
}

impl Matcher {
    pub(crate) fn new(rules: Vec<Rule>) -> Self {
        Matcher { rules }
    }

    /// Returns the entry indices of the most specific matching rules, in file
    /// order, or an empty list when nothing matches.
    pub(crate) fn best_group(&self, request: &Incoming) -> Vec<usize> {
        let matching: Vec<&Rule> = self.rules.iter().filter(|r| r.matches(request)).collect();
        let Some(top) = matching.iter().map(|r| r.specificity()).max() else {
            return Vec::new();
        };
        matching
            .into_iter()
            .filter(|rule| rule.specificity() == top)
            .map(|rule| rule.index)
            .collect()
    }

    /// Lists the entries nearest to `request`: same path and method first, then
    /// fewest differences, then the most similar path.
    pub(crate) fn closest(&self, request: &Incoming) -> Vec<Closest> {
        let mut ranked: Vec<(f64, Closest)> = self
            .rules
            .iter()
            .map(|rule| {
                let differences = rule.differences(request);
                let path_distance = 1.0 - strsim::normalized_levenshtein(&rule.path, &request.path);
                let method_penalty = if rule.method == request.method {
                    0.0
                } else {
                    100.0
                };
                let cost = path_distance * 1000.0 + method_penalty + differences.len() as f64;
                let closest = Closest {
                    entry: rule.index,
                    method: rule.method.clone(),
                    path: rule.path.clone(),
                    differences,
                };
                (cost, closest)
            })
            .collect();
        ranked.sort_by(|a, b| a.0.total_cmp(&b.0));
        ranked
            .into_iter()
            .take(CLOSEST_LIMIT)
            .map(|(_, closest)| closest)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(index: usize, method: &str, path: &str, query: &[(&str, &str)]) -> Rule {
        Rule {
            index,
            method: method.into(),
            path: path.into(),
            query: query
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: BodyRule::Any,
        }
    }

    fn json_rule(index: usize, body: Value) -> Rule {
        let Value::Object(keys) = body else {
            panic!("test body must be an object")
        };
        Rule {
            body: BodyRule::JsonKeys(keys),
            ..rule(index, "POST", "/v1/search", &[])
        }
    }

    fn get(path: &str, query: &str) -> Incoming {
        Incoming::new("get", path, Some(query), b"")
    }

    #[test]
    fn matches_same_method_and_path() {
        let rule = rule(0, "GET", "/v1/users", &[]);
        assert!(rule.matches(&get("/v1/users", "")));
        assert!(!rule.matches(&get("/v1/user", "")));
        assert!(!rule.matches(&Incoming::new("DELETE", "/v1/users", None, b"")));
    }

    #[test]
    fn path_compared_after_percent_decoding() {
        let rule = rule(0, "GET", &normalize_path("/v1/blocks/a%2Db"), &[]);
        assert!(rule.matches(&get("/v1/blocks/a-b", "")));
        assert!(rule.matches(&get("/v1/blocks/a%2db", "")));
    }

    #[test]
    fn recorded_query_params_must_be_present() {
        let rule = rule(0, "GET", "/v1/users", &[("page_size", "100")]);
        assert!(rule.matches(&get("/v1/users", "page_size=100")));
        assert!(rule.matches(&get("/v1/users", "page_size=100&extra=1")));
        assert!(!rule.matches(&get("/v1/users", "page_size=50")));
        assert!(!rule.matches(&get("/v1/users", "")));
    }

    #[test]
    fn query_values_compared_decoded() {
        let rule = rule(0, "GET", "/v1/search", &[("q", "a b&c")]);
        assert!(rule.matches(&get("/v1/search", "q=a+b%26c")));
        assert!(rule.matches(&get("/v1/search", "q=a%20b%26c")));
    }

    #[test]
    fn repeated_param_matches_any_request_value() {
        let rule = rule(0, "GET", "/v1/items", &[("tag", "b")]);
        assert!(rule.matches(&get("/v1/items", "tag=a&tag=b")));
    }

    #[test]
    fn json_body_keys_must_be_equal() -> Result<(), serde_json::Error> {
        let rule = json_rule(0, json!({"query": "roadmap", "page_size": 10}));
        let body = serde_json::to_vec(&json!({"page_size": 10, "query": "roadmap", "x": 1}))?;
        assert!(rule.matches(&Incoming::new("POST", "/v1/search", None, &body)));

        let other = serde_json::to_vec(&json!({"query": "roadmap", "page_size": 20}))?;
        assert!(!rule.matches(&Incoming::new("POST", "/v1/search", None, &other)));
        assert!(!rule.matches(&Incoming::new("POST", "/v1/search", None, b"query=roadmap")));
        Ok(())
    }

    #[test]
    fn text_body_must_be_equal() {
        let rule = Rule {
            body: BodyRule::Text("a=1&b=2".into()),
            ..rule(0, "POST", "/token", &[])
        };
        assert!(rule.matches(&Incoming::new("POST", "/token", None, b"a=1&b=2")));
        assert!(!rule.matches(&Incoming::new("POST", "/token", None, b"a=1")));
    }

    #[test]
    fn most_specific_rule_wins() {
        let matcher = Matcher::new(vec![
            rule(0, "GET", "/v1/blocks/p/children", &[("page_size", "100")]),
            rule(
                1,
                "GET",
                "/v1/blocks/p/children",
                &[("page_size", "100"), ("start_cursor", "c1")],
            ),
        ]);
        let first = get("/v1/blocks/p/children", "page_size=100");
        let second = get("/v1/blocks/p/children", "page_size=100&start_cursor=c1");
        assert_eq!(matcher.best_group(&first), vec![0]);
        assert_eq!(matcher.best_group(&second), vec![1]);
    }

    #[test]
    fn equally_specific_rules_grouped_in_file_order() {
        let matcher = Matcher::new(vec![
            rule(0, "GET", "/v1/users", &[]),
            rule(1, "GET", "/v1/other", &[]),
            rule(2, "GET", "/v1/users", &[]),
        ]);
        assert_eq!(matcher.best_group(&get("/v1/users", "")), vec![0, 2]);
    }

    #[test]
    fn no_match_gives_empty_group() {
        let matcher = Matcher::new(vec![rule(0, "GET", "/v1/users", &[])]);
        assert!(matcher.best_group(&get("/v1/teams", "")).is_empty());
    }

    #[test]
    fn closest_names_differing_param() {
        let matcher = Matcher::new(vec![
            rule(0, "GET", "/v1/teams", &[]),
            rule(1, "GET", "/v1/users", &[("cursor", "c2")]),
        ]);
        let closest = matcher.closest(&get("/v1/users", "cursor=c3"));
        assert_eq!(closest[0].entry, 1);
        assert_eq!(
            closest[0].differences,
            vec!["query parameter 'cursor' is 'c2' in the entry but 'c3' in the request"]
        );
        assert_eq!(closest[1].entry, 0);
    }

    #[test]
    fn closest_prefers_same_method_and_path() {
        let matcher = Matcher::new(vec![
            rule(0, "POST", "/v1/users", &[]),
            rule(1, "GET", "/v1/users", &[("a", "1"), ("b", "2")]),
        ]);
        let closest = matcher.closest(&get("/v1/users", ""));
        assert_eq!(closest[0].entry, 1);
        assert_eq!(closest[0].differences.len(), 2);
        assert_eq!(
            closest[1].differences,
            vec!["method is 'POST' in the entry but 'GET' in the request"]
        );
    }

    #[test]
    fn shorten_cuts_long_values() {
        let long = "x".repeat(100);
        assert_eq!(shorten(&long).chars().count(), 81);
        assert_eq!(shorten("short"), "short");
    }
}
