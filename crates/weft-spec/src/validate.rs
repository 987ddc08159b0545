//! Validation of a whole body into a [`Plan`].

use serde_json::{Map, Value};

use crate::check::{Report, Site, reject_unknown};
use crate::diagnostic::{Diagnostic, Diagnostics, Problem};
use crate::graph::{resolve_parents, topological_order};
use crate::locate::Locator;
use crate::node::{Draft, check_node, node_key};
use crate::plan::{NodeKind, Plan, PlanNode};
use crate::references::check_references;

/// Top-level fields of a body.
const BODY_FIELDS: [&str; 4] = ["$schema", "integrated_account_id", "args", "resources"];

/// Parses and validates JSON bytes, reporting text that is not UTF-8 with its position.
///
/// Otherwise the same as [`plan_from_str`].
pub fn plan_from_slice(source: &[u8], origin: Option<&str>) -> Result<Plan, Diagnostics> {
    match std::str::from_utf8(source) {
        Ok(text) => plan_from_str(text, origin),
        Err(error) => Err(Diagnostics(vec![utf8_diagnostic(source, &error, origin)])),
    }
}

/// Parses and validates JSON text.
///
/// `origin` (usually a file name) prefixes every diagnostic, which also carry the line
/// and column of the offending value. A leading byte order mark is skipped, and a key
/// repeated in one object is an error. Fails with every problem found; warnings of a
/// valid spec are in [`Plan::warnings`].
pub fn plan_from_str(source: &str, origin: Option<&str>) -> Result<Plan, Diagnostics> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let body: Value = match serde_json::from_str(source) {
        Ok(body) => body,
        Err(error) => return Err(Diagnostics(vec![syntax_diagnostic(&error, origin)])),
    };
    let locator = Locator::new(source);
    let (duplicates, duplicate_offsets) = duplicate_keys(&body, &locator);
    let mut errors = match plan_from_value(&body) {
        Ok(mut plan) if duplicates.is_empty() => {
            let offsets = pointer_offsets(&plan.warnings, &locator);
            place_all(&mut plan.warnings, &offsets, &locator, origin);
            return Ok(plan);
        }
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics.0,
    };
    let mut offsets = pointer_offsets(&errors, &locator);
    errors.extend(duplicates);
    offsets.extend(duplicate_offsets);
    place_all(&mut errors, &offsets, &locator, origin);
    errors.sort_by_key(|diagnostic| (diagnostic.line, diagnostic.column));
    Err(Diagnostics(errors))
}

fn utf8_diagnostic(source: &[u8], error: &std::str::Utf8Error, origin: Option<&str>) -> Diagnostic {
    let offset = error.valid_up_to();
    let problem = Problem::InvalidUtf8 {
        byte: source[offset],
        offset,
    };
    let valid = std::str::from_utf8(&source[..offset]).unwrap_or_default();
    let line_start = valid.rfind('\n').map_or(0, |at| at + 1);
    let mut diagnostic = Diagnostic::new(problem, String::new());
    diagnostic.origin = origin.map(str::to_owned);
    diagnostic.line = Some(valid.matches('\n').count() + 1);
    diagnostic.column = Some(valid[line_start..].chars().count() + 1);
    diagnostic
}

fn syntax_diagnostic(error: &serde_json::Error, origin: Option<&str>) -> Diagnostic {
    // serde_json's message ends with " at line L column C"; the position has its own fields.
    let message = error.to_string();
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_owned();
    let mut diagnostic = Diagnostic::new(Problem::Syntax { message }, String::new());
    diagnostic.origin = origin.map(str::to_owned);
    diagnostic.line = Some(error.line());
    // serde_json gives column 0 when the error is at the start of a line (end of text).
    diagnostic.column = Some(error.column().max(1));
    diagnostic
}

/// One error per key that repeats an earlier key of its object, with the byte offset
/// of the repeated key.
fn duplicate_keys(body: &Value, locator: &Locator<'_>) -> (Vec<Diagnostic>, Vec<Option<usize>>) {
    let mut diagnostics = Vec::new();
    let mut offsets = Vec::new();
    for duplicate in locator.duplicates() {
        let tokens: Vec<String> = duplicate
            .pointer
            .split('/')
            .skip(1)
            .map(unescape_token)
            .collect();
        let key = tokens.last().cloned().unwrap_or_default();
        let mut diagnostic =
            Diagnostic::new(Problem::DuplicateKey { key }, duplicate.pointer.clone());
        if tokens.len() > 2 && tokens[0] == "resources" {
            let node = body
                .pointer(&format!("/resources/{}", tokens[1]))
                .and_then(Value::as_object)
                .and_then(node_key);
            diagnostic.node = Some(node.unwrap_or_else(|| format!("resources[{}]", tokens[1])));
            diagnostic.field = Some(tokens[2..].join("."));
        } else {
            diagnostic.field = Some(tokens.join("."));
        }
        diagnostics.push(diagnostic);
        offsets.push(Some(duplicate.key));
    }
    (diagnostics, offsets)
}

