//! Writing reports to stdout when the reader may have gone away.
//!
//! `println!` panics when stdout is a closed pipe, as with `mailspec conform | head -1`.
//! Reports go through `emit` instead, which ends the output quietly in that case.

use std::io::Write;

/// Writes `text` and a newline to stdout. A closed pipe is not an error, and any other
/// write error is reported on stderr, because the report is already computed.
pub fn emit(text: impl std::fmt::Display) {
    let mut out = std::io::stdout().lock();
    let written = writeln!(out, "{text}").and_then(|()| out.flush());
    if let Err(error) = written {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write the report to stdout: {error}");
        }
    }
}
