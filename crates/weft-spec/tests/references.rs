//! Placeholder and `loop_on` paths checked against the bindings each node can read:
//! `resources` paths that can never resolve are errors, undefined args are warnings.

use serde_json::{Value, json};
use weft_spec::{Diagnostic, Diagnostics, Plan, Problem, plan_from_str, plan_from_value};

fn plan(body: Value) -> Result<Plan, Diagnostics> {
    plan_from_value(&body)
}

fn errors(body: Value) -> Vec<Diagnostic> {
    match plan_from_value(&body) {
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics.0,
    }
}

fn spec(resources: Value) -> Value {
    json!({"integrated_account_id": "acc", "args": {"page_id": "p1"}, "resources": resources})
}

#[test]
fn accepts_parent_and_grandparent_bindings() -> Result<(), Diagnostics> {
    plan(spec(json!([
        {"name": "rows", "resource": "database-rows", "method": "list"},
        {"name": "pages", "resource": "crm/contacts", "method": "list", "depends_on": "rows",
         "query": {"row": "{{resources.database-rows.id}}"}},
        {"name": "md", "type": "transform", "depends_on": "pages", "config": {"expression": "1"}},
        {"name": "blocks", "resource": "blocks", "method": "get", "depends_on": "md",
         "id": "{{resources.md.0}}",
         "query": {"row": "{{resources.database-rows.id}}", "contact": "{{resources.crm.contacts.id}}",
                   "crm": "{{resources.crm:json}}", "all": "{{resources:json}}"}}
    ])))?;
    Ok(())
}

#[test]
fn accepts_spool_name_and_collected_key() -> Result<(), Diagnostics> {
    plan(spec(json!([
        {"name": "children", "resource": "block-children", "method": "list",
         "query": {"block_id": "{{args.page_id}}"}},
        {"name": "all", "type": "spool", "depends_on": "children"},
        {"name": "details", "resource": "blocks", "method": "get", "depends_on": "all",
         "loop_on": "resources.all", "id": "{{resources.all.id}}",
         "query": {"first": "{{resources.block-children.0.id}}"}}
    ])))?;
    Ok(())
}

#[test]
fn accepts_own_records_in_recurse_and_reused_fields() -> Result<(), Diagnostics> {
    plan(spec(json!([
        {"name": "blocks", "resource": "block-children", "method": "list",
         "query": {"block_id": "{{resources.block-children.id|args.page_id}}"},
         "recurse": {"if": "{{resources.block-children.has_children:bool}}"}}
    ])))?;
    Ok(())
}

#[test]
fn rejects_own_records_where_recurse_replaces_field() {
    let found = errors(spec(json!([
        {"name": "blocks", "resource": "block-children", "method": "list",
         "query": {"block_id": "{{resources.block-children.id|args.page_id}}"},
         "recurse": {"if": true, "config": {"query": {"block_id": "{{resources.block-children.id}}"}}}}
    ])));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(matches!(found[0].problem, Problem::OwnResource { .. }));
    assert_eq!(found[0].field.as_deref(), Some("query.block_id"));
    assert_eq!(found[0].pointer, "/resources/0/query/block_id");
}

#[test]
fn rejects_unknown_resource_with_suggestion() {
    let found = errors(spec(json!([
        {"name": "pages", "resource": "block-children", "method": "list"},
        {"name": "blocks", "resource": "blocks", "method": "get", "depends_on": "pages",
         "id": "{{resources.block-childern.id}}"}
    ])));
    assert_eq!(found.len(), 1, "{found:?}");
    let Problem::UnknownResource {
        target, suggestion, ..
    } = &found[0].problem
    else {
        panic!("unexpected problem {:?}", found[0].problem);
    };
    assert_eq!(target, "block-childern");
    assert_eq!(suggestion.as_deref(), Some("block-children"));
    assert_eq!(found[0].node.as_deref(), Some("blocks"));
    assert_eq!(
        found[0].message,
        "field 'id': placeholder '{{resources.block-childern.id}}' names node \
         'block-childern', which does not exist (did you mean 'block-children'?)"
    );
}

