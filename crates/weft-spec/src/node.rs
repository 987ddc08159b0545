//! Checks of one node of `resources`, producing a draft for the graph pass.

use serde_json::{Map, Value};
use weft_transform::{Transform, TransformError};

use crate::check::{Report, Site, reject_unknown};
use crate::diagnostic::Problem;
use crate::plan::{DEFAULT_RECURSE_MAX_DEPTH, Input, NodeKind, Recurse, RequestNode};

/// Fields only request nodes accept.
pub(crate) const REQUEST_FIELDS: [&str; 6] =
    ["resource", "method", "id", "query", "body", "recurse"];
/// Fields only transform nodes accept.
pub(crate) const TRANSFORM_FIELDS: [&str; 1] = ["config"];
/// Sync-job fields that batch requests accept and ignore.
pub const SYNC_JOB_FIELDS: [&str; 3] = [
    "delete_tracking",
    "delete_tracking_query",
    "response_format",
];

/// Every field a node may have, in the order the schema lists them.
pub const NODE_FIELDS: [&str; 15] = [
    "type",
    "name",
    "resource",
    "method",
    "id",
    "query",
    "body",
    "depends_on",
    "loop_on",
    "recurse",
    "persist",
    "config",
    "delete_tracking",
    "delete_tracking_query",
    "response_format",
];

/// The parts of one node that the graph pass needs, as far as they could be checked.
#[derive(Debug)]
pub struct Draft {
    pub site: Site,
    /// Name, else resource. `None` when neither is a usable string.
    pub key: Option<String>,
    pub name: Option<String>,
    pub depends_on: Option<String>,
    pub loop_on: Option<String>,
    pub persist: Option<bool>,
    /// `None` when the node has errors that leave nothing to run.
    pub kind: Option<NodeKind>,
}

/// Checks node `index` and returns its draft. Problems go to `report`.
pub fn check_node(report: &mut Report, index: usize, value: &Value) -> Draft {
    let pointer = format!("/resources/{index}");
    let Value::Object(map) = value else {
        let site = Site {
            node: Some(format!("resources[{index}]")),
            pointer,
            prefix: String::new(),
        };
        let problem = Problem::WrongType {
            field: format!("resources[{index}]"),
            expected: "an object",
            found: crate::check::describe(value),
        };
        report.error(&site, None, problem);
        return Draft {
            site,
            key: None,
            name: None,
            depends_on: None,
            loop_on: None,
            persist: None,
            kind: None,
        };
    };
    let key = node_key(map).unwrap_or_else(|| format!("resources[{index}]"));
    let site = Site {
        node: Some(key),
        pointer,
        prefix: String::new(),
    };
    check_fields(report, &site, map);

    let name = node_name(report, &site, map);
    let kind = node_type(report, &site, map);
    let draft_key = name.clone().or_else(|| request_resource(map));
    let depends_on = depends_on(report, &site, map);
    let loop_on = loop_on(report, &site, map);
    let persist = persist(report, &site, map);
    let kind = kind.and_then(|kind| check_kind(report, &site, map, kind, name.as_deref()));
    Draft {
        site,
        key: draft_key,
        name,
        depends_on,
        loop_on,
        persist,
        kind,
    }
}

fn node_name(report: &mut Report, site: &Site, map: &Map<String, Value>) -> Option<String> {
    let name = report.string(site, map, "name")?;
    if name.trim().is_empty() {
        report.error(
            site,
            Some("name"),
            Problem::Empty {
                field: "name".to_owned(),
            },
        );
        return None;
    }
    Some(name.to_owned())
}

/// Returns the label diagnostics use for a node: its name, else its resource.
pub(crate) fn node_key(map: &Map<String, Value>) -> Option<String> {
    let name = map
        .get("name")
        .and_then(Value::as_str)
        .filter(|name| !name.is_empty());
    name.map(str::to_owned).or_else(|| request_resource(map))
}

fn request_resource(map: &Map<String, Value>) -> Option<String> {
    let resource = map.get("resource")?.as_str()?;
    (!resource.trim().is_empty()).then(|| resource.to_owned())
}

