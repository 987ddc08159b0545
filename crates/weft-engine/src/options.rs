//! Tunables of one batch run.

use std::time::Duration;

/// Settings for one batch run. `Options::default()` suits interactive use.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// Maximum number of upstream HTTP requests in flight at once for the batch.
    pub concurrency: usize,
    /// When and how often failed requests are retried.
    pub retry: RetryPolicy,
    /// Largest response body accepted, in bytes; a larger one fails that call.
    pub max_response_bytes: usize,
    /// Time allowed for one HTTP request, from connecting to the last body byte.
    pub request_timeout: Duration,
    /// Recursion depth limit of `recurse` for nodes that set no `max_depth` of their own.
    pub max_depth: usize,
    /// Most pages one call follows. An API that sends next pages past it fails the
    /// call, so a cursor that never ends cannot run a batch forever.
    pub max_pages: usize,
    /// How long before a known expiry (the context's `expires_at`) credentials are
    /// refreshed, so that requests never go out with a token about to expire.
    pub refresh_before_expiry: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            concurrency: 8,
            retry: RetryPolicy::default(),
            max_response_bytes: 32 * 1024 * 1024,
            request_timeout: Duration::from_secs(60),
            max_depth: weft_spec::DEFAULT_RECURSE_MAX_DEPTH,
            max_pages: 10_000,
            refresh_before_expiry: Duration::from_secs(60),
        }
    }
}

impl Options {
    /// Returns these options with `concurrency` in-flight requests at most (at least 1).
    pub fn with_concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Returns these options with another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Returns these options with another default recursion depth limit (at least 1).
    pub fn with_max_depth(mut self, depth: usize) -> Self {
        self.max_depth = depth.max(1);
        self
    }

    /// Returns these options with another limit of pages per call (at least 1).
    pub fn with_max_pages(mut self, pages: usize) -> Self {
        self.max_pages = pages.max(1);
        self
    }

    /// Returns these options with another response size limit, in bytes.
    pub fn with_max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }
}

/// Capped exponential backoff for retryable statuses and connection errors.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 disables retrying.
    pub max_retries: u32,
    /// Wait before the first retry; each further retry doubles it.
    pub initial_backoff: Duration,
    /// Upper bound of any wait, including one asked for by `Retry-After`.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Builds a policy from its three settings.
    pub fn new(max_retries: u32, initial_backoff: Duration, max_backoff: Duration) -> Self {
        RetryPolicy {
            max_retries,
            initial_backoff,
            max_backoff,
        }
    }

    /// Wait before retry number `retry` (0 for the first retry) when the server gave
    /// no `Retry-After`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.min(20));
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_until_the_cap() {
        let policy = RetryPolicy::new(9, Duration::from_millis(100), Duration::from_secs(1));
        assert_eq!(policy.backoff(0), Duration::from_millis(100));
        assert_eq!(policy.backoff(1), Duration::from_millis(200));
        assert_eq!(policy.backoff(3), Duration::from_millis(800));
        assert_eq!(policy.backoff(4), Duration::from_secs(1));
        assert_eq!(policy.backoff(60), Duration::from_secs(1));
    }
}
