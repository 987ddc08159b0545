//! Upstream APIs that misbehave: pagination that never ends, trees that contain
//! themselves, bodies that are not JSON, errors sent with status 200. The real Notion
//! connector runs against a loopback server.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{
    Loopback, RawReply, Received, Reply, TestError, TestResult, notion_target, plan, record_ids,
    run,
};
use serde_json::{Value, json};
use weft_engine::{Engine, Event, Options, RetryPolicy};

fn engine(options: Options) -> Result<Engine, TestError> {
    let retry = RetryPolicy::new(1, Duration::from_millis(1), Duration::from_millis(2));
    Ok(Engine::new(options.with_retry(retry))?)
}

fn list_spec(block_id: &str) -> Value {
    json!({
        "integrated_account_id": "account-1",
        "resources": [{
            "name": "blocks", "resource": "block-children", "method": "list",
            "query": {"block_id": block_id}, "persist": true
        }]
    })
}

fn notion_page(results: Value, cursor: Option<String>) -> Reply {
    let body = json!({
        "object": "list", "results": results,
        "has_more": cursor.is_some(), "next_cursor": cursor
    });
    (200, Vec::new(), body)
}

fn first_error(output: &weft_engine::BatchOutput, key: &str) -> Value {
    output.errors[key][0].clone()
}

#[tokio::test]
async fn repeated_cursor_stops_pagination_with_error() -> TestResult {
    let server = Loopback::start(|request: &Received| {
        let id = format!("r{}", request.uri.len());
        notion_page(json!([{"id": id}]), Some("same".into()))
    })
    .await;
    let target = notion_target(&server.origin)?;
    let run = run(&engine(Options::default())?, plan(list_spec("b1"))?, target).await?;

    assert_eq!(
        server.requests().len(),
        2,
        "the repeated page was sent again"
    );
    assert_eq!(record_ids(&run.output, "blocks").len(), 2);
    let error = first_error(&run.output, "blocks");
    assert_eq!(error["statusCode"], 508);
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("the request for page 3 repeats page 2 (GET '/v1/blocks/b1/children?"),
        "{message}"
    );
    assert!(message.contains("start_cursor=same"), "{message}");
    let pages: Vec<usize> = run
        .events
        .iter()
        .filter_map(|event| match event {
            Event::PageFetched { page, .. } => Some(*page),
            _ => None,
        })
        .collect();
    assert_eq!(pages, [1, 2]);
    Ok(())
}

#[tokio::test]
async fn parse_hook_repeating_its_request_names_pages_from_one() -> TestResult {
    let server =
        Loopback::start(|_: &Received| (200, Vec::new(), json!({"items": [{"id": "a"}]}))).await;
    let target = common::target("repeating", json!({}), server.origin.clone())?;
    let spec = json!({
        "integrated_account_id": "account-1",
        "resources": [{"name": "items", "resource": "items", "method": "list", "persist": true}]
    });
    let run = run(&engine(Options::default())?, plan(spec)?, target).await?;

    assert_eq!(server.requests().len(), 1);
    let message = first_error(&run.output, "items")["message"].clone();
    let message = message.as_str().unwrap_or_default();
    assert!(
        message.contains("the request for page 2 repeats page 1 (GET '/items?cursor=c1')"),
        "{message}"
    );
    Ok(())
}

#[tokio::test]
async fn endless_pagination_stops_at_page_limit() -> TestResult {
    let pages = Arc::new(AtomicUsize::new(0));
    let counter = pages.clone();
    let server = Loopback::start(move |_: &Received| {
        let page = counter.fetch_add(1, Ordering::SeqCst);
        notion_page(
            json!([{"id": format!("r{page}")}]),
            Some(format!("c{page}")),
        )
    })
    .await;
    let target = notion_target(&server.origin)?;
    let options = Options::default().with_max_pages(5);
    let run = run(&engine(options)?, plan(list_spec("b1"))?, target).await?;

    assert_eq!(pages.load(Ordering::SeqCst), 5);
    assert_eq!(
        record_ids(&run.output, "blocks"),
        ["r0", "r1", "r2", "r3", "r4"]
    );
    let error = first_error(&run.output, "blocks");
    assert_eq!(error["statusCode"], 508);
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains("more than 5 pages"), "{message}");
    Ok(())
}