fn unescape_token(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Byte offset each diagnostic points at: the key for an unknown field, else the
/// offending value.
fn pointer_offsets(diagnostics: &[Diagnostic], locator: &Locator<'_>) -> Vec<Option<usize>> {
    diagnostics
        .iter()
        .map(|diagnostic| {
            let span = locator.span(&diagnostic.pointer)?;
            let at_key = matches!(diagnostic.problem, Problem::UnknownField { .. });
            Some(if at_key {
                span.key.unwrap_or(span.value)
            } else {
                span.value
            })
        })
        .collect()
}

/// Fills in origin, line and column of every diagnostic in one pass over the text.
fn place_all(
    diagnostics: &mut [Diagnostic],
    offsets: &[Option<usize>],
    locator: &Locator<'_>,
    origin: Option<&str>,
) {
    let known: Vec<usize> = offsets.iter().flatten().copied().collect();
    let mut positions = locator.line_columns(&known).into_iter();
    for (diagnostic, offset) in diagnostics.iter_mut().zip(offsets) {
        diagnostic.origin = origin.map(str::to_owned);
        if offset.is_some()
            && let Some((line, column)) = positions.next()
        {
            diagnostic.line = Some(line);
            diagnostic.column = Some(column);
        }
    }
}

/// Validates a parsed body. Fails with every problem found, in spec order.
pub fn plan_from_value(body: &Value) -> Result<Plan, Diagnostics> {
    let mut report = Report::default();
    let root = Site {
        node: None,
        pointer: String::new(),
        prefix: String::new(),
    };
    let Value::Object(map) = body else {
        report.wrong_type(&root, "body", "a JSON object", body);
        report.errors[0].pointer = String::new();
        return Err(Diagnostics(report.errors));
    };
    reject_unknown(&mut report, &root, map, &BODY_FIELDS);
    report.string(&root, map, "$schema");
    let account = report.required_string(&root, map, "integrated_account_id");
    let args = args(&mut report, &root, map);
    let drafts = resources(&mut report, &root, map);
    let parents = resolve_parents(&mut report, &drafts);
    if let Some(Value::Array(nodes)) = map.get("resources") {
        check_references(&mut report, nodes, &drafts, &parents, &args);
    }

    if !report.errors.is_empty() {
        report
            .errors
            .sort_by_key(|diagnostic| pointer_order(&diagnostic.pointer));
        return Err(Diagnostics(report.errors));
    }
    let nodes = build_nodes(drafts, &parents);
    Ok(Plan {
        integrated_account_id: account.unwrap_or_default().to_owned(),
        args,
        nodes,
        warnings: report.warnings,
    })
}

/// Sort key that keeps diagnostics in document order of their nodes (`/resources/10`
/// after `/resources/9`), stable for problems of the same node.
fn pointer_order(pointer: &str) -> Vec<(u64, String)> {
    pointer
        .split('/')
        .map(|token| match token.parse::<u64>() {
            Ok(number) => (number, String::new()),
            Err(_) => (u64::MAX, String::new()),
        })
        .take(3)
        .collect()
}

fn args(report: &mut Report, root: &Site, map: &Map<String, Value>) -> Value {
    match map.get("args") {
        None => Value::Object(Map::new()),
        Some(value @ Value::Object(_)) => value.clone(),
        Some(other) => {
            report.wrong_type(root, "args", "an object", other);
            Value::Null
        }
    }
}

fn resources(report: &mut Report, root: &Site, map: &Map<String, Value>) -> Vec<Draft> {
    match map.get("resources") {
        None => {
            report.error(
                root,
                None,
                Problem::Missing {
                    field: "resources".to_owned(),
                },
            );
            Vec::new()
        }
        Some(Value::Array(items)) if items.is_empty() => {
            let problem = Problem::Empty {
                field: "resources".to_owned(),
            };
            report.error(root, Some("resources"), problem);
            Vec::new()
        }
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(index, item)| check_node(report, index, item))
            .collect(),
        Some(other) => {
            report.wrong_type(root, "resources", "an array of nodes", other);
            Vec::new()
        }
    }
}

/// Builds plan nodes in topological order. Requires drafts without errors.
fn build_nodes(drafts: Vec<Draft>, parents: &[Option<usize>]) -> Vec<PlanNode> {
    let order = topological_order(parents);
    let mut position = vec![0; drafts.len()];
    for (at, spec_index) in order.iter().enumerate() {
        position[*spec_index] = at;
    }
    let mut slots: Vec<Option<Draft>> = drafts.into_iter().map(Some).collect();
    let mut nodes: Vec<PlanNode> = order
        .iter()
        .enumerate()
        .filter_map(|(at, spec_index)| {
            let draft = slots[*spec_index].take()?;
            let parent = parents[*spec_index].map(|parent| position[parent]);
            plan_node(at, parent, draft)
        })
        .collect();
    for at in 0..nodes.len() {
        if let Some(parent) = nodes[at].parent {
            nodes[parent].children.push(at);
        }
    }
    nodes
}

fn plan_node(index: usize, parent: Option<usize>, draft: Draft) -> Option<PlanNode> {
    let kind = draft.kind?;
    // Unified API resources persist unless `persist` is false; other nodes only when it is true.
    let persist_by_default = matches!(&kind, NodeKind::Request(request) if request.unified);
    Some(PlanNode {
        index,
        key: draft.key?,
        name: draft.name,
        parent,
        children: Vec::new(),
        loop_on: draft.loop_on,
        persist: draft.persist.unwrap_or(persist_by_default),
        kind,
    })
}
