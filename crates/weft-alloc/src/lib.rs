//! The global allocator of Weft's binaries: mimalloc, which handles the many small
//! values of JSONata evaluation far faster than the system allocator.
//!
//! mimalloc returns freed memory to the operating system after a delay (1 s in
//! mimalloc 3). A transform over a large input frees hundreds of megabytes at its end,
//! so the next one pays for the kernel zeroing fresh pages. When `$map` over 100,000
//! records ran back to back, as in `weft serve`, that took a fifth to a third of the
//! time. [`keep_freed_memory`] lengthens the delay.

use std::time::Duration;

pub use mimalloc::MiMalloc;

/// Index of the `purge_delay` option in mimalloc 3's `mi_option_e` enum, which
/// `libmimalloc-sys` does not name. `tests::purge_delay_index_is_right` checks it
/// against the option's default.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Delay after which Weft's binaries return freed memory to the operating system.
pub const FREED_MEMORY_DELAY: Duration = Duration::from_secs(10);

/// Keeps memory that the process frees for `delay` before mimalloc returns it to the
/// operating system, so that work which frees and allocates again soon reuses it.
pub fn keep_freed_memory(delay: Duration) {
    let millis = std::ffi::c_long::try_from(delay.as_millis()).unwrap_or(std::ffi::c_long::MAX);
    // SAFETY: `mi_option_set` stores a number in mimalloc's option table. It may be
    // called from any thread at any time, and both arguments are plain integers.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(PURGE_DELAY, millis);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[global_allocator]
    static ALLOCATOR: MiMalloc = MiMalloc;

    #[allow(unsafe_code)]
    fn option(index: libmimalloc_sys::mi_option_t) -> std::ffi::c_long {
        // SAFETY: `mi_option_get` reads a number from mimalloc's option table.
        unsafe { libmimalloc_sys::mi_option_get(index) }
    }

    /// Checks the index through mimalloc 3's default purge delay, 1,000 ms, before
    /// anything sets it, and the neighbouring `use_numa_nodes`, which the crate names.
    #[test]
    fn purge_delay_index_is_right() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(option(PURGE_DELAY), 1_000);
        }
        assert_eq!(PURGE_DELAY + 1, libmimalloc_sys::mi_option_use_numa_nodes);
        keep_freed_memory(Duration::from_millis(2_500));
        assert_eq!(option(PURGE_DELAY), 2_500);
    }
}
