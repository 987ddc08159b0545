//! Errors that stop a batch before any call runs, and errors of an explicit refresh.
//!
//! Failures of single calls never stop a batch: they become entries of
//! [`crate::BatchOutput::errors`].

/// Errors that stop a batch before any call runs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The HTTP client could not be built (for example the TLS backend failed to load).
    #[error("failed to build the HTTP client: {0}")]
    HttpClient(#[source] reqwest::Error),
    /// Refreshing the account's credentials failed or is impossible, so the account
    /// needs reauthorization; `reason` has secrets redacted.
    #[error("refreshing the credentials of account '{account}' failed: {reason}")]
    RefreshFailed { account: String, reason: String },
}
