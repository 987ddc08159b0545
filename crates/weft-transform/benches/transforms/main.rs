//! Transform benchmarks: two workloads evaluated through [`Transform::evaluate`],
//! conversion between `serde_json` and the engine included.
//!
//! - `notion_page_to_markdown`: the Notion page expression of
//!   `examples/notion/page-to-markdown.json` over a generated page of 10,000 blocks;
//! - `contacts_full_name`: a `$map`/`$merge` over 100,000 generated CRM contacts,
//!   split across threads as `Limits::default()` allows, and again on one thread
//!   (`contacts_full_name_one_thread`).
//!
//! Before measuring, the bench writes each input, the expressions and Weft's results
//! to `target/tmp/transform-bench/`, where `tools/bench-transforms` reads them to
//! check and time `@truto/truto-jsonata` on the same bytes.

mod inputs;

use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use serde_json::{Map, Value, json};
use weft_transform::{Limits, Transform};

/// The allocator the `weft` binary uses, tuned as it tunes it in `main`, so the bench
/// measures what it pays.
#[global_allocator]
static ALLOCATOR: weft_alloc::MiMalloc = weft_alloc::MiMalloc;

/// 200 sections of 50 blocks.
const NOTION_SECTIONS: usize = 200;
const CONTACTS: usize = 100_000;

const NOTION_EXPRESSION: &str = "$convertNotionToMarkdown($sortNodes($map(blocks, \
    function($v) {$merge([$v, {'parent_id': $firstNonEmpty($v.parent.page_id, \
    $v.parent.block_id)}])}), 'id', 'parent_id'))";
const CONTACTS_EXPRESSION: &str = "$map(records, function($r) {$merge([$r, \
    {'full_name': $r.first_name & ' ' & $r.last_name}])})";

/// One benchmark: an expression and the input it runs on.
struct Workload {
    name: &'static str,
    expression: &'static str,
    input: Value,
}

fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("transform-bench")
}

/// Generates the inputs, writes them, and reads them back so that Weft measures the
/// same bytes the reference reads.
fn workloads(dir: &Path) -> Vec<Workload> {
    let generated = [
        (
            "notion_page_to_markdown",
            NOTION_EXPRESSION,
            inputs::notion_page(NOTION_SECTIONS),
        ),
        (
            "contacts_full_name",
            CONTACTS_EXPRESSION,
            inputs::contacts(CONTACTS),
        ),
    ];
    let mut manifest = Vec::new();
    let workloads = generated
        .into_iter()
        .map(|(name, expression, input)| {
            let text = serde_json::to_string(&input).expect("generated input is JSON");
            let file = format!("{name}.input.json");
            fs::write(dir.join(&file), &text).expect("bench dir is writable");
            manifest.push(json!({ "name": name, "expression": expression, "input": file }));
            let input = serde_json::from_str(&text).expect("written input reads back");
            Workload {
                name,
                expression,
                input,
            }
        })
        .collect();
    let manifest = serde_json::to_string_pretty(&manifest).expect("manifest is JSON");
    fs::write(dir.join("workloads.json"), manifest).expect("bench dir is writable");
    workloads
}

/// Evaluates `workload` once and writes the result for the reference run to compare
/// with: a string as is, an array as its length and its first, middle and last items.
/// The result is dropped before timing starts, so it does not crowd the heap.
fn record_result(dir: &Path, workload: &Workload, transform: &Transform) {
    let result = transform
        .evaluate(&workload.input, &Map::new())
        .expect("expression evaluates")
        .expect("expression gives a value");
    let summary = match &result {
        Value::String(text) => text.clone(),
        Value::Array(items) => {
            let samples = [0, items.len() / 2, items.len().saturating_sub(1)]
                .map(|index| items.get(index).cloned().unwrap_or(Value::Null));
            json!({ "count": items.len(), "samples": samples }).to_string()
        }
        other => panic!("{} gave an unexpected result: {other}", workload.name),
    };
    let file = dir.join(format!("{}.weft.out", workload.name));
    fs::write(file, summary).expect("bench dir is writable");
}

fn transforms(c: &mut Criterion) {
    weft_alloc::keep_freed_memory(weft_alloc::FREED_MEMORY_DELAY);
    let dir = bench_dir();
    fs::create_dir_all(&dir).expect("bench dir can be created");
    let bindings = Map::new();

    let mut group = c.benchmark_group("transforms");
    group
        .sample_size(20)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(20));
    for workload in workloads(&dir) {
        let transform = Transform::compile(workload.expression).expect("expression compiles");
        record_result(&dir, &workload, &transform);
        group.bench_function(workload.name, |b| {
            b.iter_with_large_drop(|| transform.evaluate(black_box(&workload.input), &bindings))
        });
        // The same evaluation kept on one thread, to show what splitting `$map`
        // across threads adds.
        if workload.name == "contacts_full_name" {
            let one_thread = Limits {
                parallel_min_items: usize::MAX,
                ..Limits::default()
            };
            group.bench_function(format!("{}_one_thread", workload.name), |b| {
                b.iter_with_large_drop(|| {
                    transform.evaluate_with(black_box(&workload.input), &bindings, &one_thread)
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, transforms);
criterion_main!(benches);
