//! Batch specs: the request body, its JSON Schema and its validation into a plan.
//!
//! - [`BatchRequest`] and [`Node`] are the raw body as serde and schemars types;
//!   [`schema`] returns the JSON Schema (draft 2020-12) generated from them.
//! - [`plan_from_slice`], [`plan_from_str`] and [`plan_from_value`] check a body and return a [`Plan`]: the
//!   nodes in dependency order with defaults resolved, templates checked and JSONata
//!   compiled. A spec with problems returns [`Diagnostics`] listing every problem,
//!   each naming the node, the field, the offending value and, for text input, the
//!   line and column.

mod check;
mod diagnostic;
mod expression_paths;
mod graph;
mod locate;
mod node;
mod plan;
mod references;
mod schema;
mod types;
mod validate;

pub use diagnostic::{Diagnostic, Diagnostics, Problem};
pub use locate::{DuplicateKey, Locator, Span};
pub use plan::{DEFAULT_RECURSE_MAX_DEPTH, Input, NodeKind, Plan, PlanNode, Recurse, RequestNode};
pub use schema::{SCHEMA_FILE_NAME, SCHEMA_ID, schema, schema_text};
pub use types::{
    BatchRequest, DependsOn, InputSpec, LoopOn, Node, NodeType, RecurseCondition, RecurseConfig,
    RecurseSpec, TransformConfig,
};
pub use validate::{plan_from_slice, plan_from_str, plan_from_value};
