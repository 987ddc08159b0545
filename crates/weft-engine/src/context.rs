//! The placeholder context: building it and binding records into it.
//!
//! A [`Context`] is a shared base (args, the account's public fields) plus a chain of
//! layers, one per binding: a record under its resource path, a spool's array, a loop
//! element. Layers are reference-counted and shared by every context built on them, so
//! the elements of a loop over a large array share that array instead of each holding
//! a copy, and memory stays linear in the data. Lookups walk the layers, newest first;
//! [`Context::materialize`] builds the whole JSON value where one is needed (JSONata
//! input).

use std::borrow::Cow;
use std::sync::Arc;

use serde_json::{Map, Value};
use weft_template::Lookup;

/// Builds the context every root node starts from: the account's public fields at top
/// level, then `args` and an empty `resources`.
pub(crate) fn base_context(args: &Value, account: Map<String, Value>) -> Value {
    let mut context = account;
    context.insert("args".into(), args.clone());
    context.insert("resources".into(), Value::Object(Map::new()));
    Value::Object(context)
}

/// A placeholder context made of a shared base and shared binding layers.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    base: Arc<Value>,
    top: Option<Arc<Layer>>,
}

/// One binding on top of the layers below it.
#[derive(Debug)]
struct Layer {
    path: Vec<String>,
    value: Arc<Value>,
    kind: LayerKind,
    below: Option<Arc<Layer>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LayerKind {
    /// Bound under `resources`: objects are created on the way, replacing non-objects.
    Bind,
    /// Replaces an existing value whose ancestors are all objects (a loop element).
    Replace,
}

/// The result of finding a path in a layered context.
enum Found<'a> {
    Value(&'a Value),
    /// An object that contains a binding further down, so it exists only when merged.
    Holder,
    Missing,
}

impl Context {
    /// Creates a context of `base` alone.
    pub(crate) fn new(base: Arc<Value>) -> Self {
        Context { base, top: None }
    }

    /// Returns this context with `value` bound at `resources.<path...>`, creating
    /// objects on the way and replacing whatever non-object sat there.
    pub(crate) fn bind(&self, path: &[String], value: Arc<Value>) -> Self {
        let mut full = vec!["resources".to_owned()];
        full.extend(path.iter().cloned());
        self.push(full, value, LayerKind::Bind)
    }

    /// Builds one context per loop element: the value at dot `path` (an existing array) is
    /// replaced by each of `items` in turn. Returns `None` when the path cannot be
    /// replaced.
    pub(crate) fn with_elements(&self, path: &str, items: Vec<Value>) -> Option<Vec<Self>> {
        let segments: Vec<&str> = path.split('.').collect();
        let through_objects = (1..segments.len()).all(|end| {
            matches!(
                self.find(&segments[..end]),
                Found::Holder | Found::Value(Value::Object(_))
            )
        });
        if through_objects {
            let path: Vec<String> = segments.into_iter().map(str::to_owned).collect();
            let contexts = items
                .into_iter()
                .map(|item| self.push(path.clone(), Arc::new(item), LayerKind::Replace));
            return Some(contexts.collect());
        }
        // A path through arrays (`a.0.b`, `a.-1`) is replaced in copies, because a
        // layer matches paths segment by segment and an index has several spellings.
        let mut hollow = self.materialize();
        take_at(&mut hollow, path)?;
        let copy = |item| {
            let mut whole = hollow.clone();
            replace_at(&mut whole, path, item).then(|| Context::new(Arc::new(whole)))
        };
        items.into_iter().map(copy).collect()
    }

    /// Returns the value bound at `resources.<path...>`, if any.
    pub(crate) fn bound(&self, path: &[String]) -> Option<&Value> {
        let mut full = vec!["resources"];
        full.extend(path.iter().map(String::as_str));
        match self.find(&full) {
            Found::Value(value) => Some(value),
            Found::Holder | Found::Missing => None,
        }
    }

    fn push(&self, path: Vec<String>, value: Arc<Value>, kind: LayerKind) -> Self {
        let layer = Layer {
            path,
            value,
            kind,
            below: self.top.clone(),
        };
        Context {
            base: self.base.clone(),
            top: Some(Arc::new(layer)),
        }
    }

    /// Builds the whole context as one JSON value.
    pub(crate) fn materialize(&self) -> Value {
        let mut layers = Vec::new();
        let mut current = self.top.as_deref();
        while let Some(layer) = current {
            layers.push(layer);
            current = layer.below.as_deref();
        }
        let mut whole = (*self.base).clone();
        for layer in layers.into_iter().rev() {
            let value = (*layer.value).clone();
            match layer.kind {
                LayerKind::Bind => bind_in(&mut whole, &layer.path, value),
                LayerKind::Replace => {
                    replace_at(&mut whole, &layer.path.join("."), value);
                }
            }
        }
        whole
    }

