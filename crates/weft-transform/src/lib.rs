//! JSONata transforms for Weft.
//!
//! This crate is the only one that depends on the JSONata engine (`jsonata-core`).

/// Errors from compiling or evaluating a JSONata expression.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransformError {
    /// The expression does not parse. The message starts with the JSONata error code
    /// when the engine gives one (for example `S0202`).
    #[error("invalid JSONata expression: {message}")]
    Syntax { message: String },
}

/// Checks that `source` is a syntactically valid JSONata expression.
pub fn check_syntax(source: &str) -> Result<(), TransformError> {
    jsonata_core::parser::parse(source)
        .map(|_| ())
        .map_err(|error| TransformError::Syntax {
            message: error.to_string(),
        })
}
