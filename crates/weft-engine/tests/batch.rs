//! Whole batches through the engine: the real Lua Notion connector from
//! `connectors/notion`, a real loopback replay server serving `tests/har/workspace.har`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::sync::mpsc;
use weft_connector::{AccountContext, Registry};
use weft_engine::{BatchOutput, Engine, Event, Options, RetryPolicy, Target};
use weft_replay::{Har, ReplayServer};
use weft_spec::{NodeKind, Plan};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A secret the account carries; it must never show up in output or events.
const SECRET: &str = "secret-token-0123456789";

fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

async fn replay() -> Result<ReplayServer, Box<dyn std::error::Error>> {
    let har = Har::from_path(repo_path("tests/har/workspace.har"))?;
    Ok(weft_replay::serve(har, ([127, 0, 0, 1], 0).into()).await?)
}

fn notion_target(server: &ReplayServer) -> Result<Target, Box<dyn std::error::Error>> {
    let (registry, errors) = Registry::load(&[repo_path("connectors")]);
    assert!(errors.is_empty(), "connectors failed to load: {errors:?}");
    let connector = registry.get("notion").ok_or("no notion connector")?;
    let context: Map<String, Value> = connector
        .secret_fields()
        .iter()
        .map(|field| (field.clone(), Value::String(SECRET.into())))
        .collect();
    let account = AccountContext {
        id: "account-1".into(),
        context,
        base_url: Some(server.base_url()),
    };
    Ok(Target::new(connector, account, &[]))
}

fn plan(body: Value) -> Result<Plan, Box<dyn std::error::Error>> {
    weft_spec::plan_from_value(&body).map_err(|diagnostics| diagnostics.to_string().into())
}

fn quick_retries() -> Options {
    let retry = RetryPolicy::new(3, Duration::from_millis(1), Duration::from_millis(5));
    Options::default().with_retry(retry)
}

struct Run {
    output: BatchOutput,
    events: Vec<Event>,
    /// Query strings of the requests the replay server received.
    queries: Vec<String>,
}

async fn run_with(plan: Plan, options: Options) -> Result<Run, Box<dyn std::error::Error>> {
    let server = replay().await?;
    let target = notion_target(&server)?;
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let output = Engine::new(options)?
        .run(Arc::new(plan), target, Some(sender))
        .await;
    let mut events = Vec::new();
    while let Some(event) = receiver.recv().await {
        events.push(event);
    }
    let queries = server
        .requests()
        .into_iter()
        .map(|request| request.query.unwrap_or_default())
        .collect();
    server.shutdown().await?;
    let text = serde_json::to_string(&output)? + &serde_json::to_string(&events)?;
    assert!(!text.contains(SECRET), "the account secret leaked: {text}");
    Ok(Run {
        output,
        events,
        queries,
    })
}

async fn run(body: Value) -> Result<Run, Box<dyn std::error::Error>> {
    run_with(plan(body)?, quick_retries()).await
}

fn ids(output: &BatchOutput, key: &str) -> Vec<String> {
    let records = output.result[key]
        .as_array()
        .expect("result entries are arrays");
    records
        .iter()
        .map(|record| record["id"].as_str().unwrap_or("<no id>").to_owned())
        .collect()
}

fn errors<'a>(output: &'a BatchOutput, key: &str) -> &'a Vec<Value> {
    output.errors[key]
        .as_array()
        .expect("error entries are arrays")
}

fn loop_spec(page_ids: Value) -> Value {
    json!({
        "integrated_account_id": "account-1",
        "args": {"page_ids": page_ids},
        "resources": [{
            "name": "blocks",
            "resource": "block-children",
            "method": "list",
            "loop_on": "args.page_ids",
            "query": {"block_id": "{{args.page_ids}}"},
            "persist": true
        }]
    })
}

fn tree_spec() -> Value {
    json!({
        "integrated_account_id": "account-1",
        "args": {"page_id": "tree"},
        "resources": [
            {
                "name": "page-content",
                "resource": "block-children",
                "method": "list",
                "query": {"block_id": "{{args.page_id}}", "truto_ignore_remote_data": true},
                "recurse": {
                    "if": "{{resources.block-children.has_children:bool}}",
                    "config": {"query": {"block_id": "{{resources.block-children.id}}"}}
                },
                "persist": true
            },
            {"name": "all-content", "type": "spool", "depends_on": "page-content", "persist": true},
            {
                "name": "summary",
                "type": "transform",
                "depends_on": "all-content",
                "persist": true,
                "config": {"expression": "{'ids': resources.`block-children`.id, 'count': $count(resources.`all-content`)}"}
            }
        ]
    })
}

