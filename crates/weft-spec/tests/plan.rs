//! The plan built from valid specs: order, defaults, normalised forms and warnings.

use serde_json::json;
use weft_spec::{Diagnostics, Input, NodeKind, Plan, Problem, plan_from_str, plan_from_value};

fn plan(body: serde_json::Value) -> Result<Plan, Diagnostics> {
    plan_from_value(&body)
}

fn keys(plan: &Plan) -> Vec<&str> {
    plan.nodes.iter().map(|node| node.key.as_str()).collect()
}

#[test]
fn orders_parents_before_children() -> Result<(), Diagnostics> {
    let plan = plan(json!({
        "integrated_account_id": "acc",
        "resources": [
            {"name": "md", "type": "transform", "depends_on": "all", "config": {"expression": "1"}},
            {"name": "all", "type": "spool", "depends_on": "pages"},
            {"name": "users", "resource": "users", "method": "list"},
            {"name": "pages", "resource": "pages", "method": "list"}
        ]
    }))?;
    assert_eq!(keys(&plan), ["users", "pages", "all", "md"]);
    assert_eq!(plan.nodes[2].parent, Some(1));
    assert_eq!(plan.nodes[1].children, [2]);
    assert_eq!(plan.nodes[3].parent, Some(2));
    assert!(
        plan.nodes
            .iter()
            .enumerate()
            .all(|(at, node)| node.index == at)
    );
    Ok(())
}

#[test]
fn resolves_persist_defaults() -> Result<(), Diagnostics> {
    let plan = plan(json!({
        "integrated_account_id": "acc",
        "resources": [
            {"resource": "crm/contacts", "method": "list"},
            {"resource": "crm/accounts", "method": "list", "persist": false},
            {"resource": "pages", "method": "list"},
            {"resource": "blocks", "method": "list", "persist": true},
            {"name": "all", "type": "spool", "depends_on": "pages"}
        ]
    }))?;
    let persist: Vec<bool> = plan.nodes.iter().map(|node| node.persist).collect();
    assert_eq!(persist, [true, false, false, true, false]);
    Ok(())
}

#[test]
fn depends_on_matches_resource_of_unnamed_node() -> Result<(), Diagnostics> {
    let plan = plan(json!({
        "integrated_account_id": "acc",
        "resources": [
            {"resource": "crm/contacts", "method": "list"},
            {"resource": "crm/notes", "method": "list", "depends_on": ["crm/contacts"]}
        ]
    }))?;
    assert_eq!(plan.nodes[1].parent, Some(0));
    let NodeKind::Request(request) = &plan.nodes[1].kind else {
        panic!("request node")
    };
    assert_eq!(request.resource_path, ["crm", "notes"]);
    assert!(request.unified);
    Ok(())
}

#[test]
fn normalises_loop_on_forms() -> Result<(), Diagnostics> {
    let plan = plan(json!({
        "integrated_account_id": "acc",
        "args": {"ids": [1]},
        "resources": [
            {"name": "a", "resource": "u", "method": "get", "loop_on": "args.ids"},
            {"name": "b", "resource": "u", "method": "get", "loop_on": "{{ args.ids }}"},
            {"name": "c", "resource": "u", "method": "get", "loop_on": {"{ args.ids }": null}}
        ]
    }))?;
    for node in &plan.nodes {
        assert_eq!(
            node.loop_on.as_deref(),
            Some("args.ids"),
            "node {}",
            node.key
        );
    }
    Ok(())
}

#[test]
fn compiles_string_query_and_keeps_object_template() -> Result<(), Diagnostics> {
    let plan = plan(json!({
        "integrated_account_id": "acc",
        "resources": [
            {"name": "a", "resource": "u", "method": "list", "query": "{'a': 1}", "body": {"x": "{{args.x}}"}}
        ]
    }))?;
    let NodeKind::Request(request) = &plan.nodes[0].kind else {
        panic!("request node")
    };
    assert!(matches!(&request.query, Some(Input::Expression(t)) if t.source() == "{'a': 1}"));
    assert!(matches!(&request.body, Some(Input::Template(v)) if v == &json!({"x": "{{args.x}}"})));
    Ok(())
}

#[test]
fn recurse_gets_default_max_depth() -> Result<(), Diagnostics> {
    let plan = plan(json!({
        "integrated_account_id": "acc",
        "resources": [{"name": "a", "resource": "blocks", "method": "list",
                       "recurse": {"if": "{{resources.blocks.has_children:bool}}",
                                   "config": {"query": {"id": "{{resources.blocks.id}}"}}}}]
    }))?;
    let NodeKind::Request(request) = &plan.nodes[0].kind else {
        panic!("request node")
    };
    let recurse = request.recurse.as_ref().expect("recurse");
    assert_eq!(recurse.max_depth, weft_spec::DEFAULT_RECURSE_MAX_DEPTH);
    assert!(recurse.query.is_some());
    Ok(())
}

#[test]
fn sync_job_fields_give_warnings() -> Result<(), Diagnostics> {
    let source = r#"{"integrated_account_id": "acc",
  "resources": [{"resource": "crm/contacts", "method": "list", "response_format": "json"}]}"#;
    let plan = plan_from_str(source, Some("sync.json"))?;
    assert_eq!(plan.warnings.len(), 1);
    assert_eq!(
        plan.warnings[0].to_string(),
        "sync.json:2:83: node 'crm/contacts': field 'response_format' applies to sync jobs only and is ignored"
    );
    Ok(())
}

#[test]
fn args_default_to_empty_object() -> Result<(), Diagnostics> {
    let plan = plan(
        json!({"integrated_account_id": "acc", "resources": [{"resource": "a", "method": "list"}]}),
    )?;
    assert_eq!(plan.args, json!({}));
    assert_eq!(plan.integrated_account_id, "acc");
    Ok(())
}

#[test]
fn value_input_has_no_positions() {
    let error = plan(json!({"integrated_account_id": "acc", "resources": [{"resource": "a"}]}))
        .expect_err("method is missing");
    assert_eq!(error.0.len(), 1);
    assert_eq!(error.0[0].line, None);
    assert_eq!(error.0[0].node.as_deref(), Some("a"));
    assert_eq!(error.0[0].to_string(), "node 'a': method is missing");
}

#[test]
fn reports_cycle_once_with_path() {
    let error = plan(json!({
        "integrated_account_id": "acc",
        "resources": [
            {"name": "x", "resource": "r", "method": "list", "depends_on": "y"},
            {"name": "y", "resource": "r", "method": "list", "depends_on": "x"},
            {"name": "z", "resource": "r", "method": "list", "depends_on": "y"}
        ]
    }))
    .expect_err("cycle");
    assert_eq!(error.0.len(), 1);
    assert_eq!(
        error.0[0].problem,
        Problem::Cycle {
            path: "x -> y -> x".to_owned()
        }
    );
    assert_eq!(error.0[0].field.as_deref(), Some("depends_on"));
}

#[test]
fn rejects_body_that_is_not_an_object() {
    let error = plan_from_str("[1]", Some("a.json")).expect_err("array body");
    assert_eq!(
        error.to_string(),
        "a.json:1:1: body must be a JSON object, found array [1]"
    );
}
