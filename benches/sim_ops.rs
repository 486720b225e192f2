//! Simulator throughput: operations per second through the model and the reference
//! implementation with real cryptography, the byte scan after every step, at each fault level.
//!
//! Run: `cargo bench --bench sim_ops`. `docs/benchmarks.md` records the figures.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mailspec_sim::{simulate, FaultLevel, SimOptions};

const STEPS: u64 = 300;

fn sim_ops(c: &mut Criterion) {
    let mut group = c.benchmark_group("sim_ops");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(STEPS));
    for faults in [FaultLevel::None, FaultLevel::Default, FaultLevel::Heavy] {
        group.bench_function(BenchmarkId::from_parameter(faults.name()), |b| {
            let mut seed = 0u64;
            b.iter(|| {
                seed += 1;
                let report = simulate(SimOptions { seed, steps: STEPS, faults });
                assert!(report.passed(), "seed {seed} diverged");
                report.operations
            })
        });
    }
    group.finish();
}

criterion_group!(benches, sim_ops);
criterion_main!(benches);
