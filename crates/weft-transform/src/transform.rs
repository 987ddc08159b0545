//! The [`Transform`] type: a checked expression that evaluates on any thread.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::engine::{ActiveEngine, Engine};
use crate::{Limits, TransformError};

/// A parsed JSONata expression.
///
/// `Transform` is `Send + Sync + Clone`: it keeps only the source text. The engine's
/// syntax tree is not `Send`, so each thread parses the source on first use and keeps
/// the tree in a thread-local cache keyed by source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transform {
    source: Arc<str>,
}

impl Transform {
    /// Parses `source`.
    ///
    /// Fails with [`TransformError::Syntax`] when the expression does not parse.
    pub fn compile(source: &str) -> Result<Transform, TransformError> {
        ActiveEngine::check_syntax(source)?;
        Ok(Transform {
            source: Arc::from(source),
        })
    }

    /// Returns the expression's source text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Evaluates against `input` with extra `$name` bindings (keys without the `$`)
    /// under [`Limits::default`]. `Ok(None)` means the expression produced no value.
    pub fn evaluate(&self, input: &Value, bindings: &Map<String, Value>) -> EvalResult {
        self.evaluate_with(input, bindings, &Limits::default())
    }

    /// Evaluates like [`Transform::evaluate`] under `limits`.
    ///
    /// Fails when the input or the result is larger than the limits allow, when the
    /// evaluation fails or exceeds its time or depth limit, and when the engine
    /// panics (the panic is caught and becomes [`TransformError::EnginePanic`]).
    pub fn evaluate_with(
        &self,
        input: &Value,
        bindings: &Map<String, Value>,
        limits: &Limits,
    ) -> EvalResult {
        self.evaluate_opt(Some(input), bindings, limits)
    }

    /// Evaluates like [`Transform::evaluate_with`]; `None` as input means there is no
    /// input document (`$` is undefined), which differs from a `null` input.
    pub fn evaluate_opt(
        &self,
        input: Option<&Value>,
        bindings: &Map<String, Value>,
        limits: &Limits,
    ) -> EvalResult {
        let input_size = input.map_or(0, json_size);
        if input_size > limits.max_input_bytes {
            return Err(TransformError::InputTooLarge {
                size: input_size,
                limit: limits.max_input_bytes,
            });
        }

        let outcome = catch_unwind(AssertUnwindSafe(|| {
            ActiveEngine::evaluate(&self.source, input, bindings, limits)
        }));
        let result = outcome.map_err(|payload| TransformError::EnginePanic {
            message: panic_message(payload.as_ref()),
        })??;

        if let Some(value) = &result {
            let output_size = json_size(value);
            if output_size > limits.max_output_bytes {
                return Err(TransformError::OutputTooLarge {
                    size: output_size,
                    limit: limits.max_output_bytes,
                });
            }
        }
        Ok(result)
    }
}

/// The outcome of one evaluation: `Ok(None)` is "no value".
pub type EvalResult = Result<Option<Value>, TransformError>;

/// Returns the length of `value` as compact JSON without building the text.
fn json_size(value: &Value) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    // Writing a Value to an infallible writer cannot fail.
    let _ = serde_json::to_writer(&mut counter, value);
    counter.0
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "panic without a message".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn transform_is_send_sync_clone() {
        fn assert_traits<T: Send + Sync + Clone>() {}
        assert_traits::<Transform>();
    }

    #[test]
    fn json_size_matches_compact_text() {
        let value = json!({"a": [1, 2.5, "x"], "b": null});
        assert_eq!(json_size(&value), value.to_string().len());
    }
}