const TREE_PRE_ORDER: [&str; 7] = ["t1", "t1-a", "t1-a-x", "t1-a-x-1", "t1-a-x-2", "t1-b", "t2"];

#[tokio::test]
async fn loop_on_runs_once_per_page_in_element_order() -> TestResult {
    let run = run(loop_spec(json!(["page-1", "page-2", "page-3"]))).await?;
    assert_eq!(
        ids(&run.output, "blocks"),
        ["p1-a", "p1-b", "p2-a", "p2-b", "p3-a"]
    );
    assert!(run.output.errors.is_empty(), "{:?}", run.output.errors);
    Ok(())
}

#[tokio::test]
async fn loop_element_404_keeps_other_elements() -> TestResult {
    let run = run(loop_spec(json!(["page-1", "page-missing", "page-3"]))).await?;
    assert_eq!(ids(&run.output, "blocks"), ["p1-a", "p1-b", "p3-a"]);
    let errors = errors(&run.output, "blocks");
    assert_eq!(errors.len(), 1);
    let error = &errors[0];
    assert_eq!(error["statusCode"], 404);
    assert_eq!(error["error"], "Not Found");
    assert_eq!(error["truto_is_remote_error"], true);
    assert_eq!(error["raw_response"]["code"], "object_not_found");
    assert_eq!(error["method"], "GET");
    assert_eq!(error["path"], "/v1/blocks/page-missing/children");
    assert_eq!(error["binding"], json!({"args.page_ids": "page-missing"}));
    Ok(())
}

#[tokio::test]
async fn loop_on_non_array_is_an_error_of_the_node() -> TestResult {
    let run = run(loop_spec(json!("page-1"))).await?;
    assert_eq!(ids(&run.output, "blocks"), Vec::<String>::new());
    let error = &errors(&run.output, "blocks")[0];
    assert_eq!(error["statusCode"], 400);
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains("'args.page_ids'"), "{message}");
    assert!(message.contains("expected an array"), "{message}");
    Ok(())
}

#[tokio::test]
async fn depends_on_runs_child_per_parent_record() -> TestResult {
    let run = run(json!({
        "integrated_account_id": "account-1",
        "resources": [
            {"name": "rows", "resource": "database-rows", "method": "list",
             "query": {"database_id": "db-1"}, "persist": true},
            {"name": "bodies", "resource": "block-children", "method": "list",
             "depends_on": "rows", "persist": true,
             "query": {"block_id": "{{resources.database-rows.id}}"}}
        ]
    }))
    .await?;
    assert_eq!(ids(&run.output, "rows"), ["row-1", "row-2", "row-3"]);
    assert_eq!(
        ids(&run.output, "bodies"),
        ["row-1-body", "row-2-body", "row-3-body"]
    );
    assert!(run.output.errors.is_empty(), "{:?}", run.output.errors);
    Ok(())
}

#[tokio::test]
async fn recursion_is_depth_first_pre_order_across_pages() -> TestResult {
    let run = run(tree_spec()).await?;
    assert_eq!(ids(&run.output, "page-content"), TREE_PRE_ORDER);
    assert!(run.output.errors.is_empty(), "{:?}", run.output.errors);
    Ok(())
}

#[tokio::test]
async fn recursion_past_depth_limit_fails_the_node() -> TestResult {
    let mut plan = plan(tree_spec())?;
    let NodeKind::Request(request) = &mut plan.nodes[0].kind else {
        return Err("first node is not a request".into());
    };
    request.recurse.as_mut().ok_or("no recurse")?.max_depth = 1;
    let run = run_with(plan, quick_retries()).await?;
    assert_eq!(
        ids(&run.output, "page-content"),
        ["t1", "t1-a", "t1-b", "t2"]
    );
    let errors = errors(&run.output, "page-content");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["statusCode"], 508);
    assert_eq!(errors[0]["binding"]["resources.block-children.id"], "t1-a");
    Ok(())
}

