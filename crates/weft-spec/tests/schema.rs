//! The committed JSON Schema matches the generated one, and the valid fixtures pass it.
//!
//! Set `WEFT_BLESS=1` to rewrite `schemas/batch-request.schema.json` (or run
//! `weft schema`).

use std::error::Error;
use std::path::{Path, PathBuf};

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

#[test]
fn valid_fixtures_pass_the_schema() -> Result<(), Box<dyn Error>> {
    let validator = jsonschema::validator_for(&weft_spec::schema())?;
    let mut checked = 0;
    for entry in std::fs::read_dir(repo_path("tests/specs/valid"))? {
        let path = entry?.path();
        let instance: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "{}: {}",
            path.display(),
            errors.join("; ")
        );
        checked += 1;
    }
    assert!(checked >= 3);
    Ok(())
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
