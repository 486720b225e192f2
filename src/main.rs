//! The `mailspec` command line.

use clap::{Parser, Subcommand};
use mailspec::check::{self, CheckOptions, Strategy};
use mailspec::model::ModelMutant;
use std::io::Write;
use std::process::ExitCode;

use mailspec::output;
mod simulate;

/// Exit code for a completed run in which something failed.
const EXIT_FAILED: u8 = 1;
/// Exit code for bad usage: an unknown value, an unwritable path.
const EXIT_USAGE: u8 = 2;

#[derive(Parser)]
#[command(name = "mailspec", version, about = "Executable specification and conformance harness for an encrypted mail service")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Model-check a named configuration and report every property.
    Check(CheckArgs),
    /// Serve stateright's web explorer for one scope on a loopback address.
    Explore(ExploreArgs),
    /// Run the conformance vectors against an implementation.
    Conform(ConformArgs),
    /// Regenerate every vector and the protocol schema from the model and the reference crypto.
    ///
    /// The files the recording produces in DIR/scenarios/ and DIR/crypto/ are overwritten.
    /// Any other .json file in those two directories is deleted and named on stdout, one
    /// line each. Files of other types are left alone.
    Record(RecordArgs),
    /// Score the vectors against every faulty variant of the reference implementation.
    Mutants(MutantsArgs),
    /// Serve the reference implementation over the adapter protocol on stdin and stdout.
    Adapter(AdapterArgs),
    /// Run the deterministic simulator: model and reference implementation side by side.
    Simulate(simulate::SimulateArgs),
}

#[derive(clap::Args)]
struct MutantsArgs {
    /// Directory holding scenarios/ and crypto/.
    #[arg(long, default_value = "vectors", value_name = "DIR")]
    vectors: std::path::PathBuf,
    /// Output: human or json.
    #[arg(long, default_value = "human")]
    format: String,
}

#[derive(clap::Args)]
struct AdapterArgs {
    /// Serve a faulty variant instead: one of the names `mailspec mutants` prints.
    #[arg(long, value_name = "NAME")]
    fault: Option<String>,
}

#[derive(clap::Args)]
struct ConformArgs {
    /// Implementation under test: `reference` (in process).
    #[arg(long, default_value = "reference", conflicts_with = "sut_cmd")]
    sut: String,
    /// Command that starts an adapter speaking the protocol of docs/adapter-protocol.md.
    #[arg(long, value_name = "COMMAND")]
    sut_cmd: Option<String>,
    /// Directory holding scenarios/ and crypto/.
    #[arg(long, default_value = "vectors", value_name = "DIR")]
    vectors: std::path::PathBuf,
    /// Run only the scenario vectors covering this rule ID, or `crypto`.
    #[arg(long, value_name = "RULE")]
    filter: Option<String>,
    /// Output: human, json or junit.
    #[arg(long, default_value = "human")]
    format: String,
    /// Seconds the adapter may take to answer one request.
    #[arg(long, default_value = "10", value_name = "SECONDS", allow_negative_numbers = true)]
    timeout: String,
}

#[derive(clap::Args)]
struct RecordArgs {
    /// Directory to write scenarios/, crypto/ and the protocol schema into.
    #[arg(long, default_value = "vectors", value_name = "DIR")]
    vectors: std::path::PathBuf,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Configuration: small (CI, seconds), default (under a minute), large (minutes).
    #[arg(long, default_value = "default", value_name = "NAME")]
    config: String,
    /// Worker threads for the search, a whole number from 1 to 1024.
    #[arg(long, default_value = "1", value_name = "N", allow_negative_numbers = true)]
    threads: String,
    /// Search order: bfs (shortest traces) or dfs (less memory).
    #[arg(long, default_value = "bfs")]
    strategy: String,
    /// Output: human (table on stdout) or json (one object on stdout).
    #[arg(long, default_value = "human")]
    format: String,
    /// Also write the first violation's trace as JSON to this file. Without a violation, no file is left.
    #[arg(long, value_name = "FILE")]
    trace_out: Option<std::path::PathBuf>,
    /// Switch on one model mutant, to see the checker catch it.
    #[arg(long, value_name = "NAME")]
    mutant: Option<String>,
    /// Check one scope only: tenancy, keys, peers, modes, escrow or calendar.
    #[arg(long, value_name = "NAME")]
    scope: Option<String>,
    /// Turn symmetry reduction off, to compare state counts.
    #[arg(long)]
    no_symmetry: bool,
    /// Stop each scope at its first violation; the report then marks the search incomplete.
    #[arg(long)]
    stop_on_violation: bool,
}

#[derive(clap::Args)]
struct ExploreArgs {
    /// Loopback address and port to serve on.
    #[arg(long, default_value = "127.0.0.1:3000")]
    addr: String,
    /// Configuration whose scope to explore.
    #[arg(long, default_value = "small", value_name = "NAME")]
    config: String,
    /// Scope to explore: tenancy, keys, peers, modes, escrow or calendar.
    #[arg(long, default_value = "keys")]
    scope: String,
}

