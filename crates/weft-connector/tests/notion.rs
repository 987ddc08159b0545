//! The built-in Notion connector: requests for each resource, parsing, pagination and
//! error mapping, plus one listing followed over a loopback server.

mod common;

use std::sync::Arc;

use common::{
    Loopback, ReqwestSend, TestResult, body_json, builtin_connectors, json_reply, response,
};
use serde_json::{Value, json};
use weft_connector::{AccountContext, Call, Connector, ConnectorError, HttpRequest, Registry};

const TOKEN: &str = "secret_notion_token_123";

fn notion() -> Arc<Connector> {
    let (registry, errors) = Registry::load(&[builtin_connectors()]);
    assert!(errors.is_empty(), "{errors:?}");
    registry.get("notion").expect("notion connector")
}

fn account() -> AccountContext {
    let mut context = serde_json::Map::new();
    context.insert("access_token".into(), json!(TOKEN));
    context.insert("workspace_name".into(), json!("Acme"));
    AccountContext {
        id: "acct-1".into(),
        context,
        base_url: None,
    }
}

fn call(resource: &str, method: &str, id: Option<&str>, query: Value, body: Option<Value>) -> Call {
    let Value::Object(query) = query else {
        panic!("query must be an object")
    };
    Call {
        resource: resource.into(),
        method: method.into(),
        id: id.map(str::to_string),
        query,
        body,
    }
}

async fn prepare(call: &Call) -> Result<HttpRequest, ConnectorError> {
    notion()
        .prepare(&account(), call, ReqwestSend::shared())
        .await
}

#[tokio::test]
async fn block_children_list_moves_block_id_into_path() -> TestResult {
    let call = call(
        "block-children",
        "list",
        None,
        json!({"block_id": "b1", "truto_ignore_remote_data": true}),
        None,
    );
    let request = prepare(&call).await?;
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.url,
        "https://api.notion.com/v1/blocks/b1/children?page_size=100"
    );
    assert_eq!(request.header("Notion-Version"), Some("2022-06-28"));
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(request.body, None);
    Ok(())
}

#[tokio::test]
async fn caller_query_overrides_default_page_size() -> TestResult {
    let call = call(
        "block-children",
        "list",
        None,
        json!({"block_id": "b1", "page_size": 10}),
        None,
    );
    let request = prepare(&call).await?;
    assert_eq!(
        request.url,
        "https://api.notion.com/v1/blocks/b1/children?page_size=10"
    );
    Ok(())
}

