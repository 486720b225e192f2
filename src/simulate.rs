//! `mailspec simulate`: runs the deterministic simulator and reports every divergence
//! between the model and the reference implementation.

use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::process::ExitCode;

use mailspec_sim::sim::ReferenceOutcome;
use mailspec_sim::{simulate, FaultLevel, SimOptions, SimReport};

/// Exit code for a run with at least one divergence.
const EXIT_DIVERGED: u8 = 1;

#[derive(clap::Args)]
pub struct SimulateArgs {
    /// Seed of the run, a whole number; without it a random seed is drawn and printed.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    seed: Option<String>,
    /// Operations to run through the model and the reference implementation.
    #[arg(long, default_value = "1000", value_name = "N", allow_negative_numbers = true)]
    steps: String,
    /// Injected faults: none, default (delayed and shuffled delivery, some crashes) or heavy.
    #[arg(long, default_value = "default", value_name = "LEVEL")]
    faults: String,
    /// Output: human (lines on stdout) or json (one object on stdout).
    #[arg(long, default_value = "human")]
    format: String,
}

/// Runs the simulation. Returns an error message for bad usage.
pub fn run(args: SimulateArgs) -> Result<ExitCode, String> {
    // 1. Check every argument before the run starts.
    let seed = match args.seed.as_deref() {
        Some(text) => text
            .parse::<u64>()
            .map_err(|_| format!("invalid --seed '{text}': expected a whole number from 0 to {}", u64::MAX))?,
        None => random_seed(),
    };
    let steps = match args.steps.parse::<u64>() {
        Ok(steps) if steps >= 1 => steps,
        _ => return Err(format!("invalid --steps '{}': expected a whole number of at least 1", args.steps)),
    };
    let faults: FaultLevel = args.faults.parse()?;
    let json = match args.format.as_str() {
        "human" => false,
        "json" => true,
        other => return Err(format!("invalid format '{other}': expected human or json")),
    };
    let mut out = std::io::stdout().lock();
    if !json {
        // The seed comes first, so that an interrupted run can still be replayed.
        let _ = writeln!(out, "seed: {seed}").and_then(|()| out.flush());
    }

    // 2. Run, then report. A closed stdout (a pipe into `head`) ends the output quietly.
    let report = simulate(SimOptions { seed, steps, faults });
    let written = if json {
        let text = serde_json::to_string(&report).map_err(|error| format!("cannot encode the report: {error}"))?;
        writeln!(out, "{text}")
    } else {
        write_human(&mut out, &report)
    };
    if let Err(error) = written {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(format!("cannot write the report to stdout: {error}"));
        }
    }
    Ok(if report.passed() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_DIVERGED) })
}

/// Draws a seed from the operating system's randomness, which the standard library's hash
/// keys come from. Only a run without `--seed` uses it, and it prints the seed.
fn random_seed() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0);
    hasher.finish()
}

fn write_human(out: &mut impl Write, report: &SimReport) -> std::io::Result<()> {
    let events = &report.events;
    writeln!(out, "faults: {}", report.faults.name())?;
    writeln!(out, "operations: {} in {} episodes", report.operations, report.episodes)?;
    writeln!(out, "checked against the model: {}", report.checked_steps)?;
    writeln!(
        out,
        "injected: {} delayed syncs ({} shuffled batches), {} directory refreshes, {} crashes, {} crashes during a sync, {} restarts",
        events.syncs, events.shuffled_batches, events.directory_refreshes, events.crashes, events.crashes_during_sync, events.restarts
    )?;
    writeln!(
        out,
        "effects: {} items delivered again, {} uploads sealed again after a stale key, {} messages indexed, {} operations rejected by the rules",
        events.redelivered_items, events.stale_retries, events.messages_indexed, events.rejected_operations
    )?;
    writeln!(out, "digest: {}", report.digest)?;
    writeln!(out, "divergences: {}", report.divergences.len())?;
    for divergence in &report.divergences {
        let reference = match &divergence.reference {
            ReferenceOutcome::Observation { observation } => format!("reference {observation}"),
            ReferenceOutcome::ScanFinding { finding } => format!("scan found {finding}"),
            ReferenceOutcome::InternalError { message } => format!("internal error: {message}"),
        };
        let operation = serde_json::to_string(&divergence.operation).unwrap_or_else(|_| format!("{:?}", divergence.operation));
        writeln!(
            out,
            "  step {} (episode {}, {}): {operation}: model {}, {reference}",
            divergence.step, divergence.episode, divergence.world, divergence.model
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(seed: Option<&str>, steps: &str, faults: &str, format: &str) -> SimulateArgs {
        SimulateArgs { seed: seed.map(str::to_owned), steps: steps.into(), faults: faults.into(), format: format.into() }
    }

    #[test]
    fn invalid_seed_names_value() {
        let error = run(args(Some("-3"), "10", "none", "human")).err().unwrap();
        assert!(error.contains("'-3'"), "{error}");
        assert!(!error.contains('\n'));
    }

    #[test]
    fn zero_steps_rejected() {
        let error = run(args(Some("1"), "0", "none", "human")).err().unwrap();
        assert!(error.contains("'0'"), "{error}");
    }

    #[test]
    fn unknown_level_and_format_rejected() {
        let level = run(args(Some("1"), "5", "chaos", "human")).err().unwrap();
        assert!(level.contains("'chaos'") && level.contains("none, default or heavy"), "{level}");
        let format = run(args(Some("1"), "5", "none", "yaml")).err().unwrap();
        assert!(format.contains("'yaml'"), "{format}");
    }

    #[test]
    fn short_run_exits_zero() {
        let code = run(args(Some("3"), "20", "none", "json")).unwrap();
        assert_eq!(code, ExitCode::SUCCESS);
    }
}