    fn find(&self, path: &[&str]) -> Found<'_> {
        find_in(self.top.as_deref(), &self.base, path)
    }
}

fn find_in<'a>(layer: Option<&'a Layer>, base: &'a Value, path: &[&str]) -> Found<'a> {
    let Some(layer) = layer else {
        return found_below(base, path);
    };
    let common = layer
        .path
        .iter()
        .zip(path)
        .take_while(|(bound, wanted)| bound == *wanted)
        .count();
    if common == layer.path.len() {
        return found_below(&layer.value, &path[common..]);
    }
    if common == path.len() {
        return Found::Holder;
    }
    // The paths diverge below the root. Binding made their last shared ancestor an
    // object, and it keeps its other keys only if it already was one.
    if common > 0 {
        let shared = find_in(layer.below.as_deref(), base, &path[..common]);
        if !matches!(shared, Found::Holder | Found::Value(Value::Object(_))) {
            return Found::Missing;
        }
    }
    find_in(layer.below.as_deref(), base, path)
}

fn found_below<'a>(value: &'a Value, path: &[&str]) -> Found<'a> {
    if path.is_empty() {
        return Found::Value(value);
    }
    match weft_template::lookup(value, &path.join(".")) {
        Some(found) => Found::Value(found),
        None => Found::Missing,
    }
}

impl Lookup for Context {
    fn lookup(&self, path: &str) -> Option<Cow<'_, Value>> {
        if path.is_empty() {
            return None;
        }
        let segments: Vec<&str> = path.split('.').collect();
        match self.find(&segments) {
            Found::Value(value) => Some(Cow::Borrowed(value)),
            Found::Missing => None,
            // NOTE: a path above a binding (`{{resources}}`) copies the whole context on
            // every lookup, so a loop that renders one still costs a copy per element.
            Found::Holder => weft_template::lookup(&self.materialize(), path)
                .cloned()
                .map(Cow::Owned),
        }
    }
}

/// Sets `value` at `path` in `context`, creating objects on the way and replacing
/// whatever non-object sat there.
fn bind_in(context: &mut Value, path: &[String], value: Value) {
    let mut slot = context;
    for segment in path {
        slot = object_entry(slot, segment);
    }
    *slot = value;
}

fn object_entry<'a>(value: &'a mut Value, key: &str) -> &'a mut Value {
    if !value.is_object() {
        *value = Value::Object(Map::new());
    }
    let Value::Object(map) = value else {
        unreachable!("value was just made an object")
    };
    map.entry(key.to_owned()).or_insert(Value::Null)
}

/// Replaces the value at dot `path` (as `weft_template::lookup` resolves it, negative
/// indices counting from the end). Returns false when the path does not exist.
fn replace_at(context: &mut Value, path: &str, value: Value) -> bool {
    match value_at_mut(context, path) {
        Some(slot) => {
            *slot = value;
            true
        }
        None => false,
    }
}

/// Takes the value at dot `path` out of `context`, leaving null in its place.
fn take_at(context: &mut Value, path: &str) -> Option<Value> {
    value_at_mut(context, path).map(std::mem::take)
}

fn value_at_mut<'a>(context: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    let mut current = context;
    for segment in path.split('.') {
        current = match current {
            Value::Object(map) => map.get_mut(segment)?,
            Value::Array(items) => {
                let index = array_index(items.len(), segment)?;
                items.get_mut(index)?
            }
            _ => return None,
        };
    }
    Some(current)
}

