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
        // The engine measures the input and the result as it converts them.
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            ActiveEngine::evaluate(&self.source, input, bindings, limits)
        }));
        outcome.map_err(|payload| TransformError::EnginePanic {
            message: panic_message(payload.as_ref()),
        })?
    }
}

/// The outcome of one evaluation: `Ok(None)` is "no value".
pub type EvalResult = Result<Option<Value>, TransformError>;

pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
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

    #[test]
    fn transform_is_send_sync_clone() {
        fn assert_traits<T: Send + Sync + Clone>() {}
        assert_traits::<Transform>();
    }
}
