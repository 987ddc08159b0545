//! Placeholders that resolve to nothing in a request's `id`, `query` and
//! `recurse.config`. The placeholder rules keep their text, so the call is made with it,
//! and the engine reports each one once on the event stream. The real Notion connector
//! sends to a loopback server.

mod common;

use common::{Loopback, Received, Reply, Run, TestResult, notion_target, plan, run};
use serde_json::{Value, json};
use weft_engine::{Engine, Event, Options};

/// Replies to every request with one Notion block.
fn block_reply(_: &Received) -> Reply {
    let body = json!({"object": "block", "id": "b1", "type": "paragraph"});
    (200, Vec::new(), body)
}

fn get_spec(args: Value, id: &str) -> Value {
    json!({
        "integrated_account_id": "account-1",
        "args": args,
        "resources": [{
            "name": "block", "resource": "blocks", "method": "get",
            "loop_on": "args.ids", "id": id, "persist": true
        }]
    })
}

fn list_spec(query: Value) -> Value {
    json!({
        "integrated_account_id": "account-1",
        "resources": [{
            "name": "blocks", "resource": "block-children", "method": "list",
            "query": query, "persist": true
        }]
    })
}

async fn run_against(server: &Loopback, spec: Value) -> Result<Run, common::TestError> {
    let target = notion_target(&server.origin)?;
    run(&Engine::new(Options::default())?, plan(spec)?, target).await
}

/// Returns the (node, field, placeholder) of every unresolved-placeholder event.
fn unresolved(events: &[Event]) -> Vec<(String, String, String)> {
    let reported = events.iter().filter_map(|event| match event {
        Event::PlaceholderUnresolved {
            node,
            field,
            placeholder,
        } => Some((node.clone(), field.clone(), placeholder.clone())),
        _ => None,
    });
    reported.collect()
}

fn triple(node: &str, field: &str, placeholder: &str) -> (String, String, String) {
    (node.into(), field.into(), placeholder.into())
}

#[tokio::test]
async fn unresolved_id_sent_and_reported_once() -> TestResult {
    let server = Loopback::start(block_reply).await;
    let spec = get_spec(json!({"ids": ["a", "b", "c"]}), "{{args.missing}}");
    let run = run_against(&server, spec).await?;

    let paths: Vec<String> = server.requests().iter().map(|r| r.path().into()).collect();
    assert_eq!(paths, vec!["/v1/blocks/%7B%7Bargs.missing%7D%7D"; 3]);
    let expected = vec![triple("block", "id", "{{args.missing}}")];
    assert_eq!(unresolved(&run.events), expected);
    assert!(run.output.errors.is_empty(), "{:?}", run.output.errors);
    Ok(())
}

#[tokio::test]
async fn id_default_fills_missing_arg() -> TestResult {
    let server = Loopback::start(block_reply).await;
    // The default is the text after `?:`, kept verbatim, so no space before it.
    let spec = get_spec(json!({"ids": ["a"]}), "{{args.missing ?:b1}}");
    let run = run_against(&server, spec).await?;

    let paths: Vec<String> = server.requests().iter().map(|r| r.path().into()).collect();
    assert_eq!(paths, ["/v1/blocks/b1"]);
    assert_eq!(unresolved(&run.events), []);
    Ok(())
}

#[tokio::test]
async fn unresolved_query_names_its_field() -> TestResult {
    let server = Loopback::start(|_: &Received| {
        let body = json!({"object": "list", "results": [], "has_more": false});
        (200, Vec::new(), body)
    })
    .await;
    let query = json!({"block_id": "b1", "filter": "type {{args.kind}}"});
    let run = run_against(&server, list_spec(query)).await?;

    let uris: Vec<String> = server.requests().into_iter().map(|r| r.uri).collect();
    let sent = "/v1/blocks/b1/children?page_size=100&filter=type+%7B%7Bargs.kind%7D%7D";
    assert_eq!(uris, [sent]);
    let expected = vec![triple("blocks", "query", "{{args.kind}}")];
    assert_eq!(unresolved(&run.events), expected);
    Ok(())
}

#[tokio::test]
async fn every_unresolved_placeholder_reported() -> TestResult {
    let server = Loopback::start(|_: &Received| {
        let body = json!({"object": "list", "results": [], "has_more": false});
        (200, Vec::new(), body)
    })
    .await;
    let query = json!({
        "block_id": "b1",
        "filter": "pre-{{args.y}}-post {{args.z}}",
        "sort": "{{args.a|args.b}} {{args.c}}"
    });
    let run = run_against(&server, list_spec(query)).await?;

    let mut reported = unresolved(&run.events);
    reported.sort();
    let expected = vec![
        triple("blocks", "query", "{{args.a|args.b}}"),
        triple("blocks", "query", "{{args.c}}"),
        triple("blocks", "query", "{{args.y}}"),
        triple("blocks", "query", "{{args.z}}"),
    ];
    assert_eq!(reported, expected);
    Ok(())
}

#[tokio::test]
async fn undefined_cast_drops_missing_query_key() -> TestResult {
    let server = Loopback::start(|_: &Received| {
        let body = json!({"object": "list", "results": [], "has_more": false});
        (200, Vec::new(), body)
    })
    .await;
    let query = json!({"block_id": "b1", "filter": "{{args.kind:undefined}}"});
    let run = run_against(&server, list_spec(query)).await?;

    let uris: Vec<String> = server.requests().into_iter().map(|r| r.uri).collect();
    assert_eq!(uris, ["/v1/blocks/b1/children?page_size=100"]);
    assert_eq!(unresolved(&run.events), []);
    Ok(())
}

#[tokio::test]
async fn unresolved_recurse_config_names_field() -> TestResult {
    let server = Loopback::start(|received: &Received| {
        let results = match received.path() {
            "/v1/blocks/b1/children" => json!([{"id": "c1", "has_children": true}]),
            _ => json!([]),
        };
        let body = json!({"object": "list", "results": results, "has_more": false});
        (200, Vec::new(), body)
    })
    .await;
    let mut spec = list_spec(json!({"block_id": "b1"}));
    spec["resources"][0]["recurse"] = json!({
        "if": "{{resources.block-children.has_children:bool}}",
        "config": {"query": {"block_id": "{{resources.block-children.uuid}}"}}
    });
    let run = run_against(&server, spec).await?;

    let paths: Vec<String> = server.requests().iter().map(|r| r.path().into()).collect();
    let kept = "/v1/blocks/%7B%7Bresources.block-children.uuid%7D%7D/children";
    assert_eq!(paths, ["/v1/blocks/b1/children", kept]);
    let placeholder = "{{resources.block-children.uuid}}";
    let expected = vec![triple("blocks", "recurse.config.query", placeholder)];
    assert_eq!(unresolved(&run.events), expected);
    Ok(())
}