fn array_index(len: usize, segment: &str) -> Option<usize> {
    let index: i64 = segment.parse().ok()?;
    if index < 0 {
        len.checked_sub(index.unsigned_abs() as usize)
    } else {
        Some(index as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn context(value: Value) -> Context {
        Context::new(Arc::new(value))
    }

    fn found(context: &Context, path: &str) -> Option<Value> {
        context.lookup(path).map(Cow::into_owned)
    }

    fn path(segments: &[&str]) -> Vec<String> {
        segments
            .iter()
            .map(|segment| (*segment).to_owned())
            .collect()
    }

    #[test]
    fn bind_nests_unified_resource_paths() {
        let base = context(json!({"args": {}, "resources": {}}));
        let bound = base.bind(&path(&["crm", "contacts"]), Arc::new(json!({"id": 1})));
        assert_eq!(
            found(&bound, "resources.crm.contacts"),
            Some(json!({"id": 1}))
        );
        assert_eq!(found(&bound, "resources.crm.contacts.id"), Some(json!(1)));
        assert_eq!(
            found(&bound, "resources"),
            Some(json!({"crm": {"contacts": {"id": 1}}}))
        );
    }

    #[test]
    fn bind_keeps_other_bindings() {
        let base = context(json!({"resources": {"pages": {"id": "p"}}}));
        let bound = base.bind(&path(&["blocks"]), Arc::new(json!([1])));
        assert_eq!(found(&bound, "resources.pages.id"), Some(json!("p")));
        assert_eq!(found(&bound, "resources.blocks.0"), Some(json!(1)));
        assert_eq!(found(&bound, "resources.blocks.-1"), Some(json!(1)));
    }

    #[test]
    fn bind_over_non_object_hides_its_contents() {
        let base = context(json!({"resources": {"crm": [1, 2]}}));
        let bound = base.bind(&path(&["crm", "contacts"]), Arc::new(json!(3)));
        assert_eq!(found(&bound, "resources.crm.0"), None);
        assert_eq!(found(&bound, "resources.crm.contacts"), Some(json!(3)));
        assert_eq!(
            bound.materialize(),
            json!({"resources": {"crm": {"contacts": 3}}})
        );
    }

    #[test]
    fn newer_binding_shadows_older_one() {
        let base = context(json!({"resources": {}}));
        let first = base.bind(&path(&["pages"]), Arc::new(json!({"id": 1, "a": 1})));
        let second = first.bind(&path(&["pages"]), Arc::new(json!({"id": 2})));
        assert_eq!(found(&second, "resources.pages.id"), Some(json!(2)));
        assert_eq!(found(&second, "resources.pages.a"), None);
        assert_eq!(found(&first, "resources.pages.id"), Some(json!(1)));
    }

    #[test]
    fn elements_replace_their_array() -> Result<(), String> {
        let base = context(json!({"args": {"ids": ["a", "b"], "n": 1}}));
        let elements = base
            .with_elements("args.ids", vec![json!("a"), json!("b")])
            .ok_or("no elements")?;
        assert_eq!(found(&elements[1], "args.ids"), Some(json!("b")));
        assert_eq!(found(&elements[1], "args.n"), Some(json!(1)));
        assert_eq!(
            elements[0].materialize(),
            json!({"args": {"ids": "a", "n": 1}})
        );
        Ok(())
    }

    #[test]
    fn elements_through_arrays_are_copies() -> Result<(), String> {
        let base = context(json!({"a": [[1], [2, 3]]}));
        let elements = base
            .with_elements("a.-1", vec![json!(2), json!(3)])
            .ok_or("no elements")?;
        assert_eq!(elements[1].materialize(), json!({"a": [[1], 3]}));
        assert_eq!(found(&elements[0], "a.1"), Some(json!(2)));
        Ok(())
    }

    #[test]
    fn elements_share_the_context_they_loop_in() -> Result<(), String> {
        let array = Arc::new(Value::Array((0..2_000).map(|n| json!({"id": n})).collect()));
        let spooled = context(json!({"args": {}, "resources": {}}))
            .bind(&path(&["block-children"]), array.clone())
            .bind(&path(&["all"]), array.clone());
        let items = array.as_array().cloned().unwrap_or_default();
        let elements = spooled
            .with_elements("resources.all", items)
            .ok_or("no elements")?;
        assert_eq!(elements.len(), 2_000);
        // The spool's two layers and the array are not copied per element.
        assert_eq!(Arc::strong_count(&array), 3);
        let spool_layer = spooled.top.as_ref().ok_or("no layer")?;
        assert_eq!(Arc::strong_count(spool_layer), 2_001);
        for (index, element) in elements.iter().enumerate() {
            let below = element.top.as_ref().and_then(|top| top.below.as_ref());
            assert!(below.is_some_and(|below| Arc::ptr_eq(below, spool_layer)));
            let id = found(element, "resources.all.id");
            assert_eq!(id, Some(json!(index)));
            let first = found(element, "resources.block-children.0.id");
            assert_eq!(first, Some(json!(0)));
        }
        Ok(())
    }

    #[test]
    fn replace_at_sets_loop_element() {
        let mut context = json!({"args": {"ids": ["a", "b"]}});
        assert!(replace_at(&mut context, "args.ids", json!("b")));
        assert_eq!(context["args"]["ids"], "b");
    }

    #[test]
    fn replace_at_follows_negative_indices() {
        let mut context = json!({"a": [[1], [2]]});
        assert!(replace_at(&mut context, "a.-1", json!(9)));
        assert_eq!(context, json!({"a": [[1], 9]}));
    }

    #[test]
    fn take_at_leaves_null() {
        let mut context = json!({"args": {"ids": [1, 2]}});
        assert_eq!(take_at(&mut context, "args.ids"), Some(json!([1, 2])));
        assert_eq!(context, json!({"args": {"ids": null}}));
        assert_eq!(take_at(&mut context, "args.nope"), None);
    }

    #[test]
    fn replace_at_reports_missing_path() {
        let mut context = json!({"args": {}});
        assert!(!replace_at(&mut context, "args.nope.x", json!(1)));
    }
}
