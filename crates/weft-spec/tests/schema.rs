//! The committed JSON Schema matches the generated one, the valid fixtures pass it, and
//! it rejects node shapes that break the rules of their kind at the offending field.
//!
//! Set `WEFT_BLESS=1` to rewrite `schemas/batch-request.schema.json` (or run
//! `weft schema`).

use std::error::Error;
use std::path::{Path, PathBuf};

use jsonschema::ValidationError;
use jsonschema::error::ValidationErrorKind;
use serde_json::{Value, json};

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

#[test]
fn committed_schema_is_current() -> Result<(), Box<dyn Error>> {
    let path = repo_path("schemas").join(weft_spec::SCHEMA_FILE_NAME);
    let generated = weft_spec::schema_text();
    if std::env::var_os("WEFT_BLESS").is_some() {
        std::fs::write(&path, &generated)?;
    }
    let committed = std::fs::read_to_string(&path)?;
    assert!(
        committed == generated,
        "{} is stale; run 'weft schema' to regenerate it",
        path.display()
    );
    Ok(())
}

#[test]
fn schema_is_draft_2020_12_with_id() {
    let schema = weft_spec::schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["$id"], weft_spec::SCHEMA_ID);
}

#[test]
fn schema_describes_every_node_field() {
    let schema = weft_spec::schema();
    let properties = schema["$defs"]["Node"]["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    assert!(!properties.is_empty());
    for (field, property) in properties {
        let description = property["description"].as_str().unwrap_or_default();
        assert!(
            !description.is_empty(),
            "field '{field}' has no description"
        );
    }
}

/// The valid fixtures and the Notion example, which must pass the schema.
fn valid_specs() -> Result<Vec<PathBuf>, Box<dyn Error>> {
    let mut paths = vec![repo_path("examples/notion/page-to-markdown.json")];
    for entry in std::fs::read_dir(repo_path("tests/specs/valid"))? {
        paths.push(entry?.path());
    }
    Ok(paths)
}

/// Returns the schema errors of `instance` as sorted `(instance path, problem)` pairs,
/// with the problem `missing FIELD` for a required field, `not allowed` for a field
/// the schema forbids and `empty` for an empty string that needs text.
fn schema_errors(instance: &Value) -> Result<Vec<(String, String)>, Box<dyn Error>> {
    let validator = jsonschema::validator_for(&weft_spec::schema())?;
    let mut errors: Vec<(String, String)> = validator
        .iter_errors(instance)
        .flat_map(|error| innermost(error.to_owned()))
        .map(|error| {
            let problem = match &error.kind {
                ValidationErrorKind::Required { property } => {
                    format!("missing {}", property.as_str().unwrap_or_default())
                }
                ValidationErrorKind::FalseSchema => "not allowed".to_owned(),
                ValidationErrorKind::MinLength { limit: 1 } => "empty".to_owned(),
                _ => error.to_string(),
            };
            (error.instance_path.as_str().to_owned(), problem)
        })
        .collect();
    errors.sort();
    Ok(errors)
}

/// Replaces an `anyOf` failure that had a single branch (how schemars marks an optional
/// field) by that branch's errors, so the error names the problem inside the field.
fn innermost(error: ValidationError<'static>) -> Vec<ValidationError<'static>> {
    match error.kind {
        ValidationErrorKind::AnyOf { mut context } if context.len() == 1 => context
            .pop()
            .unwrap_or_default()
            .into_iter()
            .flat_map(innermost)
            .collect(),
        _ => vec![error],
    }
}

/// Returns `expected` as sorted owned pairs, to compare with [`schema_errors`].
fn pairs(expected: &[(impl AsRef<str>, impl AsRef<str>)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = expected
        .iter()
        .map(|(path, problem)| (path.as_ref().to_owned(), problem.as_ref().to_owned()))
        .collect();
    pairs.sort();
    pairs
}

#[test]
fn valid_fixtures_pass_the_schema() -> Result<(), Box<dyn Error>> {
    let paths = valid_specs()?;
    assert!(paths.len() >= 4);
    for path in paths {
        let instance: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
        let errors = schema_errors(&instance)?;
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    }
    Ok(())
}

/// Returns a body whose second node is `node`, after a valid request node.
fn body_with(node: Value) -> Value {
    json!({
        "integrated_account_id": "a",
        "resources": [{ "name": "pages", "resource": "pages", "method": "list" }, node],
    })
}

#[test]
fn request_node_needs_resource_and_method() -> Result<(), Box<dyn Error>> {
    let cases = [
        (
            json!({ "method": "list" }),
            vec![("/resources/1", "missing resource")],
        ),
        (
            json!({ "resource": "pages" }),
            vec![("/resources/1", "missing method")],
        ),
        (
            json!({ "type": "request", "name": "x" }),
            vec![
                ("/resources/1", "missing resource"),
                ("/resources/1", "missing method"),
            ],
        ),
    ];
    for (node, expected) in cases {
        assert_eq!(
            schema_errors(&body_with(node.clone()))?,
            pairs(&expected),
            "{node}"
        );
    }
    Ok(())
}

#[test]
fn spool_and_transform_need_name() -> Result<(), Box<dyn Error>> {
    let spool = json!({ "type": "spool", "depends_on": "pages" });
    let transform = json!({ "type": "transform", "config": { "expression": "1" } });
    for node in [spool, transform] {
        let expected = pairs(&[("/resources/1", "missing name")]);
        assert_eq!(schema_errors(&body_with(node.clone()))?, expected, "{node}");
    }
    Ok(())
}

#[test]
fn transform_node_needs_expression() -> Result<(), Box<dyn Error>> {
    let cases = [
        (
            json!({ "type": "transform", "name": "t" }),
            ("/resources/1", "missing config"),
        ),
        (
            json!({ "type": "transform", "name": "t", "config": {} }),
            ("/resources/1/config", "missing expression"),
        ),
    ];
    for (node, expected) in cases {
        assert_eq!(
            schema_errors(&body_with(node.clone()))?,
            pairs(&[expected]),
            "{node}"
        );
    }
    Ok(())
}

/// Returns `node` with the fields of `extra` added.
fn with_fields(mut node: Value, extra: &Value) -> Value {
    if let (Some(map), Some(extra)) = (node.as_object_mut(), extra.as_object()) {
        map.extend(extra.clone());
    }
    node
}

#[test]
fn rejects_fields_of_another_kind() -> Result<(), Box<dyn Error>> {
    let request_only = json!({
        "resource": "pages", "method": "list", "id": "1", "query": {}, "body": "{}",
        "recurse": { "if": true },
    });
    let config = json!({ "config": { "expression": "1" } });
    let spool = json!({ "type": "spool", "name": "s" });
    let transform = json!({ "type": "transform", "name": "t" });
    let every_request_field = ["resource", "method", "id", "query", "body", "recurse"];
    let cases = [
        (with_fields(request_only.clone(), &config), vec!["config"]),
        (
            with_fields(
                json!({ "type": "request" }),
                &with_fields(request_only.clone(), &config),
            ),
            vec!["config"],
        ),
        (with_fields(spool.clone(), &config), vec!["config"]),
        (
            with_fields(spool, &request_only),
            every_request_field.to_vec(),
        ),
        (
            with_fields(with_fields(transform, &config), &request_only),
            every_request_field.to_vec(),
        ),
    ];
    for (node, fields) in cases {
        let expected: Vec<(String, &str)> = fields
            .iter()
            .map(|field| (format!("/resources/1/{field}"), "not allowed"))
            .collect();
        assert_eq!(
            schema_errors(&body_with(node.clone()))?,
            pairs(&expected),
            "{node}"
        );
    }
    Ok(())
}

#[test]
fn accepts_shared_fields_on_every_kind() -> Result<(), Box<dyn Error>> {
    let shared = json!({
        "depends_on": ["pages"], "loop_on": "args.ids", "persist": true,
        "delete_tracking": true, "delete_tracking_query": {}, "response_format": "raw",
    });
    let nodes = [
        json!({ "resource": "tasks", "method": "list" }),
        json!({ "type": "request", "name": "r", "resource": "tasks", "method": "get", "id": "1" }),
        json!({ "type": "spool", "name": "s" }),
        json!({ "type": "transform", "name": "t", "config": { "expression": "1" } }),
    ];
    for node in nodes {
        let errors = schema_errors(&body_with(with_fields(node.clone(), &shared)))?;
        assert!(errors.is_empty(), "{node}: {errors:?}");
    }
    Ok(())
}

#[test]
fn kind_fixtures_fail_at_offending_field() -> Result<(), Box<dyn Error>> {
    let cases: [(&str, &[(&str, &str)]); 7] = [
        ("spool-without-name", &[("/resources/1", "missing name")]),
        (
            "transform-without-name",
            &[("/resources/1", "missing name")],
        ),
        (
            "missing-expression",
            &[
                ("/resources/1/config", "missing expression"),
                ("/resources/2", "missing config"),
            ],
        ),
        (
            "missing-method-and-resource",
            &[
                ("/resources/0", "missing method"),
                ("/resources/1", "missing resource"),
                ("/resources/2/resource", "empty"),
            ],
        ),
        (
            "recurse-on-spool",
            &[("/resources/1/recurse", "not allowed")],
        ),
        (
            "config-on-request",
            &[("/resources/0/config", "not allowed")],
        ),
        (
            "request-fields-on-transform",
            &[
                ("/resources/1/id", "not allowed"),
                ("/resources/1/query", "not allowed"),
            ],
        ),
    ];
    for (fixture, expected) in cases {
        let path = repo_path("tests/specs/invalid").join(format!("{fixture}.json"));
        let instance: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
        assert_eq!(schema_errors(&instance)?, pairs(expected), "{fixture}");
    }
    Ok(())
}

/// Collects the `$defs` names that `schema` references, at any depth.
fn references(schema: &Value, found: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(target) = map.get("$ref").and_then(Value::as_str) {
                found.push(target.trim_start_matches("#/$defs/").to_owned());
            }
            map.values().for_each(|value| references(value, found));
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, found)),
        _ => {}
    }
}