#[tokio::test]
async fn engine_depth_limit_applies_to_nodes_without_one() -> TestResult {
    let run = run_with(plan(tree_spec())?, quick_retries().with_max_depth(1)).await?;
    assert_eq!(
        ids(&run.output, "page-content"),
        ["t1", "t1-a", "t1-b", "t2"]
    );
    let errors = errors(&run.output, "page-content");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["statusCode"], 508);
    Ok(())
}

#[tokio::test]
async fn spool_then_transform_sees_whole_array() -> TestResult {
    let run = run(tree_spec()).await?;
    assert_eq!(ids(&run.output, "all-content"), TREE_PRE_ORDER);
    let summary = &run.output.result["summary"];
    assert_eq!(summary, &json!([{"ids": TREE_PRE_ORDER, "count": 7}]));
    Ok(())
}

#[tokio::test]
async fn truto_query_keys_are_not_sent() -> TestResult {
    let run = run(tree_spec()).await?;
    assert_eq!(run.queries.len(), 5);
    for query in &run.queries {
        assert!(!query.contains("truto_"), "{query}");
    }
    Ok(())
}

#[tokio::test]
async fn ignore_remote_data_drops_remote_data() -> TestResult {
    let mut spec = loop_spec(json!(["page-remote"]));
    let kept = run(spec.clone()).await?;
    assert!(kept.output.result["blocks"][0].get("remote_data").is_some());

    spec["resources"][0]["query"]["truto_ignore_remote_data"] = json!(true);
    let dropped = run(spec).await?;
    assert_eq!(ids(&dropped.output, "blocks"), ["remote-a"]);
    assert!(
        dropped.output.result["blocks"][0]
            .get("remote_data")
            .is_none()
    );
    Ok(())
}

#[tokio::test]
async fn retries_429_then_succeeds_without_error() -> TestResult {
    let run = run(loop_spec(json!(["page-busy"]))).await?;
    assert_eq!(ids(&run.output, "blocks"), ["busy-a"]);
    assert!(run.output.errors.is_empty(), "{:?}", run.output.errors);
    let retries: Vec<&Event> = run
        .events
        .iter()
        .filter(|event| matches!(event, Event::Retrying { .. }))
        .collect();
    assert_eq!(retries.len(), 1);
    let Event::Retrying {
        status, delay_ms, ..
    } = retries[0]
    else {
        unreachable!()
    };
    assert_eq!(*status, Some(429));
    // Retry-After asks for 2 s; the policy caps every wait at 5 ms.
    assert_eq!(*delay_ms, 5);
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn retry_waits_for_retry_after() -> TestResult {
    let options = Options::default().with_retry(RetryPolicy::new(
        2,
        Duration::from_millis(100),
        Duration::from_secs(30),
    ));
    let started = tokio::time::Instant::now();
    let run = run_with(plan(loop_spec(json!(["page-busy"])))?, options).await?;
    assert!(run.output.errors.is_empty(), "{:?}", run.output.errors);
    assert!(started.elapsed() >= Duration::from_secs(2));
    let delays: Vec<u64> = run
        .events
        .iter()
        .filter_map(|event| match event {
            Event::Retrying { delay_ms, .. } => Some(*delay_ms),
            _ => None,
        })
        .collect();
    assert_eq!(delays, [2000]);
    Ok(())
}

#[tokio::test]
async fn child_of_failed_parent_gets_424() -> TestResult {
    let run = run(json!({
        "integrated_account_id": "account-1",
        "resources": [
            {"name": "rows", "resource": "database-rows", "method": "list",
             "query": {"database_id": "db-missing"}},
            {"name": "bodies", "resource": "block-children", "method": "list",
             "depends_on": "rows", "query": {"block_id": "{{resources.database-rows.id}}"}},
            {"name": "everything", "type": "spool", "depends_on": "bodies"}
        ]
    }))
    .await?;
    assert_eq!(errors(&run.output, "rows")[0]["statusCode"], 404);
    let bodies = errors(&run.output, "bodies");
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["statusCode"], 424);
    assert_eq!(bodies[0]["error"], "Failed Dependency");
    assert!(
        bodies[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("'rows'")
    );
    assert_eq!(errors(&run.output, "everything")[0]["statusCode"], 424);
    Ok(())
}

#[tokio::test]
async fn persist_defaults_hide_proxy_spool_and_transform() -> TestResult {
    let run = run(json!({
        "integrated_account_id": "account-1",
        "args": {"page_id": "page-1"},
        "resources": [
            {"name": "hidden", "resource": "block-children", "method": "list",
             "query": {"block_id": "{{args.page_id}}"}},
            {"name": "shown", "resource": "block-children", "method": "list",
             "query": {"block_id": "{{args.page_id}}"}, "persist": true},
            {"name": "collected", "type": "spool", "depends_on": "hidden"},
            {"name": "counted", "type": "transform", "depends_on": "collected",
             "config": {"expression": "$count(resources.collected)"}}
        ]
    }))
    .await?;
    let keys: Vec<&String> = run.output.result.keys().collect();
    assert_eq!(keys, ["shown"]);
    assert_eq!(ids(&run.output, "shown"), ["p1-a", "p1-b"]);
    Ok(())
}

#[tokio::test]
async fn malformed_upstream_json_fails_the_node() -> TestResult {
    let run = run(loop_spec(json!(["page-garbled", "page-1"]))).await?;
    assert_eq!(ids(&run.output, "blocks"), ["p1-a", "p1-b"]);
    let errors = errors(&run.output, "blocks");
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0]["binding"],
        json!({"args.page_ids": "page-garbled"})
    );
    Ok(())
}

