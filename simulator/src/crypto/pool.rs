//! The crypto pool: worker threads that Cake-AES and message sealing share large inputs with.
//!
//! Starting and joining a thread cost about 60 µs on the machine of docs/benchmarks.md, as
//! much as sealing about 70 KiB there, so the threads start once per process and stay. Every caller also has a
//! single-threaded path, taken when the machine has one core or the pool cannot start, and
//! the output never depends on which path ran or on the number of threads.

use std::sync::OnceLock;
use std::thread;

use rayon::{ThreadPool, ThreadPoolBuilder};

/// Largest number of threads the pool starts, whatever the number of cores.
// NOTE: without a cap, a test run on a large machine would start one idle thread per core.
// A 25 MiB piece has 1601 chunks, so eight threads still find enough work.
const MAX_THREADS: usize = 8;

/// Returns the pool, starting it on first use, or `None` on a single core or when it cannot start.
fn pool() -> Option<&'static ThreadPool> {
    static POOL: OnceLock<Option<ThreadPool>> = OnceLock::new();
    POOL.get_or_init(start_pool).as_ref()
}

fn start_pool() -> Option<ThreadPool> {
    let cores = thread::available_parallelism().map_or(1, |cores| cores.get());
    if cores < 2 {
        return None;
    }
    let built = ThreadPoolBuilder::new()
        .num_threads(cores.min(MAX_THREADS))
        .thread_name(|index| format!("mailspec-crypto-{index}"))
        .build();
    match built {
        Ok(pool) => Some(pool),
        Err(error) => {
            tracing::warn!(%error, "failed to start the crypto pool; large inputs use one thread");
            None
        }
    }
}

/// Returns whether the pool runs, so that `join` and `install` use more than one thread.
pub(crate) fn has_pool() -> bool {
    pool().is_some()
}

/// Runs `work` on the pool, so that the rayon calls inside it use the pool's threads.
///
/// Without the pool, runs `work` on the calling thread, where rayon calls would use rayon's
/// global pool instead: callers take their single-threaded path when `has_pool` is false.
pub(crate) fn install<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    match pool() {
        Some(pool) => pool.install(work),
        None => work(),
    }
}

/// Runs `first` and `second`, on two pool threads when the pool runs, and returns both results.
///
/// Without the pool, runs `first` and then `second` on the calling thread. A panic in either
/// closure reaches the caller.
pub(crate) fn join<A, B, RA, RB>(first: A, second: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    match pool() {
        Some(pool) => pool.join(first, second),
        None => (first(), second()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_returns_both_results_in_order() {
        let (left, right) = join(|| 1 + 1, || "two");
        assert_eq!((left, right), (2, "two"));
    }

    #[test]
    fn join_passes_a_panic_on() {
        let outcome = std::panic::catch_unwind(|| join(|| 1, || -> u8 { panic!("second failed") }));
        assert!(outcome.is_err());
    }

    #[test]
    fn install_uses_pool_thread() {
        let name = install(|| thread::current().name().map(str::to_owned));
        let on_pool = name.is_some_and(|name| name.starts_with("mailspec-crypto-"));
        assert_eq!(on_pool, has_pool());
    }
}
