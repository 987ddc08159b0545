//! Checks of the paths that placeholders and `loop_on` read, against the bindings each
//! node will have when it runs.
//!
//! A node can read, under `resources`, the binding of every ancestor up to and
//! including the nearest spool: a request's records under its resource path (`block-children`,
//! `crm.contacts`), a transform's output under its name. A spool starts a new context
//! holding only its array, under its name and under the binding of its parent, so
//! nothing above the spool's parent is visible below it. A request also sees its own
//! records in `recurse` and in the fields a recursive call reuses.
//!
//! A `resources` path that no visible binding can satisfy is an error. An `args` path
//! naming an arg the spec does not define is a warning, because `weft run --args` may
//! supply it.

use serde_json::{Map, Value};

use crate::check::{Report, suggest};
use crate::diagnostic::{Diagnostic, Problem};
use crate::locate::escape_token;
use crate::node::Draft;

/// Fields of a request node that hold templates, as JSON pointer tokens.
const TEMPLATE_FIELDS: [&str; 3] = ["id", "query", "body"];

/// The facts about one node that the check uses, read from the raw body so that nodes
/// with other problems still take part.
struct NodeInfo<'b> {
    key: Option<&'b str>,
    request: bool,
    spool: bool,
    /// Path of the node's output under `resources`, when known.
    binding: Option<Vec<String>>,
    map: Option<&'b Map<String, Value>>,
}

/// The bindings one node can read under `resources`.
struct Scope {
    /// Binding paths, each with the node that binds it.
    visible: Vec<(Vec<String>, usize)>,
    /// Ancestors, nearest first.
    ancestors: Vec<usize>,
    /// The nearest spool above the node, which hides every ancestor above its parent.
    spool: Option<usize>,
}

/// One templated value of a node, with its location and the records it can read.
struct Field<'v> {
    node: usize,
    value: &'v Value,
    pointer: String,
    name: String,
    /// Whether the node's own records are bound (`recurse`, and fields a recursive
    /// call reuses).
    sees_own_records: bool,
    /// Whether the value is a JSONata expression rather than a template.
    expression: bool,
}

/// Checks every placeholder and `loop_on` path of every node. Nodes whose `depends_on`
/// chain is broken (unknown target, cycle) are skipped, because their scope is unknown
/// and the chain is already reported.
pub fn check_references(
    report: &mut Report,
    nodes: &[Value],
    drafts: &[Draft],
    parents: &[Option<usize>],
    args: &Value,
) {
    let infos: Vec<NodeInfo<'_>> = nodes.iter().map(node_info).collect();
    let checker = Checker {
        infos: &infos,
        drafts,
        parents,
        args: args.as_object(),
    };
    for (index, info) in infos.iter().enumerate() {
        let Some(scope) = checker.scope(index) else {
            continue;
        };
        for field in template_fields(info, index) {
            checker.check_field(report, &scope, &field);
        }
        checker.check_loop_on(report, &scope, index);
    }
}

fn node_info(value: &Value) -> NodeInfo<'_> {
    let map = value.as_object();
    let text = |field: &str| map.and_then(|map| map.get(field)?.as_str());
    let name = text("name").filter(|name| !name.is_empty());
    let resource = text("resource").filter(|resource| !resource.trim().is_empty());
    let kind = text("type").unwrap_or("request");
    let binding = match kind {
        "request" => resource.map(|resource| resource.split('/').map(str::to_owned).collect()),
        _ => name.map(|name| vec![name.to_owned()]),
    };
    NodeInfo {
        key: name.or(resource),
        request: kind == "request",
        spool: kind == "spool",
        binding,
        map,
    }
}

/// Collects every templated value of a node: `id`, object `query` and `body`, `recurse.if` and
/// `recurse.config` of a request node. Values of the wrong type, and request fields
/// on other kinds of node, are skipped because they are already reported.
fn template_fields<'v>(info: &NodeInfo<'v>, node: usize) -> Vec<Field<'v>> {
    let Some(map) = info.map else {
        return Vec::new();
    };
    if !info.request {
        return transform_expression(map, node).into_iter().collect();
    }
    let recurse = map.get("recurse").and_then(Value::as_object);
    let config = recurse
        .and_then(|recurse| recurse.get("config"))
        .and_then(Value::as_object);
    let mut fields = Vec::new();
    let base = format!("/resources/{node}");
    for name in TEMPLATE_FIELDS {
        // A recursive call reuses each field that `recurse.config` does not replace.
        let reused = recurse.is_some() && !config.is_some_and(|config| config.contains_key(name));
        push_field(&mut fields, node, map, name, &base, "", reused);
    }
    if let Some(recurse) = recurse {
        let pointer = format!("{base}/recurse");
        push_field(&mut fields, node, recurse, "if", &pointer, "recurse.", true);
    }
    if let Some(config) = config {
        let pointer = format!("{base}/recurse/config");
        for name in TEMPLATE_FIELDS {
            push_field(
                &mut fields,
                node,
                config,
                name,
                &pointer,
                "recurse.config.",
                true,
            );
        }
    }
    fields
}

