//! The checked form of a spec that the engine runs.

use serde_json::Value;
use weft_transform::Transform;

use crate::Diagnostic;

/// Default maximum depth of `recurse`.
pub const DEFAULT_RECURSE_MAX_DEPTH: usize = 32;

/// A validated batch: nodes in dependency order with compiled expressions.
#[derive(Debug, Clone)]
pub struct Plan {
    /// ID of the integrated account every call uses.
    pub integrated_account_id: String,
    /// The request's `args`, an object (`{}` when absent).
    pub args: Value,
    /// Nodes in topological order: every parent comes before its children, and
    /// otherwise the order of the spec is kept.
    pub nodes: Vec<PlanNode>,
    /// Problems that do not stop the batch, such as ignored sync-job fields.
    pub warnings: Vec<Diagnostic>,
}

/// One node of a [`Plan`].
#[derive(Debug, Clone)]
pub struct PlanNode {
    /// Position in [`Plan::nodes`].
    pub index: usize,
    /// Key of the node's output in `result` and `errors`: its name, else its resource.
    pub key: String,
    /// The node's `name`, when given.
    pub name: Option<String>,
    /// Index in [`Plan::nodes`] of the `depends_on` node.
    pub parent: Option<usize>,
    /// Indexes in [`Plan::nodes`] of the nodes that depend on this one, in plan order.
    pub children: Vec<usize>,
    /// Normalised dot path of `loop_on`, e.g. `args.user_ids`.
    pub loop_on: Option<String>,
    /// Whether the node's output appears in `result`, defaults resolved.
    pub persist: bool,
    /// The node's kind and its kind-specific settings.
    pub kind: NodeKind,
}

/// The kind of a node, with the settings of that kind.
// A plan contains a handful of nodes built once per batch, so the size of the request
// variant costs nothing worth a `Box` in the variant every consumer matches on.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum NodeKind {
    /// A resource call.
    Request(RequestNode),
    /// Collects every record of the parent into one array.
    Spool,
    /// Evaluates a JSONata expression once per upstream emission.
    Transform(Transform),
}

/// A resource call.
#[derive(Debug, Clone)]
pub struct RequestNode {
    /// The resource as written: `block-children` or `crm/contacts`.
    pub resource: String,
    /// `resource` split on `/`: the path its records are bound under in `resources`.
    pub resource_path: Vec<String>,
    /// Whether the resource is a unified API resource (it contains `/`).
    pub unified: bool,
    /// The method: `list`, `get`, `create`, `update`, `delete` or a custom one.
    pub method: String,
    /// Record ID template.
    pub id: Option<Value>,
    /// Query parameters.
    pub query: Option<Input>,
    /// Request body.
    pub body: Option<Input>,
    /// Recursion over returned records.
    pub recurse: Option<Recurse>,
}

/// A query or body: an object template or a JSONata expression returning the object.
#[derive(Debug, Clone)]
pub enum Input {
    /// An object whose strings may hold placeholders.
    Template(Value),
    /// A compiled JSONata expression.
    Expression(Transform),
}

/// Recursion settings of a request node.
#[derive(Debug, Clone)]
pub struct Recurse {
    /// Condition template (or constant boolean), e.g. `{{resources.x.has_children:bool}}`.
    pub condition: Value,
    /// Replacement record ID template for the recursive call.
    pub id: Option<Value>,
    /// Replacement query for the recursive call.
    pub query: Option<Input>,
    /// Replacement body for the recursive call.
    pub body: Option<Input>,
    /// Maximum recursion depth; [`DEFAULT_RECURSE_MAX_DEPTH`] unless set.
    pub max_depth: usize,
}
