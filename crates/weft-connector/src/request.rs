//! Builds the first HTTP request of a call from a declared method, and applies declared
//! auth. Everything here is plain Rust; connector code runs in `session.rs`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::utf8_percent_encode;
use serde_json::{Map, Value};
use url::Url;

use crate::lua_lib::COMPONENT;
use crate::manifest::{Auth, BodyFormat, Manifest, Method};
use crate::{AccountContext, Call, ConnectorError, HttpRequest};

/// Query keys with this prefix steer Weft and are never sent upstream.
const RESERVED_QUERY_PREFIX: &str = "truto_";

/// Returns the call's query without the keys reserved for Weft.
pub(crate) fn upstream_query(query: &Map<String, Value>) -> Map<String, Value> {
    query
        .iter()
        .filter(|(key, _)| !key.starts_with(RESERVED_QUERY_PREFIX))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}

/// Returns the base URL: the account's override, else the connector's, with `{field}`
/// placeholders filled from the account context.
pub(crate) fn base_url(
    manifest: &Manifest,
    account: &AccountContext,
) -> Result<String, ConnectorError> {
    let template = account.base_url.as_deref().unwrap_or(&manifest.base_url);
    let filled = fill_placeholders(template, |name| {
        account.context.get(name).and_then(scalar_text)
    });
    filled.map_err(|name| ConnectorError::MissingContext {
        connector: manifest.name.clone(),
        field: name,
    })
}

/// Builds the unauthenticated request for a declared method.
pub(crate) fn build(
    manifest: &Manifest,
    account: &AccountContext,
    call: &Call,
    method: &Method,
) -> Result<HttpRequest, ConnectorError> {
    let path = method.path.as_deref().unwrap_or("/");
    let mut query = upstream_query(&call.query);
    let path = fill_path(path, &mut query, call.id.as_deref()).map_err(|name| ConnectorError::InvalidCall {
        connector: manifest.name.clone(),
        message: format!(
            "resource '{}' method '{}' needs '{name}' for path '{path}', as the id or a query key",
            call.resource, call.method
        ),
    })?;

    let mut merged = method.query.clone();
    merged.extend(query);
    let url = join_url(&base_url(manifest, account)?, &path, &merged)
        .map_err(|message| invalid_call(manifest, message))?;

    let body = merge_body(method.body.as_ref(), call.body.as_ref());
    let mut headers = manifest.headers.clone();
    headers.extend(method.headers.iter().cloned());
    let mut request = HttpRequest {
        method: method.http_method.clone(),
        url,
        headers,
        body: None,
    };
    if let Some(body) = body {
        set_body(&mut request, &body, method.body_format);
    }
    Ok(request)
}

fn invalid_call(manifest: &Manifest, message: String) -> ConnectorError {
    ConnectorError::InvalidCall {
        connector: manifest.name.clone(),
        message,
    }
}

/// Replaces each `{name}` in `path` with `query[name]` (removing the key) or else the
/// call's id, percent-encoded as one path segment. Returns the name that had no value.
pub(crate) fn fill_path(
    path: &str,
    query: &mut Map<String, Value>,
    id: Option<&str>,
) -> Result<String, String> {
    fill_placeholders(path, |name| {
        let value = match query.remove(name) {
            Some(value) => scalar_text(&value),
            None => id.map(str::to_string),
        };
        value.map(|text| utf8_percent_encode(&text, COMPONENT).to_string())
    })
}

fn fill_placeholders(
    template: &str,
    mut value_of: impl FnMut(&str) -> Option<String>,
) -> Result<String, String> {
    let mut filled = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(length) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 1..start + length];
        filled.push_str(&rest[..start]);
        filled.push_str(&value_of(name).ok_or_else(|| name.to_string())?);
        rest = &rest[start + length + 1..];
    }
    filled.push_str(rest);
    Ok(filled)
}

/// Formats a scalar as query or path text, or returns `None` for null, arrays and objects.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Joins base URL and path and appends the query. Arrays repeat their key; objects are
/// sent as JSON text; null values are left out.
pub(crate) fn join_url(
    base: &str,
    path: &str,
    query: &Map<String, Value>,
) -> Result<String, String> {
    let joined = format!("{}{}", base.trim_end_matches('/'), path);
    let mut url =
        Url::parse(&joined).map_err(|error| format!("invalid URL '{joined}': {error}"))?;
    if !query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (key, value) in query {
            append_query_value(&mut pairs, key, value);
        }
    }
    Ok(url.to_string())
}

fn append_query_value(
    pairs: &mut url::form_urlencoded::Serializer<url::UrlQuery>,
    key: &str,
    value: &Value,
) {
    match value {
        Value::Null => {}
        Value::Array(items) => {
            for item in items {
                append_query_value(pairs, key, item);
            }
        }
        Value::Object(_) => {
            pairs.append_pair(key, &value.to_string());
        }
        scalar => {
            pairs.append_pair(key, &scalar_text(scalar).unwrap_or_default());
        }
    }
}

