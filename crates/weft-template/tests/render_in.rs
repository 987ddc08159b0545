//! Rendering through a [`Lookup`] that is not a JSON value.

use std::borrow::Cow;

use serde_json::{Value, json};
use weft_template::{Lookup, TemplateError, render, render_in};

/// A context of two values: `element` resolves the path `item`, `rest` every other.
struct Overlay {
    element: Value,
    rest: Value,
}

impl Lookup for Overlay {
    fn lookup(&self, path: &str) -> Option<Cow<'_, Value>> {
        match path.strip_prefix("item") {
            Some("") => Some(Cow::Borrowed(&self.element)),
            Some(rest) => {
                weft_template::lookup(&self.element, rest.strip_prefix('.')?).map(Cow::Borrowed)
            }
            None => self.rest.lookup(path),
        }
    }
}

#[test]
fn render_in_resolves_through_custom_lookup() -> Result<(), TemplateError> {
    let context = Overlay {
        element: json!({"id": 7}),
        rest: json!({"args": {"q": "x"}}),
    };
    let template = json!({
        "id": "{{item.id:str}}",
        "text": "{{args.q}}-{{item.id}}",
        "missing": "{{item.nope:undefined}}",
        "$truto_merge": "{{item:any}}"
    });
    let rendered = render_in(&template, &context)?;
    assert_eq!(rendered, Some(json!({"id": 7, "text": "x-7"})));
    Ok(())
}

#[test]
fn render_in_on_a_value_matches_render() -> Result<(), TemplateError> {
    let context = json!({"a": {"b": [1, 2]}, "s": ""});
    let template = json!([
        "{{a.b.-1:int}}",
        "{{s|a.b.0:ignore-empty-str}}",
        "{{x ?: d}}"
    ]);
    assert_eq!(
        render_in(&template, &context)?,
        render(&template, &context)?
    );
    Ok(())
}
