//! `$parseUrl`, `$getMimeType` and `$dependencyGraph`.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::core::property_key;
use super::lodash::get;
use super::{arg, str_arg};

type Outcome = Result<Option<Value>, String>;

/// `$parseUrl(text)`: the WHATWG URL fields (`href`, `origin`, `protocol`, `host`,
/// `hostname`, `port`, `pathname`, `search`, `hash`, `username`, `password`) and
/// `searchParams` as an object of the query's values (an array for repeated keys).
/// Truto's `searchParams` methods (`get`, `has`...) are not available.
pub(crate) fn parse_url(args: &[Option<Value>]) -> Outcome {
    let text = str_arg(args, 0).unwrap_or_default();
    let url = url::Url::parse(text)
        .map_err(|error| format!("$parseUrl: invalid URL '{text}': {error}"))?;
    let port = url.port().map(|p| p.to_string()).unwrap_or_default();
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    };
    let mut params = Map::new();
    for (key, value) in url.query_pairs() {
        let value = Value::String(value.into_owned());
        match params.get_mut(key.as_ref()) {
            Some(Value::Array(items)) => items.push(value),
            Some(existing) => *existing = Value::Array(vec![existing.take(), value]),
            None => {
                params.insert(key.into_owned(), value);
            }
        }
    }
    let affix = |prefix: &str, part: Option<&str>| match part {
        Some(part) if !part.is_empty() => format!("{prefix}{part}"),
        _ => String::new(),
    };
    let mut fields = Map::new();
    fields.insert("href".into(), url.as_str().into());
    fields.insert("origin".into(), url.origin().ascii_serialization().into());
    fields.insert("protocol".into(), format!("{}:", url.scheme()).into());
    fields.insert("username".into(), url.username().into());
    fields.insert("password".into(), url.password().unwrap_or_default().into());
    fields.insert("host".into(), host.into());
    fields.insert("hostname".into(), url.host_str().unwrap_or_default().into());
    fields.insert("port".into(), port.into());
    fields.insert("pathname".into(), url.path().into());
    fields.insert("hash".into(), affix("#", url.fragment()).into());
    fields.insert("search".into(), affix("?", url.query()).into());
    fields.insert("searchParams".into(), Value::Object(params));
    Ok(Some(Value::Object(fields)))
}

/// `$getMimeType(extensionOrPath)`: the MIME type for a file extension or name, or
/// null when it is unknown.
pub(crate) fn get_mime_type(args: &[Option<Value>]) -> Outcome {
    let text = str_arg(args, 0).unwrap_or_default().trim().to_lowercase();
    let extension = text.rsplit(['.', '/', '\\']).next().unwrap_or_default();
    let mime = mime_guess::from_ext(extension).first_raw();
    Ok(Some(mime.map_or(Value::Null, Value::from)))
}

/// `$dependencyGraph(items, parentKey, key)`: Truto returns a graph object with
/// methods; Weft returns `{overallOrder, dependenciesOf, dependantsOf}` as data:
/// the keys in dependency order (parents first) and, per key, its transitive
/// parents and children.
pub(crate) fn dependency_graph(args: &[Option<Value>]) -> Outcome {
    let items = arg(args, 0)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let (Some(parent_key), Some(key)) = (str_arg(args, 1), str_arg(args, 2)) else {
        return Err("$dependencyGraph expects an array, a parent key and a key".into());
    };
    let mut order: Vec<String> = Vec::new();
    let mut parent_of: HashMap<String, String> = HashMap::new();
    let ids: Vec<String> = items
        .iter()
        .map(|item| {
            get(item, key)
                .map(property_key)
                .unwrap_or_else(|| "undefined".into())
        })
        .collect();
    for (item, id) in items.iter().zip(&ids) {
        if !order.contains(id) {
            order.push(id.clone());
        }
        if let Some(parent) = get(item, parent_key)
            .map(property_key)
            .filter(|p| ids.contains(p))
        {
            parent_of.insert(id.clone(), parent);
        }
    }
    let ancestors = |id: &String| {
        let mut chain = Vec::new();
        let mut current = parent_of.get(id);
        while let Some(parent) = current.filter(|p| !chain.contains(*p) && *p != id) {
            chain.push(parent.clone());
            current = parent_of.get(parent);
        }
        chain.reverse();
        chain
    };
    let mut overall: Vec<String> = Vec::new();
    for id in &order {
        for node in ancestors(id).into_iter().chain([id.clone()]) {
            if !overall.contains(&node) {
                overall.push(node);
            }
        }
    }
    let dependencies: Map<String, Value> = order
        .iter()
        .map(|id| (id.clone(), Value::from(ancestors(id))))
        .collect();
    let dependants: Map<String, Value> = order
        .iter()
        .map(|id| {
            let below: Vec<String> = overall
                .iter()
                .filter(|other| ancestors(other).contains(id))
                .cloned()
                .collect();
            (id.clone(), Value::from(below))
        })
        .collect();
    let mut graph = Map::new();
    graph.insert("overallOrder".into(), Value::from(overall));
    graph.insert("dependenciesOf".into(), Value::Object(dependencies));
    graph.insert("dependantsOf".into(), Value::Object(dependants));
    Ok(Some(Value::Object(graph)))
}