#[tokio::test]
async fn recursion_cycle_is_reported_not_followed() -> TestResult {
    // Every block lists itself twice as a child with children: without cycle
    // detection this tree has 2^32 calls.
    let server = Loopback::start(|request: &Received| {
        let id = request
            .path()
            .split('/')
            .nth(3)
            .unwrap_or_default()
            .to_owned();
        let child = json!({"id": id, "has_children": true});
        notion_page(json!([child, child]), None)
    })
    .await;
    let mut spec = list_spec("loop");
    spec["resources"][0]["recurse"] = json!({
        "if": "{{resources.block-children.has_children:bool}}",
        "config": {"query": {"block_id": "{{resources.block-children.id}}"}}
    });
    let target = notion_target(&server.origin)?;
    let run = run(&engine(Options::default())?, plan(spec)?, target).await?;

    assert_eq!(server.requests().len(), 1);
    assert_eq!(record_ids(&run.output, "blocks"), ["loop", "loop"]);
    let errors = run.output.errors["blocks"].as_array().ok_or("no errors")?;
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["statusCode"], 508);
    let message = errors[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("recursion cycle"), "{message}");
    assert_eq!(
        errors[0]["binding"],
        json!({"resources.block-children.id": "loop"})
    );
    Ok(())
}

#[tokio::test]
async fn recursion_into_distinct_children_is_not_a_cycle() -> TestResult {
    // a -> a/x -> a/x/x ...: every call differs, so the depth limit stops it.
    let server = Loopback::start(|request: &Received| {
        let id = request
            .path()
            .split('/')
            .nth(3)
            .unwrap_or_default()
            .to_owned();
        notion_page(
            json!([{"id": format!("{id}x"), "has_children": true}]),
            None,
        )
    })
    .await;
    let mut spec = list_spec("a");
    spec["resources"][0]["recurse"] = json!({
        "if": "{{resources.block-children.has_children:bool}}",
        "config": {"query": {"block_id": "{{resources.block-children.id}}"}},
        "max_depth": 3
    });
    let target = notion_target(&server.origin)?;
    let run = run(&engine(Options::default())?, plan(spec)?, target).await?;

    assert_eq!(
        record_ids(&run.output, "blocks"),
        ["ax", "axx", "axxx", "axxxx"]
    );
    assert_eq!(first_error(&run.output, "blocks")["statusCode"], 508);
    let message = first_error(&run.output, "blocks")["message"].clone();
    assert!(message.as_str().unwrap_or_default().contains("limit of 3"));
    Ok(())
}

#[tokio::test]
async fn unsendable_url_fails_without_retries() -> TestResult {
    let target = notion_target("ftp://127.0.0.1:9")?;
    let run = run(&engine(Options::default())?, plan(list_spec("b1"))?, target).await?;

    let retried = run
        .events
        .iter()
        .any(|event| matches!(event, Event::Retrying { .. }));
    assert!(!retried, "a request that cannot be sent was retried");
    let message = first_error(&run.output, "blocks")["message"].clone();
    let message = message.as_str().unwrap_or_default();
    assert!(message.starts_with("invalid request"), "{message}");
    Ok(())
}

#[tokio::test]
async fn secret_in_url_path_is_redacted_from_errors() -> TestResult {
    let server = Loopback::start(|_: &Received| (404, Vec::new(), json!({"message": "no"}))).await;
    let context = json!({"api_key": "key-in-path-123"});
    let base_url = format!("{}/bot{{api_key}}", server.origin);
    let target = common::target("pathkey", context, base_url)?;
    let spec = common::items_spec(&["i1"]);
    let run = run(&engine(Options::default())?, plan(spec)?, target).await?;

    assert_eq!(server.requests()[0].path(), "/botkey-in-path-123/items/i1");
    let error = first_error(&run.output, "items");
    assert_eq!(error["path"], "/bot[redacted]/items/i1");
    let text = serde_json::to_string(&run.output)? + &serde_json::to_string(&run.events)?;
    assert!(!text.contains("key-in-path-123"), "{text}");
    Ok(())
}

fn html_reply(status: u16, body: &str) -> RawReply {
    let headers = vec![("content-type".to_owned(), "text/html".to_owned())];
    (status, headers, body.as_bytes().to_vec())
}