fn check_fields(report: &mut Report, site: &Site, map: &Map<String, Value>) {
    reject_unknown(report, site, map, &NODE_FIELDS);
    for field in SYNC_JOB_FIELDS
        .iter()
        .filter(|field| map.contains_key(**field))
    {
        report.warn(
            site,
            field,
            Problem::SyncJobOnly {
                field: (*field).to_owned(),
            },
        );
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Request,
    Spool,
    Transform,
}

fn node_type(report: &mut Report, site: &Site, map: &Map<String, Value>) -> Option<Kind> {
    match report.string(site, map, "type") {
        None if map.contains_key("type") => None,
        None | Some("request") => Some(Kind::Request),
        Some("spool") => Some(Kind::Spool),
        Some("transform") => Some(Kind::Transform),
        Some(other) => {
            report.error(
                site,
                Some("type"),
                Problem::UnknownType {
                    value: other.to_owned(),
                },
            );
            None
        }
    }
}

fn check_kind(
    report: &mut Report,
    site: &Site,
    map: &Map<String, Value>,
    kind: Kind,
    name: Option<&str>,
) -> Option<NodeKind> {
    let label = kind.label();
    for field in map.keys() {
        if let Some(owner) = owner_of(field).filter(|owner| *owner != label) {
            let problem = Problem::NotAllowed {
                field: field.clone(),
                kind: label,
                owner,
            };
            report.error(site, Some(field), problem);
        }
    }
    if kind != Kind::Request && name.is_none() && !map.contains_key("name") {
        report.error(site, None, Problem::NameRequired { kind: label });
    }
    match kind {
        Kind::Request => request(report, site, map).map(NodeKind::Request),
        Kind::Spool => Some(NodeKind::Spool),
        Kind::Transform => transform(report, site, map).map(NodeKind::Transform),
    }
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Request => "request",
            Kind::Spool => "spool",
            Kind::Transform => "transform",
        }
    }
}

/// Returns the node kind a kind-specific field belongs to.
fn owner_of(field: &str) -> Option<&'static str> {
    if REQUEST_FIELDS.contains(&field) {
        Some("request")
    } else if TRANSFORM_FIELDS.contains(&field) {
        Some("transform")
    } else {
        None
    }
}

fn request(report: &mut Report, site: &Site, map: &Map<String, Value>) -> Option<RequestNode> {
    let resource = report.required_string(site, map, "resource");
    let method = report.required_string(site, map, "method");
    let id = template_string(report, site, map, "id");
    let query = input(report, site, map, "query");
    let body = input(report, site, map, "body");
    let recurse = match map.get("recurse") {
        Some(value) => Some(recurse(report, site, value)?),
        None => None,
    };
    let resource = resource?.to_owned();
    Some(RequestNode {
        resource_path: resource.split('/').map(str::to_owned).collect(),
        unified: resource.contains('/'),
        resource,
        method: method?.to_owned(),
        id: id.ok()?,
        query: query.ok()?,
        body: body.ok()?,
        recurse,
    })
}

/// Reads an optional string field whose placeholders must parse. `Err` means the
/// field is present but invalid (already reported).
fn template_string(
    report: &mut Report,
    site: &Site,
    map: &Map<String, Value>,
    field: &str,
) -> Result<Option<Value>, ()> {
    let Some(value) = map.get(field) else {
        return Ok(None);
    };
    let text = report.string(site, map, field).ok_or(())?;
    check_template(report, site, field, value)?;
    Ok(Some(Value::String(text.to_owned())))
}

fn check_template(report: &mut Report, site: &Site, field: &str, value: &Value) -> Result<(), ()> {
    weft_template::check(value).map_err(|source| {
        let problem = Problem::InvalidTemplate {
            field: site.field_name(field),
            source,
        };
        report.error(site, Some(field), problem);
    })
}

/// Reads `query` or `body`: an object template or a JSONata expression.
fn input(
    report: &mut Report,
    site: &Site,
    map: &Map<String, Value>,
    field: &str,
) -> Result<Option<Input>, ()> {
    match map.get(field) {
        None => Ok(None),
        Some(value @ Value::Object(_)) => {
            check_template(report, site, field, value)?;
            Ok(Some(Input::Template(value.clone())))
        }
        Some(Value::String(source)) => {
            let transform = compile(report, site, field, source).ok_or(())?;
            Ok(Some(Input::Expression(transform)))
        }
        Some(other) => {
            report.wrong_type(site, field, "an object or a JSONata string", other);
            Err(())
        }
    }
}

fn compile(report: &mut Report, site: &Site, field: &str, source: &str) -> Option<Transform> {
    match Transform::compile(source) {
        Ok(transform) => Some(transform),
        Err(error) => {
            let message = match error {
                TransformError::Syntax { message } => message,
                other => other.to_string(),
            };
            let problem = Problem::InvalidExpression {
                field: site.field_name(field),
                message,
            };
            report.error(site, Some(field), problem);
            None
        }
    }
}

fn recurse(report: &mut Report, node: &Site, value: &Value) -> Option<Recurse> {
    let Value::Object(map) = value else {
        report.wrong_type(node, "recurse", "an object", value);
        return None;
    };
    let site = node.child("recurse");
    reject_unknown(report, &site, map, &["if", "config", "max_depth"]);
    let condition = recurse_condition(report, &site, map);
    let max_depth = max_depth(report, &site, map);
    let (id, query, body) = match map.get("config") {
        None => (Ok(None), Ok(None), Ok(None)),
        Some(Value::Object(config)) => {
            let config_site = site.child("config");
            reject_unknown(report, &config_site, config, &["id", "query", "body"]);
            (
                template_string(report, &config_site, config, "id"),
                input(report, &config_site, config, "query"),
                input(report, &config_site, config, "body"),
            )
        }
        Some(other) => {
            report.wrong_type(&site, "config", "an object", other);
            (Err(()), Ok(None), Ok(None))
        }
    };
    Some(Recurse {
        condition: condition?,
        id: id.ok()?,
        query: query.ok()?,
        body: body.ok()?,
        max_depth: max_depth?,
    })
}