/// Sets one query parameter of an absolute URL, replacing any earlier value.
pub(crate) fn set_query_param(url: &str, name: &str, value: &str) -> Result<String, String> {
    let mut parsed = Url::parse(url).map_err(|error| format!("invalid URL '{url}': {error}"))?;
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(key, _)| key != name)
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    parsed
        .query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair(name, value);
    Ok(parsed.to_string())
}

/// Tells whether `url` is below `base`: same scheme, host and port, and a path inside
/// the base path. Only such requests get the connector's headers, auth and signature, so a
/// next-page link that an API points elsewhere never carries the account's credentials.
pub(crate) fn within_base(url: &str, base: &str) -> bool {
    let (Ok(url), Ok(base)) = (Url::parse(url), Url::parse(base)) else {
        return false;
    };
    let same_origin = url.scheme() == base.scheme()
        && url.host_str() == base.host_str()
        && url.port_or_known_default() == base.port_or_known_default();
    let prefix = base.path().trim_end_matches('/');
    let path = url.path();
    let inside = path
        .strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    same_origin && inside
}

/// Reads one query parameter of an absolute URL.
pub(crate) fn query_param(url: &str, name: &str) -> Option<String> {
    let parsed = Url::parse(url).ok()?;
    parsed
        .query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// Merges the declared default body with the call's body: objects merge shallowly with the
/// call's keys winning; any other call body replaces the default.
fn merge_body(default: Option<&Value>, call: Option<&Value>) -> Option<Value> {
    match (default, call) {
        (Some(Value::Object(default)), Some(Value::Object(call))) => {
            let mut merged = default.clone();
            merged.extend(call.iter().map(|(key, value)| (key.clone(), value.clone())));
            Some(Value::Object(merged))
        }
        (_, Some(call)) => Some(call.clone()),
        (Some(default), None) => Some(default.clone()),
        (None, None) => None,
    }
}

pub(crate) fn set_body(request: &mut HttpRequest, body: &Value, format: BodyFormat) {
    match format {
        BodyFormat::Json => {
            request.set_header("Content-Type", "application/json".into());
            request.body = Some(body.to_string().into_bytes());
        }
        BodyFormat::Form => {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            if let Value::Object(fields) = body {
                for (key, value) in fields {
                    let text = scalar_text(value).unwrap_or_else(|| value.to_string());
                    form.append_pair(key, &text);
                }
            }
            request.set_header("Content-Type", "application/x-www-form-urlencoded".into());
            request.body = Some(form.finish().into_bytes());
        }
    }
}

/// Applies a declared auth kind. Function auth is applied by the session instead.
pub(crate) fn apply_declared_auth(
    manifest: &Manifest,
    account: &AccountContext,
    request: &mut HttpRequest,
) -> Result<(), ConnectorError> {
    let field = |name: &str| context_text(manifest, account, name);
    match &manifest.auth {
        Auth::None | Auth::Function(_) => {}
        Auth::Bearer { field: name } => {
            request.set_header("Authorization", format!("Bearer {}", field(name)?));
        }
        Auth::Header {
            name,
            field: source,
            prefix,
        } => {
            request.set_header(name, format!("{prefix}{}", field(source)?));
        }
        Auth::Query {
            name,
            field: source,
        } => {
            request.url = set_query_param(&request.url, name, &field(source)?)
                .map_err(|message| invalid_call(manifest, message))?;
        }
        Auth::Basic { username, password } => {
            let password = match password {
                Some(name) => field(name)?,
                None => String::new(),
            };
            let pair = format!("{}:{password}", field(username)?);
            request.set_header("Authorization", format!("Basic {}", STANDARD.encode(pair)));
        }
    }
    Ok(())
}

fn context_text(
    manifest: &Manifest,
    account: &AccountContext,
    name: &str,
) -> Result<String, ConnectorError> {
    account
        .context
        .get(name)
        .and_then(scalar_text)
        .filter(|text| !text.is_empty())
        .ok_or_else(|| ConnectorError::MissingContext {
            connector: manifest.name.clone(),
            field: name.to_string(),
        })
}

/// Looks up a dot path (`a.b.0.c`) in a JSON value; an empty path is the value itself.
pub(crate) fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return Some(value);
    }
    path.split('.')
        .try_fold(value, |current, key| match current {
            Value::Object(map) => map.get(key),
            Value::Array(items) => key.parse::<usize>().ok().and_then(|index| items.get(index)),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::within_base;

    #[test]
    fn within_base_needs_same_origin_and_path_prefix() {
        let base = "http://127.0.0.1:1234/api";
        assert!(within_base("http://127.0.0.1:1234/api", base));
        assert!(within_base("http://127.0.0.1:1234/api/items?page=2", base));
        assert!(!within_base("http://127.0.0.1:12345/api/items", base));
        assert!(!within_base("http://127.0.0.1:1234/apix", base));
        assert!(!within_base("https://127.0.0.1:1234/api", base));
        assert!(!within_base("not a url", base));
        assert!(within_base("https://x.test/v1", "https://x.test"));
        assert!(within_base("https://x.test:443/v1", "https://x.test/"));
    }
}
