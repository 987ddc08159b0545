//! Responses with status 2xx that carry no usable data: bodies that are not JSON, empty
//! bodies, and error objects that an API or a proxy sends with status 200.

mod common;

use std::sync::Arc;

use common::{ReqwestSend, TestResult, builtin_connectors, fixtures, response};
use serde_json::{Value, json};
use weft_connector::{
    AccountContext, Call, Connector, ConnectorError, HttpResponse, Page, Registry,
};

fn connector(folder: std::path::PathBuf, name: &str) -> Arc<Connector> {
    let (registry, errors) = Registry::load(&[folder]);
    assert!(errors.is_empty(), "{errors:?}");
    registry.get(name).expect("connector")
}

fn account() -> AccountContext {
    let context = json!({"access_token": "token-1", "api_key": "key-1", "signing_key": "s",
                         "user": "ann", "password": "pw-1"});
    AccountContext {
        id: "acct-1".into(),
        context: context.as_object().cloned().unwrap_or_default(),
        base_url: None,
    }
}

fn call(resource: &str, method: &str, query: Value) -> Call {
    Call {
        resource: resource.into(),
        method: method.into(),
        id: Some("b1".into()),
        query: query.as_object().cloned().unwrap_or_default(),
        body: None,
    }
}

/// Prepares `call` on `connector` and parses `reply` as its response.
async fn parse(
    connector: &Connector,
    call: &Call,
    reply: &HttpResponse,
) -> Result<Page, ConnectorError> {
    let http = ReqwestSend::shared();
    let request = connector.prepare(&account(), call, http.clone()).await?;
    connector
        .parse(&account(), call, &request, reply, http)
        .await
}

/// Returns the status, message and raw body of a remote error, or fails the test.
fn remote_error(
    outcome: Result<Page, ConnectorError>,
) -> Result<(u16, String, Value), Box<dyn std::error::Error>> {
    match outcome {
        Err(ConnectorError::Remote {
            status,
            message,
            raw,
        }) => Ok((status, message, raw)),
        other => Err(format!("expected a remote error, got {other:?}").into()),
    }
}

fn raw(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: Vec::new(),
        body: body.as_bytes().to_vec(),
    }
}

fn notion() -> Arc<Connector> {
    connector(builtin_connectors(), "notion")
}

fn list_blocks() -> Call {
    call("block-children", "list", json!({"block_id": "b1"}))
}

#[tokio::test]
async fn notion_error_object_with_status_200_is_remote_error() -> TestResult {
    let body = json!({"object": "error", "status": 400, "code": "validation_error",
                      "message": "body failed validation: page_size should be ≤ 100"});
    let outcome = parse(&notion(), &list_blocks(), &response(200, body.clone())).await;

    let (status, message, raw) = remote_error(outcome)?;
    assert_eq!(status, 400);
    assert_eq!(message, "body failed validation: page_size should be ≤ 100");
    assert_eq!(raw, body);
    Ok(())
}

#[tokio::test]
async fn notion_error_object_without_status_is_502() -> TestResult {
    let body = json!({"object": "error", "message": "upstream timed out"});
    let outcome = parse(&notion(), &list_blocks(), &response(200, body)).await;

    let (status, message, _) = remote_error(outcome)?;
    assert_eq!(status, 502);
    assert_eq!(message, "upstream timed out");
    Ok(())
}

#[tokio::test]
async fn notion_list_page_is_not_an_error() -> TestResult {
    let body = json!({"object": "list", "results": [{"id": "a"}], "has_more": false});
    let page = parse(&notion(), &list_blocks(), &response(200, body)).await?;
    assert_eq!(page.records, [json!({"id": "a"})]);
    Ok(())
}

#[tokio::test]
async fn default_shape_errors_array_is_remote_error() -> TestResult {
    let plain = connector(fixtures("good"), "plain");
    let body = json!({"errors": [{"message": "field 'name' is unknown"}]});
    let outcome = parse(
        &plain,
        &call("contacts", "list", json!({})),
        &response(200, body),
    )
    .await;

    let (status, message, _) = remote_error(outcome)?;
    assert_eq!(status, 502);
    assert_eq!(message, "field 'name' is unknown");
    Ok(())
}