#[test]
fn rejects_every_bad_alternative_even_with_default() {
    let found = errors(spec(json!([
        {"name": "pages", "resource": "pages", "method": "list",
         "query": {"q": "{{resources.a.id|resources.b.id ?: x}}"}}
    ])));
    let targets: Vec<&str> = found
        .iter()
        .filter_map(|diagnostic| match &diagnostic.problem {
            Problem::UnknownResource { target, .. } => Some(target.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(targets, ["a", "b"]);
}

#[test]
fn rejects_sibling_that_is_not_an_ancestor() {
    let found = errors(spec(json!([
        {"name": "rows", "resource": "database-rows", "method": "list"},
        {"name": "users", "resource": "users", "method": "list"},
        {"name": "bodies", "resource": "blocks", "method": "list", "depends_on": "users",
         "body": {"items": [{"row": "{{resources.database-rows.id}}"}]}}
    ])));
    assert_eq!(found.len(), 1, "{found:?}");
    let Problem::ResourceNotAncestor { target, node, .. } = &found[0].problem else {
        panic!("unexpected problem {:?}", found[0].problem);
    };
    assert_eq!(target, "rows");
    assert_eq!(node, "bodies");
    assert_eq!(found[0].field.as_deref(), Some("body.items.0.row"));
    assert_eq!(found[0].pointer, "/resources/2/body/items/0/row");
}

#[test]
fn rejects_binding_hidden_by_spool() {
    let found = errors(spec(json!([
        {"name": "rows", "resource": "database-rows", "method": "list"},
        {"name": "bodies", "resource": "block-children", "method": "list", "depends_on": "rows"},
        {"name": "all", "type": "spool", "depends_on": "bodies"},
        {"name": "md", "type": "transform", "depends_on": "all", "config": {"expression": "1"}},
        {"name": "out", "resource": "pages", "method": "create", "depends_on": "md",
         "body": {"row": "{{resources.database-rows.id}}", "md": "{{resources.md}}"}}
    ])));
    assert_eq!(found.len(), 1, "{found:?}");
    let Problem::ResourceBehindSpool {
        target,
        spool,
        bound,
        ..
    } = &found[0].problem
    else {
        panic!("unexpected problem {:?}", found[0].problem);
    };
    assert_eq!(target, "rows");
    assert_eq!(spool, "all");
    assert_eq!(
        bound,
        "'resources.md' and 'resources.all' and 'resources.block-children'"
    );
}

#[test]
fn rejects_request_node_name_with_resource_hint() {
    let found = errors(spec(json!([
        {"name": "contacts", "resource": "crm/contacts", "method": "list"},
        {"name": "notes", "resource": "crm/notes", "method": "list", "depends_on": "contacts",
         "query": {"contact_id": "{{resources.contacts.id:int}}"}}
    ])));
    assert_eq!(found.len(), 1, "{found:?}");
    let Problem::ResourceByName { suggestion, .. } = &found[0].problem else {
        panic!("unexpected problem {:?}", found[0].problem);
    };
    assert_eq!(suggestion, "{{resources.crm.contacts.id:int}}");
}

#[test]
fn rejects_unknown_resource_in_loop_on() {
    let found = errors(spec(json!([
        {"name": "pages", "resource": "pages", "method": "get", "loop_on": "{{resources.ids}}",
         "id": "{{resources.ids}}"}
    ])));
    let fields: Vec<&str> = found
        .iter()
        .filter_map(|diagnostic| diagnostic.field.as_deref())
        .collect();
    assert_eq!(fields, ["id", "loop_on"]);
    assert!(
        found[1].message.contains("path 'resources.ids'"),
        "{}",
        found[1].message
    );
}

#[test]
fn skips_nodes_with_broken_depends_on() {
    let found = errors(spec(json!([
        {"name": "pages", "resource": "pages", "method": "list", "depends_on": "nowhere",
         "query": {"q": "{{resources.nowhere.id}}"}}
    ])));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(matches!(
        found[0].problem,
        Problem::UnknownDependency { .. }
    ));
}

#[test]
fn skips_template_with_unknown_cast() {
    let found = errors(spec(json!([
        {"name": "pages", "resource": "pages", "method": "get", "id": "{{resources.x.id:integer}}"}
    ])));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(matches!(found[0].problem, Problem::InvalidTemplate { .. }));
}

#[test]
fn ignores_paths_outside_args_and_resources() -> Result<(), Diagnostics> {
    plan(spec(json!([
        {"name": "pages", "resource": "pages", "method": "list",
         "body": {"url": "{{instance_url}}/x", "raw": "{{ resources }}", "star": "{{resources.*}}"}}
    ])))?;
    Ok(())
}

#[test]
fn rejects_unknown_resource_in_jsonata() {
    let found = errors(spec(json!([
        {"name": "users", "resource": "users", "method": "list"},
        {"name": "tasks", "resource": "tasks", "method": "list", "depends_on": "users",
         "query": "{'assignee': resources.users.id, 'x': resources.user.id}"},
        {"name": "md", "type": "transform", "depends_on": "tasks",
         "config": {"expression": "$count(resources.tasks) + $count(resources.`task`)"}}
    ])));
    let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "field 'query': expression path 'resources.user.id' names node 'user', which does \
             not exist (did you mean 'users'?)",
            "field 'config.expression': expression path 'resources.task' names node 'task', \
             which does not exist (did you mean 'tasks'?)",
        ]
    );
    assert_eq!(found[1].pointer, "/resources/2/config/expression");
}

#[test]
fn jsonata_does_not_warn_about_args() -> Result<(), Diagnostics> {
    let plan = plan(spec(json!([
        {"name": "pages", "resource": "pages", "method": "list", "query": "{'q': args.nope}"}
    ])))?;
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    Ok(())
}

#[test]
fn warns_about_undefined_arg() -> Result<(), Diagnostics> {
    let plan = plan(spec(json!([
        {"name": "pages", "resource": "pages", "method": "get", "id": "{{args.page_ids}}",
         "loop_on": "args.ids"}
    ])))?;
    let messages: Vec<&str> = plan.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "field 'id': placeholder '{{args.page_ids}}' names arg 'page_ids', which the spec's \
             args do not define (did you mean 'page_id'?); pass it when running the spec",
            "field 'loop_on': path 'args.ids' names arg 'ids', which the spec's args do not \
             define; pass it when running the spec",
        ]
    );
    assert!(matches!(
        plan.warnings[0].problem,
        Problem::UndefinedArg { .. }
    ));
    Ok(())
}

#[test]
fn no_warning_when_arg_may_be_missing() -> Result<(), Diagnostics> {
    let plan = plan(spec(json!([
        {"name": "pages", "resource": "pages", "method": "list", "query": {
            "limit": "{{args.limit:int ?: 50:int}}",
            "cursor": "{{args.cursor:null}}",
            "archived": "{{args.archived:bool:undefined}}",
            "page": "{{args.other|args.page_id}}",
            "nested": "{{args.page_id.length}}"
        }}
    ])))?;
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    Ok(())
}

#[test]
fn warning_has_position_in_text() -> Result<(), Diagnostics> {
    let source = r#"{"integrated_account_id": "acc",
 "resources": [{"resource": "pages", "method": "get", "id": "{{args.id}}"}]}"#;
    let plan = plan_from_str(source, Some("spec.json"))?;
    assert_eq!(plan.warnings.len(), 1);
    assert_eq!(
        plan.warnings[0].to_string(),
        "spec.json:2:61: node 'pages': field 'id': placeholder '{{args.id}}' names arg 'id', \
         which the spec's args do not define; pass it when running the spec"
    );
    Ok(())
}
