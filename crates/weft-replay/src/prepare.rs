//! Turns HAR entries into matching rules and ready-to-send responses, checking
//! every value once at load time so that serving never meets a bad entry.

use axum::body::Bytes;
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::Value;
use url::Url;

use crate::ReplayError;
use crate::har::{Entry, Har};
use crate::matcher::{self, BodyRule, Rule};

/// Headers that describe one connection or the recorded transfer rather than the
/// resource, so replaying them would be wrong. `content-encoding` is dropped
/// because HAR stores the decoded body, and `content-length` is recomputed.
const SKIPPED_RESPONSE_HEADERS: [&str; 10] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "content-encoding",
];

/// A response ready to send.
#[derive(Debug, Clone)]
pub(crate) struct Canned {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// The matching rules and responses of a HAR file.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub rules: Vec<Rule>,
    /// Indexed by entry position, with `None` for entries that recorded no response.
    pub responses: Vec<Option<Canned>>,
}

/// Checks and converts every entry of `har`.
///
/// Entries with status 0 (a browser's record of a request that got no response) get
/// no rule and no response, because there is nothing to replay; [`Prepared::skipped`]
/// lists them so the server can warn once.
pub(crate) fn prepare(har: &Har) -> Result<Prepared, ReplayError> {
    let mut rules = Vec::new();
    let mut responses = Vec::new();
    for (index, entry) in har.log.entries.iter().enumerate() {
        if entry.response.status == 0 {
            responses.push(None);
            continue;
        }
        rules.push(rule(index, entry)?);
        responses.push(Some(canned(index, entry)?));
    }
    Ok(Prepared { rules, responses })
}

impl Prepared {
    /// Positions of the entries that recorded no response.
    pub(crate) fn skipped(&self) -> impl Iterator<Item = usize> + '_ {
        let positions = self.responses.iter().enumerate();
        positions.filter_map(|(index, response)| response.is_none().then_some(index))
    }
}

fn invalid(
    index: usize,
    entry: &Entry,
    field: &'static str,
    value: &str,
    reason: impl ToString,
) -> ReplayError {
    let request = format!("{} {}", entry.request.method, entry.request.url);
    ReplayError::InvalidEntry {
        index,
        request: shown(&request),
        field,
        value: shown(value),
        reason: reason.to_string(),
    }
}

/// `text` with control characters escaped, so a NUL or newline in a recorded value
/// cannot break a message, and shortened when long.
pub(crate) fn shown(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '\0' => escaped.push_str("\\0"),
            control if control.is_control() => escaped.extend(control.escape_default()),
            other => escaped.push(other),
        }
    }
    matcher::shorten(&escaped).into_owned()
}

/// Describes a base64 decoding failure in the message's own words.
fn base64_reason(error: base64::DecodeError) -> String {
    use base64::DecodeError;
    match error {
        DecodeError::InvalidByte(offset, byte) | DecodeError::InvalidLastSymbol(offset, byte) => {
            let character = shown(&char::from(byte).to_string());
            format!("not valid base64: character '{character}' at offset {offset}")
        }
        DecodeError::InvalidLength(length) => {
            format!("not valid base64: {length} characters do not form whole bytes")
        }
        DecodeError::InvalidPadding => "not valid base64: wrong '=' padding".to_owned(),
    }
}

fn rule(index: usize, entry: &Entry) -> Result<Rule, ReplayError> {
    let request = &entry.request;
    let method = Method::from_bytes(request.method.as_bytes())
        .map_err(|error| invalid(index, entry, "request.method", &request.method, error))?;
    let url = Url::parse(&request.url)
        .map_err(|error| invalid(index, entry, "request.url", &request.url, error))?;
    Ok(Rule {
        index,
        method: method.as_str().to_ascii_uppercase(),
        path: matcher::normalize_path(url.path()),
        query: matcher::parse_query(url.query()),
        body: body_rule(entry),
    })
}

