//! Turns a panic inside redb into an error.
//!
//! redb 3.1 asserts on some kinds of damage instead of returning an error, for example a
//! file shorter than the layout its header records. The store runs the calls that read
//! an unknown file through [`catch`], so a damaged file gives
//! [`StoreError::Damaged`](crate::StoreError::Damaged) instead of ending the process.

use std::any::Any;
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// True while this thread runs inside [`catch`]; the panic hook stays quiet then.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
}

static QUIET_HOOK: Once = Once::new();

/// Runs `work` and returns the panic message if it panics. A panic caught here is
/// logged at debug level instead of being printed by the process's panic hook. Panics
/// on other threads, or outside `catch`, are reported as usual.
pub(crate) fn catch<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    install_quiet_hook();
    let was_catching = CATCHING.replace(true);
    let outcome = panic::catch_unwind(AssertUnwindSafe(work));
    CATCHING.set(was_catching);
    outcome.map_err(|payload| message(payload.as_ref()))
}

/// Wraps the current panic hook once, so that the hook installed before the first
/// store opened (the default one or the CLI's) still reports every other panic.
fn install_quiet_hook() {
    QUIET_HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CATCHING.get() {
                tracing::debug!(%info, "caught a panic in redb");
            } else {
                previous(info);
            }
        }));
    });
}

fn message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| {
            payload
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
        })
        .unwrap_or_else(|| "unknown panic".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_the_panic_message() {
        let caught = catch(|| -> u32 { panic!("assertion failed: {}", "len >= 4096") });
        assert_eq!(caught, Err("assertion failed: len >= 4096".to_owned()));
        assert_eq!(catch(|| 7), Ok(7));
        assert!(!CATCHING.get());
    }
}
