//! Listing the placeholders of a template and the context paths they read, so a spec
//! can be checked against the bindings its nodes will have.

use serde_json::Value;

use crate::TemplateError;
use crate::placeholder;

/// One placeholder of a template and the context paths it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The placeholder as written, braces included.
    pub placeholder: String,
    /// The path of each alternative, left to right: `["args.a", "args.b"]` for
    /// `{{args.a:int|args.b}}`. A path may be empty (`{{ :null}}`).
    pub paths: Vec<String>,
    /// Whether the placeholder gives a value when no path resolves: it has a default
    /// (`?:`) or a `:null` or `:undefined` cast.
    pub allows_missing: bool,
}

/// Lists every placeholder in the strings of `template`, checking casts as
/// [`check`](crate::check) does. Object keys are not templates and are skipped.
pub fn references(template: &Value) -> Result<Vec<Reference>, TemplateError> {
    let mut found = Vec::new();
    collect(template, &mut found)?;
    Ok(found)
}

fn collect(template: &Value, found: &mut Vec<Reference>) -> Result<(), TemplateError> {
    match template {
        Value::String(text) => {
            for range in placeholder::find_all(text) {
                found.push(reference(&text[range])?);
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(|item| collect(item, found)),
        Value::Object(map) => map.values().try_for_each(|value| collect(value, found)),
        _ => Ok(()),
    }
}

fn reference(text: &str) -> Result<Reference, TemplateError> {
    let parsed = placeholder::parse(text)?;
    let paths = parsed
        .alternatives
        .iter()
        .map(|alternative| alternative.path.to_owned())
        .collect();
    Ok(Reference {
        placeholder: text.to_owned(),
        paths,
        allows_missing: parsed.default.is_some()
            || parsed.null_when_missing
            || parsed.undefined_when_missing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_paths_of_every_alternative() -> Result<(), TemplateError> {
        let found = references(&json!("x {{args.a:int| resources.b.id }} y"))?;
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].placeholder, "{{args.a:int| resources.b.id }}");
        assert_eq!(found[0].paths, ["args.a", "resources.b.id"]);
        assert!(!found[0].allows_missing);
        Ok(())
    }

    #[test]
    fn default_null_and_undefined_allow_missing() -> Result<(), TemplateError> {
        for text in [
            "{{a ?: 1}}",
            "{{a:null}}",
            "{{a:int:undefined}}",
            "{{a|b:null}}",
        ] {
            let found = references(&json!(text))?;
            assert!(found[0].allows_missing, "{text}");
        }
        let found = references(&json!("{{a:ignore-empty-str}}"))?;
        assert!(!found[0].allows_missing);
        Ok(())
    }

    #[test]
    fn walks_arrays_and_object_values_but_not_keys() -> Result<(), TemplateError> {
        let template = json!({"{{key}}": ["{{one}}", {"$truto_merge": "{{two:json}}"}], "n": 1});
        let found = references(&template)?;
        let paths: Vec<&str> = found.iter().map(|found| found.paths[0].as_str()).collect();
        assert_eq!(paths, ["one", "two"]);
        Ok(())
    }

    #[test]
    fn rejects_unknown_cast() {
        let error = references(&json!(["{{a:integer}}"])).expect_err("unknown cast");
        assert!(matches!(error, TemplateError::UnknownCast { .. }));
    }
}
