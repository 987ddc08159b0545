//! Resource limits for one evaluation.

use std::time::Duration;

/// Bounds on one evaluation, so that no expression or input can hang or exhaust the
/// process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock time one evaluation may take; past it evaluation fails with `D1012`.
    pub timeout: Duration,
    /// Maximum evaluation stack depth (nested calls and sub-expressions); past it
    /// evaluation fails with `D1011`.
    pub max_depth: usize,
    /// Maximum number of items in one sequence the evaluation builds: a `$map`, a
    /// filter, a range such as `[1..n]` or a path over many items. Past it evaluation
    /// fails with `D2015`. It bounds runaway expressions that the output limit cannot,
    /// such as `$count([1..10000000].[1..10000000])`.
    /// NOTE: memory is not capped directly: 10,000,000 small objects still take
    /// gigabytes before the time limit stops the evaluation.
    pub max_sequence_length: usize,
    /// Maximum growth of the process's resident memory during one evaluation, checked
    /// every 10 ms on Linux; past it evaluation fails with
    /// [`TransformError::MemoryLimit`](crate::TransformError::MemoryLimit).
    /// Resident memory is the whole process's, so other work running at the same time
    /// counts too. `usize::MAX` turns the check off.
    pub max_memory_bytes: usize,
    /// Maximum size of the input document, in bytes of compact JSON.
    pub max_input_bytes: usize,
    /// Maximum size of the result, in bytes of compact JSON.
    pub max_output_bytes: usize,
    /// Minimum number of records for which `$map(path, function($r) {...})` is split
    /// across threads, when its function does not read the input (see the transforms
    /// guide). `usize::MAX` keeps every evaluation on one thread. Splitting does not
    /// change the result.
    pub parallel_min_items: usize,
}

impl Default for Limits {
    /// Returns 5 s, depth 500, sequences of up to 10,000,000 items (the largest range
    /// JSONata allows), 2 GiB of memory growth, 64 MiB in and 64 MiB out, and splits
    /// `$map` over 2,048 records or more.
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(5),
            max_depth: 500,
            max_sequence_length: 10_000_000,
            max_memory_bytes: 2 * 1024 * 1024 * 1024,
            max_input_bytes: 64 * 1024 * 1024,
            max_output_bytes: 64 * 1024 * 1024,
            parallel_min_items: 2048,
        }
    }
}
