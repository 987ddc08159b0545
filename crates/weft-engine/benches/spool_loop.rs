//! Time and peak memory of a `loop_on` over a spooled array.
//!
//! One Notion page of N blocks is listed, spooled into `all`, and a request node loops
//! over `resources.all`, getting each block. Every loop element used to hold its own
//! copy of the spooled array, so memory grew with N². Each size runs in a child
//! process of this binary, so the peak resident size (`VmHWM`) is that size's alone.
//!
//! Run with `cargo bench -p weft-engine --bench spool_loop` (sizes 1500 and 5000), or
//! pass sizes: `cargo bench -p weft-engine --bench spool_loop -- 1500 5000`.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::Path;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value, json};
use weft_connector::{AccountContext, Registry};
use weft_engine::{Engine, Options, Target};

type BenchError = Box<dyn std::error::Error + Send + Sync>;

/// Marks the child process that runs one size.
const CHILD_FLAG: &str = "--spool-loop-size";

fn main() -> Result<(), BenchError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, size] = args.as_slice()
        && flag == CHILD_FLAG
    {
        return run_size(size.parse()?);
    }
    let mut sizes: Vec<usize> = args.iter().filter_map(|arg| arg.parse().ok()).collect();
    if sizes.is_empty() {
        sizes = vec![1_500, 5_000];
    }
    for size in sizes {
        let status = Command::new(std::env::current_exe()?)
            .args([CHILD_FLAG, &size.to_string()])
            .status()?;
        if !status.success() {
            return Err(format!("the run of {size} blocks failed: {status}").into());
        }
    }
    Ok(())
}

fn run_size(blocks: usize) -> Result<(), BenchError> {
    let runtime = tokio::runtime::Runtime::new()?;
    let started = Instant::now();
    let records = runtime.block_on(run_batch(blocks))?;
    let elapsed = started.elapsed();
    if records != blocks {
        return Err(format!("expected {blocks} looped records, got {records}").into());
    }
    let peak = peak_rss_kib().unwrap_or(0);
    println!(
        "spool loop over {blocks} blocks: {:.2} s, peak RSS {} MiB",
        elapsed.as_secs_f64(),
        peak / 1024
    );
    Ok(())
}

async fn run_batch(blocks: usize) -> Result<usize, BenchError> {
    let origin = serve(blocks).await?;
    let spec = json!({
        "integrated_account_id": "account-1",
        "args": {"page_id": "page"},
        "resources": [
            {"name": "children", "resource": "block-children", "method": "list",
             "query": {"block_id": "{{args.page_id}}"}},
            {"name": "all", "type": "spool", "depends_on": "children"},
            {"name": "details", "resource": "blocks", "method": "get",
             "depends_on": "all", "loop_on": "resources.all",
             "id": "{{resources.all.id}}", "persist": true}
        ]
    });
    let plan = weft_spec::plan_from_value(&spec).map_err(|error| error.to_string())?;
    let engine = Engine::new(Options::default())?;
    let output = engine.run(Arc::new(plan), notion(origin)?, None).await;
    let errors = output.errors.len();
    if errors > 0 {
        return Err(format!("the batch failed: {:?}", output.errors).into());
    }
    Ok(output.result["details"].as_array().map_or(0, Vec::len))
}

fn notion(origin: String) -> Result<Target, BenchError> {
    let connectors = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../connectors");
    let (registry, errors) = Registry::load(&[connectors]);
    if !errors.is_empty() {
        return Err(format!("connectors failed to load: {errors:?}").into());
    }
    let connector = registry.get("notion").ok_or("no notion connector")?;
    let context: Map<String, Value> = connector
        .secret_fields()
        .iter()
        .map(|field| (field.clone(), Value::String("bench-token".into())))
        .collect();
    let account = AccountContext {
        id: "account-1".into(),
        context,
        base_url: Some(origin),
    };
    Ok(Target::new(connector, account, &[]))
}

/// Builds a paragraph block of about 500 bytes of JSON, shaped like a Notion paragraph.
fn block(id: &str) -> Value {
    json!({
        "object": "block", "id": id, "type": "paragraph", "has_children": false,
        "created_time": "2026-01-01T00:00:00.000Z",
        "last_edited_time": "2026-01-01T00:00:00.000Z",
        "paragraph": {"rich_text": [{"type": "text",
            "text": {"content": "Lorem ipsum dolor sit amet, consectetur adipiscing elit. \
                Sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.",
                "link": null},
            "annotations": {"bold": false, "italic": false, "code": false, "color": "default"},
            "plain_text": "Lorem ipsum dolor sit amet"}], "color": "default"}
    })
}

/// Serves the page's children in one list and each block by id, on 127.0.0.1.
async fn serve(blocks: usize) -> Result<String, BenchError> {
    let children: Vec<Value> = (0..blocks).map(|n| block(&format!("b{n}"))).collect();
    let list = Arc::new(json!({
        "object": "list", "results": children, "has_more": false, "next_cursor": null
    }));
    let app = Router::new()
        .route(
            "/v1/blocks/{id}/children",
            get(move || {
                let list = list.clone();
                async move { Json((*list).clone()) }
            }),
        )
        .route(
            "/v1/blocks/{id}",
            get(|Path(id): Path<String>| async move { Json(block(&id)) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let origin = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(origin)
}

/// Reads the process's peak resident set size in KiB, from `/proc/self/status`.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