#[tokio::test]
async fn oversized_response_fails_with_clear_error() -> TestResult {
    let options = quick_retries().with_max_response_bytes(64);
    let run = run_with(plan(loop_spec(json!(["page-1"])))?, options).await?;
    let message = errors(&run.output, "blocks")[0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains("exceeds the limit of 64 bytes"),
        "{message}"
    );
    Ok(())
}

#[tokio::test]
async fn output_is_identical_across_twenty_runs() -> TestResult {
    let body = json!({
        "integrated_account_id": "account-1",
        "args": {"page_ids": ["page-3", "tree", "page-2", "page-missing", "page-1"]},
        "resources": [
            {"name": "blocks", "resource": "block-children", "method": "list",
             "loop_on": "args.page_ids", "query": {"block_id": "{{args.page_ids}}"},
             "recurse": {
                 "if": "{{resources.block-children.has_children:bool}}",
                 "config": {"query": {"block_id": "{{resources.block-children.id}}"}}
             },
             "persist": true},
            {"name": "rows", "resource": "database-rows", "method": "list",
             "query": {"database_id": "db-1"}, "persist": true},
            {"name": "bodies", "resource": "block-children", "method": "list",
             "depends_on": "rows", "persist": true,
             "query": {"block_id": "{{resources.database-rows.id}}"}}
        ]
    });
    let first = serde_json::to_string(&run(body.clone()).await?.output)?;
    for _ in 1..20 {
        let again = serde_json::to_string(&run(body.clone()).await?.output)?;
        assert_eq!(again, first);
    }
    let output: BatchOutput = serde_json::from_str(&first)?;
    let expected = [
        "p3-a", "t1", "t1-a", "t1-a-x", "t1-a-x-1", "t1-a-x-2", "t1-b", "t2", "p2-a", "p2-b",
        "p1-a", "p1-b",
    ];
    assert_eq!(ids(&output, "blocks"), expected);
    Ok(())
}

#[tokio::test]
async fn events_report_pages_and_node_totals() -> TestResult {
    let run = run(loop_spec(json!(["page-1", "page-2"]))).await?;
    let pages = run
        .events
        .iter()
        .filter(|event| matches!(event, Event::PageFetched { .. }))
        .count();
    assert_eq!(pages, 3);
    let finished = run.events.iter().find_map(|event| match event {
        Event::NodeFinished {
            node,
            records,
            errors,
        } => Some((node.clone(), *records, *errors)),
        _ => None,
    });
    assert_eq!(finished, Some(("blocks".to_owned(), 4, 0)));
    assert!(matches!(
        run.events.last(),
        Some(Event::BatchFinished { records: 4, .. })
    ));
    Ok(())
}
