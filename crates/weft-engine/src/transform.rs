//! Transform nodes: one JSONata evaluation per upstream emission.

use std::sync::Arc;

use serde_json::{Map, Value};
use weft_spec::PlanNode;
use weft_transform::Transform;

use crate::batch::{Batch, Emission};
use crate::failure::{Failure, Site};
use crate::spool::binding_path;

/// Evaluates the expression with the emission's context as input, stores the output
/// elements and emits the whole output, bound under the node's name, to the children.
pub(crate) async fn run(
    batch: &Arc<Batch>,
    node: &PlanNode,
    expression: &Transform,
    emission: Emission,
) {
    let context = emission.context.clone();
    let expression = expression.clone();
    // JSONata values are not Send, so the evaluation stays on one blocking thread.
    let evaluation = tokio::task::spawn_blocking(move || {
        expression.evaluate(&context.materialize(), &Map::new())
    })
    .await;
    let output = match evaluation {
        Ok(Ok(output)) => output,
        Ok(Err(error)) => {
            let failure = Failure::Input(format!("expression failed: {error}"));
            return fail(batch, node, &emission, &failure);
        }
        Err(join_error) => {
            let failure = Failure::Internal(format!("evaluation thread failed: {join_error}"));
            return fail(batch, node, &emission, &failure);
        }
    };
    let Some(output) = output else { return };

    let elements = match &output {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    for (index, element) in elements.into_iter().enumerate() {
        let mut position = emission.position.clone();
        position.push(vec![index]);
        batch.store(node.index, position, element);
    }
    let mut position = emission.position.clone();
    position.push(Vec::new());
    let context = emission.context.bind(&binding_path(node), Arc::new(output));
    let child_emission = Emission {
        position,
        context,
        binding: emission.binding,
    };
    batch.emit(node.index, child_emission);
}

fn fail(batch: &Batch, node: &PlanNode, emission: &Emission, failure: &Failure) {
    let site = Site {
        binding: emission.binding.clone(),
        ..Site::default()
    };
    batch.fail(node.index, emission.position.clone(), failure, &site);
}