#[tokio::test]
async fn html_body_with_status_200_fails_with_502() -> TestResult {
    // A captive proxy page that echoes the bearer token and is longer than the excerpt.
    let page = format!(
        "<html>\n<body><h1>Proxy login</h1><p>Authorization: Bearer token-1</p>{}</body></html>",
        "filler ".repeat(100)
    );
    let server = Loopback::start_raw(move |_: &Received| html_reply(200, &page)).await;
    let mut spec = list_spec("b1");
    spec["resources"][0]["query"]["filter_key"] = json!("query-value-77");
    let target = notion_target(&server.origin)?;
    let run = run(&engine(Options::default())?, plan(spec)?, target).await?;

    assert_eq!(record_ids(&run.output, "blocks"), Vec::<String>::new());
    let error = first_error(&run.output, "blocks");
    assert_eq!(error["statusCode"], 502);
    assert_eq!(error["error"], "Bad Gateway");
    assert_eq!(error["path"], "/v1/blocks/b1/children");
    assert_eq!(error["truto_is_remote_error"], true);
    let message = error["message"].as_str().unwrap_or_default();
    let expected = "unusable response to GET /v1/blocks/b1/children with status 200: \
                    response body is not JSON (expected value at line 1 column 1), \
                    starting with '<html> <body><h1>Proxy login</h1><p>Authorization: \
                    Bearer [redacted]</p>";
    assert!(message.starts_with(expected), "{message}");
    assert!(message.ends_with("…'"), "{message}");
    let excerpt = error["raw_response"].as_str().unwrap_or_default();
    assert_eq!(excerpt.chars().count(), 121, "{excerpt}");
    let text = serde_json::to_string(&run.output)? + &serde_json::to_string(&run.events)?;
    assert!(!text.contains("token-1"), "{text}");
    assert!(!text.contains("query-value-77"), "{text}");
    Ok(())
}

#[tokio::test]
async fn truncated_json_on_second_page_keeps_first_page() -> TestResult {
    let server = Loopback::start_raw(|request: &Received| {
        if request.uri.contains("start_cursor=c2") {
            return html_reply(200, r#"{"object": "list", "results": [{"id": "#);
        }
        let body = json!({"object": "list", "results": [{"id": "a"}],
                          "has_more": true, "next_cursor": "c2"});
        (200, Vec::new(), body.to_string().into_bytes())
    })
    .await;
    let target = notion_target(&server.origin)?;
    let run = run(&engine(Options::default())?, plan(list_spec("b1"))?, target).await?;

    assert_eq!(record_ids(&run.output, "blocks"), ["a"]);
    let error = first_error(&run.output, "blocks");
    assert_eq!(error["statusCode"], 502);
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("response body is not JSON (EOF while parsing"),
        "{message}"
    );
    let expected_end = r#"starting with '{"object": "list", "results": [{"id":'"#;
    assert!(message.ends_with(expected_end), "{message}");
    Ok(())
}

#[tokio::test]
async fn empty_body_with_status_200_fails_with_502() -> TestResult {
    let server = Loopback::start_raw(|_: &Received| html_reply(200, "")).await;
    let target = notion_target(&server.origin)?;
    let run = run(&engine(Options::default())?, plan(list_spec("b1"))?, target).await?;

    let error = first_error(&run.output, "blocks");
    assert_eq!(error["statusCode"], 502);
    assert_eq!(
        error["message"],
        "unusable response to GET /v1/blocks/b1/children with status 200: response body is empty"
    );
    Ok(())
}

#[tokio::test]
async fn notion_error_with_status_200_is_reported() -> TestResult {
    let body = json!({"object": "error", "status": 400, "code": "validation_error",
                      "message": "body failed validation: block_id should be a valid uuid"});
    let reply = body.clone();
    let server = Loopback::start(move |_: &Received| (200, Vec::new(), reply.clone())).await;
    let mut spec = list_spec("b1");
    spec["resources"]
        .as_array_mut()
        .ok_or("no resources")?
        .push(json!({
            "name": "children", "resource": "blocks", "method": "get",
            "depends_on": "blocks", "id": "{{resources.block-children.id}}"
        }));
    let target = notion_target(&server.origin)?;
    let run = run(&engine(Options::default())?, plan(spec)?, target).await?;

    let error = first_error(&run.output, "blocks");
    assert_eq!(error["statusCode"], 400);
    assert_eq!(error["error"], "Bad Request");
    assert_eq!(
        error["message"],
        "body failed validation: block_id should be a valid uuid"
    );
    assert_eq!(error["truto_is_remote_error"], true);
    assert_eq!(error["raw_response"], body);
    assert_eq!(error["path"], "/v1/blocks/b1/children");
    // The child ran over nothing because its parent failed.
    assert_eq!(first_error(&run.output, "children")["statusCode"], 424);
    let failed = run.events.iter().any(|event| {
        matches!(event, Event::Failed { node, status, .. } if node == "blocks" && *status == 400)
    });
    assert!(failed, "no failed event for the node");
    Ok(())
}
