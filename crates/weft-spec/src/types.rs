//! The raw request body as serde and schemars types.
//!
//! These types define the JSON Schema (doc comments become descriptions, so an editor
//! shows them on hover) and deserialise a body that is already known to be valid.
//! Validation with every problem reported works on the JSON value instead (see
//! `validate`), because serde stops at the first error.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A batch request: resource calls against one integrated account, run as a graph of
/// nodes linked by `depends_on`. The body of `POST /batch-request`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Weft batch request")]
pub struct BatchRequest {
    /// Path or URL of this JSON Schema, for editors. Accepted and ignored.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,

    /// ID of the integrated account whose connector and credentials every call uses.
    #[schemars(length(min = 1))]
    pub integrated_account_id: String,

    /// Values for `{{args.…}}` placeholders, for example `{ "page_id": "…" }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Map<String, Value>>,

    /// The nodes of the batch, in any order. At least one.
    #[schemars(length(min = 1))]
    pub resources: Vec<Node>,
}

/// One node of the batch: a resource call (`request`, the default), a `spool` that
/// collects every record of its parent into one array, or a JSONata `transform`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
// The schema states the rules of each kind. Serde reads any field on any kind, and
// validation reports fields that belong to another kind.
#[schemars(transform = crate::schema::add_node_kind_rules)]
pub struct Node {
    /// Node kind. Defaults to `request`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<NodeType>,

    /// Unique name of the node: the key of its output in `result` and `errors`, and
    /// the target of other nodes' `depends_on`. Required for spool and transform nodes.
    /// Without a name, a request node's key is its `resource`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub name: Option<String>,

    /// Request nodes: the resource to call. A proxy resource of the connector
    /// (`block-children`) or a unified API resource as `api/resource` (`crm/contacts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub resource: Option<String>,

    /// Request nodes: the method to call: `list`, `get`, `create`, `update`, `delete`
    /// or a custom method the connector defines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub method: Option<String>,

    /// Request nodes: record ID for `get`, `update`, `delete` and custom methods.
    /// Placeholders allowed, for example `{{args.user_id}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,

    /// Request nodes: query parameters. An object is filled in with placeholders; a
    /// string is a JSONata expression that returns the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<InputSpec>,

    /// Request nodes: request body, with the same rules as `query`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<InputSpec>,

    /// Name of the parent node (or its `resource` when it has no name). The node runs
    /// once per record the parent emits, with that record bound in `resources`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<DependsOn>,

    /// Path to an array in the placeholder context, such as `args.user_ids`. The node
    /// runs once per element, and the path resolves to the current element.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loop_on: Option<LoopOn>,

    /// Request nodes: calls the resource again for each returned record where `if`
    /// holds, with `config` replacing the node's `id`, `query` or `body`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurse: Option<RecurseSpec>,

    /// Whether the node's output appears in `result`. Defaults to true for unified API
    /// resources (`crm/contacts`) and false for every other node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persist: Option<bool>,

    /// Transform nodes: the JSONata expression to evaluate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<TransformConfig>,

    /// Sync jobs only: accepted for compatibility and ignored with a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_tracking: Option<Value>,

    /// Sync jobs only: accepted for compatibility and ignored with a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_tracking_query: Option<Value>,

    /// Sync jobs only: accepted for compatibility and ignored with a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<Value>,
}

/// The kind of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum NodeType {
    /// A resource call through the account's connector.
    Request,
    /// Waits for every record of its parent and emits them as one array.
    Spool,
    /// Evaluates a JSONata expression against the placeholder context.
    Transform,
}

/// Query or body of a request node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum InputSpec {
    /// An object whose string values may contain placeholders.
    Template(Map<String, Value>),
    /// A JSONata expression that returns the object.
    Expression(String),
}

/// The parent of a node: a node name, or an array holding exactly one name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum DependsOn {
    /// The parent's name, or its `resource` when it has no name.
    Name(String),
    /// An array holding exactly one name, accepted for compatibility.
    List([String; 1]),
}

/// The array to loop over: `"args.user_ids"`, `"{{args.user_ids}}"`, or
/// `{ "{ args.user_ids }": null }`, which all mean the same path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum LoopOn {
    /// A dot path, optionally wrapped in `{{ }}`.
    Path(String),
    /// An object with one key, the path wrapped in `{ }`, whose value is null.
    Braced(Map<String, Value>),
}

/// Recursion of a request node over the records it returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecurseSpec {
    /// Condition evaluated per record, with the record bound; recursion happens when
    /// it is true after the placeholder cast, e.g. `{{resources.block-children.has_children:bool}}`.
    #[serde(rename = "if")]
    pub condition: RecurseCondition,

    /// Fields that replace the node's own `id`, `query` or `body` in the recursive call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<RecurseConfig>,

    /// Maximum recursion depth before the node reports an error. Defaults to 32.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub max_depth: Option<usize>,
}

/// The condition of `recurse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RecurseCondition {
    /// A constant condition.
    Constant(bool),
    /// A placeholder template that renders to true or false.
    Template(String),
}

/// Replacements for the recursive call of a request node.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RecurseConfig {
    /// Record ID of the recursive call. Placeholders allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Query of the recursive call, with the same rules as the node's `query`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<InputSpec>,
    /// Body of the recursive call, with the same rules as the node's `body`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<InputSpec>,
}

/// Configuration of a transform node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TransformConfig {
    /// JSONata expression evaluated with the placeholder context as input, with
    /// Truto's extension functions (`$sortNodes`, `$convertNotionToMarkdown`, …).
    #[schemars(length(min = 1))]
    pub expression: String,
}
