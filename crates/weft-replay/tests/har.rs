//! Loading HAR files and the errors for bad ones.

use std::error::Error;

use serde_json::json;
use weft_replay::{Har, ReplayError};

type TestResult = Result<(), Box<dyn Error>>;

fn one_entry(request: serde_json::Value, response: serde_json::Value) -> String {
    json!({ "log": { "version": "1.2", "entries": [
        {
            "request": { "method": "GET", "url": "https://api.example.com/ok" },
            "response": { "status": 200, "content": { "mimeType": "text/plain", "text": "ok" } }
        },
        { "request": request, "response": response }
    ] } })
    .to_string()
}

fn ok_response() -> serde_json::Value {
    json!({ "status": 200, "content": { "mimeType": "text/plain", "text": "" } })
}

fn parse_error(text: &str) -> Result<ReplayError, Box<dyn Error>> {
    Ok(text.parse::<Har>().err().ok_or("the HAR text parsed")?)
}

#[test]
fn reads_entries_from_path() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("ok.har");
    let text = one_entry(
        json!({"method": "POST", "url": "https://a.test/x"}),
        ok_response(),
    );
    std::fs::write(&path, text)?;

    let har = Har::from_path(&path)?;
    assert_eq!(har.log.entries.len(), 2);
    assert_eq!(har.log.entries[1].request.method, "POST");
    assert_eq!(
        har.log.entries[0].response.content.text.as_deref(),
        Some("ok")
    );
    Ok(())
}

#[test]
fn byte_order_mark_is_skipped() -> TestResult {
    let text = one_entry(
        json!({"method": "GET", "url": "https://a.test/x"}),
        ok_response(),
    );
    let har: Har = format!("\u{feff}{text}").parse()?;
    assert_eq!(har.log.entries.len(), 2);
    Ok(())
}

#[test]
fn syntax_error_reports_line_and_column() -> TestResult {
    let error = parse_error("{\n  \"log\": {\n    \"entries\": [,]\n  }\n}")?;
    let ReplayError::Syntax { line, column, .. } = &error else {
        return Err(format!("expected Syntax, got {error:?}").into());
    };
    assert_eq!((*line, *column), (3, 17));
    assert_eq!(
        error.to_string(),
        "invalid HAR at line 3 column 17 in 'log.entries[0]': expected value"
    );
    Ok(())
}

#[test]
fn shape_error_names_field_path() -> TestResult {
    let response = json!({ "status": "200", "content": {} });
    let text = one_entry(json!({"method": "GET", "url": "https://a.test/"}), response);
    let error = parse_error(&text)?;
    let ReplayError::Syntax { field, message, .. } = &error else {
        return Err(format!("expected Syntax, got {error:?}").into());
    };
    assert_eq!(field, "log.entries[1].response.status");
    assert!(
        message.starts_with("invalid type: string \"200\""),
        "{message}"
    );
    Ok(())
}

#[test]
fn missing_field_is_reported() -> TestResult {
    let text = json!({ "log": { "entries": [ { "request": { "url": "https://a.test/" } } ] } });
    let error = parse_error(&text.to_string())?;
    assert!(
        error.to_string().contains("missing field `method`"),
        "{error}"
    );
    assert!(
        error.to_string().contains("'log.entries[0].request'"),
        "{error}"
    );
    Ok(())
}

#[test]
fn relative_url_names_entry() -> TestResult {
    let text = one_entry(json!({"method": "GET", "url": "/v1/users"}), ok_response());
    let error = parse_error(&text)?;
    assert!(matches!(
        error,
        ReplayError::InvalidEntry {
            index: 1,
            field: "request.url",
            ..
        }
    ));
    assert_eq!(
        error.to_string(),
        "invalid request.url '/v1/users' in log.entries[1] (GET /v1/users): relative URL \
         without a base"
    );
    Ok(())
}

#[test]
fn bad_base64_names_entry() -> TestResult {
    let response = json!({ "status": 200, "content": { "text": "%%%", "encoding": "base64" } });
    let text = one_entry(json!({"method": "GET", "url": "https://a.test/"}), response);
    let error = parse_error(&text)?;
    assert!(matches!(
        error,
        ReplayError::InvalidEntry {
            index: 1,
            field: "response.content.text",
            ..
        }
    ));
    Ok(())
}

