//! Helpers for the work that Cake-AES and message sealing move to a second thread.
//!
//! Each caller keeps a single-threaded path and takes it when the machine has one core or a
//! thread cannot be started, so the output never depends on the number of threads.

use std::panic;
use std::sync::OnceLock;
use std::thread::{self, Scope, ScopedJoinHandle};

/// Returns whether `available_parallelism` reports at least two cores, asking once per process.
pub(crate) fn has_second_core() -> bool {
    static SECOND_CORE: OnceLock<bool> = OnceLock::new();
    *SECOND_CORE.get_or_init(|| thread::available_parallelism().is_ok_and(|cores| cores.get() >= 2))
}

/// Starts `work` on a new thread of `scope`, or logs why it could not and returns `None`.
pub(crate) fn spawn_or_log<'scope, T: Send + 'scope>(
    scope: &'scope Scope<'scope, '_>,
    work: impl FnOnce() -> T + Send + 'scope,
) -> Option<ScopedJoinHandle<'scope, T>> {
    match thread::Builder::new().spawn_scoped(scope, work) {
        Ok(handle) => Some(handle),
        Err(error) => {
            tracing::warn!(%error, "failed to start a second thread; doing its work on the calling thread");
            None
        }
    }
}

/// Waits for `handle` and returns its result, passing a panic of that thread on to the caller.
pub(crate) fn join<T>(handle: ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|payload| panic::resume_unwind(payload))
}