#[tokio::test]
async fn block_children_next_page_carries_cursor_in_query() -> TestResult {
    let call = call(
        "block-children",
        "list",
        None,
        json!({"block_id": "b1"}),
        None,
    );
    let request = prepare(&call).await?;
    let page = response(
        200,
        json!({"object": "list", "results": [{"id": "c1"}, {"id": "c2"}], "next_cursor": "cur-2", "has_more": true}),
    );
    let parsed = notion()
        .parse(&account(), &call, &request, &page, ReqwestSend::shared())
        .await?;
    assert_eq!(
        parsed.records,
        vec![json!({"id": "c1"}), json!({"id": "c2"})]
    );
    let next = parsed.next.ok_or("expected a next page")?;
    assert_eq!(
        next.url,
        "https://api.notion.com/v1/blocks/b1/children?page_size=100&start_cursor=cur-2"
    );
    assert_eq!(
        next.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    Ok(())
}

#[tokio::test]
async fn last_page_has_no_next_request() -> TestResult {
    let call = call(
        "block-children",
        "list",
        None,
        json!({"block_id": "b1"}),
        None,
    );
    let request = prepare(&call).await?;
    let page = response(
        200,
        json!({"results": [{"id": "c3"}], "next_cursor": null, "has_more": false}),
    );
    let parsed = notion()
        .parse(&account(), &call, &request, &page, ReqwestSend::shared())
        .await?;
    assert_eq!(parsed.records.len(), 1);
    assert_eq!(parsed.next, None);
    Ok(())
}

#[tokio::test]
async fn blocks_get_update_delete_use_id_in_path() -> TestResult {
    let get = prepare(&call("blocks", "get", Some("b 1"), json!({}), None)).await?;
    assert_eq!(
        (get.method.as_str(), get.url.as_str()),
        ("GET", "https://api.notion.com/v1/blocks/b%201")
    );

    let body = json!({"paragraph": {"rich_text": []}});
    let update = prepare(&call(
        "blocks",
        "update",
        Some("b1"),
        json!({}),
        Some(body.clone()),
    ))
    .await?;
    assert_eq!(
        (update.method.as_str(), update.url.as_str()),
        ("PATCH", "https://api.notion.com/v1/blocks/b1")
    );
    assert_eq!(body_json(&update), body);
    assert_eq!(update.header("content-type"), Some("application/json"));

    let delete = prepare(&call("blocks", "delete", Some("b1"), json!({}), None)).await?;
    assert_eq!(
        (delete.method.as_str(), delete.body.as_ref()),
        ("DELETE", None)
    );
    Ok(())
}

#[tokio::test]
async fn get_returns_whole_body_as_one_record() -> TestResult {
    let call = call("blocks", "get", Some("b1"), json!({}), None);
    let request = prepare(&call).await?;
    let body = json!({"object": "block", "id": "b1", "has_children": true});
    let page = notion()
        .parse(
            &account(),
            &call,
            &request,
            &response(200, body.clone()),
            ReqwestSend::shared(),
        )
        .await?;
    assert_eq!(page.records, vec![body]);
    assert_eq!(page.next, None);
    Ok(())
}

#[tokio::test]
async fn pages_get_create_update() -> TestResult {
    let get = prepare(&call("pages", "get", Some("p1"), json!({}), None)).await?;
    assert_eq!(
        (get.method.as_str(), get.url.as_str()),
        ("GET", "https://api.notion.com/v1/pages/p1")
    );

    let body = json!({"parent": {"page_id": "p1"}, "properties": {}});
    let create = prepare(&call(
        "pages",
        "create",
        None,
        json!({}),
        Some(body.clone()),
    ))
    .await?;
    assert_eq!(
        (create.method.as_str(), create.url.as_str()),
        ("POST", "https://api.notion.com/v1/pages")
    );
    assert_eq!(body_json(&create), body);

    let update = prepare(&call(
        "pages",
        "update",
        Some("p1"),
        json!({}),
        Some(json!({"archived": true})),
    ))
    .await?;
    assert_eq!(
        (update.method.as_str(), update.url.as_str()),
        ("PATCH", "https://api.notion.com/v1/pages/p1")
    );
    Ok(())
}

#[tokio::test]
async fn databases_get() -> TestResult {
    let request = prepare(&call("databases", "get", Some("d1"), json!({}), None)).await?;
    assert_eq!(request.url, "https://api.notion.com/v1/databases/d1");
    Ok(())
}

#[tokio::test]
async fn database_rows_send_cursor_in_body() -> TestResult {
    let filter = json!({"property": "Done", "checkbox": {"equals": true}});
    let call = call(
        "database-rows",
        "list",
        None,
        json!({"database_id": "d1"}),
        Some(json!({"filter": filter})),
    );
    let request = prepare(&call).await?;
    assert_eq!(
        (request.method.as_str(), request.url.as_str()),
        ("POST", "https://api.notion.com/v1/databases/d1/query")
    );
    assert_eq!(
        body_json(&request),
        json!({"page_size": 100, "filter": filter})
    );

    let page = response(
        200,
        json!({"results": [{"id": "r1"}], "next_cursor": "cur-b", "has_more": true}),
    );
    let next = notion()
        .parse(&account(), &call, &request, &page, ReqwestSend::shared())
        .await?
        .next
        .ok_or("no next")?;
    assert_eq!(next.url, request.url);
    assert_eq!(
        body_json(&next),
        json!({"page_size": 100, "filter": filter, "start_cursor": "cur-b"})
    );
    Ok(())
}

#[tokio::test]
async fn users_list_and_get() -> TestResult {
    let call_list = call("users", "list", None, json!({}), None);
    let list = prepare(&call_list).await?;
    assert_eq!(list.url, "https://api.notion.com/v1/users?page_size=100");
    let page = response(
        200,
        json!({"results": [{"id": "u1"}], "next_cursor": "u-cur", "has_more": true}),
    );
    let next = notion()
        .parse(&account(), &call_list, &list, &page, ReqwestSend::shared())
        .await?
        .next
        .ok_or("no next")?;
    assert_eq!(
        next.url,
        "https://api.notion.com/v1/users?page_size=100&start_cursor=u-cur"
    );

    let get = prepare(&call("users", "get", Some("u1"), json!({}), None)).await?;
    assert_eq!(get.url, "https://api.notion.com/v1/users/u1");
    Ok(())
}

#[tokio::test]
async fn search_sends_cursor_in_body() -> TestResult {
    let call = call(
        "search",
        "list",
        None,
        json!({}),
        Some(json!({"query": "roadmap"})),
    );
    let request = prepare(&call).await?;
    assert_eq!(
        (request.method.as_str(), request.url.as_str()),
        ("POST", "https://api.notion.com/v1/search")
    );
    assert_eq!(
        body_json(&request),
        json!({"page_size": 100, "query": "roadmap"})
    );
    let page = response(
        200,
        json!({"results": [], "next_cursor": "s2", "has_more": true}),
    );
    let next = notion()
        .parse(&account(), &call, &request, &page, ReqwestSend::shared())
        .await?
        .next
        .ok_or("no next")?;
    assert_eq!(body_json(&next)["start_cursor"], "s2");
    Ok(())
}

#[tokio::test]
async fn notion_error_body_becomes_remote_error() -> TestResult {
    let call = call("blocks", "get", Some("missing"), json!({}), None);
    let request = prepare(&call).await?;
    let body = json!({"object": "error", "status": 404, "code": "object_not_found",
                      "message": "Could not find block with ID: missing."});
    let error = notion()
        .parse(
            &account(),
            &call,
            &request,
            &response(404, body.clone()),
            ReqwestSend::shared(),
        )
        .await;
    match error {
        Err(ConnectorError::Remote {
            status,
            message,
            raw,
        }) => {
            assert_eq!(status, 404);
            assert_eq!(message, "Could not find block with ID: missing.");
            assert_eq!(raw, body);
        }
        other => panic!("expected a remote error, got {other:?}"),
    }
    Ok(())
}

#[tokio::test]
async fn non_json_error_body_is_kept_as_text() -> TestResult {
    let call = call("blocks", "get", Some("b1"), json!({}), None);
    let request = prepare(&call).await?;
    let reply = weft_connector::HttpResponse {
        status: 502,
        headers: vec![],
        body: b"<html>bad gateway</html>".to_vec(),
    };
    match notion()
        .parse(&account(), &call, &request, &reply, ReqwestSend::shared())
        .await
    {
        Err(ConnectorError::Remote {
            status,
            message,
            raw,
        }) => {
            assert_eq!(status, 502);
            assert_eq!(message, "request failed with status 502");
            assert_eq!(raw, json!("<html>bad gateway</html>"));
        }
        other => panic!("expected a remote error, got {other:?}"),
    }
    Ok(())
}

#[tokio::test]
async fn missing_block_id_names_the_placeholder() {
    let error = prepare(&call("block-children", "list", None, json!({}), None))
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "connector 'notion': resource 'block-children' method 'list' needs 'block_id' for path \
         '/v1/blocks/{block_id}/children', as the id or a query key"
    );
}