#[test]
fn bad_base64_names_entry_in_own_words() -> TestResult {
    let response = json!({ "status": 200, "content": { "text": "!abc", "encoding": "base64" } });
    let text = one_entry(
        json!({"method": "GET", "url": "https://a.test/x"}),
        response,
    );
    assert_eq!(
        parse_error(&text)?.to_string(),
        "invalid response.content.text '!abc' in log.entries[1] (GET https://a.test/x): not \
         valid base64: character '!' at offset 0"
    );
    Ok(())
}

#[test]
fn control_characters_in_header_value_are_escaped() -> TestResult {
    let mut response = ok_response();
    response["headers"] = json!([{ "name": "X-Note", "value": "a\u{0}b" }]);
    let text = one_entry(json!({"method": "GET", "url": "https://a.test/"}), response);
    assert_eq!(
        parse_error(&text)?.to_string(),
        "invalid response.headers value 'a\\0b' in log.entries[1] (GET https://a.test/): \
         failed to parse header value"
    );
    Ok(())
}

#[test]
fn newline_in_header_name_is_escaped() -> TestResult {
    let mut response = ok_response();
    response["headers"] = json!([{ "name": "X-Note\nInjected", "value": "1" }]);
    let text = one_entry(
        json!({"method": "GET", "url": "https://a.test/\u{1b}"}),
        response,
    );
    let message = parse_error(&text)?.to_string();
    assert!(
        message.starts_with("invalid response.headers name 'X-Note\\nInjected'"),
        "{message}"
    );
    assert!(
        message.contains("(GET https://a.test/\\u{1b})"),
        "{message}"
    );
    assert!(!message.chars().any(char::is_control), "{message}");
    Ok(())
}

#[test]
fn unknown_encoding_is_rejected() -> TestResult {
    let response = json!({ "status": 200, "content": { "text": "x", "encoding": "gzip" } });
    let text = one_entry(json!({"method": "GET", "url": "https://a.test/"}), response);
    let error = parse_error(&text)?;
    assert_eq!(
        error.to_string(),
        "invalid response.content.encoding 'gzip' in log.entries[1] (GET https://a.test/): \
         expected 'base64'"
    );
    Ok(())
}

#[test]
fn invalid_header_name_is_rejected() -> TestResult {
    let mut response = ok_response();
    response["headers"] = json!([{ "name": "bad header", "value": "x" }]);
    let text = one_entry(json!({"method": "GET", "url": "https://a.test/"}), response);
    let error = parse_error(&text)?;
    assert!(matches!(
        error,
        ReplayError::InvalidEntry {
            index: 1,
            field: "response.headers name",
            ..
        }
    ));
    Ok(())
}

#[test]
fn invalid_status_is_rejected() -> TestResult {
    let response = json!({ "status": 42, "content": {} });
    let text = one_entry(json!({"method": "GET", "url": "https://a.test/"}), response);
    let error = parse_error(&text)?;
    assert!(matches!(
        error,
        ReplayError::InvalidEntry {
            index: 1,
            field: "response.status",
            ..
        }
    ));
    Ok(())
}

#[test]
fn missing_file_names_path() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("absent.har");
    let error = Har::from_path(&path).err().ok_or("missing file loaded")?;
    assert!(matches!(&error, ReplayError::Read { path: p, .. } if *p == path));
    assert!(error.to_string().contains("absent.har"));
    Ok(())
}

#[test]
fn file_errors_carry_path() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("broken.har");
    std::fs::write(&path, "{")?;
    let error = Har::from_path(&path).err().ok_or("broken file loaded")?;
    let ReplayError::InFile { path: p, source } = &error else {
        return Err(format!("expected InFile, got {error:?}").into());
    };
    assert_eq!(*p, path);
    assert!(matches!(**source, ReplayError::Syntax { line: 1, .. }));
    Ok(())
}