fn body_rule(entry: &Entry) -> BodyRule {
    let Some(post_data) = &entry.request.post_data else {
        return BodyRule::Any;
    };
    if post_data.text.is_empty() {
        return BodyRule::Any;
    }
    match serde_json::from_str(&post_data.text) {
        Ok(Value::Object(keys)) => BodyRule::JsonKeys(keys),
        _ => BodyRule::Text(post_data.text.clone()),
    }
}

fn canned(index: usize, entry: &Entry) -> Result<Canned, ReplayError> {
    let response = &entry.response;
    let status = StatusCode::from_u16(response.status).map_err(|error| {
        invalid(
            index,
            entry,
            "response.status",
            &response.status.to_string(),
            error,
        )
    })?;
    let headers = response_headers(index, entry)?;
    let content = &response.content;
    let text = content.text.as_deref().unwrap_or_default();
    let body = match content.encoding.as_deref() {
        None | Some("") => Bytes::from(text.to_owned()),
        Some("base64") => BASE64
            .decode(text.trim())
            .map(Bytes::from)
            .map_err(|error| {
                let reason = base64_reason(error);
                invalid(index, entry, "response.content.text", text, reason)
            })?,
        Some(other) => {
            return Err(invalid(
                index,
                entry,
                "response.content.encoding",
                other,
                "expected 'base64'",
            ));
        }
    };
    Ok(Canned {
        status,
        headers,
        body,
    })
}

fn response_headers(index: usize, entry: &Entry) -> Result<HeaderMap, ReplayError> {
    let mut headers = HeaderMap::new();
    for pair in &entry.response.headers {
        // HTTP/2 pseudo-headers such as `:status` appear in browser recordings.
        if pair.name.starts_with(':') {
            continue;
        }
        let name = HeaderName::from_bytes(pair.name.as_bytes())
            .map_err(|error| invalid(index, entry, "response.headers name", &pair.name, error))?;
        if SKIPPED_RESPONSE_HEADERS.contains(&name.as_str()) {
            continue;
        }
        let value = HeaderValue::from_str(&pair.value)
            .map_err(|error| invalid(index, entry, "response.headers value", &pair.value, error))?;
        headers.append(name, value);
    }
    let mime_type = &entry.response.content.mime_type;
    if !headers.contains_key(header::CONTENT_TYPE) && !mime_type.is_empty() {
        let value = HeaderValue::from_str(mime_type).map_err(|error| {
            invalid(index, entry, "response.content.mimeType", mime_type, error)
        })?;
        headers.insert(header::CONTENT_TYPE, value);
    }
    Ok(headers)
}

/// Headers whose URLs send the client to another request: the next page of a `Link`
/// pagination, or a redirect.
const URL_HEADERS: [HeaderName; 3] = [header::LINK, header::LOCATION, header::CONTENT_LOCATION];

/// Rewrites the recorded API origin in `Link` and `Location` headers to `base_url`,
/// so a client that follows them comes back to the replay server instead of calling
/// the real API.
pub(crate) fn point_urls_at(responses: &mut [Option<Canned>], har: &Har, base_url: &str) {
    for (entry, canned) in har.log.entries.iter().zip(responses.iter_mut()) {
        let (Some(canned), Ok(url)) = (canned, Url::parse(&entry.request.url)) else {
            continue;
        };
        let origin = url.origin().ascii_serialization();
        for name in &URL_HEADERS {
            rewrite_header(&mut canned.headers, name, &origin, base_url);
        }
    }
}

fn rewrite_header(headers: &mut HeaderMap, name: &HeaderName, origin: &str, base_url: &str) {
    let header::Entry::Occupied(mut occupied) = headers.entry(name) else {
        return;
    };
    for value in occupied.iter_mut() {
        let Ok(text) = value.to_str() else {
            continue;
        };
        if !text.contains(origin) {
            continue;
        }
        if let Ok(rewritten) = HeaderValue::from_str(&text.replace(origin, base_url)) {
            *value = rewritten;
        }
    }
}
