use mailspec_sim::{simulate, FaultLevel, SimOptions};
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let steps = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(300);
    let faults: FaultLevel = args.get(2).map(|s| s.parse().unwrap()).unwrap_or_default();
    let seed = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
    let start = std::time::Instant::now();
    let report = simulate(SimOptions { seed, steps, faults });
    println!("{:?} ops {} episodes {} events {:?} digest {}", start.elapsed(), report.operations, report.episodes, report.events, report.digest);
    for d in report.divergences.iter().take(10) { println!("{}", serde_json::to_string(d).unwrap()); }
    println!("divergences {}", report.divergences.len());
}
