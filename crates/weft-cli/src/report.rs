//! Error reports on stderr and the exit codes that go with them.

use weft::store::StoreError;

/// Exit code of a command that ran and found nothing to act on, or reports a failure of
/// what it ran: an unknown account, environment, token or run, a batch with errors.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code of bad usage or bad input (an invalid spec, malformed JSON, a damaged
/// store) and of every other error.
pub const EXIT_ERROR: u8 = 2;

/// Returns [`EXIT_FAILURE`] when `error` reports that something was not found, else
/// [`EXIT_ERROR`].
pub fn exit_code(error: &anyhow::Error) -> u8 {
    let not_found = error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<StoreError>(),
            Some(
                StoreError::AccountNotFound { .. }
                    | StoreError::EnvironmentNotFound { .. }
                    | StoreError::TokenNotFound { .. }
            )
        ) || matches!(
            cause.downcast_ref::<weft::Error>(),
            Some(weft::Error::AccountNotFound { .. })
        )
    });
    if not_found { EXIT_FAILURE } else { EXIT_ERROR }
}

/// Joins an error and its causes with ": ", leaving out a cause whose text an earlier
/// message already contains. Many library errors put their source in their own message
/// and also return it as `source()`; printing both would repeat it.
pub fn describe(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error that prints its source and also returns it from `source()`.
    #[derive(Debug)]
    struct Repeats(std::io::Error);

    impl std::fmt::Display for Repeats {
        fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(formatter, "failed to read 'x': {}", self.0)
        }
    }

    impl std::error::Error for Repeats {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn leaves_out_a_cause_the_message_already_has() {
        let io = std::io::Error::other("disk on fire");
        let error = anyhow::Error::new(Repeats(io)).context("failed to open the store");
        assert_eq!(
            describe(&error),
            "failed to open the store: failed to read 'x': disk on fire"
        );
    }

    #[test]
    fn not_found_exits_one_and_other_errors_two() {
        let missing = StoreError::TokenNotFound { id: "tok_x".into() };
        let error = anyhow::Error::new(missing).context("failed to revoke");
        assert_eq!(exit_code(&error), EXIT_FAILURE);
        assert_eq!(exit_code(&anyhow::anyhow!("bad JSON")), EXIT_ERROR);
    }

    #[test]
    fn keeps_causes_that_add_something() {
        let error = anyhow::anyhow!("inner").context("outer");
        assert_eq!(describe(&error), "outer: inner");
    }
}