fn main() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Check(args)) => run_check(args),
        Some(Command::Explore(args)) => run_explore(args),
        Some(Command::Conform(args)) => run_conform(args),
        Some(Command::Record(args)) => run_record(args),
        Some(Command::Mutants(args)) => run_mutants(args),
        Some(Command::Adapter(args)) => run_adapter(args),
        Some(Command::Simulate(args)) => simulate::run(args),
        None => run_default(),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MAILSPEC_LOG").unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// Maximum of `check --threads`. Threads beyond the number of cores only add
/// contention, so the bound mainly catches typing errors such as an extra digit.
const MAX_THREADS: usize = 1024;

fn parse_threads(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_THREADS).contains(&n) => Ok(n),
        _ => Err(format!("invalid --threads '{text}': expected a whole number from 1 to {MAX_THREADS}")),
    }
}

fn parse_mutant(text: &str) -> Result<ModelMutant, String> {
    ModelMutant::ALL.into_iter().find(|m| m.name() == text).ok_or_else(|| {
        let names: Vec<String> = ModelMutant::ALL.iter().map(|m| m.name()).collect();
        format!("unknown mutant '{text}': expected one of {}", names.join(", "))
    })
}

fn run_check(args: CheckArgs) -> Result<ExitCode, String> {
    // 1. Validate every argument before the search starts.
    let threads = parse_threads(&args.threads)?;
    let strategy: Strategy = args.strategy.parse()?;
    let json = match args.format.as_str() {
        "human" => false,
        "json" => true,
        other => return Err(format!("invalid format '{other}': expected human or json")),
    };
    let mutant = args.mutant.as_deref().map(parse_mutant).transpose()?;
    let options = CheckOptions {
        config: args.config,
        threads,
        strategy,
        mutant,
        scope: args.scope,
        no_symmetry: args.no_symmetry,
        stop_on_violation: args.stop_on_violation,
        progress: true,
    };
    check::selected_scopes(&options)?;
    let trace_file = args.trace_out.as_ref().map(open_trace_file).transpose()?;

    // 2. Search every scope.
    let report = check::run(&options)?;

    // 3. Report, and write the trace.
    if json {
        output::emit(serde_json::to_string(&report).map_err(|e| format!("cannot encode the report: {e}"))?);
    } else {
        output::emit(&report);
    }
    if let (Some(mut file), Some(path)) = (trace_file, args.trace_out.as_ref()) {
        match report.first_violation() {
            Some(violation) => {
                let trace = serde_json::to_string_pretty(violation).unwrap_or_default();
                file.write_all(trace.as_bytes()).map_err(|e| format!("cannot write trace file '{}': {e}", path.display()))?;
            }
            None => {
                // The file was created early to catch an unwritable path; no trace means no file.
                drop(file);
                let _ = std::fs::remove_file(path);
                eprintln!("no violation, so no trace was written to '{}'", path.display());
            }
        }
    }
    Ok(if report.passed() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_FAILED) })
}

fn open_trace_file(path: &std::path::PathBuf) -> Result<std::fs::File, String> {
    std::fs::File::create(path).map_err(|e| format!("cannot write trace file '{}': {e}", path.display()))
}

fn run_explore(args: ExploreArgs) -> Result<ExitCode, String> {
    use stateright::Model;

    let address: std::net::SocketAddr =
        args.addr.parse().map_err(|_| format!("invalid address '{}': expected IP:PORT, such as 127.0.0.1:3000", args.addr))?;
    if !address.ip().is_loopback() {
        return Err(format!("invalid address '{}': expected a loopback address such as 127.0.0.1", args.addr));
    }
    let scopes = check::scopes(&args.config)?;
    let names: Vec<&str> = scopes.iter().map(|s| s.scope).collect();
    let model = scopes
        .iter()
        .find(|s| s.scope == args.scope)
        .cloned()
        .ok_or_else(|| format!("unknown scope '{}': expected one of {}", args.scope, names.join(", ")))?;

    // stateright's `serve` panics when it cannot bind, so bind once here to report a
    // busy port as a usage error. NOTE: another process can still take the port
    // between this probe and the explorer's own bind, and then `serve` panics.
    drop(std::net::TcpListener::bind(address).map_err(|e| format!("cannot serve the explorer on {address}: {e}; choose another port with --addr"))?);
    eprintln!("serving the explorer for scope {} on http://{address}", args.scope);
    model.checker().serve(address);
    Ok(ExitCode::SUCCESS)
}

