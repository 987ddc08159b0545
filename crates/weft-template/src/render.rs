//! Rendering templates: strings, arrays and objects, with `$truto_merge`.

use serde_json::{Map, Value};

use crate::placeholder::{self, Placeholder};
use crate::{Lookup, TemplateError, js, merge};

/// The object key whose value is rendered and deep-merged into its object.
const MERGE_KEY: &str = "$truto_merge";

/// Renders every placeholder in `template` against `context`.
///
/// Strings, arrays and objects are rendered recursively; other values are copied.
/// `Ok(None)` means no value: the template was a string holding one placeholder with
/// `:undefined` that resolved to nothing. Inside an object such a key is removed, and
/// inside an array the element becomes null (as `JSON.stringify` prints it).
///
/// Fails when a placeholder names an unknown cast, whether or not its path resolves.
pub fn render(template: &Value, context: &Value) -> Result<Option<Value>, TemplateError> {
    render_in(template, context)
}

/// Renders `template` like [`render`], resolving paths through any [`Lookup`].
pub fn render_in<C>(template: &Value, context: &C) -> Result<Option<Value>, TemplateError>
where
    C: Lookup + ?Sized,
{
    render_value(template, context, Missing::Keep)
}

/// Renders `template` like [`render_in`], but fails with
/// [`TemplateError::Unresolved`] where a placeholder would be kept as written.
///
/// Use it for values sent to an API, so that the text `{{args.id}}` never reaches
/// the API in place of an ID. A `$truto_merge` source that does not resolve is still
/// skipped, because its text never reaches the output.
pub fn render_strict_in<C>(template: &Value, context: &C) -> Result<Option<Value>, TemplateError>
where
    C: Lookup + ?Sized,
{
    render_value(template, context, Missing::Reject)
}

/// The handling of a placeholder that resolves to nothing and has no default,
/// `:null` or `:undefined`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Missing {
    /// Keep the placeholder text, as `@truto/replace-placeholders` does.
    Keep,
    /// Fail with [`TemplateError::Unresolved`].
    Reject,
}

fn render_value<C>(
    template: &Value,
    context: &C,
    missing: Missing,
) -> Result<Option<Value>, TemplateError>
where
    C: Lookup + ?Sized,
{
    match template {
        Value::String(text) => render_text(text, context, missing),
        Value::Array(items) => render_array(items, context, missing).map(Some),
        Value::Object(map) => render_object(map, context, missing).map(Some),
        other => Ok(Some(other.clone())),
    }
}

/// Checks every placeholder in `template` (casts included) without rendering it.
pub fn check(template: &Value) -> Result<(), TemplateError> {
    match template {
        Value::String(text) => placeholder::find_all(text)
            .into_iter()
            .try_for_each(|range| placeholder::parse(&text[range]).map(|_| ())),
        Value::Array(items) => items.iter().try_for_each(check),
        Value::Object(map) => map.values().try_for_each(check),
        _ => Ok(()),
    }
}

fn render_array<C: Lookup + ?Sized>(
    items: &[Value],
    context: &C,
    missing: Missing,
) -> Result<Value, TemplateError> {
    let rendered = items
        .iter()
        .map(|item| Ok(render_value(item, context, missing)?.unwrap_or(Value::Null)))
        .collect::<Result<Vec<_>, TemplateError>>()?;
    Ok(Value::Array(rendered))
}

fn render_object<C: Lookup + ?Sized>(
    map: &Map<String, Value>,
    context: &C,
    missing: Missing,
) -> Result<Value, TemplateError> {
    let mut rendered = Map::new();
    for (key, value) in map.iter().filter(|(key, _)| *key != MERGE_KEY) {
        if let Some(value) = render_value(value, context, missing)? {
            rendered.insert(key.clone(), value);
        }
    }
    let sources = match map.get(MERGE_KEY) {
        Some(Value::Array(sources)) => sources.as_slice(),
        Some(source) => std::slice::from_ref(source),
        None => &[],
    };
    // Results that are not objects (unresolved placeholders, arrays, null) are skipped.
    for source in sources {
        if let Some(Value::Object(source)) = render_value(source, context, Missing::Keep)? {
            merge::deep_merge(&mut rendered, source);
        }
    }
    Ok(Value::Object(rendered))
}

fn render_text<C: Lookup + ?Sized>(
    text: &str,
    context: &C,
    missing: Missing,
) -> Result<Option<Value>, TemplateError> {
    let ranges = placeholder::find_all(text);
    if let [range] = ranges.as_slice()
        && range.len() == text.len()
    {
        return resolve(&placeholder::parse(text)?, context, true, missing);
    }

    // Values are inserted literally: `$&` or `$1` in a value is never a pattern.
    let mut output = String::with_capacity(text.len());
    let mut copied = 0;
    for range in ranges {
        output.push_str(&text[copied..range.start]);
        let parsed = placeholder::parse(&text[range.clone()])?;
        if let Some(value) = resolve(&parsed, context, false, missing)? {
            output.push_str(&js::to_string(&value));
        }
        copied = range.end;
    }
    output.push_str(&text[copied..]);
    Ok(Some(Value::String(output)))
}

/// Resolves one placeholder: the first alternative whose path resolves wins, then the
/// default, then the missing-value rule (`:undefined`, `:null`, then `missing`).
fn resolve<C: Lookup + ?Sized>(
    placeholder: &Placeholder<'_>,
    context: &C,
    whole: bool,
    missing: Missing,
) -> Result<Option<Value>, TemplateError> {
    for alternative in &placeholder.alternatives {
        let Some(found) = context.lookup(alternative.path) else {
            continue;
        };
        if placeholder.skip_empty_strings && found.as_str() == Some("") {
            continue;
        }
        return Ok(Some(alternative.cast.apply(&found, whole)));
    }
    if let Some(default) = &placeholder.default {
        let text = Value::String(default.text.to_owned());
        return Ok(Some(default.cast.apply(&text, whole)));
    }
    if placeholder.undefined_when_missing {
        Ok((!whole).then(|| Value::String(String::new())))
    } else if placeholder.null_when_missing {
        Ok(Some(Value::Null))
    } else if missing == Missing::Reject {
        Err(TemplateError::Unresolved {
            placeholder: placeholder.text.to_owned(),
        })
    } else {
        Ok(Some(Value::String(placeholder.text.to_owned())))
    }
}
