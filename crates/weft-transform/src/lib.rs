//! JSONata transforms for Weft.
//!
//! [`Transform`] is a checked JSONata expression that evaluates against a JSON input
//! with extra `$name` bindings, under [`Limits`] on time, depth and size. Every
//! evaluation has Truto's extension functions (`$firstNonEmpty`, `$sortNodes`,
//! `$removeEmpty`, `$groupBy`...) in scope, as in `@truto/truto-jsonata` 3.0.6.
//!
//! This crate is the only one that depends on the JSONata engine (`jsonata-core`),
//! and only its `engine` module names it. Errors are [`TransformError`].

mod engine;
mod error;
pub mod functions;
mod limits;
mod transform;

pub use error::TransformError;
pub use limits::Limits;
pub use transform::{EvalResult, Transform};

/// Checks that `source` is a syntactically valid JSONata expression.
pub fn check_syntax(source: &str) -> Result<(), TransformError> {
    Transform::compile(source).map(|_| ())
}