fn push_field<'v>(
    fields: &mut Vec<Field<'v>>,
    node: usize,
    map: &'v Map<String, Value>,
    key: &str,
    pointer: &str,
    prefix: &str,
    sees_own_records: bool,
) {
    // A string `query` or `body` is JSONata, not a template.
    let (value, expression) = match map.get(key) {
        Some(value @ Value::Object(_)) => (value, false),
        Some(value @ Value::String(_)) => (value, key == "query" || key == "body"),
        _ => return,
    };
    fields.push(Field {
        node,
        value,
        pointer: format!("{pointer}/{}", escape_token(key)),
        name: format!("{prefix}{key}"),
        sees_own_records,
        expression,
    });
}

/// Returns `config.expression` of a transform node, when it is a string.
fn transform_expression(map: &Map<String, Value>, node: usize) -> Option<Field<'_>> {
    let config = map.get("config")?.as_object()?;
    let value = config.get("expression").filter(|value| value.is_string())?;
    Some(Field {
        node,
        value,
        pointer: format!("/resources/{node}/config/expression"),
        name: "config.expression".to_owned(),
        sees_own_records: false,
        expression: true,
    })
}

struct Checker<'c, 'b> {
    infos: &'c [NodeInfo<'b>],
    drafts: &'c [Draft],
    parents: &'c [Option<usize>],
    args: Option<&'c Map<String, Value>>,
}

/// The outcome of checking one path of a reference against a node's scope.
enum Verdict {
    /// The path may resolve, or is outside `args` and `resources`.
    Fine,
    /// The path names an arg the spec does not define.
    UndefinedArg(String),
    /// The path can never resolve.
    Unbound(Problem),
}

impl Checker<'_, '_> {
    /// Returns the scope of `node`, or `None` when its `depends_on` chain is broken.
    fn scope(&self, node: usize) -> Option<Scope> {
        let mut scope = Scope {
            visible: Vec::new(),
            ancestors: Vec::new(),
            spool: None,
        };
        let mut current = node;
        loop {
            let draft = &self.drafts[current];
            let Some(parent) = self.parents[current] else {
                // A `depends_on` that did not resolve leaves the chain broken.
                return draft.depends_on.is_none().then_some(scope);
            };
            if parent == node || scope.ancestors.contains(&parent) {
                return None;
            }
            scope.ancestors.push(parent);
            if scope.spool.is_none() {
                self.add_binding(&mut scope, parent);
                if self.infos[parent].spool {
                    if let Some(grandparent) = self.parents[parent] {
                        self.add_binding(&mut scope, grandparent);
                    }
                    scope.spool = Some(parent);
                }
            }
            current = parent;
        }
    }

    fn add_binding(&self, scope: &mut Scope, node: usize) {
        if let Some(binding) = &self.infos[node].binding {
            scope.visible.push((binding.clone(), node));
        }
    }

    fn node_key(&self, node: usize) -> String {
        let key = self.infos[node].key.map(str::to_owned);
        key.unwrap_or_else(|| format!("resources[{node}]"))
    }

    fn check_field(&self, report: &mut Report, scope: &Scope, field: &Field<'_>) {
        let mut own = Vec::new();
        if field.sees_own_records {
            own.extend(
                self.infos[field.node]
                    .binding
                    .clone()
                    .map(|b| (b, field.node)),
            );
        }
        if field.expression {
            return self.check_expression(report, scope, &own, field);
        }
        visit_strings(
            field.value,
            &field.pointer,
            &field.name,
            &mut |text, pointer, name| {
                // Unknown casts are reported by the node pass.
                let Ok(references) = weft_template::references(&Value::String(text.to_owned()))
                else {
                    return;
                };
                for reference in references {
                    let paths: Vec<&str> = reference.paths.iter().map(String::as_str).collect();
                    let site = ReferenceSite {
                        node: field.node,
                        pointer,
                        field: name,
                        kind: "placeholder",
                        written: &reference.placeholder,
                    };
                    self.check_reference(
                        report,
                        scope,
                        &own,
                        &site,
                        &paths,
                        reference.allows_missing,
                    );
                }
            },
        );
    }