#[tokio::test]
async fn errors_beside_data_are_not_an_error() -> TestResult {
    let plain = connector(fixtures("good"), "plain");
    let body = json!({"data": [{"id": "c1"}], "errors": [{"message": "one field was slow"}]});
    let page = parse(
        &plain,
        &call("contacts", "list", json!({})),
        &response(200, body),
    )
    .await?;
    assert_eq!(page.records.len(), 1);
    Ok(())
}

#[tokio::test]
async fn record_with_errors_field_is_not_an_error() -> TestResult {
    let plain = connector(fixtures("good"), "plain");
    let record = json!({"id": "job-1", "state": "done", "errors": [{"message": "row 3 skipped"}]});
    let page = parse(
        &plain,
        &call("contacts", "get", json!({})),
        &response(200, record.clone()),
    )
    .await?;
    assert_eq!(page.records, vec![record]);
    Ok(())
}

#[tokio::test]
async fn error_like_keys_beside_errors_stay_an_error() -> TestResult {
    let plain = connector(fixtures("good"), "plain");
    let body = json!({
        "errors": [{"message": "quota exceeded"}], "message": "request failed",
        "code": "quota", "status": 429, "request_id": "r-1"
    });
    let outcome = parse(
        &plain,
        &call("contacts", "get", json!({})),
        &response(200, body),
    )
    .await;

    let (status, message, _) = remote_error(outcome)?;
    assert_eq!(status, 429);
    assert_eq!(message, "request failed");
    Ok(())
}

#[tokio::test]
async fn parse_hook_error_is_remote_error() -> TestResult {
    let echo = connector(fixtures("good"), "echo");
    let body = json!({"ok": false, "error": "channel_not_found"});
    let outcome = parse(
        &echo,
        &call("slack", "get", json!({})),
        &response(200, body.clone()),
    )
    .await;

    let (status, message, raw) = remote_error(outcome)?;
    assert_eq!(status, 400);
    assert_eq!(message, "slack returned channel_not_found");
    assert_eq!(raw, body);
    Ok(())
}

#[tokio::test]
async fn html_body_is_invalid_response() -> TestResult {
    let reply = raw(200, "<html><body>502 Bad Gateway</body></html>");
    let outcome = parse(&notion(), &list_blocks(), &reply).await;

    let Err(ConnectorError::InvalidResponse { message, .. }) = outcome else {
        return Err(format!("expected an invalid response, got {outcome:?}").into());
    };
    assert!(
        message.starts_with("response body is not JSON ("),
        "{message}"
    );
    Ok(())
}

#[tokio::test]
async fn truncated_json_is_invalid_response() -> TestResult {
    let reply = raw(200, r#"{"object": "list", "results": [{"id": "a"#);
    let outcome = parse(&notion(), &list_blocks(), &reply).await;
    assert!(
        matches!(outcome, Err(ConnectorError::InvalidResponse { .. })),
        "{outcome:?}"
    );
    Ok(())
}

#[tokio::test]
async fn empty_body_fails_list_but_not_delete() -> TestResult {
    let outcome = parse(&notion(), &list_blocks(), &raw(200, "")).await;
    let Err(ConnectorError::InvalidResponse { message, .. }) = outcome else {
        return Err(format!("expected an invalid response, got {outcome:?}").into());
    };
    assert_eq!(message, "response body is empty");

    let delete = call("blocks", "delete", json!({"block_id": "b1"}));
    let page = parse(&notion(), &delete, &raw(200, "")).await?;
    assert!(page.records.is_empty());
    Ok(())
}

#[tokio::test]
async fn no_content_status_has_no_records() -> TestResult {
    let page = parse(&notion(), &list_blocks(), &raw(204, "")).await?;
    assert!(page.records.is_empty());
    assert!(page.next.is_none());
    Ok(())
}
