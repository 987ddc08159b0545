//! A memory limit for evaluations, kept by a watchdog thread.
//!
//! jsonata-core has no memory limit, so an expression such as `[1..10000000].{...}`
//! can take gigabytes before the time limit stops it. While evaluations run, one
//! watchdog thread reads the process's resident memory every 10 ms. It cancels any
//! evaluation during which that memory grew by more than the evaluation's limit,
//! through the engine's cancel token. Resident memory is the whole process's, so other
//! work running at the same time counts towards the limit too.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, Thread};
use std::time::Duration;

use jsonata_core::evaluator::CancelToken;

/// How often the watchdog reads resident memory.
const INTERVAL: Duration = Duration::from_millis(10);

/// One evaluation being watched. Dropping it ends the watch.
pub(super) struct Watch {
    id: u64,
    token: CancelToken,
    exceeded: Arc<AtomicBool>,
}

/// The watchdog's record of a watched evaluation.
struct Watched {
    id: u64,
    baseline: usize,
    limit: usize,
    token: CancelToken,
    exceeded: Arc<AtomicBool>,
}

static WATCHED: Mutex<Vec<Watched>> = Mutex::new(Vec::new());
static WATCHDOG: OnceLock<Thread> = OnceLock::new();
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

impl Watch {
    /// Starts watching an evaluation that may grow resident memory by `limit` bytes,
    /// or returns `None` when there is no limit or this system does not report
    /// resident memory.
    pub(super) fn start(limit: usize) -> Option<Watch> {
        if limit == usize::MAX {
            return None;
        }
        let baseline = resident_bytes()?;
        let watch = Watch {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            token: CancelToken::new(),
            exceeded: Arc::new(AtomicBool::new(false)),
        };
        let watched = Watched {
            id: watch.id,
            baseline,
            limit,
            token: watch.token.clone(),
            exceeded: Arc::clone(&watch.exceeded),
        };
        lock_watched().push(watched);
        WATCHDOG.get_or_init(start_watchdog).unpark();
        Some(watch)
    }

    /// Returns the token that the watchdog cancels, for each evaluator of the
    /// evaluation.
    pub(super) fn token(&self) -> CancelToken {
        self.token.clone()
    }

    /// Returns whether the watchdog cancelled the evaluation for its memory.
    pub(super) fn exceeded(&self) -> bool {
        self.exceeded.load(Ordering::Relaxed)
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        lock_watched().retain(|watched| watched.id != self.id);
    }
}

/// Locks the watch list. A panic while it was held cannot leave it inconsistent
/// (each change is one push or retain), so a poisoned lock is used as it is.
fn lock_watched() -> std::sync::MutexGuard<'static, Vec<Watched>> {
    WATCHED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn start_watchdog() -> Thread {
    let spawned = thread::Builder::new()
        .name("weft-transform-memory".to_string())
        .spawn(watch_loop);
    match spawned {
        Ok(handle) => handle.thread().clone(),
        // Without the thread nothing is cancelled, as on a system without resident
        // memory figures; the time limit still applies.
        Err(_) => thread::current(),
    }
}

/// Reads resident memory every [`INTERVAL`] while evaluations are watched, and
/// sleeps until the next one starts otherwise.
fn watch_loop() {
    loop {
        if lock_watched().is_empty() {
            thread::park();
            continue;
        }
        thread::sleep(INTERVAL);
        let Some(resident) = resident_bytes() else {
            continue;
        };
        for watched in lock_watched().iter() {
            if resident.saturating_sub(watched.baseline) > watched.limit {
                watched.exceeded.store(true, Ordering::Relaxed);
                watched.token.cancel();
            }
        }
    }
}

/// Returns the process's resident memory in bytes, read from `/proc/self/status`
/// (Linux); `None` elsewhere.
fn resident_bytes() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kibibytes: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kibibytes * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_memory_is_read() {
        if cfg!(target_os = "linux") {
            assert!(resident_bytes().is_some_and(|bytes| bytes > 0));
        }
    }

    #[test]
    fn growth_past_limit_cancels() {
        let Some(watch) = Watch::start(8 * 1024 * 1024) else {
            return;
        };
        let mut allocated: Vec<Vec<u8>> = Vec::new();
        for _ in 0..200 {
            if watch.token().is_cancelled() {
                break;
            }
            // Written, so the pages become resident.
            allocated.push(vec![1; 1024 * 1024]);
            thread::sleep(Duration::from_millis(2));
        }
        assert!(watch.exceeded());
        assert!(watch.token().is_cancelled());
        assert!(
            allocated.len() < 200,
            "cancelled only after {} MiB",
            allocated.len()
        );
    }

    #[test]
    fn dropped_watch_is_forgotten() {
        let Some(watch) = Watch::start(usize::MAX - 1) else {
            return;
        };
        let id = watch.id;
        drop(watch);
        assert!(lock_watched().iter().all(|watched| watched.id != id));
    }
}