    /// Checks the `resources` paths a JSONata expression reads from its input. They
    /// never warn about args, because a missing value is no value in JSONata.
    fn check_expression(
        &self,
        report: &mut Report,
        scope: &Scope,
        own: &[(Vec<String>, usize)],
        field: &Field<'_>,
    ) {
        let source = field.value.as_str().unwrap_or_default();
        for fields in crate::expression_paths::resource_paths(source) {
            let path = format!("resources.{}", fields.join("."));
            let site = ReferenceSite {
                node: field.node,
                pointer: &field.pointer,
                field: &field.name,
                kind: "expression path",
                written: &path,
            };
            self.check_reference(report, scope, own, &site, &[&path], true);
        }
    }

    fn check_loop_on(&self, report: &mut Report, scope: &Scope, node: usize) {
        let Some(path) = self.drafts[node].loop_on.as_deref() else {
            return;
        };
        let pointer = format!("/resources/{node}/loop_on");
        let site = ReferenceSite {
            node,
            pointer: &pointer,
            field: "loop_on",
            kind: "path",
            written: path,
        };
        self.check_reference(report, scope, &[], &site, &[path], false);
    }

    /// Reports every alternative that can never resolve, then warns about an undefined
    /// arg when nothing else can give the placeholder a value.
    fn check_reference(
        &self,
        report: &mut Report,
        scope: &Scope,
        own: &[(Vec<String>, usize)],
        site: &ReferenceSite<'_>,
        paths: &[&str],
        allows_missing: bool,
    ) {
        let mut may_resolve = allows_missing;
        let mut undefined_arg = None;
        for path in paths {
            match self.judge(scope, own, site, path) {
                Verdict::Fine => may_resolve = true,
                Verdict::UndefinedArg(arg) => {
                    undefined_arg.get_or_insert(arg);
                }
                Verdict::Unbound(problem) => report.errors.push(site.diagnostic(self, problem)),
            }
        }
        if may_resolve {
            return;
        }
        if let Some(arg) = undefined_arg {
            let mut defined: Vec<&str> = self
                .args
                .into_iter()
                .flat_map(Map::keys)
                .map(String::as_str)
                .collect();
            defined.sort_unstable();
            let problem = Problem::UndefinedArg {
                field: site.field.to_owned(),
                kind: site.kind,
                reference: site.written.to_owned(),
                suggestion: suggest(&arg, defined),
                arg,
            };
            report.warnings.push(site.diagnostic(self, problem));
        }
    }

    fn judge(
        &self,
        scope: &Scope,
        own: &[(Vec<String>, usize)],
        site: &ReferenceSite<'_>,
        path: &str,
    ) -> Verdict {
        let segments: Vec<&str> = path.split('.').collect();
        match segments.as_slice() {
            ["args", arg, ..] => match self.args {
                Some(args) if !args.contains_key(*arg) => Verdict::UndefinedArg((*arg).to_owned()),
                _ => Verdict::Fine,
            },
            ["resources", rest @ ..] if !rest.is_empty() => {
                let visible = scope.visible.iter().chain(own);
                if visible.clone().any(|(binding, _)| overlaps(binding, rest)) {
                    return Verdict::Fine;
                }
                let node_scope = NodeScope { scope, own };
                Verdict::Unbound(self.explain(&node_scope, site, rest))
            }
            _ => Verdict::Fine,
        }
    }

    /// Builds the problem for a `resources` path that no visible binding satisfies.
    fn explain(
        &self,
        node_scope: &NodeScope<'_>,
        site: &ReferenceSite<'_>,
        rest: &[&str],
    ) -> Problem {
        let bound_by = (0..self.infos.len()).find(|other| {
            let binding = self.infos[*other].binding.as_deref();
            binding.is_some_and(|binding| overlaps(binding, rest))
        });
        if let Some(target) = bound_by {
            return self.out_of_scope(node_scope.scope, site, target);
        }
        let by_name = (0..self.infos.len()).find(|other| {
            let info = &self.infos[*other];
            info.key == Some(rest[0]) && info.binding.as_ref().is_some_and(|b| b[0] != rest[0])
        });
        match by_name {
            Some(target) if node_scope.sees(target) => self.by_name(site, target, rest[0]),
            Some(target) => self.out_of_scope(node_scope.scope, site, target),
            None => self.unknown(node_scope, site, rest),
        }
    }

    /// Builds the problem for a request node named by its name, suggesting the
    /// placeholder rewritten with the node's resource path.
    fn by_name(&self, site: &ReferenceSite<'_>, target: usize, name: &str) -> Problem {
        let binding = self.infos[target].binding.as_deref().unwrap_or_default();
        let from = format!("resources.{name}");
        let to = format!("resources.{}", binding.join("."));
        Problem::ResourceByName {
            field: site.field.to_owned(),
            kind: site.kind,
            reference: site.written.to_owned(),
            target: name.to_owned(),
            suggestion: site.written.replacen(&from, &to, 1),
        }
    }