fn run_conform(args: ConformArgs) -> Result<ExitCode, String> {
    use mailspec::conform::{self, ReportFormat, Sut};

    // 1. Validate every argument before anything runs.
    let format: ReportFormat = args.format.parse()?;
    let timeout = match args.timeout.parse::<u64>() {
        Ok(seconds) if seconds >= 1 => std::time::Duration::from_secs(seconds),
        _ => return Err(format!("invalid --timeout '{}': expected a whole number of seconds, at least 1", args.timeout)),
    };
    let sut = match (args.sut_cmd, args.sut.as_str()) {
        (Some(command), _) if command.trim().is_empty() => {
            return Err("invalid --sut-cmd '': expected the command line that starts your adapter".into());
        }
        (Some(command), _) => Sut::Command { command, timeout },
        (None, "reference") => Sut::Reference,
        (None, other) => return Err(format!("invalid implementation '{other}': expected reference, or use --sut-cmd")),
    };
    let filter = args.filter.as_deref().map(conform::parse_filter).transpose()?;
    let set = conform::load_vectors(&args.vectors)?;

    // 2. Run the suite and report.
    let mut implementation = conform::implementation(&sut)?;
    let report = conform::conform(implementation.as_mut(), &set, filter);
    conform::print(&report, format);
    Ok(ExitCode::from(report.exit_code()))
}

fn run_record(args: RecordArgs) -> Result<ExitCode, String> {
    let before = mailspec::conform::recorded_files(&args.vectors);
    let recorded = mailspec_conformance::record::record(&args.vectors);

    // Name every old file the recording deleted, also when it stopped part way.
    for path in before.iter().filter(|path| !path.exists()) {
        output::emit(format_args!("removed {}: the recording no longer produces it", path.display()));
    }
    let written = recorded.map_err(|e| format!("cannot write vectors to '{}': {e}", args.vectors.display()))?;
    output::emit(format_args!("wrote {} files under {}", written.len(), args.vectors.display()));
    Ok(ExitCode::SUCCESS)
}

fn run_mutants(args: MutantsArgs) -> Result<ExitCode, String> {
    let json = match args.format.as_str() {
        "human" => false,
        "json" => true,
        other => return Err(format!("invalid format '{other}': expected human or json")),
    };
    if !args.vectors.is_dir() {
        return Err(format!("unreadable vectors: '{}' is not a directory", args.vectors.display()));
    }
    let set = mailspec_conformance::VectorSet::load(&args.vectors).map_err(|e| format!("unreadable vectors: {e}"))?;
    if let Some(error) = set.errors.first() {
        return Err(format!("unreadable vectors ({} files): {error}", set.errors.len()));
    }
    let report = mailspec_conformance::mutants::score(&set);

    if json {
        output::emit(serde_json::to_string(&report).map_err(|e| format!("cannot encode the scores: {e}"))?);
    } else {
        output::emit(report.human());
    }
    Ok(if report.passed() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_FAILED) })
}

fn run_adapter(args: AdapterArgs) -> Result<ExitCode, String> {
    use mailspec_conformance::reference::InProcess;

    let mut implementation = match args.fault.as_deref() {
        None => InProcess::new(),
        Some(name) => {
            let fault = mailspec_sim::Fault::from_name(name).ok_or_else(|| {
                let names: Vec<String> = mailspec_sim::Fault::ALL.iter().map(|f| f.name()).collect();
                format!("unknown fault '{name}': expected one of {}", names.join(", "))
            })?;
            InProcess::with_fault(fault)
        }
    };
    let stdin = std::io::stdin().lock();
    let stdout = std::io::stdout().lock();
    mailspec_conformance::serve::serve(&mut implementation, stdin, stdout).map_err(|e| format!("adapter I/O failed: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

/// Runs the main job: the model check of the default configuration, then the
/// conformance suite against the reference implementation, and one summary.
fn run_default() -> Result<ExitCode, String> {
    use mailspec::conform::{self, Sut};

    // 1. Load the vectors first: a missing or broken ./vectors fails in a moment,
    // not after the model check.
    let vectors = std::path::Path::new("vectors");
    if !vectors.is_dir() {
        return Err("unreadable vectors: './vectors' is not a directory; run from the repository root".into());
    }
    let set = conform::load_vectors(vectors)?;
    if let Some(error) = set.errors.first() {
        return Err(format!("unreadable vectors ({} files): {error}; run `mailspec record` to regenerate them", set.errors.len()));
    }

    // 2. Check the model, then run the suite.
    let options = CheckOptions { config: "default".into(), threads: default_threads(), progress: true, ..CheckOptions::default() };
    let check = check::run(&options)?;
    output::emit(format_args!("{check}\n"));

    let mut reference = conform::implementation(&Sut::Reference)?;
    let suite = conform::conform(reference.as_mut(), &set, None);
    output::emit(format_args!("{}\n", suite.human()));

    let model_verdict = if check.passed() { "PASS" } else { "FAIL" };
    let suite_verdict = if suite.all_passed() { "PASS" } else { "FAIL" };
    output::emit("summary:");
    output::emit(format_args!(
        "  model check (default): {model_verdict}, {} unique states, {} safety properties and {} witnesses, {:.1} s",
        check.unique_states,
        check.properties.len() / 2,
        check.properties.len() / 2,
        check.seconds
    ));
    output::emit(format_args!(
        "  conformance (reference): {suite_verdict}, {} passed, {} failed, {} skipped, {:.1} s",
        suite.passed, suite.failed, suite.skipped, suite.seconds
    ));
    Ok(if check.passed() && suite.all_passed() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_FAILED) })
}