#[test]
fn schema_has_no_ref_cycles() {
    let schema = weft_spec::schema();
    let defs = schema["$defs"].as_object().cloned().unwrap_or_default();
    // Walks depth-first from every definition, so a definition reached again on its
    // own path is a cycle.
    let mut stack: Vec<Vec<String>> = defs.keys().map(|name| vec![name.clone()]).collect();
    while let Some(path) = stack.pop() {
        let mut next = Vec::new();
        references(&defs[path[path.len() - 1].as_str()], &mut next);
        for target in next {
            assert!(defs.contains_key(&target), "unresolved $ref to '{target}'");
            assert!(
                !path.contains(&target),
                "$ref cycle: {} -> {target}",
                path.join(" -> ")
            );
            stack.push([path.clone(), vec![target]].concat());
        }
    }
}

/// Collects the path of every property schema whose description an editor would not
/// show, outside the per-kind rules (whose `if` and `then` only restate fields).
fn undescribed(schema: &Value, at: &str, missing: &mut Vec<String>) {
    let Value::Object(map) = schema else { return };
    for (key, value) in map {
        if key == "allOf" {
            continue;
        }
        if key == "properties" {
            let properties = value.as_object().cloned().unwrap_or_default();
            for (field, property) in properties {
                let described = property
                    .get("description")
                    .and_then(Value::as_str)
                    .is_some_and(|text| !text.is_empty());
                // A `$ref` beside the description would replace it in VS Code's hover.
                if !described || property.get("$ref").is_some() {
                    missing.push(format!("{at}/properties/{field}"));
                }
            }
        }
        match value {
            Value::Object(_) => undescribed(value, &format!("{at}/{key}"), missing),
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    undescribed(item, &format!("{at}/{key}/{index}"), missing);
                }
            }
            _ => {}
        }
    }
}

