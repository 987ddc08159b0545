//! Spool nodes: a barrier that collects every record of the parent into one array.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};
use weft_spec::{NodeKind, PlanNode};

use crate::batch::{Batch, Emission, Position};
use crate::context::Context;

/// Builds the spool's single emission from the finished parent's records, in order:
/// the array is bound under the parent's binding path and under the spool's name.
pub(crate) fn collect(
    batch: &Batch,
    records: &BTreeMap<Position, Value>,
    parent: usize,
    spool: usize,
) -> Emission {
    let array = Arc::new(Value::Array(records.values().cloned().collect()));
    let parent_path = binding_path(&batch.plan.nodes[parent]);
    let own_path = binding_path(&batch.plan.nodes[spool]);
    let context = Context::new(batch.base_context().clone())
        .bind(&parent_path, array.clone())
        .bind(&own_path, array);
    Emission {
        position: Vec::new(),
        context,
        binding: Map::new(),
    }
}

/// Stores the collected array's elements and emits the array once to the children.
pub(crate) fn run(batch: &Arc<Batch>, node: &PlanNode, emission: Emission) {
    let path = binding_path(node);
    let items = emission
        .context
        .bound(&path)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (index, item) in items.into_iter().enumerate() {
        batch.store(node.index, vec![vec![index]], item);
    }
    batch.emit(node.index, emission);
}

/// Where a node's records are bound for its children: the resource path for request
/// nodes, the name for spools and transforms.
pub(crate) fn binding_path(node: &PlanNode) -> Vec<String> {
    match &node.kind {
        NodeKind::Request(request) => request.resource_path.clone(),
        _ => vec![node.key.clone()],
    }
}
