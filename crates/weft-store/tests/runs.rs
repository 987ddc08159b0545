//! Run history: record, get, list newest first, retention.

mod common;

use common::{TestResult, open};
use serde_json::json;
use weft_store::{DEFAULT_RUN_RETENTION, Run, RunStatus};

fn run(id: &str, environment: &str) -> Run {
    Run {
        id: id.to_owned(),
        account_id: "acc-1".to_owned(),
        environment: environment.to_owned(),
        spec: json!({"integrated_account_id": "acc-1", "resources": []}),
        args: json!({"page": 1}),
        result: json!({"pages": [1, 2]}),
        errors: json!({}),
        status: RunStatus::Succeeded,
        started_at: "2025-01-01T00:00:00.000Z".to_owned(),
        finished_at: "2025-01-01T00:00:01.500Z".to_owned(),
        duration_ms: 1500,
    }
}

fn ids(runs: &[Run]) -> Vec<&str> {
    runs.iter().map(|r| r.id.as_str()).collect()
}

#[test]
fn record_then_get_and_list_newest_first() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    for id in ["r1", "r2", "r3"] {
        store.record_run(&run(id, "default"))?;
    }
    assert_eq!(store.get_run("r2")?, Some(run("r2", "default")));
    assert_eq!(store.get_run("r9")?, None);
    assert_eq!(ids(&store.list_runs(None, 10)?), vec!["r3", "r2", "r1"]);
    assert_eq!(ids(&store.list_runs(None, 2)?), vec!["r3", "r2"]);
    Ok(())
}

#[test]
fn list_runs_filters_by_environment() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    store.record_run(&run("a", "default"))?;
    store.record_run(&run("b", "staging"))?;
    store.record_run(&run("c", "default"))?;
    assert_eq!(ids(&store.list_runs(Some("default"), 10)?), vec!["c", "a"]);
    assert_eq!(ids(&store.list_runs(Some("staging"), 10)?), vec!["b"]);
    Ok(())
}

#[test]
fn recording_same_id_replaces_run() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    store.record_run(&run("r1", "default"))?;
    let mut failed = run("r1", "default");
    failed.status = RunStatus::Failed;
    store.record_run(&failed)?;

    assert_eq!(store.get_run("r1")?, Some(failed));
    assert_eq!(store.list_runs(None, 10)?.len(), 1);
    Ok(())
}

#[test]
fn retention_keeps_last_n_runs() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    assert_eq!(store.run_retention()?, DEFAULT_RUN_RETENTION);
    store.set_run_retention(3)?;
    for index in 1..=5 {
        store.record_run(&run(&format!("r{index}"), "default"))?;
    }

    assert_eq!(ids(&store.list_runs(None, 10)?), vec!["r5", "r4", "r3"]);
    assert_eq!(store.get_run("r1")?, None);
    assert_eq!(store.get_run("r2")?, None);
    assert_eq!(store.run_retention()?, 3);
    Ok(())
}

#[test]
fn lowering_retention_prunes_at_once() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    for index in 1..=4 {
        store.record_run(&run(&format!("r{index}"), "default"))?;
    }
    store.set_run_retention(1)?;
    assert_eq!(ids(&store.list_runs(None, 10)?), vec!["r4"]);
    assert_eq!(store.get_run("r3")?, None);
    Ok(())
}

#[test]
fn default_retention_holds_1000_runs() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = open(dir.path())?;
    for index in 0..1002 {
        store.record_run(&run(&format!("r{index}"), "default"))?;
    }
    let listed = store.list_runs(None, 5000)?;
    assert_eq!(listed.len(), 1000);
    assert_eq!(listed[0].id, "r1001");
    assert_eq!(listed[999].id, "r2");
    Ok(())
}
