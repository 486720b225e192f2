//! A progress line on stderr while a scope is searched.

use stateright::{Checker, Model};
use std::io::Write;
use std::time::{Duration, Instant};

const INTERVAL: Duration = Duration::from_millis(500);
const POLL: Duration = Duration::from_millis(5);

/// Waits for the checker to finish, printing progress at least once a second when
/// asked, and returns it.
pub fn watch<M: Model, C: Checker<M>>(scope: &str, checker: C, progress: bool) -> C {
    let started = Instant::now();
    let mut last_line = started;
    while !checker.is_done() {
        std::thread::sleep(POLL);
        if progress && last_line.elapsed() >= INTERVAL {
            print_line(scope, &checker, started.elapsed());
            last_line = Instant::now();
        }
    }
    let checker = checker.join();
    if progress {
        print_line(scope, &checker, started.elapsed());
    }
    checker
}

fn print_line<M: Model, C: Checker<M>>(scope: &str, checker: &C, elapsed: Duration) {
    let states = checker.state_count();
    let rate = states as f64 / elapsed.as_secs_f64().max(1e-3);
    let line = format!(
        "progress: scope={scope} states={states} unique={} depth={} rate={rate:.0}/s",
        checker.unique_state_count(),
        checker.max_depth(),
    );
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{line}");
}
