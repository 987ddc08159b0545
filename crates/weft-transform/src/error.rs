//! The crate's error type.

/// Errors from compiling or evaluating a JSONata expression.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransformError {
    /// The expression does not parse. The message starts with the JSONata error code
    /// when the engine gives one (for example `S0202`).
    #[error("invalid JSONata expression: {message}")]
    Syntax { message: String },

    /// The expression parsed but its evaluation failed: a type error, an undefined
    /// function, a timeout (`D1012`), a depth limit (`D1011`, `U1001`) or an error
    /// raised by an extension function. The message starts with the JSONata error
    /// code when there is one.
    #[error("{message}")]
    Evaluation { message: String },

    /// The input document serialises to more bytes than [`Limits::max_input_bytes`].
    ///
    /// [`Limits::max_input_bytes`]: crate::Limits::max_input_bytes
    #[error("input of {size} bytes exceeds the transform input limit of {limit} bytes")]
    InputTooLarge { size: usize, limit: usize },

    /// The result serialises to more bytes than [`Limits::max_output_bytes`]. Counting
    /// stops at the limit, so the message gives the limit only.
    ///
    /// [`Limits::max_output_bytes`]: crate::Limits::max_output_bytes
    #[error("result is larger than the transform output limit of {limit} bytes")]
    OutputTooLarge { limit: usize },

    /// The process's resident memory grew by more than
    /// [`Limits::max_memory_bytes`] during the evaluation, which was stopped.
    ///
    /// [`Limits::max_memory_bytes`]: crate::Limits::max_memory_bytes
    #[error(
        "transform stopped: memory grew by more than {limit} bytes, the transform memory limit"
    )]
    MemoryLimit { limit: usize },

    /// The JSONata engine panicked while evaluating. The panic is caught, so the
    /// process keeps running; the message is the panic's payload.
    #[error("JSONata engine failed while evaluating the expression: {message}")]
    EnginePanic { message: String },
}

impl TransformError {
    /// Returns the JSONata error code (`T2001`, `S0202`, `D1012`, `U1001`...) of an
    /// engine error, read from its message, or `None` when the error carries no code.
    pub fn code(&self) -> Option<&str> {
        match self {
            TransformError::Syntax { message } | TransformError::Evaluation { message } => {
                leading_code(message)
            }
            _ => None,
        }
    }
}

/// Returns the first `X1234` code in `message` that starts the message or follows
/// `": "` and is itself followed by a colon. The engine puts a category before some
/// codes (`Invalid syntax: S0201: ...`).
fn leading_code(message: &str) -> Option<&str> {
    let starts = std::iter::once(0).chain(message.match_indices(": ").map(|(i, _)| i + 2));
    starts
        .filter_map(|start| message.get(start..start + 6))
        .find(|candidate| is_code(candidate))
        .map(|candidate| &candidate[..5])
}

/// Whether `text` is an uppercase letter, four digits and a colon.
fn is_code(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 6
        && bytes[0].is_ascii_uppercase()
        && bytes[1..5].iter().all(u8::is_ascii_digit)
        && bytes[5] == b':'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_is_read_from_message_prefix() {
        let error = TransformError::Evaluation {
            message: "T2001: The left side of the + operator must evaluate to a number".into(),
        };
        assert_eq!(error.code(), Some("T2001"));
    }

    #[test]
    fn code_is_read_after_engine_category() {
        let error = TransformError::Syntax {
            message: "Invalid syntax: S0201: Syntax error: Semicolon".into(),
        };
        assert_eq!(error.code(), Some("S0201"));
    }

    #[test]
    fn code_is_none_without_prefix() {
        let error = TransformError::Evaluation {
            message: "function $parseDocument is not supported".into(),
        };
        assert_eq!(error.code(), None);
        let short = TransformError::Syntax {
            message: "S02".into(),
        };
        assert_eq!(short.code(), None);
    }
}