fn recurse_condition(report: &mut Report, site: &Site, map: &Map<String, Value>) -> Option<Value> {
    match map.get("if") {
        None => {
            report.error(
                site,
                None,
                Problem::Missing {
                    field: site.field_name("if"),
                },
            );
            None
        }
        Some(value @ Value::Bool(_)) => Some(value.clone()),
        Some(value @ Value::String(_)) => {
            check_template(report, site, "if", value).ok()?;
            Some(value.clone())
        }
        Some(other) => {
            report.wrong_type(site, "if", "a string or a boolean", other);
            None
        }
    }
}

fn max_depth(report: &mut Report, site: &Site, map: &Map<String, Value>) -> Option<usize> {
    let Some(value) = map.get("max_depth") else {
        return Some(DEFAULT_RECURSE_MAX_DEPTH);
    };
    match value.as_u64().filter(|depth| *depth > 0) {
        Some(depth) => Some(usize::try_from(depth).unwrap_or(usize::MAX)),
        None => {
            report.wrong_type(site, "max_depth", "a positive integer", value);
            None
        }
    }
}

fn transform(report: &mut Report, site: &Site, map: &Map<String, Value>) -> Option<Transform> {
    let Some(value) = map.get("config") else {
        report.error(
            site,
            None,
            Problem::Missing {
                field: "config.expression".to_owned(),
            },
        );
        return None;
    };
    let Value::Object(config) = value else {
        report.wrong_type(site, "config", "an object", value);
        return None;
    };
    let config_site = site.child("config");
    reject_unknown(report, &config_site, config, &["expression"]);
    let source = report.required_string(&config_site, config, "expression")?;
    compile(report, &config_site, "expression", source)
}

fn depends_on(report: &mut Report, site: &Site, map: &Map<String, Value>) -> Option<String> {
    match map.get("depends_on")? {
        Value::String(name) if !name.is_empty() => Some(name.clone()),
        Value::Array(items) if items.len() == 1 && items[0].is_string() => {
            items[0].as_str().map(str::to_owned)
        }
        other => {
            report.wrong_type(
                site,
                "depends_on",
                "a node name or an array of one name",
                other,
            );
            None
        }
    }
}

fn persist(report: &mut Report, site: &Site, map: &Map<String, Value>) -> Option<bool> {
    let value = map.get("persist")?;
    if value.is_boolean() {
        return value.as_bool();
    }
    report.wrong_type(site, "persist", "a boolean", value);
    None
}

fn loop_on(report: &mut Report, site: &Site, map: &Map<String, Value>) -> Option<String> {
    let value = map.get("loop_on")?;
    let path = loop_on_path(value).filter(|path| is_dot_path(path));
    if path.is_none() {
        let problem = Problem::InvalidLoopOn {
            value: crate::check::describe(value),
        };
        report.error(site, Some("loop_on"), problem);
    }
    path
}

/// Extracts the path from `"path"`, `"{{path}}"` or `{ "{ path }": null }`.
fn loop_on_path(value: &Value) -> Option<String> {
    let braced = match value {
        Value::String(text) => text.as_str(),
        Value::Object(map) if map.len() == 1 => {
            let (key, value) = map.iter().next()?;
            if !value.is_null() || !key.trim().starts_with('{') {
                return None;
            }
            key.as_str()
        }
        _ => return None,
    };
    let path = braced
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim();
    Some(path.to_owned())
}

/// Returns whether `path` is a dot path of non-empty segments without placeholder syntax.
fn is_dot_path(path: &str) -> bool {
    let forbidden = |c: char| c.is_whitespace() || "{}|:?*[]`$".contains(c);
    !path.is_empty()
        && path.split('.').all(|segment| !segment.is_empty())
        && !path.contains(forbidden)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn node_fields_match_schema() {
        let schema = crate::schema();
        let properties = schema["$defs"]["Node"]["properties"]
            .as_object()
            .expect("Node schema");
        let names: Vec<&str> = properties.keys().map(String::as_str).collect();
        assert_eq!(names, NODE_FIELDS);
    }

    #[test]
    fn loop_on_accepts_three_forms() {
        for form in [
            json!("args.ids"),
            json!("{{ args.ids }}"),
            json!({"{ args.ids }": null}),
        ] {
            assert_eq!(
                loop_on_path(&form).as_deref(),
                Some("args.ids"),
                "form {form}"
            );
        }
    }

    #[test]
    fn loop_on_rejects_other_shapes() {
        assert_eq!(loop_on_path(&json!({"{ a }": 1})), None);
        assert_eq!(loop_on_path(&json!(["a"])), None);
        assert!(!is_dot_path("args..ids"));
        assert!(!is_dot_path("args ids"));
        assert!(!is_dot_path(""));
    }
}
