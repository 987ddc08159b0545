//! Computes the next page's request for the declared pagination styles.

use serde_json::Value;

use crate::manifest::{Location, Pagination};
use crate::request::{lookup, query_param, set_query_param};
use crate::{HttpRequest, HttpResponse};

/// Returns the request for the next page, or `None` on the last page. `body` is the parsed
/// response body and `records` the records taken from it. Function pagination is handled
/// by the session and yields `None` here.
pub(crate) fn next_request(
    pagination: &Pagination,
    request: &HttpRequest,
    response: &HttpResponse,
    body: &Value,
    records: &[Value],
) -> Result<Option<HttpRequest>, String> {
    match pagination {
        Pagination::None | Pagination::Function(_) => Ok(None),
        Pagination::Cursor {
            param,
            location,
            next,
            has_more,
        } => {
            if has_more.as_deref().is_some_and(|path| is_false(body, path)) {
                return Ok(None);
            }
            match lookup(body, next).and_then(cursor_text) {
                Some(cursor) => {
                    with_param(request, *location, param, Value::String(cursor)).map(Some)
                }
                None => Ok(None),
            }
        }
        Pagination::Page {
            param,
            location,
            start,
            has_more,
        } => {
            let stop =
                records.is_empty() || has_more.as_deref().is_some_and(|path| is_false(body, path));
            if stop {
                return Ok(None);
            }
            let current = read_param(request, *location, param).unwrap_or(*start);
            with_param(request, *location, param, Value::from(current + 1)).map(Some)
        }
        Pagination::Offset {
            param,
            location,
            limit_param,
        } => {
            let limit = read_param(request, *location, limit_param);
            let short = limit.is_some_and(|limit| (records.len() as i64) < limit);
            if records.is_empty() || short {
                return Ok(None);
            }
            let current = read_param(request, *location, param).unwrap_or(0);
            let next = Value::from(current + records.len() as i64);
            with_param(request, *location, param, next).map(Some)
        }
        Pagination::LinkHeader { rel } => Ok(response
            .header("link")
            .and_then(|link| link_with_rel(link, rel))
            .map(|url| HttpRequest {
                url,
                ..request.clone()
            })),
    }
}

fn is_false(body: &Value, path: &str) -> bool {
    matches!(
        lookup(body, path),
        Some(Value::Bool(false)) | Some(Value::Null) | None
    )
}

fn cursor_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn read_param(request: &HttpRequest, location: Location, name: &str) -> Option<i64> {
    match location {
        Location::Query => query_param(&request.url, name)?.parse().ok(),
        Location::Body => {
            let body: Value = serde_json::from_slice(request.body.as_deref()?).ok()?;
            match body.get(name)? {
                Value::Number(number) => number.as_i64(),
                Value::String(text) => text.parse().ok(),
                _ => None,
            }
        }
    }
}

/// Returns a copy of `request` with the parameter set in the query or the JSON body.
fn with_param(
    request: &HttpRequest,
    location: Location,
    name: &str,
    value: Value,
) -> Result<HttpRequest, String> {
    let mut next = request.clone();
    match location {
        Location::Query => {
            let text = match &value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            next.url = set_query_param(&request.url, name, &text)?;
        }
        Location::Body => {
            let mut body = match request.body.as_deref() {
                Some(bytes) if !bytes.is_empty() => serde_json::from_slice::<Value>(bytes)
                    .map_err(|error| {
                        format!("request body is not JSON, so the cursor cannot go in it: {error}")
                    })?,
                _ => Value::Object(Default::default()),
            };
            let Value::Object(fields) = &mut body else {
                return Err(
                    "request body is not a JSON object, so the cursor cannot go in it".into(),
                );
            };
            fields.insert(name.to_string(), value);
            next.body = Some(body.to_string().into_bytes());
            next.set_header("Content-Type", "application/json".into());
        }
    }
    Ok(next)
}

/// Finds the URL with `rel` in an RFC 8288 `Link` header value.
fn link_with_rel(header: &str, rel: &str) -> Option<String> {
    header.split(',').find_map(|link| {
        let mut parts = link.split(';');
        let target = parts.next()?.trim();
        let url = target.strip_prefix('<')?.strip_suffix('>')?;
        let matches = parts.any(|param| {
            let param = param.trim();
            let Some(value) = param.strip_prefix("rel=") else {
                return false;
            };
            value
                .trim_matches('"')
                .split_whitespace()
                .any(|name| name.eq_ignore_ascii_case(rel))
        });
        matches.then(|| url.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_finds_next_among_several() {
        let header = r#"<https://api.example.com/items?page=1>; rel="prev", <https://api.example.com/items?page=3>; rel="next""#;
        assert_eq!(
            link_with_rel(header, "next").as_deref(),
            Some("https://api.example.com/items?page=3")
        );
        assert_eq!(link_with_rel(header, "last"), None);
    }
}