    /// Builds the problem for a key that no node binds, suggesting a visible key, else
    /// any node's key.
    fn unknown(
        &self,
        node_scope: &NodeScope<'_>,
        site: &ReferenceSite<'_>,
        rest: &[&str],
    ) -> Problem {
        let target = unknown_target(self.infos, rest);
        let visible = node_scope.keys();
        let all: Vec<String> = self
            .infos
            .iter()
            .filter_map(|info| Some(info.binding.as_ref()?.join(".")))
            .collect();
        let suggestion = suggest(&target, visible.iter().map(String::as_str))
            .or_else(|| suggest(&target, all.iter().map(String::as_str)));
        Problem::UnknownResource {
            field: site.field.to_owned(),
            kind: site.kind,
            reference: site.written.to_owned(),
            target,
            suggestion,
        }
    }

    /// Builds the problem for a path that `target` binds but `site`'s node cannot see.
    fn out_of_scope(&self, scope: &Scope, site: &ReferenceSite<'_>, target: usize) -> Problem {
        let field = site.field.to_owned();
        let reference = site.written.to_owned();
        let kind = site.kind;
        let target_key = self.node_key(target);
        if target == site.node {
            return Problem::OwnResource {
                field,
                kind,
                reference,
                target: target_key,
            };
        }
        if let Some(spool) = scope.spool.filter(|_| scope.ancestors.contains(&target)) {
            let bound = scope
                .visible
                .iter()
                .map(|(binding, _)| format!("'resources.{}'", binding.join(".")))
                .collect::<Vec<_>>()
                .join(" and ");
            return Problem::ResourceBehindSpool {
                field,
                kind,
                reference,
                target: target_key,
                spool: self.node_key(spool),
                bound,
            };
        }
        Problem::ResourceNotAncestor {
            field,
            kind,
            reference,
            target: target_key,
            node: self.node_key(site.node),
        }
    }
}

/// A node's scope together with its own records, where the field can read them.
struct NodeScope<'s> {
    scope: &'s Scope,
    own: &'s [(Vec<String>, usize)],
}

impl NodeScope<'_> {
    fn sees(&self, node: usize) -> bool {
        let mut visible = self.scope.visible.iter().chain(self.own);
        visible.any(|(_, binder)| *binder == node)
    }

    fn keys(&self) -> Vec<String> {
        let visible = self.scope.visible.iter().chain(self.own);
        visible.map(|(binding, _)| binding.join(".")).collect()
    }
}

/// The location of a reference, for its diagnostic.
struct ReferenceSite<'s> {
    node: usize,
    pointer: &'s str,
    field: &'s str,
    /// `placeholder` or `path` (for `loop_on`).
    kind: &'static str,
    written: &'s str,
}

impl ReferenceSite<'_> {
    fn diagnostic(&self, checker: &Checker<'_, '_>, problem: Problem) -> Diagnostic {
        let mut diagnostic = Diagnostic::new(problem, self.pointer.to_owned());
        diagnostic.node = Some(checker.node_key(self.node));
        diagnostic.field = Some(self.field.to_owned());
        diagnostic
    }
}

/// Tests whether `path` (segments after `resources`) reaches into `binding` or stops
/// above it: `crm` and `crm.contacts.id` both overlap `crm.contacts`, `crm.users` does not.
fn overlaps(binding: &[String], path: &[&str]) -> bool {
    binding
        .iter()
        .zip(path)
        .all(|(bound, segment)| bound == segment)
}

/// Returns the part of `path` that a message names as the node: as many segments as the binding
/// that starts like it has (`crm.contact` for `crm.contact.id`), else the first one.
fn unknown_target(infos: &[NodeInfo<'_>], path: &[&str]) -> String {
    let depth = infos
        .iter()
        .filter_map(|info| info.binding.as_ref())
        .filter(|binding| binding[0] == path[0])
        .map(Vec::len)
        .max()
        .unwrap_or(1);
    path[..depth.min(path.len())].join(".")
}

/// Calls `visit` with every string in `value`, its JSON pointer and its dotted field
/// name (`query.filter.0`).
fn visit_strings(
    value: &Value,
    pointer: &str,
    name: &str,
    visit: &mut dyn FnMut(&str, &str, &str),
) {
    match value {
        Value::String(text) => visit(text, pointer, name),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let item_pointer = format!("{pointer}/{index}");
                visit_strings(item, &item_pointer, &format!("{name}.{index}"), visit);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let item_pointer = format!("{pointer}/{}", escape_token(key));
                visit_strings(item, &item_pointer, &format!("{name}.{key}"), visit);
            }
        }
        _ => {}
    }
}