#[test]
fn every_property_shows_its_description() {
    let mut missing = Vec::new();
    undescribed(&weft_spec::schema(), "#", &mut missing);
    assert!(
        missing.is_empty(),
        "description missing or hidden: {missing:?}"
    );
}

#[test]
fn kind_rules_carry_no_descriptions() {
    // An editor shows the first description it finds for a value, so text in the rules
    // could hide the field's own description.
    let rules = weft_spec::schema()["$defs"]["Node"]["allOf"].clone();
    assert_eq!(rules.as_array().map(Vec::len), Some(3));
    assert!(!rules.to_string().contains("\"description\""), "{rules}");
}

#[test]
fn schema_rejects_unknown_field_and_wrong_type() -> Result<(), Box<dyn Error>> {
    let validator = jsonschema::validator_for(&weft_spec::schema())?;
    let base =
        json!({"integrated_account_id": "a", "resources": [{"resource": "x", "method": "list"}]});
    assert!(validator.is_valid(&base));
    let mut unknown = base.clone();
    unknown["resources"][0]["querry"] = json!({});
    assert!(!validator.is_valid(&unknown));
    let mut wrong = base.clone();
    wrong["resources"][0]["persist"] = json!("yes");
    assert!(!validator.is_valid(&wrong));
    let empty = json!({"integrated_account_id": "a", "resources": []});
    assert!(!validator.is_valid(&empty));
    Ok(())
}

#[test]
fn valid_fixtures_deserialize_into_batch_request() -> Result<(), Box<dyn Error>> {
    for entry in std::fs::read_dir(repo_path("tests/specs/valid"))? {
        let path = entry?.path();
        let text = std::fs::read_to_string(&path)?;
        let parsed: Result<weft_spec::BatchRequest, _> = serde_json::from_str(&text);
        assert!(parsed.is_ok(), "{}: {:?}", path.display(), parsed.err());
    }
    Ok(())
}