#[tokio::test]
async fn missing_access_token_is_reported_without_value() {
    let mut account = account();
    account.context.remove("access_token");
    let call = call("users", "list", None, json!({}), None);
    let error = notion()
        .prepare(&account, &call, ReqwestSend::shared())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ConnectorError::MissingContext { field, .. } if field == "access_token"),
        "{error:?}"
    );
}

#[tokio::test]
async fn unknown_method_is_reported() {
    let error = prepare(&call("databases", "delete", Some("d1"), json!({}), None))
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "connector 'notion' has no method 'delete' on resource 'databases'"
    );
}

#[tokio::test]
async fn truto_query_keys_never_go_upstream() -> TestResult {
    let query = json!({"database_id": "d1", "truto_ignore_remote_data": true,
                       "truto_anything": "x", "filter_properties": "title"});
    let call = call("database-rows", "list", None, query, None);
    let request = prepare(&call).await?;
    assert_eq!(
        request.url,
        "https://api.notion.com/v1/databases/d1/query?filter_properties=title"
    );
    Ok(())
}

#[tokio::test]
async fn follows_every_page_over_loopback() -> TestResult {
    let server = Loopback::start(|request| {
        let body = match request.uri.contains("start_cursor=c2") {
            false => json!({"results": [{"id": "a"}, {"id": "b"}], "next_cursor": "c2", "has_more": true}),
            true => json!({"results": [{"id": "c"}], "next_cursor": null, "has_more": false}),
        };
        json_reply(200, body)
    })
    .await;
    let mut account = account();
    account.base_url = Some(server.base_url.clone());
    let http = ReqwestSend::shared();
    let notion = notion();
    let call = call(
        "block-children",
        "list",
        None,
        json!({"block_id": "root"}),
        None,
    );

    let mut request = Some(notion.prepare(&account, &call, Arc::clone(&http)).await?);
    let mut ids = Vec::new();
    while let Some(current) = request {
        let reply = http.send(current.clone()).await?;
        let page = notion
            .parse(&account, &call, &current, &reply, Arc::clone(&http))
            .await?;
        ids.extend(page.records.iter().map(|record| record["id"].clone()));
        request = page.next;
    }

    assert_eq!(ids, [json!("a"), json!("b"), json!("c")]);
    let received = server.requests();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[1].uri,
        "/v1/blocks/root/children?page_size=100&start_cursor=c2"
    );
    assert_eq!(received[1].header("notion-version"), Some("2022-06-28"));
    assert_eq!(
        received[1].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    Ok(())
}
